"""The service stopped (or reloaded) while it reads a backlog hands no entry over twice when it starts again.

The follower hands entries over in batches: candidates in full (each with its cursor) and ScreenedRuns (no
cursor), then a ReadUpTo with the cursor of the batch's last entry. The service checks for SIGTERM and SIGHUP
between items every second while reading a backlog; it broke out of its follower right after a ScreenedRun,
before that batch's ReadUpTo, and saved the position of the batch before: the run's entries, processed and
counted already, were read again at the next start (a candidate cause of the entry once handed over twice in
tests/test_follow_sandbox.py, where `logsentry run` is stopped and started around journald's restarts). Here a
collector reads two hosts' backlogs of entries that no rule can match, all in ScreenedRuns; it is stopped while
it reads them, started again and reads on to the end: it must have counted each entry once ("stopped after N
entries" sums both runs). Likewise when it is reloaded (SIGHUP) while it reads them: a reload reopens the journal
at the saved position.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from test_host_stale import collector_config
from test_service import service  # noqa: F401  (fixture)

from logsentry.sources.journal_files import build_journal

BACKLOG = 150_000
"""Entries of each host's backlog (a journal-remote file holds at most 40 MiB): the two take the service seconds to
read, more than the second it may take to see a SIGTERM."""
HOSTS = {"beta": "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2", "gamma": "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"}
AHEAD_USEC = 3600 * 1_000_000
"""The backlog is stamped an hour ahead of the clock: the service clamps such times and so takes each run entry by
entry (service_journal.MAX_AHEAD_USEC), which makes reading it take seconds rather than a fraction of one."""
BOOT = "0123456789abcdef0123456789abcdef"


def backlog(path: Path, host: str, count: int) -> Path:
    """A journal-remote file of `count` entries of the host's api.service, none that a shipped rule can match."""
    start = time.time_ns() // 1000 + AHEAD_USEC
    export = b"".join(b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n_MACHINE_ID=%s\n"
                      b"_HOSTNAME=%s\n_SYSTEMD_UNIT=api.service\nPRIORITY=6\nMESSAGE=GET /item/%d 200\n\n"
                      % (start + i, start + i, BOOT.encode(), HOSTS[host].encode(), host.encode(), i)
                      for i in range(count))
    path = build_journal(export, path)
    written = subprocess.run(["journalctl", f"--file={path}", "-o", "cat", "-q"], capture_output=True, check=True)
    assert written.stdout.count(b"\n") == count  # journal-remote wrote them all
    return path


def last_cursor(path: Path) -> str:
    done = subprocess.run(["journalctl", f"--file={path}", "-n", "1", "--show-cursor", "-q", "-o", "cat"],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1].removeprefix("-- cursor: ")


def saved_position(state_db: Path, stem: str) -> str | None:
    try:
        with sqlite3.connect(state_db) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'cursors'").fetchone()
    except sqlite3.Error:
        return None  # (being written)
    return json.loads(row[0]).get(stem) if row else None


def joined_with_backlogs(service, tmp_path: Path):  # type: ignore[no-untyped-def]  # noqa: F811
    """A collector running, and two hosts that join it with a backlog each (read from their head); the service
    and each host's last cursor."""
    directory, staged = tmp_path / "remote", tmp_path / "staged"
    directory.mkdir()
    staged.mkdir()
    backlog(staged / "remote-alpha.journal", "beta", 1).rename(directory / "remote-alpha.journal")  # (from its end)
    files = {f"remote-{host}": backlog(staged / f"remote-{host}.journal", host, BACKLOG) for host in HOSTS}
    ends = {stem: last_cursor(path) for stem, path in files.items()}
    running = service(collector_config(tmp_path, directory, "http://127.0.0.1:9/hook"))
    running.start()
    for stem, path in files.items():
        shutil.move(path, directory / f"{stem}.journal")
    time.sleep(0.3)
    return running, ends


def counted_once_read_to_the_end(running, tmp_path: Path, ends: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while any(saved_position(tmp_path / "state" / "state.db", stem) != end for stem, end in ends.items()):
        assert time.monotonic() < deadline, "the service did not read the backlogs to their end in 60 s"
        time.sleep(0.2)
    assert running.stop() == 0
    stopped = [int(n) for n in re.findall(r"stopped after (\d+) entr", running.log())]
    assert stopped[-1] == len(HOSTS) * BACKLOG, stopped  # (the count is saved with the positions)


def test_stopped_while_reading_a_backlog_it_counts_each_entry_once(service, tmp_path):  # noqa: F811
    running, ends = joined_with_backlogs(service, tmp_path)
    assert running.stop() == 0
    first = [int(n) for n in re.findall(r"stopped after (\d+) entr", running.log())]
    assert 0 < first[-1] < len(HOSTS) * BACKLOG, first  # stopped while it read them, else this test proves nothing
    running.start()
    counted_once_read_to_the_end(running, tmp_path, ends)  # (both runs)


def test_reloaded_while_reading_a_backlog_it_counts_each_entry_once(service, tmp_path):  # noqa: F811
    """A reload (SIGHUP) reopens the journal at the saved position, in the same process."""
    running, ends = joined_with_backlogs(service, tmp_path)
    assert running.proc is not None
    running.proc.send_signal(signal.SIGHUP)
    running.wait_log("reloaded: ", timeout=20)
    counted_once_read_to_the_end(running, tmp_path, ends)
