"""A silent host's incident resolves with the silence's true length (a fresh operator's trial: after a restart the
resolve said "why: no journal entry for 0.0s" while its reason said "after a gap of 11m 25s", and that gap ran
to the newest entry of the backlog read at the restart, not to the host's first entry back). Both say the time
from the host's last entry before its silence to its first entry after it, and the alert ends there."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from test_host_stale import WEB7, alerts, config, fleet, learnt, wait_until  # noqa: F401  (fixture)
from test_service import receiver, service  # noqa: F401  (fixtures)

from logsentry.model import Entry
from logsentry.timespec import parse_duration


def test_the_resolve_after_a_restart_measures_the_silence_to_the_first_entry_back() -> None:
    """Pure logic: fired, saved and restored, then a backlog of the host's entries read at once."""
    hosts = learnt([1.0] * 10, silent_after="3s")
    newest = hosts.hosts[WEB7].newest_usec
    [firing] = hosts.check(newest + 4_000_000)
    assert firing.payload["why"] == "no journal entry for 4.0s, usually one every 1.0s"
    again = learnt([], silent_after="3s")
    again.hosts.clear()
    again.restore(hosts.snapshot())
    for late_s in (21, 22, 23, 40):  # back at +21 s; the service read on to +40 s before it checked
        again.saw(Entry(newest + late_s * 1_000_000, "back", "a.service", 6, "c", {"_MACHINE_ID": WEB7}))
    [resolved] = again.check(newest + 41_000_000)
    payload = resolved.payload
    assert payload["why"] == "no journal entry for 21s, usually one every 1.0s"
    assert payload["reason"] == f"host web-7 (machine {WEB7}): entries arrive again (after a gap of 21s)"
    assert (payload["first_usec"], payload["last_usec"]) == (newest, newest + 21_000_000)


def _said(alert: dict[str, Any], pattern: str) -> float:
    """The duration the alert's message says where `pattern` has it, in seconds (0 for "0.0s")."""
    found = re.search(pattern, alert["message"])
    assert found, alert["message"]
    return 0.0 if found.group(1) == "0.0s" else parse_duration(found.group(1)) / 1_000_000


@pytest.mark.alone
def test_a_host_back_while_the_service_was_stopped_resolves_with_its_gap(fleet, service, receiver,  # noqa: F811
                                                                        tmp_path: Path) -> None:
    """The real service over a journal-remote directory fed live: the host goes silent and is paged, the service
    stops, the host logs again, the service starts and reads the backlog: one resolve, its why and its reason the
    same gap, which ends at the host's first entry back (not at the service's start)."""
    hook = receiver()
    running = service(config(tmp_path, fleet.directory, hook.url))  # silent_after = "3s"; entries every 0.2 s
    running.start()
    time.sleep(2)
    fleet.stopped.add("web-7")
    stopped = time.monotonic()
    wait_until(lambda: [a for a in alerts(hook) if "host-went-silent" in a["title"]], 20, "the host-level alert")
    assert running.stop() == 0
    time.sleep(1)
    fleet.stopped.discard("web-7")
    silence_s = time.monotonic() - stopped
    time.sleep(4)  # the host logs while the service is down: a backlog at its start
    running.start()
    [resolved] = wait_until(lambda: [a for a in alerts(hook)
                                     if "RESOLVED" in a["title"] and "host-went-silent" in a["title"]], 15,
                            "the host's resolve after the restart")
    why = _said(resolved, r"why: no journal entry for ([^,\n]+), usually one every ")
    gap = _said(resolved, r"entries arrive again \(after a gap of ([^)]+)\)")
    assert why == gap, resolved["message"]
    assert silence_s - 0.5 < gap < silence_s + 1.0, (gap, silence_s)  # (not the 4 s more read at the start)
    assert running.stop() == 0
