"""A unit's alerts reach a receiver in the order they were queued (actions/outbox.py, State.before_in_lane): after
a receiver's outage, an older incident's alerts, backing off, went out after a newer incident's firing alert of the
same unit (a new operator's chat read FIRING then RESOLVED, titles alike: the new incident looked resolved).
The worker and its state are real; the receiver is a function that fails while it is "down"."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from logsentry.actions.channels import DeliveryError
from logsentry.actions.outbox import OutboxWorker
from logsentry.config_parse import parse_config
from logsentry.state import SILENCED, OutboxItem, State


def alert(incident: str, event: str, unit: str = "app.service") -> OutboxItem:
    payload = {"event": event, "unit": unit, "rule": "boom", "host": "h", "incident": incident, "key": "",
               "severity": "error", "reason": f"{event} {incident}"}
    return OutboxItem(f"alert:{incident}:{event}", "alert", payload, group=f"alert:{incident}")


def test_an_older_incidents_alerts_go_before_a_newer_ones_when_the_receiver_is_back(tmp_path: Path) -> None:
    config = parse_config({"state_dir": str(tmp_path), "alerts": {"backoff": "60s", "max_backoff": "5min"},
                           "channel": [{"type": "apprise", "url": "json://127.0.0.1:9/x", "retries": 1}]},
                          tmp_path / "site.toml")
    down, got, lock = [True], [], threading.Lock()

    def receiver(_channel: Any, payload: Mapping[str, Any]) -> None:
        with lock:
            if down[0]:
                raise DeliveryError("connection refused")
            got.append((payload["incident"], payload["event"]))

    state = State(tmp_path / "state.db")
    state.commit({}, [alert("A", "firing"), alert("A", "resolved"), alert("C", "firing", unit="other.service")], 0)
    worker = OutboxWorker(state.path, config, deliver_alert=receiver)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not all(row.last_error for row in state.outbox("pending") if row.payload["event"] == "firing"):
            assert time.monotonic() < deadline, state.outbox("pending")
            time.sleep(0.05)  # A's firing alert (and C's) failed: backing off 60 s
        with lock:
            down[0] = False
        state.commit({}, [alert("B", "firing")], 0)
        worker.wake.set()
        deadline = time.monotonic() + 30
        while len(got) < 3:
            assert time.monotonic() < deadline, got
            time.sleep(0.05)
        assert got == [("A", "firing"), ("A", "resolved"), ("B", "firing")], got  # not C's: another unit's lane
        assert [row.dedupe for row in state.outbox("pending")] == ["alert:C:firing"]
    finally:
        worker.close()
        state.close()


def test_a_silence_held_alert_is_not_sent_before_its_time(tmp_path: Path) -> None:
    """An older alert held by a silence (sent at its end if its incident still fires) stays held."""
    config = parse_config({"state_dir": str(tmp_path), "channel": [{"type": "apprise", "url": "json://127.0.0.1:9/x"}]},
                          tmp_path / "site.toml")
    got: list[tuple[str, str]] = []
    state = State(tmp_path / "state.db")
    state.commit({}, [alert("A", "firing")], 0)
    [held] = state.outbox("pending")
    state.update(held.id, status="pending", next_attempt_usec=2**62, last_error=f"{SILENCED}s1 until later")
    state.commit({}, [alert("B", "firing")], 0)
    worker = OutboxWorker(state.path, config, deliver_alert=lambda _c, p: got.append((p["incident"], p["event"])))
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not got:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
        assert got == [("B", "firing")]
    finally:
        worker.close()
        state.close()
