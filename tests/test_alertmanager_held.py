"""A held alert (service_held.py) is one Alertmanager alert from its firing to its resolve: its re-sends while held,
after a restart of logsentry, and its resolve carry the same labels (the `incident` label, model.incident_label),
so Alertmanager keeps it active while held and the resolve ends it. Real Alertmanager on 127.0.0.1."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from test_alertmanager import Alertmanager, alertmanager, notifications, service_config, wait_for  # noqa: F401
from test_service import RunningService, boom_rules, receiver  # noqa: F401  (fixtures)


def when(stamp: str) -> float:
    """An Alertmanager time (RFC 3339, nanoseconds at most) as Unix seconds."""
    return datetime.fromisoformat(re.sub(r"(\.\d{6})\d*", r"\1", stamp).replace("Z", "+00:00")).timestamp()


def active(manager: Alertmanager) -> list[dict[str, Any]]:
    return [a for a in manager.get("/api/v2/alerts") if a["status"]["state"] == "active"]


def test_a_held_alert_keeps_its_labels_through_resends_a_restart_and_its_resolve(
        alertmanager, live_journal, boom_rules, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    manager, hook = alertmanager
    root = tmp_path / "svc"
    root.mkdir()
    running = RunningService(root, service_config(root, live_journal.directory,
                                                  boom_rules(action="restart", within="1s"), manager))
    try:
        running.start()
        live_journal.write("BOOM hung", priority=3)
        [firing] = wait_for(lambda: active(manager), what="the alert")
        running.wait_log("stays firing until the unit logs again")
        time.sleep(3)  # re-sends every second while held
        assert [a["labels"] for a in active(manager)] == [firing["labels"]]
        running.stop()
        running.start()
        time.sleep(2)
        assert [a["labels"] for a in active(manager)] == [firing["labels"]]
        live_journal.write("serving again")
        ended = wait_for(lambda: [a for n in notifications(hook) for a in n["alerts"] if a["status"] == "resolved"],
                         30, "the resolve")
        assert [a["labels"] for a in ended] == [firing["labels"]]
        # it ended when the unit logged again, 5 s and more after its last hit, not at that hit (startsAt)
        assert when(ended[0]["endsAt"]) - when(firing["startsAt"]) >= 5, (firing["startsAt"], ended[0]["endsAt"])
        wait_for(lambda: not active(manager), 10, "no alert active")
    finally:
        if running.proc is not None:
            running.stop()
