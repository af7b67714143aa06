"""The service's heartbeat: a GET of the configured URL every heartbeat_every while its loop comes round (a
dead-man's switch: healthchecks.io, Uptime Kuma's push monitors, Alertmanager's Watchdog pattern). One ping at a
time in a thread of its own, never a pile-up; errors are logged with the URL's secrets scrubbed."""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from collections.abc import Callable

from .channels import basic_auth, open_url

log = logging.getLogger("logsentry")


class Heartbeat:
    def __init__(self) -> None:
        self.last_usec = 0
        """When the last ping was started (µs, the caller's clock)."""
        self._thread: threading.Thread | None = None

    def beat(self, url: str | None, every_usec: int, now_usec: int, scrub: Callable[[str], str]) -> None:
        """Ping `url` when `every_usec` passed since the last ping (no URL: nothing); `scrub` takes secrets out
        of what is logged."""
        if not url or now_usec - self.last_usec < every_usec:
            return
        self.last_usec = now_usec
        if self._thread is not None and self._thread.is_alive():
            log.warning("heartbeat ping skipped: the last one has not finished")
            return

        def ping() -> None:
            target, auth = basic_auth(url)  # user:password@ as HTTP Basic (urllib took it for the host name)
            try:  # with a password, no redirect is followed: urllib would send it on to the Location
                with (open_url if auth else urllib.request.urlopen)(urllib.request.Request(target, headers=auth),
                                                                    timeout=10) as response:
                    deadline = time.monotonic() + 10  # in all: a server trickling its answer is cut off
                    while response.read(1024) and time.monotonic() < deadline:
                        pass
            except OSError as error:
                log.warning("heartbeat ping failed (%s)", scrub(str(error)))

        self._thread = threading.Thread(target=ping, name="logsentry-heartbeat", daemon=True)
        self._thread.start()
