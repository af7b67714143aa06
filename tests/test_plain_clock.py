"""A journalctl or syslog paste with its date column cut off (`11:10:05 host systemd[1]: ...`, trial 72's 08): each
line's time of day is read on the latest date that puts the first no later than the file's time, its host and tag
as written, so PID 1's lines are its and the systemd rules judge them (read as the file's lines at its time, a
userdbd start timeout was one excerpt warning named after the file). The kernel's tag after a time alone
(`22:39:31 kernel: ...`) is read the same way."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conftest import json_events, of_type, run_cli

from logsentry.sources import Selection, open_entries

USERDBD = """11:08:34 localhost.localdomain systemd[1]: Starting User Database Manager...
11:10:05 localhost.localdomain systemd[1]: systemd-userdbd.service: start operation timed out. Terminating.
11:10:05 localhost.localdomain systemd[1]: systemd-userdbd.service: Failed with result 'timeout'.
11:10:05 localhost.localdomain systemd[1]: Failed to start User Database Manager.
"""


def test_a_time_of_day_host_and_tag_are_syslogs(tmp_path: Path) -> None:
    path = tmp_path / "userdbd.txt"
    path.write_text(USERDBD)
    noon = time.mktime((2026, 9, 16, 12, 0, 0, 0, 0, -1))
    os.utime(path, (noon, noon))
    entries = list(open_entries(Selection(), files=[path]))
    assert [entry.unit for entry in entries] == ["(systemd)", "(systemd-userdbd.service)", "(systemd-userdbd.service)",
                                                 "(systemd)"]
    assert entries[1].fields["_HOSTNAME"] == "localhost.localdomain" and entries[1].fields["_PID"] == "1"
    assert entries[2].message == "systemd-userdbd.service: Failed with result 'timeout'."
    assert entries[0].realtime_usec == int(time.mktime((2026, 9, 16, 11, 8, 34, 0, 0, -1))) * 1_000_000
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert "systemd-unit-failed" in [incident["rule"] for incident in of_type(json_events(result), "incident")]
    assert "a time of day without a date" in result.stderr and "2026-09-16" in result.stderr


def test_a_time_after_the_file_time_is_the_day_before(tmp_path: Path) -> None:
    path = tmp_path / "late.txt"
    path.write_text("23:50:00 web-1 kernel: i915 0000:00:02.0: [drm] GPU HANG: ecode 12:1:0020fffe\n"
                    "00:10:00 web-1 app[7]: restarted\n")
    morning = time.mktime((2026, 9, 16, 1, 0, 0, 0, 0, -1))
    os.utime(path, (morning, morning))
    entries = list(open_entries(Selection(), files=[path]))
    assert [(entry.unit, entry.fields.get("_HOSTNAME")) for entry in entries] == [("kernel", "web-1"),
                                                                                   ("(app)", "web-1")]
    assert entries[0].realtime_usec == int(time.mktime((2026, 9, 15, 23, 50, 0, 0, 0, -1))) * 1_000_000
    assert entries[1].realtime_usec == int(time.mktime((2026, 9, 16, 0, 10, 0, 0, 0, -1))) * 1_000_000


def test_a_time_without_a_tag_is_a_programs_words(tmp_path: Path) -> None:
    path = tmp_path / "app.txt"
    path.write_text("12:00:01 worker started\n12:00:02 ERROR[0001]: no queue\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [entry.message for entry in entries] == ["12:00:01 worker started", "12:00:02 ERROR[0001]: no queue"]
    assert {entry.unit for entry in entries} == {"(app)"}
