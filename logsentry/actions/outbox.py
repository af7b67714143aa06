"""The outbox worker: carries out queued actions in its own thread, so a slow or failing alert channel
or systemctl never stops the journal from being read.

Alerts: a failed channel is retried with exponential backoff, then the next channel of the escalation
list is tried, round and round with the backoff capped; an alert leaves the outbox only once delivered.
Restarts: marked in progress before systemctl runs; after a crash, an in-progress restart whose unit
already has a new invocation counts as done, so a restart is not repeated.
Delivery errors are scrubbed of every configured secret (channel URLs, command arguments, the heartbeat
URL) before they are logged or stored in `last_error`: libraries quote URLs in their exceptions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..config import SiteConfig
from ..state import OutboxItem, OutboxRow, State
from ..timespec import wall_usec
from .alert import service_payload
from .channels import DeliveryError, deliver
from .restart import ActionFailed, current_invocation, restart_unit

log = logging.getLogger("logsentry.outbox")

Deliver = Callable[[Any, Mapping[str, Any]], None]



class OutboxWorker:
    def __init__(self, state_path: Any, config: SiteConfig, deliver_alert: Deliver = deliver):
        self.state_path = state_path
        self.config = config
        self.deliver_alert = deliver_alert
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.delivered = 0
        self.failures = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="logsentry-outbox", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        self.stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        state = State(self.state_path)
        try:
            while not self.stop.is_set():
                try:
                    self.drain(state)
                except Exception:  # the worker must outlive any single bad row or database hiccup
                    log.exception("outbox worker error; retrying in 1s")
                    self.stop.wait(1.0)
                    continue
                next_due = state.next_due_usec()
                timeout = 60.0 if next_due is None else max(0.0, (next_due - wall_usec()) / 1_000_000)
                self.wake.wait(min(timeout, 60.0))
                self.wake.clear()
        finally:
            state.close()

    def drain(self, state: State) -> None:
        """Carry out every action that is due now."""
        for row in state.due(wall_usec()):
            if self.stop.is_set():
                return
            if row.kind == "restart":
                self._restart(state, row)
            else:
                self._alert(state, row)

    def _restart(self, state: State, row: OutboxRow) -> None:
        limits = self.config.restart
        unit = str(row.payload["unit"])
        before = str(row.payload.get("invocation", ""))
        if row.status == "in_progress" and before:
            now_invocation = current_invocation(unit, limits.systemctl)
            if now_invocation and now_invocation != before:
                state.update(row.id, status="done", last_error="restarted before logsentry itself restarted")
                return
        state.update(row.id, status="in_progress", attempts=row.attempts + 1)
        try:
            detail = restart_unit(unit, limits.systemctl, limits.timeout_s, limits.abort_first)
        except ActionFailed as error:
            log.error("restart of %s failed: %s", unit, error)
            self.failures += 1
            state.update(row.id, status="failed", last_error=str(error))
            state.commit({}, [OutboxItem(f"alert:restart-failed:{row.dedupe}", "alert",
                                         service_payload("restart_failed", self.config.hostname, str(error)))],
                          wall_usec())
            return
        log.warning("restarted %s (%s): %s", unit, row.payload.get("rule"), detail)
        state.update(row.id, status="done", last_error=detail)

    def _alert(self, state: State, row: OutboxRow) -> None:
        channels = self.config.alerts.channels
        if not channels:
            log.warning("alert (no channel configured): %s", row.payload.get("reason"))
            state.update(row.id, status="done", last_error="no alert channel configured; logged only")
            return
        channel = channels[row.channel % len(channels)]
        try:
            self.deliver_alert(channel, row.payload)
        except DeliveryError as error:
            self._retry_later(state, row, str(error))
            return
        except Exception as error:  # a broken channel plugin must not kill the worker
            self._retry_later(state, row, f"{channel.name}: {type(error).__name__}: {error}")
            return
        self.delivered += 1
        log.info("alert %s delivered via %s", row.dedupe.split(":")[1], channel.name)
        state.update(row.id, status="done", channel=row.channel, last_error="")

    def _retry_later(self, state: State, row: OutboxRow, error: str) -> None:
        error = self.config.secrets().scrub(error)
        policy = self.config.alerts
        channels = policy.channels
        self.failures += 1
        attempts = row.attempts + 1
        channel = row.channel
        if attempts >= channels[channel % len(channels)].retries:
            channel, attempts = channel + 1, 0  # escalate to the next channel
        rounds = channel // len(channels)
        delay = min(policy.backoff_usec * (2 ** (attempts + rounds)), policy.max_backoff_usec)
        log.warning("alert delivery failed (%s); next try via %s in %.1fs", error,
                    channels[channel % len(channels)].name, delay / 1_000_000)
        state.update(row.id, status="pending", channel=channel, attempts=attempts,
                     next_attempt_usec=wall_usec() + delay, last_error=error)
