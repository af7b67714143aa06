"""An incident that fires inside a silence and still fires when the silence ends is paged then (Alertmanager's way);
one that ended inside it is not paged at all. A new operator's deploy broke inside its 5-minute maintenance window
and was told only by the 10-minute reminder, titled "still firing" for a page nobody got (actions/outbox.py holds
the silenced alert till the silence ends). Real `logsentry run`, journal through journal-remote's FIFO, a command
channel writing each alert to a file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from conftest import run_cli
from test_service import RunningService, boom_rules  # noqa: F401  (fixture)


def started(root: Path, journal: Path, rules: Path, out: Path) -> RunningService:
    root.mkdir()
    (root / "receive.py").write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    running = RunningService(root, f'''
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
''')
    return running


def alerts(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()] if out.exists() else []


def test_a_failure_still_firing_when_its_silence_ends_is_paged_then(live_journal, boom_rules, tmp_path):  # noqa: F811
    out = tmp_path / "alerts.jsonl"
    running = started(tmp_path / "svc", live_journal.directory, boom_rules(within="10m"), out)
    made = run_cli("silence", "add", "-c", str(running.config_path), "-u", "app", "--for", "10s", "--comment", "deploy")
    assert made.exit_code == 0, made.output
    try:
        running.start()
        running.wait_log("ready: watching")
        live_journal.write("BOOM during")
        running.wait_log("sent then if its incident still fires", timeout=20)
        assert alerts(out) == []
        deadline = time.monotonic() + 40
        while not alerts(out) and time.monotonic() < deadline:
            time.sleep(0.2)
        [page] = alerts(out)
        assert page["event"] == "firing" and page["message"] == "BOOM during", page
        assert str(page["silenced"]).startswith(made.stdout.split()[1].rstrip(":") + " until "), page
    finally:
        running.stop()


def test_a_failure_that_ended_inside_its_silence_is_not_paged(live_journal, boom_rules, tmp_path):  # noqa: F811
    out = tmp_path / "alerts.jsonl"
    running = started(tmp_path / "svc", live_journal.directory, boom_rules(within="1s"), out)
    made = run_cli("silence", "add", "-c", str(running.config_path), "-u", "app", "--for", "10s", "--comment", "deploy")
    assert made.exit_code == 0, made.output
    try:
        running.start()
        running.wait_log("ready: watching")
        live_journal.write("BOOM brief")
        running.wait_log("incident boom on app.service ended")
        running.wait_log("its incident ended while silenced; not sent", timeout=40)
        time.sleep(1)
        assert alerts(out) == [], alerts(out)
    finally:
        running.stop()
