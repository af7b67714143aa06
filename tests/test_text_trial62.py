"""Trial 61's remaining readers, through the CLI on small text files and the line readers themselves: rsyslog
templates that write the severity before the time, ZoneMinder's own log files, and a syslog time without a zone
read at the offset the program's own zoned time beside it shows, Kibana's JSON line's level among its tags."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level
from logsentry.sources import _journalscan
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
    bsd = parser.parse("crit Dec  4 19:47:21 c21 kernel: x")  # (a BSD time)
    assert bsd is not None and bsd.fields["PRIORITY"] == "2" and bsd.fields["_HOSTNAME"] == "c21"
    paired = parser.parse("daemon.warning 2023-12-04T19:47:21Z c21 auditd[3899]: x")  # %pri-text%
    assert paired is not None
    assert (paired.fields["PRIORITY"], paired.fields["SYSLOG_FACILITY"], paired.fields["SYSLOG_IDENTIFIER"]) == \
        ("4", "3", "auditd")
    local7 = parser.parse("local7.err 2023-12-04T19:47:21Z c21 app: x")
    assert local7 is not None and local7.fields["SYSLOG_FACILITY"] == "23"


def test_words_rsyslog_does_not_write_are_no_severity() -> None:
    parser = SyslogParser(1.7e9)
    for line in ("error 2023-12-04T19:47:21Z c21 app: x", "Info 2023-12-04T19:47:21Z c21 app: x",
                 "warn 2023-12-04T19:47:21Z c21 app: x", "INFO 2023-12-04T19:47:21Z c21 app: x"):
        assert parser.parse(line) is None, line
    unknown = parser.parse("res0.err 2023-12-04T19:47:21Z c21 app: x")  # (no facility rsyslog names)
    assert unknown is not None and "PRIORITY" not in unknown.fields



def test_a_programs_level_words_before_its_time_are_no_rsyslog_template(tmp_path: Path) -> None:
    path = tmp_path / "app.log"  # its info and debug lines fit the layout, its error lines not: a program's own log
    path.write_text("info 2023-12-04T19:47:21.123+01:00 main app.server: started\n"
                    "error 2023-12-04T19:47:22.123+01:00 main app.server: boom\n"
                    "debug 2023-12-04T19:47:23.123+01:00 worker-1 app.db: query\n"
                    "INFO 2023-12-04T19:47:24.123+01:00 main app.server: log4j's %p %d\n")
    assert _summary(path)["entries"] == 4  # (the error line was folded into the info line's message)


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


PROMTAIL = ("Oct 25 08:13:32 loki.local promtail[9748]: level=error ts=2019-10-25T13:13:32.430744673Z "
            "caller=client.go:206 component=client host=127.0.0.1:3100 msg=\"final error sending batch\" status=400\n"
            "Oct 25 08:14:32 loki.local systemd[1]: Started Session 12 of user root.\n")
AT_13_13_32 = 1_572_009_212_000_000  # 2019-10-25T13:13:32Z
FILE_TIME = 1_572_100_000  # 2019-10-26: the year of a syslog time


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets this machine's local time zone (TZ) for the test."""
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()
    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("local", ["UTC", "Europe/Berlin", "America/Chicago"])
def test_a_programs_own_zoned_time_gives_the_syslog_times_zone(tmp_path: Path, zone: Callable[[str], None],
                                                                local: str) -> None:
    path = tmp_path / "syslog"  # trial 61's 35: the syslog time at UTC-5, promtail's own in UTC
    path.write_text(PROMTAIL)
    zone(local)
    summary = _summary(path)
    assert (summary["first_usec"], summary["last_usec"]) == (AT_13_13_32, AT_13_13_32 + 60_000_000)


def _first_usec(text: str) -> int:
    parser = SyslogParser(FILE_TIME)
    read = parser.parse(text)
    assert read is not None
    return read.usec


def test_a_programs_own_time_elsewhere_or_later_gives_no_zone(zone: Callable[[str], None]) -> None:
    zone("UTC")
    as_local = AT_13_13_32 - 5 * 3600_000_000  # (08:13:32 read as UTC)
    for line in ("Oct 25 08:13:32 h app[1]: msg=\"the peer sent 2019-10-25T13:13:32Z\"",  # (a time it quotes)
                 "Oct 25 08:13:32 h app[1]: ts=2019-10-25T13:20:32Z x",  # (7 minutes past a quarter hour's offset)
                 "Oct 25 08:13:32 h app[1]: ts=2019-10-27T13:13:32Z x"):  # (two days and 5 h: no zone's offset)
        assert _first_usec(line) == as_local, line
    parser = SyslogParser(FILE_TIME)  # a zone told by a later line would put the lines before it hours apart
    first, later = (parser.parse(line) for line in PROMTAIL.splitlines()[::-1])
    assert first is not None and later is not None and (first.usec, later.usec) == (as_local + 60_000_000, as_local)
    assert _first_usec('Oct 25 08:13:32 h app[1]: {"time":"2019-10-25T13:13:32+00:00","msg":"x"}') == AT_13_13_32
    assert _first_usec("Oct 25 08:13:32 h app[1]: [2019-10-25T08:13:32.5-05:00] x") == AT_13_13_32


