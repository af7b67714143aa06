"""README's minimal collector config, as printed there: `logsentry config check` accepts it, and a real
`logsentry run` on it (only the directory, the receiver's URL and a state directory filled in) alerts a remote
host's failure the way the README says: named after that host, with a journalctl command that shows the line
on the collector."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import run_cli
from receivers import HttpReceiver
from test_alert_source import WEB7, shown_by
from test_fleet_follow import MVAR
from test_host_stale import HostFeed, wait_until
from test_service import RunningService

README = Path(__file__).resolve().parent.parent / "README.md"


def collector_config() -> str:
    """The ```toml block after "A minimal collector config" in the README."""
    after = README.read_text().split("**A minimal collector config**", 1)[1]
    return after.split("```toml\n", 1)[1].split("```", 1)[0]


def test_the_readme_collector_config_passes_config_check(tmp_path: Path) -> None:
    path = tmp_path / "logsentry.toml"
    path.write_text(collector_config())
    path.chmod(0o600)  # as the README installs it
    remote = Path("/var/log/journal/remote")
    if not remote.is_dir():  # journal-remote's package makes it; without it `run` refuses, and the check says so
        done = run_cli("config", "check", "-c", str(path))
        assert done.exit_code == 2 and "journal_directory /var/log/journal/remote is not a directory" in done.stderr
        directory = tmp_path / "remote"
        directory.mkdir()
        path.write_text(collector_config().replace(f'"{remote}"', f'"{directory}"'))
    done = run_cli("config", "check", "-c", str(path))
    assert done.exit_code == 0, done.output
    assert "watch #1 (line 4) *: rules *; actions alert, restart" in done.stdout
    assert "hosts: silent when no entry came for a threshold learnt from each host's gaps" in done.stdout
    assert "alert channel #1 (line 15): alertmanager (alertmanager http://***, 3 tries)" in done.stdout
    assert done.stderr == "", done.stderr  # no warning either


def test_the_readme_collector_config_alerts_name_the_host_and_show_its_lines(tmp_path: Path) -> None:
    text = collector_config()
    directory = tmp_path / "remote"
    directory.mkdir()
    manager = HttpReceiver()
    text = text.replace('"/var/log/journal/remote"', f'"{directory}"').replace("http://127.0.0.1:9093",
                                                                                f"http://{manager.url}")
    assert str(directory) in text and manager.url in text
    feed = HostFeed(directory, "web-7", WEB7)
    service = RunningService(tmp_path, f'state_dir = "{tmp_path / "state"}"\n{text}')
    try:
        feed.write("api starting", "api.service")
        time.sleep(0.5)  # journal-remote has made web-7's file
        service.start()
        feed.write(MVAR, "api.service")
        [alert] = wait_until(lambda: [a for path, body in manager.requests if path == "/api/v2/alerts"
                                      for a in body], 20, "the MVar alert in the Alertmanager API")
        assert alert["labels"] == {"alertname": "logsentry_ghc-mvar-deadlock", "host": "web-7", "unit": "api.service",
                                   "rule": "ghc-mvar-deadlock", "severity": "critical",
                                   "incident": alert["labels"]["incident"]}
        notes = alert["annotations"]
        assert notes["observer"] == "collector"
        assert notes["summary"] == ("[logsentry web-7] CRITICAL api.service: GHC: thread blocked indefinitely in an "
                                    "MVar operation (ghc-mvar-deadlock)")
        assert f"restart api.service on host web-7 (machine {WEB7}): " in notes["description"]
        assert "logsentry does not restart it here" in notes["description"]
        assert "\n1 hit from " in notes["description"] and " on web-7\n" in notes["description"]
        assert notes["journalctl"].startswith(f"journalctl -D {directory} _MACHINE_ID={WEB7} -u api.service --since @")
        assert shown_by(notes["journalctl"]).splitlines() == [MVAR]
        assert service.stop() == 0
    finally:
        if service.proc is not None:
            service.stop()
        feed.close()
        manager.close()
