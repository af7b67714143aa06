"""A restart that fails, on a real `logsentry run` over a host's journal written live by systemd-journal-remote
(from a FIFO), whose units the service restarts through `[restart] systemctl` (`machine_id`: that host's, as for a
logsentry in a container or one that restarts with `systemctl -H`): here a systemctl that fails as systemctl
does. Its "could not restart" alert (a command channel: the payload as JSON on stdin) names the host whose unit
it is, not the service's own name; and `logsentry incidents` says the restart failed after its attempt, not
"on its current channel" (restarts have none). A fresh operator's finds (helper F4)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import appended_json, run_cli
from test_first_start_handover import Collector, Host
from test_host_stale import wait_until
from test_service import BOOM_RULE, RunningService

WEB7 = "f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7"
FAILED = "Failed to restart api.service: Unit api.service not found."  # (systemctl's own words)


def collector_restarting(tmp_path: Path, directory: Path, systemctl: Path,
                         restart: str = "") -> tuple[RunningService, Path]:
    """A collector's `logsentry run` over `directory` that restarts web-7's units through `systemctl` on boom's
    hits (a restart rule, every unit watched; `restart`: more `[restart]` lines), its alerts appended as JSON to
    the file it returns (a command channel)."""
    rules, received = tmp_path / "rules", tmp_path / "alerts.jsonl"
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM_RULE.format(action="restart", within="1m", group=""))
    (tmp_path / "receive.py").write_text(
        f"import sys\nopen({str(received)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    return RunningService(tmp_path, f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{directory}"
hostname = "collector"
rules = ["{rules}"]

[[watch]]
units = ["*"]
actions = ["restart", "alert"]

[restart]
systemctl = ["{systemctl}"]
machine_id = "{WEB7}"
{restart}
[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{tmp_path / 'receive.py'}"]
'''), received


def test_a_failed_restart_names_its_host_and_says_what_happened(tmp_path: Path) -> None:
    where = Collector(tmp_path)
    host = Host(tmp_path, where.directory, "web-7", WEB7, 0)
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(f"#!/bin/sh\necho '{FAILED}' >&2\nexit 5\n")
    systemctl.chmod(0o755)
    running, received = collector_restarting(tmp_path, where.directory, systemctl)
    try:
        host.write("GET /health 0 200", host.now())
        host.wait_written()
        running.start()
        host.write("BOOM disk-full", host.now(), priority=3)

        def failed() -> list[dict[str, object]]:
            return [alert for alert in appended_json(received) if alert["event"] == "restart_failed"]
        [alert] = wait_until(failed, 20, "the restart-failed alert")
        assert FAILED in str(alert["reason"]), alert
        assert (alert["host"], alert["machine_id"], alert["observer"]) == ("web-7", WEB7, "collector"), alert
        assert running.stop() == 0
    finally:
        host.close()
        if running.proc is not None:
            running.stop()
    shown = run_cli("incidents", "-c", str(running.config_path))
    assert shown.exit_code == 0, shown.output
    [actions] = [line for line in shown.stdout.splitlines() if line.startswith("  actions: ")]
    assert "channel" not in actions, actions
    assert actions.startswith("  actions: restart: failed after 1 attempt (last error: systemctl restart "
                              f"api.service failed (exit 5): {FAILED})"), actions