def test_journalctls_header_zone_is_not_overridden(zone: Callable[[str], None]) -> None:
    zone("UTC")
    parser = SyslogParser(FILE_TIME)
    parser.marker("Logs begin at Fri 2019-10-25 07:00:00 UTC, end at Fri 2019-10-25 09:00:00 UTC.")
    assert parser.parse(PROMTAIL.splitlines()[0]) is not None and parser.zone_note is None
    assert parser.last_local == AT_13_13_32 - 5 * 3600_000_000


KIBANA_T = '{"type":"log","@timestamp":"2024-06-12T05:19:20+00:00","tags":'
KIBANA: list[tuple[int | None, str, str]] = [
    (3, KIBANA_T + '["error","elasticsearch-service"],"pid":6,"message":"Unable to retrieve version information from '
        'Elasticsearch nodes. connect ECONNREFUSED 172.24.0.2:9200"}', "Kibana 7's new platform (trial 61's 34)"),
    (6, KIBANA_T + '["info","plugins","reporting","config"],"pid":6,"message":"Chromium sandbox ..."}', "info"),
    (4, KIBANA_T + '["warn","plugins","security"],"pid":6,"message":"x"}', "warn"),
    (4, KIBANA_T + '["warning","config","deprecation"],"pid":6,"message":"x"}', "a legacy plugin's warning"),
    (2, KIBANA_T + '["fatal","root"],"pid":6,"message":"x"}', "fatal"),
    (7, KIBANA_T + '["debug","x"],"pid":6,"message":"x"}', "debug"), (7, KIBANA_T + '["trace"],"pid":1}', "trace"),
    (3, KIBANA_T + '["status","plugin:elasticsearch@6.8.0","error"],"pid":1,"state":"red","message":"Status changed '
        'from yellow to red - Unable to connect to Elasticsearch."}', "Kibana 6's status change"),
    (6, KIBANA_T + '["listening","info"],"pid":1,"message":"Server running at http://0:5601"}', "the level later"),
    (3, KIBANA_T + '["err","x"],"pid":1,"message":"x"}', "err, the string format's"),
    (None, KIBANA_T + '["plugins","x"],"pid":1,"message":"error"}', "no level tag"),
    (None, KIBANA_T + '[],"pid":1,"message":"x"}', "no tags"),
    (None, KIBANA_T + '["Error"],"pid":1,"message":"x"}', "not as Kibana writes it"),
    (None, KIBANA_T + '["x\\"y","error"],"pid":1,"message":"x"}', "an escape in a tag"),
    (None, KIBANA_T + '["error" ,"x"],"pid":1,"message":"x"}', "a blank in the array"),
    (None, KIBANA_T + '["error","x","pid":1,"message":"x"}', "no end to the array"),
    (None, '{"type":"response","@timestamp":"2024-06-12T05:19:20+00:00","tags":["error"],"pid":6,"message":"x"}',
     "a response line"),
    (None, '{"type":"log","tags":["error"],"@timestamp":"2024-06-12T05:19:20+00:00","pid":6,"message":"x"}',
     "another key order"),
    (None, '{"type": "log", "@timestamp": "2024-06-12T05:19:20+00:00", "tags": ["error"], "message": "x"}',
     "blanks: not JSON.stringify's"),
    (None, KIBANA_T + '["error"],"pid":6,"message":"x"', "no object's end"),
    (3, '{"type":"error","@timestamp":"2024-06-12T05:19:20+00:00","tags":["fatal","root"],"pid":6,"level":"error",'
        '"message":"x"}', "an error line's level key, read as ever"),
]


def test_kibana_json_levels_python_and_c() -> None:
    assert not misread(KIBANA, text_level), misread(KIBANA, text_level)
    assert not misread(KIBANA, c_text_level), misread(KIBANA, c_text_level)


KIBANA_PIECES = [KIBANA_T, '{"type":"log","@timestamp":"', "2024", '","tags":[', '"error"', '"warn"', '"x"', ",", "]",
                 ',"pid":6', "}", '"', "\\", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(KIBANA_PIECES), st.text(max_size=2)), max_size=10))
def test_kibana_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


def test_kibana_in_a_compose_paste(tmp_path: Path) -> None:
    path = tmp_path / "compose.log"  # docker compose logs: Elasticsearch's JSON and Kibana 7's
    path.write_text("".join(f"kibana         | {line}\n" for _, line, _ in KIBANA[:3]))
    assert _summary(path, "-p", "err")["entries"] == 1
    assert _summary(path, "-p", "warning")["entries"] == 2
