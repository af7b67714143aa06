"""Trial 76's text-reading faults: old mysqld's `YYMMDD HH:MM:SS` crash line in a MariaDB 10.2+ log (13), SSSD's own
debug log's times and levels (38), and a gunicorn stream whose access lines sit among the app's year-first lines
(new user 76's 2). Each line is read at its own time where it has one in a layout logsentry reads."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import json_events, of_type, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level
from logsentry.sources import Selection, _journalscan, open_entries


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def _read(tmp_path: Path, name: str, lines: list[str], selection: Selection | None = None) -> list[tuple[str, str]]:
    """Each entry's time (UTC) and message, as `scan --file` reads the file."""
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return [(datetime.fromtimestamp(entry.realtime_usec / 1e6, UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), entry.message)
            for entry in open_entries(selection or Selection(), files=[path])]


MARIADB = ["2020-10-10  9:57:33 0 [Note] /usr/bin/mysqld: ready for connections.",
           "Version: '10.4.13-MariaDB'  socket: '/run/mysqld/mysqld.sock'  port: 3306  MariaDB Server",
           "2020-10-10 11:01:05 8 [Warning] Aborted connection 8 to db: 'homeassistant' user: 'homeassistant' host: "
           "'172.30.32.1' (Got an error reading communication packets)",
           "201010 11:17:39 [ERROR] mysqld got signal 11 ;",
           "This could be because you hit a bug. It is also possible that this binary",
           "Server version: 10.4.13-MariaDB",
           "2020-10-10 11:20:02 0 [Note] InnoDB: Using Linux native AIO"]


def test_mysqld_crash_line_is_read_at_its_own_time(tmp_path: Path) -> None:
    """mysqld writes its crash banner's time as `%02d%02d%02d %2d:%02d:%02d` in every version (sql/signal_handler.cc),
    even in a 10.2+ log of year-first lines: the crash is at 11:17:39, not the Aborted connection's 11:01:05 (trial
    76's 13: the card 16 minutes early), and the banner's lines after it take its time. Before 10:00 the hour is
    padded with a blank (`201010  9:17:39`)."""
    read = _read(tmp_path, "mariadb.err", MARIADB)
    assert [when[11:19] for when, _ in read] == ["09:57:33", "09:57:33", "11:01:05", "11:17:39", "11:17:39",
                                                 "11:17:39", "11:20:02"]
    padded = [*MARIADB[:3], "201010 11:01:09 [ERROR] mysqld got signal 6 ;"]
    padded[0] = "2020-10-10  8:57:33 0 [Note] /usr/bin/mysqld: ready for connections."
    padded[2] = "2020-10-10  9:01:05 8 [Warning] Aborted connection 8"
    padded[3] = "201010  9:17:39 [ERROR] mysqld got signal 6 ;"
    assert [when[11:19] for when, _ in _read(tmp_path, "padded.err", padded)][-1] == "09:17:39"


def test_a_six_digit_number_first_is_no_mysqld_time(tmp_path: Path) -> None:
    """Only mysqld's exact shape with a real date reads as a time in a log of another layout: no month 13, no 31
    February, no hour 24, no zero-padded hour (mysqld pads with a blank), no `HHMMSS` (log4j's, not as a second
    layout), no 6-digit number with words; each of these is a line at the time of the line before."""
    lines = [MARIADB[2],
             "201310 11:17:39 [ERROR] month 13",
             "200231 11:17:39 [ERROR] the 31st of February",
             "201010 24:17:39 [ERROR] hour 24",
             "201010 09:17:39 [ERROR] zero-padded hour",
             "201010 111739 [ERROR] log4j's yyMMdd HHmmss",
             "201010 rows affected at 11:17:39",
             "201010 11:17:39"]
    assert [when[11:19] for when, _ in _read(tmp_path, "mariadb.err", lines)] == ["11:01:05"] * len(lines)


