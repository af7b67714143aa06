"""A zone's abbreviation after a program's own time is read when it names one UTC offset (sources/zone_names.py):
PostgreSQL writes `%m` as `2023-05-01 10:00:00.123 CET` in its log_timezone, and read as this machine's local time
a CET server's paste came an hour off on a UTC machine. One of several offsets (`CST`) or a word that is no zone's
(`INFO`) stays local time, and the reader says which."""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli

from logsentry.sources import Selection, open_entries


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This machine in New York (neither the lines' zone nor UTC), then as it was."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _utc(*when: int) -> int:
    return calendar.timegm((*when, 0, 0, 0)) * 1_000_000


def _times(path: Path) -> list[int]:
    return [entry.realtime_usec for entry in open_entries(Selection(), files=[path])]


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
