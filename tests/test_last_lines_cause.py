"""A failure systemd told shows its program's last lines before it, less those the card quotes already, each on its
own: when the program's last line was quoted (a rule matched pgbouncer's `FATAL cannot load auth_file`), all were
left out, and its cause, the `WARNING could not open ...: Permission denied` before it that no rule matched, was on
no card. And a line's own time is shown once: the program's time at its start is left out where the column shows
it (finer where the column had whole seconds). Real pastes through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import json_events, of_type, run_cli

PGBOUNCER = [
    "LOG kernel file descriptor limit: 1024 (hard: 524288); max_client_conn: 100, max expected fd use: 112",
    "LOG listening on 0.0.0.0:6432",
    "WARNING could not open /etc/pgbouncer/userlist.txt: Permission denied",
    "FATAL cannot load auth_file"]
CAUSE = "could not open /etc/pgbouncer/userlist.txt: Permission denied"


def journalctl_paste(tmp_path: Path) -> Path:
    """`journalctl -u pgbouncer` of a start that failed: pgbouncer's stderr lines carry its own time."""
    own = [f"Dec 04 09:00:00 db01 pgbouncer[812]: 2026-12-04 09:00:00.{118 + n} UTC [812] {line}"
           for n, line in enumerate(PGBOUNCER)]
    path = tmp_path / "pgbouncer.txt"
    path.write_text("\n".join([
        "Dec 04 09:00:00 db01 systemd[1]: Starting pgbouncer.service - connection pooler for PostgreSQL...", *own,
        "Dec 04 09:00:00 db01 systemd[1]: pgbouncer.service: Main process exited, code=exited, status=1/FAILURE",
        "Dec 04 09:00:00 db01 systemd[1]: pgbouncer.service: Failed with result 'exit-code'.",
        "Dec 04 09:00:00 db01 systemd[1]: Failed to start pgbouncer.service - connection pooler for PostgreSQL.",
        ""]))
    os.utime(path, (1_796_500_000, 1_796_500_000))  # (2026-12-05: the year-less times are 2026's)
    return path


def report(path: Path) -> str:
    env = {**os.environ, "COLUMNS": "160", "TERM": "dumb", "NO_COLOR": "1", "TZ": "UTC"}
    return subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                          text=True, env=env, timeout=60, check=True).stdout


def test_the_cause_before_a_quoted_last_line_is_shown(tmp_path: Path) -> None:
    path = journalctl_paste(tmp_path)
    [end] = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident_end")
    assert end["rule"] == "systemd-unit-failed", end
    said = [line["message"].split("[812] ", 1)[1] for line in end["last_lines"]]
    assert said == PGBOUNCER[:3], said  # (the FATAL line is the chain's)
    card = report(path)
    assert f"WARNING {CAUSE}" in card, card


def test_a_lines_own_time_is_shown_once(tmp_path: Path) -> None:
    card = report(journalctl_paste(tmp_path))
    shown = card[card.index("its program's last lines before it:"):].splitlines()[1:4]
    assert [line.strip("│ ") for line in shown] == [
        "09:00:00.118 [812] LOG kernel file descriptor limit: 1024 (hard: 524288); max_client_conn: 100, max "
        "expected fd use: 112", "09:00:00.119 [812] LOG listening on 0.0.0.0:6432",
        f"09:00:00.120 [812] WARNING {CAUSE}"], card
    own_log = tmp_path / "pgbouncer.log"  # (pgbouncer's own log file: its time is the line's)
    own_log.write_text("".join(f"2026-12-04 09:00:00.{118 + n} UTC [812] {line}\n" for n, line in enumerate(PGBOUNCER)))
    card = report(own_log)
    assert "09:00:00.120 [812] WARNING could not open" in card and "UTC [812] LOG" not in card.split(
        "its program's last lines before it:")[1], card


