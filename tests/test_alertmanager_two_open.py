"""Two open incidents of one rule on one unit are two alerts in a real Alertmanager (Debian's
prometheus-alertmanager on 127.0.0.1), and the one that ends resolves only itself.

An operator's trial found both sent with the same labels (alertname, host, unit, rule, severity): Alertmanager
identifies an alert by its label set, so the first resolve resolved the other's alert too, which fired again at
its next re-send. Here app.service fails (BOOM, then PID 1's "Failed with result": one failure, open for
systemd-unit-failed's 10 min) and its program says BOOM again after boom's 3 s window: a second incident of
boom (never two of one rule in one run's failure), which ends 3 s later while the failure stays open.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from test_alertmanager import Alertmanager, alertmanager, notifications, service_config, wait_for  # noqa: F401
from test_service import RunningService, boom_rules, receiver  # noqa: F401  (fixtures)

RUN = "c0ffee00" * 4
"""The unit's invocation (systemd's _SYSTEMD_INVOCATION_ID on its lines, INVOCATION_ID on PID 1's about it)."""


def write_failure(journal: Any) -> None:
    """app.service's BOOM and systemd's lines saying the unit failed, as journald stamps them."""
    journal.write("BOOM first", priority=3, _HOSTNAME="web-7", _PID="4000", _SYSTEMD_INVOCATION_ID=RUN)
    for message, priority in (("Main process exited, code=exited, status=1/FAILURE", 5),
                              ("Failed with result 'exit-code'.", 4)):
        journal.write(f"app.service: {message}", unit=None, priority=priority, _HOSTNAME="web-7", _PID="1",
                      _UID="0", _SYSTEMD_UNIT="init.scope", SYSLOG_IDENTIFIER="systemd", UNIT="app.service",
                      INVOCATION_ID=RUN)


def active(manager: Alertmanager) -> list[dict[str, Any]]:
    return [a for a in manager.get("/api/v2/alerts") if a["status"]["state"] == "active"]


def test_the_incident_that_ends_resolves_only_its_own_alert(alertmanager, live_journal, boom_rules,  # noqa: F811
                                                            tmp_path: Path) -> None:
    manager, hook = alertmanager
    root = tmp_path / "svc"
    root.mkdir()
    config = service_config(root, live_journal.directory, boom_rules(within="3s"), manager)
    running = RunningService(root, config.replace('resend = "1s"', 'resend = "1h"'))  # no re-send hides it
    try:
        running.start()
        write_failure(live_journal)
        [failure] = wait_for(lambda: active(manager), what="the failure's alert")
        time.sleep(4)  # past boom's window: the program's next BOOM is another incident of boom
        live_journal.write("BOOM again", priority=3, _HOSTNAME="web-7", _PID="4000", _SYSTEMD_INVOCATION_ID=RUN)
        running.wait_log("incident boom on app.service ended", timeout=30)
        running.wait_log("delivered via am", timeout=20, count=3)  # the failure's, the second's and its resolve
        ended = wait_for(lambda: [a for n in notifications(hook) for a in n["alerts"] if a["status"] == "resolved"],
                         20, "the second incident's resolve")  # (one group: in a firing notification)
        still = active(manager)
        assert [a["labels"] for a in still] == [failure["labels"]], (still, ended)  # the failure fires on
        assert still[0]["startsAt"] == failure["startsAt"]
        [resolved] = ended
        assert resolved["labels"]["incident"] != failure["labels"]["incident"]
        assert {k: v for k, v in resolved["labels"].items() if k != "incident"} == \
            {k: v for k, v in failure["labels"].items() if k != "incident"}  # same rule, unit, host: one group
        assert resolved["startsAt"] > failure["startsAt"]
    finally:
        if running.proc is not None:
            running.stop()
