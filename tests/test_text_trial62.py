"""Trial 61's remaining readers, through the CLI on small text files and the line readers themselves: rsyslog
templates that write the severity before the time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import run_cli

from logsentry.sources.syslog_text import SyslogParser


def _summary(path: Path, *args: str) -> dict[str, Any]:
    done = run_cli("scan", "--file", str(path), "-o", "json", "--no-anomalies", *args)
    return next(record for record in map(json.loads, done.stdout.splitlines()) if record["type"] == "summary")


RSYSLOG_SEVERITY_FIRST = """\
info 2023-12-04T19:47:21.357547+00:00 c21 systemd[1]: auditd.service: Scheduled restart job, restart counter is at 4.
notice 2023-12-04T19:47:21.371151+00:00 c21 auditd[3899]: No plugins found, not dispatching events
warning 2023-12-04T19:47:21.371574+00:00 c21 auditd[3899]: Error setting audit daemon pid (File exists)
err 2023-12-04T19:47:21.371608+00:00 c21 auditd[3899]: Unable to set audit pid, exiting
info 2023-12-04T19:47:21.373357+00:00 c21 auditd[3899]: The audit daemon is exiting.
err 2023-12-04T19:47:21.373461+00:00 c21 auditd[3898]: Cannot daemonize (Success)
"""


def test_rsyslog_severity_before_the_time(tmp_path: Path) -> None:
    path = tmp_path / "syslog"  # trial 61's 14: `%syslogseverity-text% %timestamp:::date-rfc3339% %hostname% ...`
    path.write_text(RSYSLOG_SEVERITY_FIRST)
    assert _summary(path)["first_usec"] == 1_701_719_241_357_547  # (it was untimed: no layout)
    assert _summary(path, "-p", "err")["entries"] == 2
    assert _summary(path, "-p", "warning")["entries"] == 3


def test_rsyslog_severity_before_the_time_fields() -> None:
    parser = SyslogParser(1.7e9)
    read = parser.parse("err 2023-12-04T19:47:21.371608+00:00 c21 auditd[3899]: Unable to set audit pid, exiting")
    assert read is not None and read.usec == 1_701_719_241_371_608
    assert read.fields == {"MESSAGE": "Unable to set audit pid, exiting", "_HOSTNAME": "c21",
                           "SYSLOG_IDENTIFIER": "auditd", "_COMM": "auditd", "_PID": "3899", "SYSLOG_PID": "3899",
                           "PRIORITY": "3"}
    upper = parser.parse("CRIT Dec  4 19:47:21 c21 kernel: x")  # (the `uppercase` option; a BSD time)
    assert upper is not None and upper.fields["PRIORITY"] == "2" and upper.fields["_HOSTNAME"] == "c21"
    paired = parser.parse("daemon.warning 2023-12-04T19:47:21Z c21 auditd[3899]: x")  # %pri-text%
    assert paired is not None
    assert (paired.fields["PRIORITY"], paired.fields["SYSLOG_FACILITY"], paired.fields["SYSLOG_IDENTIFIER"]) == \
        ("4", "3", "auditd")
    local7 = parser.parse("local7.err 2023-12-04T19:47:21Z c21 app: x")
    assert local7 is not None and local7.fields["SYSLOG_FACILITY"] == "23"


def test_words_rsyslog_does_not_write_are_no_severity() -> None:
    parser = SyslogParser(1.7e9)
    for line in ("error 2023-12-04T19:47:21Z c21 app: x", "Info 2023-12-04T19:47:21Z c21 app: x",
                 "warn 2023-12-04T19:47:21Z c21 app: x"):
        assert parser.parse(line) is None, line
    unknown = parser.parse("res0.err 2023-12-04T19:47:21Z c21 app: x")  # (no facility rsyslog names)
    assert unknown is not None and "PRIORITY" not in unknown.fields
