"""Trial 75's long application logs: three failures a program says in its own words, which no rule named.
21: pm2 restarting an app that exits with code 1, five times in a second (aaPanel/aaPanel#12; lib/God.js
handleExit), no incident at all. 20: a RabbitMQ peer's "rabbit on node X down" / "node X down: connection_closed"
(rabbitmq-server#2003; rabbit_node_monitor.erl) 11 s after the memory alarm, in no card. 01: Liferay's
"Stopping the server due to unexpected startup errors" (MainServlet.init's System.out line) after a failed
upgrade, the card headed by an earlier flood of missing thumbnails. The lines are the trial's, verbatim, read as
a program's own log file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import json_events, of_type, run_cli

PM2_LOOP = ["2019-10-26T10:35:44: PM2 log: App [testpp:0] starting in -fork mode-",
            "2019-10-26T10:35:44: PM2 log: App [testpp:0] online"] + [
    line for _ in range(5) for line in (
        "2019-10-26T10:35:45: PM2 log: App [testpp:0] exited with code [1] via signal [SIGINT]",
        "2019-10-26T10:35:45: PM2 log: App [testpp:0] starting in -fork mode-",
        "2019-10-26T10:35:45: PM2 log: App [testpp:0] online")]

RABBIT = """=WARNING REPORT==== 6-May-2019::03:41:49 ===
memory resource limit alarm cleared across the cluster
=WARNING REPORT==== 6-May-2019::03:56:36 ===
memory resource limit alarm set on node rabbit@ctl001.
**********************************************************
*** Publishers will be blocked until this alarm clears ***
**********************************************************
=WARNING REPORT==== 6-May-2019::03:56:42 ===
memory resource limit alarm cleared on node rabbit@ctl001
=WARNING REPORT==== 6-May-2019::03:56:42 ===
memory resource limit alarm cleared across the cluster
=INFO REPORT==== 6-May-2019::03:56:47 ===
rabbit on node rabbit@ctl001 down
=INFO REPORT==== 6-May-2019::03:56:47 ===
node rabbit@ctl001 down: connection_closed""".splitlines()

LIFERAY = [
    "15:54:49,931 INFO  [UpgradeProcess:205] Upgrading com.liferay.portal.upgrade.v6_1_0.UpgradeImageGallery",
    '15:54:50,047 ERROR [MainServlet:198] com.liferay.portal.kernel.events.ActionException: '
    'com.liferay.portal.kernel.upgrade.UpgradeException: com.liferay.portal.kernel.upgrade.UpgradeException: '
    'org.postgresql.util.PSQLException: ERROR: duplicate key value violates unique constraint "ix_ed5ca615"',
    "\tat com.liferay.portal.events.StartupAction.run(StartupAction.java:58)",
    "\tat com.liferay.portal.servlet.MainServlet.processStartupEvents(MainServlet.java:1267)",
    "\tat com.liferay.portal.kernel.upgrade.UpgradeProcess.upgrade(UpgradeProcess.java:208)",
    "\t... 30 more",
    "Stopping the server due to unexpected startup errors"]


def scan(tmp_path: Path, name: str, lines: list[str]) -> list[dict[str, Any]]:
    path = tmp_path / name
    path.write_text("".join(f"{line}\n" for line in lines))
    result = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return json_events(result)


def incidents(events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(i["rule"], i["severity"], i["key"]) for i in of_type(events, "incident")]


def test_pm2_restarting_an_app_that_exits_with_code_1_is_a_crash_loop(tmp_path: Path) -> None:
    assert incidents(scan(tmp_path, "pm2.log", PM2_LOOP)) == [("pm2-app-crash-loop", "error", "testpp")]


def test_pm2_stopping_and_restarting_apps_on_request_is_no_loop(tmp_path: Path) -> None:
    lines = [f"2019-10-26T10:35:{second:02d}: PM2 log: {text}" for second in range(0, 50, 10) for text in (
        "App [testpp:0] exited with code [0] via signal [SIGINT]", "App [testpp:0] starting in -fork mode-",
        "App [testpp:0] online", "App [testpp:_old_1] exited with code [1] via signal [SIGINT]")]
    assert incidents(scan(tmp_path, "pm2.log", lines)) == []


def test_a_rabbitmq_peer_lost_after_its_memory_alarm_is_in_the_alarms_card(tmp_path: Path) -> None:
    events = scan(tmp_path, "rabbit.log", RABBIT)
    assert incidents(events) == [("rabbitmq-memory-alarm", "error", "")]
    [end] = of_type(events, "incident_end")
    assert [(link["rule"], link["count"], link["fired"]) for link in end["chain"]] == [
        ("rabbitmq-memory-alarm", 1, True), ("rabbitmq-cluster-node-down", 2, True)]


def test_a_rabbitmq_peer_lost_on_its_own_is_one_incident_keyed_by_the_node(tmp_path: Path) -> None:
    assert incidents(scan(tmp_path, "rabbit.log", RABBIT[11:])) == [
        ("rabbitmq-cluster-node-down", "error", "rabbit@ctl001")]


def test_liferay_stopping_its_own_startup_heads_the_card(tmp_path: Path) -> None:
    events = scan(tmp_path, "catalina.out", LIFERAY)
    assert incidents(events) == [("liferay-startup-aborted", "critical", "")]
    assert of_type(events, "incident")[0]["message"] == "Stopping the server due to unexpected startup errors"