def test_own_stamp_goes_in_any_layout_and_only_where_it_is_the_lines_time() -> None:
    """views/own_stamp.py on the layouts a program's own log is read in: the time goes, what is around it stays."""
    from logsentry.sources.applog import AppLogParser
    from logsentry.sources.applog_times import STAMP
    from logsentry.views.own_stamp import without_own_stamp

    def at(line: str) -> int:
        found = STAMP.match(line)
        assert found is not None, line
        return AppLogParser("", 1_800_000_000).time_of(found)

    redis = "1:S 04 Dec 2026 09:01:10.200 # User requested shutdown..."
    assert without_own_stamp(at(redis), redis) == (at(redis), "1:S # User requested shutdown...")
    cassandra = "ERROR [main] 2022-03-28 06:45:42,388 CassandraDaemon.java:911 - Exception encountered during startup"
    assert without_own_stamp(at(cassandra), cassandra)[1] == \
        "ERROR [main] CassandraDaemon.java:911 - Exception encountered during startup"
    bracketed = "[2026-12-04 09:00:00,119] ERROR Fatal error during KafkaServer startup"
    assert without_own_stamp(at(bracketed), bracketed)[1] == "ERROR Fatal error during KafkaServer startup"
    logfmt = 'time="2026-12-04T09:00:00Z" level=error msg="listen failed"'
    assert without_own_stamp(at(logfmt), logfmt)[1] == logfmt  # (a time pair: its key would dangle)
    assert without_own_stamp(at(redis) + 5_000_000, redis)[1] == redis  # (another time than the line's: kept)


def test_a_time_that_opens_a_bracket_goes_with_its_separator() -> None:
    """Celery's `[TIME: LEVEL/Process]` (and any `[TIME: ...]`, `[TIME | ...]`): the time and the separator after it
    go, the bracket stays; `[ : ERROR/MainProcess]` was left (a new user's trial, nu230)."""
    from logsentry.sources.applog import AppLogParser
    from logsentry.sources.applog_times import STAMP
    from logsentry.views.own_stamp import without_own_stamp

    def shown(line: str) -> str:
        found = STAMP.match(line)
        assert found is not None, line
        return without_own_stamp(AppLogParser("", 1_800_000_000).time_of(found), line)[1]

    assert shown("[2015-11-20 18:18:08,590: ERROR/MainProcess] consumer: Cannot connect to redis://localhost:6379//") \
        == "[ERROR/MainProcess] consumer: Cannot connect to redis://localhost:6379//"
    assert shown("[2015-11-20 18:17:40,112: WARNING/MainProcess] celery@worker1 ready.") == \
        "[WARNING/MainProcess] celery@worker1 ready."
    assert shown("[2026-12-04 09:00:00.119 | INFO] started") == "[INFO] started"
    assert shown("[2026-12-04 09:00:00,119] ERROR Fatal") == "ERROR Fatal"  # (a bracket of its own: it goes)


def test_a_weekday_goes_with_its_time(tmp_path: Path) -> None:
    """ctime's `Wed May  4 07:31:42 2022` (freshclam's log) and Apache's `[Tue Aug 08 12:40:55.059 2023]`: the weekday
    is the time's, and went no more than the rest of it (trial 74: `07:31:42.000 Wed -> ...`, `[Tue [php:warn] ...`)."""
    freshclam = tmp_path / "freshclam.log"
    freshclam.write_text("".join(f"Wed May  4 07:3{n}:42 2022 -> {line}\n" for n, line in enumerate([
        "--------------------------------------", "ClamAV update process started at Wed May  4 07:31:42 2022",
        "daily database available for download (remote version: 26530)",
        "ERROR: Database load killed by signal 9", "ERROR: Database test FAILED.",
        "ERROR: Unexpected error when attempting to update daily: Test failed", "ERROR: Update failed."])))
    before = report(freshclam).split("its program's last lines before it:")[1]
    assert "07:30:42.000 -> -----" in before and "07:31:42.000 -> ClamAV update process started at Wed May  4" in \
        before and " Wed ->" not in before, before
    apache = tmp_path / "error.log"
    apache.write_text("".join(f"[Tue Aug 08 12:4{n}:55.059{n}31 2023] {line}\n" for n, line in enumerate([
        "[php:warn] [pid 816] [client 192.168.178.201:50082] PHP Warning:  Undefined array key \"hw\" in /a.php",
        "[mpm_prefork:notice] [pid 753] AH00163: Apache/2.4.38 (Raspbian) configured -- resuming normal operations",
        *(f"[core:notice] [pid 753] AH00052: child pid 424{n} exit signal Segmentation fault (11)"
          for n in range(3))])))
    before = report(apache).split("its program's last lines before it:")[1]
    assert "12:40:55.059 [php:warn] [pid 816]" in before and "12:41:55.059 [mpm_prefork:notice]" in before \
        and "[Tue" not in before, before
