"""A scan's `incident_end` is `"open": true` only when the incident may still be going on when the scan read its
input: the input ended within its window, and that window runs on past now. A paste of a failure days old said
`"open": true` (the input ended within its window), read as a failure still going on. Real pastes through the CLI."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from conftest import json_events, of_type, run_cli


def paste(tmp_path: Path, at: float) -> Path:
    """`journalctl -o short-iso -u myapp` of a start that failed at `at` (s since the epoch), its last lines."""
    stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    path = tmp_path / "myapp.txt"
    path.write_text(f"{stamp} web01 systemd[1]: Starting myapp.service - My App...\n"
                    f"{stamp} web01 myapp[1234]: could not open /etc/myapp/key.pem: permission denied\n"
                    f"{stamp} web01 systemd[1]: myapp.service: Main process exited, code=exited, status=1/FAILURE\n"
                    f"{stamp} web01 systemd[1]: myapp.service: Failed with result 'exit-code'.\n")
    return path


def ends(path: Path) -> list[tuple[str, bool]]:
    return [(end["rule"], end["open"]) for end in
            of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident_end")]


def test_a_paste_of_days_ago_is_no_open_incident_one_of_the_last_minute_may_go_on(tmp_path: Path) -> None:
    assert ends(paste(tmp_path, time.time() - 3 * 86_400)) == [("systemd-unit-failed", False)]
    assert ends(paste(tmp_path, time.time() - 60)) == [("systemd-unit-failed", True)]
