"""journalctl's times are in its machine's zone, which only its header names (sources/header_zone.py): a paste read
on another machine keeps its times (trial 58: an Unbound paste in CET, read as UTC, came an hour off; its lines'
own Unix times show the right reading)."""

from __future__ import annotations

import calendar
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli

from logsentry.sources import Selection, open_entries

UNBOUND = ("Mar 01 13:08:19 dietpi unbound[541]: [1614600499] unbound[541:0] fatal error: Could not setup access "
           "control list\n")


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This machine in New York (neither CET nor UTC), then as it was."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _utc(*when: int) -> int:
    return calendar.timegm((*when, 0, 0, 0)) * 1_000_000


def _times(path: Path) -> list[int]:
    return [entry.realtime_usec for entry in open_entries(Selection(), files=[path])]


def test_a_cet_header_reads_the_times_in_cet(tmp_path: Path, zone: None) -> None:
    path = tmp_path / "unbound.txt"
    path.write_text("-- Logs begin at Mon 2021-03-01 13:07:53 CET, end at Mon 2021-03-01 16:10:01 CET. --\n" + UNBOUND)
    assert _times(path) == [1614600499 * 1_000_000]  # the line's own Unix time
    result = run_cli("scan", "--file", str(path))
    assert result.exit_code == 0 and "times read in CET, as journalctl's header says" in result.stderr


def test_summer_time_within_the_paste(tmp_path: Path, zone: None) -> None:
    """systemd 248's header; the zone that says EST at the start and EDT at the end carries the lines between."""
    path = tmp_path / "journal.txt"
    path.write_text("-- Journal begins at Sun 2021-03-07 12:00:00 EST, ends at Sun 2021-03-21 12:00:00 EDT. --\n"
                    "Mar 07 12:00:00 web1 app[7]: before\nMar 21 12:00:00 web1 app[7]: after\n")
    assert _times(path) == [_utc(2021, 3, 7, 17, 0, 0), _utc(2021, 3, 21, 16, 0, 0)]


def test_a_numeric_zone_and_utc(tmp_path: Path, zone: None) -> None:
    path = tmp_path / "journal.txt"
    path.write_text("-- Logs begin at Mon 2021-03-01 10:00:00 +03, end at Mon 2021-03-01 11:00:00 +03. --\n"
                    "Mar 01 10:00:00 web1 app[7]: x\n")
    assert _times(path) == [_utc(2021, 3, 1, 7, 0, 0)]
    path.write_text("-- Logs begin at Mon 2021-03-01 10:00:00 UTC, end at Mon 2021-03-01 11:00:00 UTC. --\n"
                    "Mar 01 10:00:00 web1 app[7]: x\n")
    assert _times(path) == [_utc(2021, 3, 1, 10, 0, 0)]


def test_an_abbreviation_of_zones_apart_is_said_and_read_as_local_time(tmp_path: Path, zone: None) -> None:
    """IST is India's (+05:30) and Ireland's (+01:00 in summer) and Israel's: no guess."""
    path = tmp_path / "journal.txt"
    path.write_text("-- Logs begin at Mon 2021-03-01 10:00:00 IST, end at Mon 2021-03-01 11:00:00 IST. --\n"
                    "Mar 01 10:00:00 web1 app[7]: x\n")
    assert _times(path) == [_utc(2021, 3, 1, 15, 0, 0)]  # New York's 10:00 (EST)
    result = run_cli("scan", "--file", str(path))
    # which zones it may be, and the fix: "which the time zone database gives no single UTC offset then: read as this
    # machine's local time" named neither (a new user's finding)
    assert ("journalctl's header says its times are in IST, which zones at different UTC offsets use (Asia/Kolkata "
            "+05:30, Asia/Jerusalem +02:00), so they are read as this machine's local time (EST); run logsentry again "
            "with TZ set to their zone to read them in it (`TZ=Asia/Kolkata logsentry scan --file ...`)") in \
        result.stderr, result.stderr