SSSD = ["(2020-11-13 12:13:40): [ifp] [sss_dp_init] (0x0010): Failed to connect to backend server.",
        "(2020-11-13 12:13:40): [ifp] [sss_process_init] (0x0010): fatal error setting up backend connector",
        "(2020-11-13 12:13:41:000123): [be[example.com]] [sdap_id_op_connect_done] (0x0020): Failed to connect",
        "(2020-11-14  9:00:00): [nss] [nss_cmd_getpwnam] (0x0040): Unable to get information from Data Provider",
        "   *  (2020-11-14  8:59:59): [nss] [sss_dp_req] (0x0400): a backtrace's line, SSSD's indent before it",
        "(Sat Nov 14 09:05:00 2020) [sssd[be[example.com]]] [be_ptask_execute] (0x0080): a minor failure",
        "(Sat Nov 14 10:00:00:500000 2020) [sssd] [monitor_quit] (0x3f7c0): Returned with: 0"]


def test_sssd_debug_log_is_read_at_its_times_and_levels(tmp_path: Path) -> None:
    """SSSD's own log (src/util/debug.c): from 2.4 `(YYYY-MM-DD %2d:MM:SS[:µs]): `, before it ctime's `(Www Mmm dd
    HH:MM:SS[:µs] YYYY) `, each line's level an SSSDBG_* bit after its name and function. Trial 76's 38 was untimed
    (every line at the file's time) and its FATAL_FAILURE lines (0x0010) were no level, a WARNING's generic card."""
    path = tmp_path / "sssd_ifp.log"
    path.write_text("\n".join(SSSD) + "\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [datetime.fromtimestamp(entry.realtime_usec / 1e6, UTC).strftime("%d %H:%M:%S.%f") for entry in entries] \
        == ["13 12:13:40.000000", "13 12:13:40.000000", "13 12:13:41.000123", "14 09:00:00.000000",
            "14 09:00:00.000000", "14 09:05:00.000000", "14 10:00:00.500000"]
    assert [entry.effective_priority for entry in entries] == [2, 2, 3, 4, None, 5, 5]


SSSD_LEVELS: list[tuple[int | None, str, str]] = [
    (2, SSSD[0], "FATAL_FAILURE, 2.4's time"), (3, SSSD[2], "CRIT_FAILURE, the µs after a colon, a domain's back end"),
    (4, SSSD[3], "OP_FAILURE, the hour padded"), (5, SSSD[5], "MINOR_FAILURE, ctime's time, sssd[be[...]]"),
    (5, SSSD[6], "IMPORTANT_INFO from 2.7"), (5, "[sssd[nss]] [f] (0x1f7c0): x", "IMPORTANT_INFO of 2.5, no time"),
    (6, "[pam] [f] (0x0100): x", "CONF_SETTINGS"), (7, "[pam] [f] (0x20000): x", "PERF_STAT"),
    (7, "[pam] [ldb] (0x4000): x", "TRACE_ALL, ldb's"), (2, "(Tue Aug  9 12:00:00 2011) [sssd[nss]] [f] (0): x",
                                                         "before 1.6: its number"),
    (4, "[sssd[nss]] [f] (2): x", "2"), (7, "[sssd[nss]] [f] (10): x", "10"),
    (2, "[krb5_child[1234]] [main] (0x0010): x", "a child's pid"),
    (None, "[pam] [f] (0x0011): x", "no SSSDBG_ value"), (None, "[pam] [f] (11): x", "no old level"),
    (None, "[pam] [f] (0x10): x", "too few digits"), (None, "[pam] [f] (0x0010):x", "no blank after"),
    (None, "[pam] [f f] (0x0010): x", "a blank in the function"),
    (None, "[a b] [f] (0x0010): x", "a blank in the name"),
    (None, "[a[b[c[d]]]] [f] (0x0010): x", "nested too deep"),
    (None, "(2020-11-13 12:13:40) [ifp] [f] (0x0010): x", "2.4's time without its colon"),
    (None, "(2020-11-13 09:13:40): x [ifp] [f] (0x0010): y", "words before the name"),
    (None, "user said [ifp] [sss_dp_init] (0x0010): x", "quoted in a message"),
    (None, "(Fri Nov 13 12:13:40 2020): [ifp] [f] (0x0010): x", "ctime's time with 2.4's colon"),
]


