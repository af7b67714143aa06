"""Trial 69's reader gaps in programs' own logs (`scan --file`): MariaDB's space-padded hour and glog's `ERROR: logging
before flag.Parse: ` left lines untimed (finding 5)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from logsentry.sources import Selection, open_entries


def _read(tmp_path: Path, name: str, text: str) -> list[tuple[str, str, int | None]]:
    """Each entry's time (UTC: the tests run with TZ=UTC), message and effective priority."""
    path = tmp_path / name
    path.write_text(text)
    return [(datetime.fromtimestamp(entry.realtime_usec / 1e6, UTC).strftime("%Y-%m-%d %H:%M:%S"), entry.message,
             entry.effective_priority) for entry in open_entries(Selection(), files=[path])]


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time
    time.tzset()


def test_mariadb_space_padded_hour_is_read_at_every_hour(tmp_path: Path) -> None:
    """MariaDB from 10.2 writes `%d-%02d-%02d %2d:%02d:%02d` (sql/log.cc print_buffer_to_file): before 10:00 two blanks
    and one digit. Trial 69's 35 (07:47) was "no line carries a time". Every hour reads, one digit or two, and the
    lines keep their order across 09:59 -> 10:00 and midnight (one layout: the later lines are no continuation)."""
    lines = ["2022-02-06 23:59:59 0 [Note] InnoDB: Buffer pool(s) load completed at 220206 23:59:59",
             "2022-02-07  0:00:01 0 [Note] InnoDB: Using generic crc32 instructions",
             "2022-02-07  7:47:15 0 [Warning] Aborted connection 12 to db: 'x' user: 'y'",
             "2022-02-07  9:59:59 0 [ERROR] mysqld: Table './db/t' is marked as crashed",
             "2022-02-07 10:00:00 0 [Note] InnoDB: 10.3.27 started; log sequence number 4552678",
             "2022-02-07 23:00:00 5 [Note] x"]
    read = _read(tmp_path, "mariadb.err", "\n".join(lines) + "\n")
    assert [(when, priority) for when, _, priority in read] == [
        ("2022-02-06 23:59:59", 5), ("2022-02-07 00:00:01", 5), ("2022-02-07 07:47:15", 4),
        ("2022-02-07 09:59:59", 3), ("2022-02-07 10:00:00", 5), ("2022-02-07 23:00:00", 5)]
    assert [message for _, message, _ in read] == lines
    for hour in range(10):  # each one-digit hour, as the first line (the layout the file is read in)
        first = _read(tmp_path, f"h{hour}.err", f"2022-02-06 {hour:2d}:05:00 0 [Note] InnoDB: Number of pools: 1\n")
        assert first[0][0] == f"2022-02-06 {hour:02d}:05:00"


def test_one_digit_hour_needs_two_blanks(tmp_path: Path) -> None:
    """A one-digit hour is MariaDB's padding only: after one blank, or after `T`, it is no time (the line is read at
    the file's time, as any untimed file's)."""
    for text in ("2022-02-06 7:47:15 0 [Note] x\n", "2022-02-06T7:47:15 x\n"):
        assert not _read(tmp_path, "odd.log", text)[0][0].startswith("2022")


def test_glog_before_flag_parse_is_timed_and_levelled_by_its_header(tmp_path: Path) -> None:
    """glog writes `ERROR: logging before flag.Parse: ` before every line a Go program logs before flag.Parse (golang/
    glog glog.go), whatever its severity. Trial 69's 18: untimed, dated at the file's time. The header is read: the
    time, and the level its letter says (I info, W warning, E err), not the prefix's ERROR; the MESSAGE is the glog
    line, as it is once the flags are parsed."""
    lines = ["ERROR: logging before flag.Parse: I0923 10:53:37.000001   15863 main.go:12] starting",
             "ERROR: logging before flag.Parse: W0923 10:53:37.500000   15863 main.go:20] no config, defaults",
             "ERROR: logging before flag.Parse: E0923 10:53:38.381441   15863 reflector.go:205] pkg/proxy/config/"
             "api.go:33: Failed to list *api.Endpoints: Get http://[f00d::c0a8:210b:0:ffff]:8080/api/v1/endpoints: "
             "dial tcp [f00d::c0a8:210b:0:ffff]:8080: getsockopt: connection refused",
             "E0923 10:53:39.382688   15863 reflector.go:205] after the flags: the same header"]
    read = _read(tmp_path, "cilium.log", "\n".join(lines) + "\n")
    assert [(when[5:], priority) for when, _, priority in read] == [
        ("09-23 10:53:37", 6), ("09-23 10:53:37", 4), ("09-23 10:53:38", 3), ("09-23 10:53:39", 3)]
    assert [message for _, message, _ in read] == [line.removeprefix("ERROR: logging before flag.Parse: ")
                                                   for line in lines]


def test_the_prefix_alone_or_before_other_text_is_no_time(tmp_path: Path) -> None:
    """Only glog's header after the prefix is read: the prefix before other text leaves the line as it was."""
    read = _read(tmp_path, "go.log", "2026-01-02 10:00:00 start\n"
                                     "ERROR: logging before flag.Parse: something else\n")
    assert [(when, message) for when, message, _ in read] == [
        ("2026-01-02 10:00:00", "2026-01-02 10:00:00 start"),
        ("2026-01-02 10:00:00", "ERROR: logging before flag.Parse: something else")]