def test_a_card_of_an_unread_zone_says_its_times_were_taken_as_local_time(
        tmp_path: Path, zone: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The card printed the IST paste's 10:00 as "10:00:00.000 EST" as if its zone were known; the note's fix, TZ,
    reads it in IST, and then the card says IST alone. The label is the command's own: the next says nothing."""
    path = tmp_path / "journal.txt"
    path.write_text("-- Logs begin at Mon 2021-03-01 10:00:00 IST, end at Mon 2021-03-01 11:00:00 IST. --\n"
                    + UNBOUND.replace("Mar 01 13:08:19", "Mar 01 10:00:00"))
    monkeypatch.setenv("COLUMNS", "250")
    result = run_cli("scan", "--file", str(path))
    assert "first matching line 2021-03-01 10:00:00.000 EST (the log's IST taken as EST); " in result.output, \
        result.output
    assert " to 10:00:00.000 EST (the log's IST taken as EST), " in result.output, result.output
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    fixed = run_cli("scan", "--file", str(path))
    assert "first matching line 2021-03-01 10:00:00.000 IST; " in fixed.output, fixed.output
    assert "taken as" not in fixed.output and "IST, which" not in fixed.stderr, fixed.output


def test_the_machines_own_zone_says_nothing(tmp_path: Path, zone: None) -> None:
    path = tmp_path / "journal.txt"
    path.write_text("-- Logs begin at Mon 2021-03-01 10:00:00 EST, end at Mon 2021-03-01 11:00:00 EST. --\n"
                    "Mar 01 10:00:00 web1 app[7]: x\n")
    assert _times(path) == [_utc(2021, 3, 1, 15, 0, 0)]
    result = run_cli("scan", "--file", str(path))
    assert result.exit_code == 0 and "times read in" not in result.stderr


def test_systemctl_status_names_the_zone_of_its_lines(tmp_path: Path, zone: None) -> None:
    """`systemctl status`'s `Active: ... since ... CEST;` (trial 57's logrotate paste, its glyph lost): its journal
    lines are in that zone."""
    path = tmp_path / "status.txt"
    path.write_text("logrotate.service - Rotate log files\n"
                    "   Loaded: loaded (/lib/systemd/system/logrotate.service; static; vendor preset: enabled)\n"
                    "   Active: failed (Result: exit-code) since Wed 2022-05-25 11:53:26 CEST; 8s ago\n\n"
                    "May 25 11:53:26 stemy.me logrotate[16402]: error: Ignoring pgadmin because it is writable\n")
    path.touch()
    # (the logrotate line, then PID 1's for the failure the header states: systemctl_status.StatusFailure)
    assert [usec % (86400 * 1_000_000) for usec in _times(path)] == [(9 * 3600 + 53 * 60 + 26) * 1_000_000] * 2
    result = run_cli("scan", "--file", str(path))
    assert "times read in CEST" in result.stderr and "systemctl status's Active: line" in result.stderr


def test_a_running_units_status_dates_its_lines_after_its_start(tmp_path: Path, zone: None) -> None:
    """A running unit's `Active: active (running) since Thu 2022-12-08 ...; 2 days ago` is its start: the lines under
    it come after it, up to when systemctl printed it (`2 days ago` is 2 to 3 days: systemd rounds down). Trial 67's
    tailscaled paste of Dec 11 was read as 2021 (the `since` taken as the latest)."""
    path = tmp_path / "status.txt"
    path.write_text("\u25cf tailscaled.service - Tailscale node agent\n"
                    "     Active: active (running) since Thu 2022-12-08 10:36:37 UTC; 2 days ago\n\n"
                    "Dec 11 09:28:19 deb-arm64 tailscaled[511]: logtail: [v1] backoff: 27119 msec\n")
    assert _times(path) == [_utc(2022, 12, 11, 9, 28, 19)]
    path.write_text(path.read_text().replace("2 days ago", "1 year 2 months ago"))  # (a long-running one: Dec 11 of
    assert _times(path) == [_utc(2023, 12, 11, 9, 28, 19)]  # the year it was printed in, 2024-02, is 2023's)


@pytest.mark.parametrize("since", ["2022-12-08 10:36:37 UTC; 999999 years ago", "2022-13-45 10:36:37 UTC; 2 days ago",
                                   "9999-12-31 10:36:37 UTC; 2 days ago"])
def test_a_garbled_status_since_is_no_crash(tmp_path: Path, zone: None, since: str) -> None:
    """A `since` no day is, or an `ago` past year 9999 (a garbled or forged paste), dates nothing: scan read the
    `since` plus its `ago` as a date and ended in a traceback (ValueError, OverflowError)."""
    path = tmp_path / "status.txt"
    path.write_text("\u25cf tailscaled.service - Tailscale node agent\n"
                    f"     Active: active (running) since Thu {since}\n\n"
                    "Dec 11 09:28:19 deb-arm64 tailscaled[511]: logtail: [v1] backoff: 27119 msec\n")
    assert len(_times(path)) == 1
    assert run_cli("scan", "--file", str(path)).exit_code == 0


@pytest.mark.parametrize("offset", ["+99", "-2400", "+0575"])
def test_an_offset_no_zone_has_is_said_not_a_crash(tmp_path: Path, zone: None, offset: str) -> None:
    path = tmp_path / "journal.txt"
    path.write_text(f"-- Logs begin at Mon 2021-03-01 10:00:00 {offset}, end at Mon 2021-03-01 11:00:00 {offset}. --\n"
                    "Mar 01 10:00:00 web1 app[7]: x\n")
    assert _times(path) == [_utc(2021, 3, 1, 15, 0, 0)]  # New York's 10:00
    result = run_cli("scan", "--file", str(path))
    assert result.exit_code == 0 and "which is no zone's offset" in result.stderr


# A zone's abbreviation after a program's own time (sources/zone_names.py): PostgreSQL writes `%m` as `2023-05-01
# 10:00:00.123 CET` in its log_timezone, and read as this machine's local time a CET server's paste came an hour off
# on a UTC machine (helper-183). One of several offsets (`CST`) or a word that is no zone's (`INFO`) stays local time,
# and the reader says which.

def test_postgres_lines_in_cet_and_cest(tmp_path: Path, zone: None) -> None:
    path = tmp_path / "postgresql.log"
    path.write_text("2023-03-01 10:00:00.123 CET [123] FATAL:  the database system is starting up\n"
                    "2023-07-01 10:00:00 CEST [123] LOG:  database system is ready to accept connections\n"
                    "2023-07-01 10:00:01 EDT [124] LOG:  checkpoint starting: time\n"
                    "2023-07-01 10:00:02 MSK [125] LOG:  checkpoint complete\n")
    assert _times(path) == [_utc(2023, 3, 1, 9, 0, 0) + 123_000, _utc(2023, 7, 1, 8, 0, 0),
                            _utc(2023, 7, 1, 14, 0, 1), _utc(2023, 7, 1, 7, 0, 2)]
    result = run_cli("scan", "--file", str(path))
    assert result.exit_code == 0 and "local time" not in result.stderr, result.stderr


def test_an_abbreviation_of_several_offsets_stays_local_and_is_said(tmp_path: Path, zone: None) -> None:
    path = tmp_path / "postgresql.log"
    path.write_text("2023-03-01 10:00:00 CST [123] LOG:  database system is ready to accept connections\n")
    assert _times(path) == [_utc(2023, 3, 1, 15, 0, 0)]  # New York's 10:00 (EST)
    result = run_cli("scan", "--file", str(path))
    assert "times without a zone (and those in CST, which the time zone database gives no single UTC offset) are " \
           "read as this machine's local time (EST)" in result.stderr, result.stderr


def test_a_level_or_another_word_after_the_time_is_no_zone(tmp_path: Path, zone: None) -> None:
    path = tmp_path / "app.log"
    path.write_text("2023-03-01 10:00:00 INFO main started\n2023-03-01 10:00:01 MAIN started\n"
                    "2023-03-01 10:00:02,500 ERROR: failed\n")
    assert _times(path) == [_utc(2023, 3, 1, 15, 0, 0), _utc(2023, 3, 1, 15, 0, 1),
                            _utc(2023, 3, 1, 15, 0, 2) + 500_000]
    result = run_cli("scan", "--file", str(path))
    assert "times without a zone are read as this machine's local time (EST)" in result.stderr, result.stderr


def test_a_json_time_with_an_abbreviation(tmp_path: Path, zone: None) -> None:
    path = tmp_path / "app.log"
    path.write_text('{"time": "2023-03-01 10:00:00 CET", "level": "error", "msg": "x"}\n')
    assert _times(path) == [_utc(2023, 3, 1, 9, 0, 0)]


def test_a_summer_abbreviation_is_named_by_a_zone_of_its_region(tmp_path: Path, zone: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """CEST has no zone of its name: tzdata's first (Africa/Ceuta) puzzled a reader of a German host's paste
    (helper-187); a European zone is named, this machine's own when it reads CEST too."""
    path = tmp_path / "j.txt"
    path.write_text("-- Logs begin at Thu 2024-07-04 08:12:01 CEST, end at Thu 2024-07-04 10:15:44 CEST. --\n"
                    "Jul 04 10:00:00 web01 myapp[1234]: starting\n")
    said = run_cli("scan", "--file", str(path)).stderr
    assert "times read in CEST (Europe/" in said and "Africa" not in said, said
    monkeypatch.setenv("TZ", "Europe/Vienna")  # a machine in a zone of its own, same rules: that name, no other
    monkeypatch.setattr("logsentry.sources.header_zone._FOUND", {})
    time.tzset()
    from datetime import datetime

    from logsentry.sources.header_zone import _zone
    assert str(_zone("CEST", datetime(2024, 7, 4, 8, 12, 1), None)) == "Europe/Vienna"


def test_a_header_ending_in_the_hour_summer_time_ends_writes_twice(tmp_path: Path, zone: None) -> None:
    """`end at Sun 2026-10-25 02:40:00 CET` is the hour's second pass, which the first reading calls CEST: no zone
    was found, and every time was an hour or two off (helper-190)."""
    path = tmp_path / "journal.txt"
    path.write_text("-- Logs begin at Sat 2026-10-24 22:00:00 CEST, end at Sun 2026-10-25 02:40:00 CET. --\n"
                    "Oct 25 02:20:00 web01 app[1]: one\nOct 25 02:50:00 web01 app[1]: two\n"
                    "Oct 25 02:10:00 web01 app[1]: three\n")
    assert _times(path) == [_utc(2026, 10, 25, 0, 20, 0), _utc(2026, 10, 25, 0, 50, 0), _utc(2026, 10, 25, 1, 10, 0)]


def test_a_paste_that_begins_in_the_hour_written_twice_reads_its_first_pass_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No header, this machine in Berlin: the first ambiguous time is the first pass (mktime gave the second, and
    the paste's third line, the second pass's 02:10, stepped back 40 minutes: helper-190)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        path = tmp_path / "syslog"
        path.write_text("Oct 25 02:20:00 web01 app[1]: one\nOct 25 02:50:00 web01 app[1]: two\n"
                        "Oct 25 02:10:00 web01 app[1]: three\n")
        os.utime(path, (1793000000, 1793000000))  # 2026-10-26: the lines' year is 2026
        assert _times(path) == [_utc(2026, 10, 25, 0, 20, 0), _utc(2026, 10, 25, 0, 50, 0),
                                _utc(2026, 10, 25, 1, 10, 0)]
    finally:
        monkeypatch.undo()
        time.tzset()