def test_sssd_levels_python_and_c_agree() -> None:
    """The level of each line and look-alike, read alike by engine/program_levels.py and sources/program_levels.h."""
    for reader in (text_level, c_text_level):
        wrong = misread(SSSD_LEVELS, reader)
        assert not wrong, "\n".join(f"{what}: {line!r}: expected {want}, got {got}" for what, line, want, got in wrong)


GUNICORN = [
    "[2026-12-07 08:00:00 +0000] [4118] [INFO] Starting gunicorn 21.2.0",
    "2026-12-07 08:00:00,450 INFO [myapi.db] connection pool ready: postgresql://myapi@db01.internal:5432/myapi",
    '10.0.3.17 - - [07/Dec/2026:08:00:05 +0000] "GET /api/v1/orders HTTP/1.1" 200 1436 "-" "kube-probe/1.28" 0.012',
    "2026-12-07 10:00:00,000 INFO [myapi.jobs] cleanup_expired_sessions: removed 3 expired sessions in 0.020s",
    '10.0.3.22 - - [07/Dec/2026:10:00:23 +0000] "GET /healthz HTTP/1.1" 200 12 "-" "kube-probe/1.28" 0.003',
    "2026-12-07 10:01:13,000 ERROR [myapi.views] request failed: GET /api/v1/orders",
    '10.0.3.34 - - [07/Dec/2026:10:01:28 +0000] "GET /api/v1/orders HTTP/1.1" 500 141 "-" "python-requests/2.31.0" '
    '5.031',
    "[2026-12-07 10:50:17 +0000] [4121] [INFO] Autorestarting worker after current request.",
    "2026-12-07 11:55:00,000 INFO [myapi.jobs] cleanup_expired_sessions: removed 7 expired sessions in 0.031s",
    '10.0.3.20 - - [07/Dec/2026:11:57:02 +0000] "GET /api/v1/orders HTTP/1.1" 200 77 "-" "okhttp/4.12.0" 0.021',
    '10.0.3.23 - - [07/Dec/2026:11:59:46 +0000] "GET /api/v1/orders HTTP/1.1" 200 96 "-" "okhttp/4.12.0" 0.019']


def test_gunicorn_access_lines_among_app_lines_keep_their_times(tmp_path: Path) -> None:
    """gunicorn with `--access-logfile - --error-logfile -` writes its access lines into the stream of its own and
    the app's year-first lines: each access line is read at its own time, not the app line's before it (new user 76's
    2: the log was said to end at 11:55:00, not 11:59:46, and `--since` cut the lines after it)."""
    read = _read(tmp_path, "myapi.log", GUNICORN)
    assert [when[11:19] for when, _ in read] == ["08:00:00", "08:00:00", "08:00:05", "10:00:00", "10:00:23",
                                                 "10:01:13", "10:01:28", "10:50:17", "11:55:00", "11:57:02",
                                                 "11:59:46"]
    path = tmp_path / "myapi.log"
    [summary] = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "summary")
    assert summary["last_usec"] == int(datetime(2026, 12, 7, 11, 59, 46, tzinfo=UTC).timestamp()) * 1_000_000
    since = Selection(since_usec=int(datetime(2026, 12, 7, 11, 56, tzinfo=UTC).timestamp()) * 1_000_000)
    assert [message[:9] for _, message in _read(tmp_path, "myapi.log", GUNICORN, since)] == ["10.0.3.20", "10.0.3.23"]


SSSD_PIECES = ["(2020-11-13 12:13:40): ", "(2020-11-13  9:13:40:123456): ", "(Fri Nov 13 12:13:40 2020) ",
               "(Fri Nov  3 12:13:40:123456 2020) ", "(2020-11-13 12:13:40)", "[ifp]", "[be[example.com]]",
               "[sssd[be[x]]]", "[a[b[c[d]]]]", "[", "]", " ", " [sss_dp_init] ", " [f]", " (0x0010): ", " (0x3f7c0): ",
               " (0x", "0010", "1f7c0", "0x10000", " (10): ", " (1): ", " (", "): ", ")", ":123456", "é", "\n", "x"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SSSD_PIECES), st.text(max_size=2)), max_size=10))
def test_c_and_python_agree_on_generated_sssd_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)
