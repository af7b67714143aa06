"""Trial 61's remaining readers, through the CLI on small text files and the line readers themselves: rsyslog
templates that write the severity before the time, ZoneMinder's own log files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from conftest import run_cli

from logsentry.sources.applog import AppLogParser
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


ZONEMINDER = """\
11.10.2024 22:16:41.225858 zmdc[12655].INF [ZMServer:411] [Starting pending process, zmc -m 2]
11.10.2024 22:16:41.238766 zmdc[15246].INF [ZMServer:411] ['zmc -m 2' started at 24/10/11 22:16:41]
11.10.2024 22:16:43.877369 zmdc[12655].ERR [ZMServer:718] ['zmc -m 2' exited abnormally, exit status 255]
11.10.2024 22:16:44.000001 zmc_m2[15246].WAR-zm_monitor.cpp/2310 [Can't open video device]
11.10.2024 22:16:46.390523 zmdc[12655].ERR [ZMServer:718] ['zmc -m 1' exited abnormally, exit status 255]
"""


def test_zoneminder_log_file_times_and_levels(tmp_path: Path) -> None:
    path = tmp_path / "zm.log"  # trial 61's 39: Logger.pm's "%x %H:%M:%S.%06d id[pid].CODE [caller:line] [msg]"
    path.write_text(ZONEMINDER)
    assert _summary(path)["first_usec"] == int(datetime(2024, 10, 11, 22, 16, 41).timestamp()) * 1_000_000 + 225858
    assert _summary(path, "-p", "err")["entries"] == 2
    assert _summary(path, "-p", "warning")["entries"] == 3


def test_zoneminder_log_file_identifier_and_pid() -> None:
    parser = AppLogParser("zm.log", 1.8e9)
    lines = [parser.parse(line) for line in ZONEMINDER.splitlines()]
    assert [(read.fields["SYSLOG_IDENTIFIER"], read.fields["_PID"]) for read in lines if read is not None] == [
        ("zmdc", "12655"), ("zmdc", "15246"), ("zmdc", "12655"), ("zmc_m2", "15246"), ("zmdc", "12655")]
    dotted = parser.parse("11.10.2024 22:16:47.5 something else happened")  # (a dotted date alone: its time)
    assert dotted is not None and dotted.fields["SYSLOG_IDENTIFIER"] == "zm" and "_PID" not in dotted.fields
    assert dotted.usec == int(datetime(2024, 10, 11, 22, 16, 47).timestamp()) * 1_000_000 + 500_000
