"""The service's page says what PID 1 changed on another host just before the incident (engine/unit_changes.py): a
collector reads db-1 and web-7; db-1's PostgreSQL is stopped, web-7's API fails a moment later, and the page about
web-7 names the stop (nu78: 5 pages about victims, none about the cause).

Real parts: journal files written live by systemd-journal-remote, the real `logsentry run`, a webhook receiver."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from conftest import entry
from receivers import HttpReceiver
from test_alert_source import BOOM
from test_host_stale import HostFeed, alerts, wait_until
from test_service import RunningService

from logsentry.sources.journal_files import export_entry

DB1, WEB7 = "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1", "f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7"
PG = "postgresql@15-main.service"


def pid1(feed: HostFeed, message: str, unit: str) -> None:
    """PID 1's line about `unit` on the feed's host, now."""
    now = time.time_ns() // 1000
    record = entry(message, unit="init.scope", _PID="1", _COMM="systemd", SYSLOG_IDENTIFIER="systemd", _UID="0",
                   UNIT=unit, _MACHINE_ID=feed.machine, _HOSTNAME=feed.host, __REALTIME_TIMESTAMP=now)
    record["__MONOTONIC_TIMESTAMP"] = now
    os.write(feed._fd, export_entry(record))


def test_the_page_about_a_victim_names_the_stop_on_another_host() -> None:
    with tempfile.TemporaryDirectory(prefix="unit-changes-") as name:
        root = Path(name)
        directory, rules = root / "remote", root / "rules"
        directory.mkdir()
        rules.mkdir()
        (rules / "boom.toml").write_text(BOOM)
        hook = HttpReceiver()
        db, web = HostFeed(directory, "db-1", DB1), HostFeed(directory, "web-7", WEB7)
        service = RunningService(root, f'''
state_dir = "{root / 'state'}"
journal_directory = "{directory}"
rules = ["{rules}"]
hostname = "collector"

[hosts]
silent_after = "off"

[[watch]]
units = ["*"]
actions = ["alert"]

[alerts]
backoff = "100ms"

[[channel]]
name = "hook"
type = "apprise"
url = "json://{hook.url}/hook"
''')
        try:
            web.write("api starting", "api.service")
            pid1(db, f"Started {PG} - PostgreSQL Cluster 15-main.", PG)
            time.sleep(0.5)  # journal-remote has made the files: the service follows them from their start
            service.start()
            pid1(db, f"Stopping {PG} - PostgreSQL Cluster 15-main...", PG)
            pid1(db, f"{PG}: Deactivated successfully.", PG)
            pid1(db, f"Stopped {PG} - PostgreSQL Cluster 15-main.", PG)
            time.sleep(0.5)
            web.write("BOOM connect ECONNREFUSED 10.0.0.5:5432", "api.service")
            [firing] = wait_until(lambda: [a for a in alerts(hook) if "boom" in a["title"]], 30, "the BOOM page")
        finally:
            if service.proc is not None:
                service.stop()
            db.close()
            web.close()
            hook.close()
    message = firing["message"]
    assert "changed just before (systemd's own lines, any host):" in message, message
    [line] = [line for line in message.splitlines() if f"db-1 {PG} stopped" in line]
    assert "s before); not started again by " in line, message
