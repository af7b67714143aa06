"""Silences (issue 17): `logsentry silence add/list/expire` made with the CLI suppress a firing incident's
notification (the incident is still detected and logged), survive in the state directory, and appear in a
real Alertmanager's /api/v2/silences (and expire there too)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from conftest import run_cli
from test_alertmanager import alertmanager, wait_for  # noqa: F401  (fixture)
from test_service import RunningService, boom_rules, receiver  # noqa: F401  (fixtures)


def config(root: Path, journal: Path, rules: Path, am_url: str, out: Path) -> str:
    (root / "receive.py").write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    return f'''
state_dir = "{root / 'state'}"
journal_directory = "{journal}"
rules = ["{rules}"]

[[watch]]
units = ["app"]
actions = ["alert"]

[alerts]
realert = "1h"

[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{root / 'receive.py'}"]

[[channel]]
name = "am"
type = "alertmanager"
url = "{am_url}"
'''


def test_silence_suppresses_notifications_and_is_mirrored_to_alertmanager(alertmanager, live_journal,  # noqa: F811
                                                                           boom_rules, tmp_path):  # noqa: F811
    manager, _ = alertmanager
    root = tmp_path / "svc"
    root.mkdir()
    out = tmp_path / "alerts.jsonl"
    running = RunningService(root, config(root, live_journal.directory, boom_rules(group='group_by = "id"'),
                                          manager.url, out))
    path = str(running.config_path)
    made = run_cli("silence", "add", "-c", path, "-u", "app", "--for", "1h", "--comment", "deploy window")
    assert made.exit_code == 0, made.output
    silence_id = made.stdout.split()[1].rstrip(":")
    [mirrored] = [s for s in manager.get("/api/v2/silences") if s["status"]["state"] == "active"]
    assert {(m["name"], m["value"]) for m in mirrored["matchers"]} == {("unit", "app.service")}
    assert silence_id in mirrored["comment"] and "deploy window" in mirrored["comment"]
    listed = [json.loads(line) for line in run_cli("silence", "list", "-c", path, "-o", "json").stdout.splitlines()]
    assert [(s["id"], s["unit"], s["active"]) for s in listed] == [(silence_id, "app.service", True)]
    try:
        running.start()
        live_journal.write("BOOM one")
        running.wait_log("incident boom on app.service")  # still detected and logged ...
        running.wait_log(f"silenced by {silence_id}")  # ... but not notified
        time.sleep(0.5)
        assert not out.exists()
        expired = run_cli("silence", "expire", "-c", path, silence_id)
        assert expired.exit_code == 0, expired.output
        wait_for(lambda: all(s["status"]["state"] == "expired" for s in manager.get("/api/v2/silences")), 10,
                 "the Alertmanager silence expired")
        live_journal.write("BOOM two")
        wait_for(lambda: out.exists() and "BOOM two" in out.read_text(), 15, "the alert after the silence")
        messages = [json.loads(line)["message"] for line in out.read_text().splitlines() if line.strip()]
        assert messages == ["BOOM two"]  # the silenced incident was never notified
        assert run_cli("silence", "list", "-c", path).stdout == ""  # none in force
    finally:
        running.stop()
