"""The follower hands every entry over exactly once while the journal it follows is set aside, rotated, vacuumed and
joined by another host's file (the INVALIDATE path of _journalscan.c's follow loop, which leaves it to sd-journal
to find its place again in the files it re-reads).

A writer numbers its entries (`seq=N`) and writes them without pause through a FIFO into systemd-journal-remote
(conftest.LiveJournal) while a screened follower with a unit selection reads the directory (candidates in full,
the rest in ScreenedRuns; another unit's lines left out by the scanner). Between the writer's bursts, in turn:
journal-remote killed with SIGKILL and started again (its file, left online, set aside as `live@….journal~` and a
new one begun: journald's restart after a crash), stopped with SIGTERM and started again (it appends to the same
file: journald's clean restart), the file renamed as an archive and a new one begun (rotation), the archives the
follower has read deleted (vacuum), and a new host's file written in the directory. Each step comes once the
follower has read past the previous one, so it meets each at the journal's live end, where sd-journal's inotify
events (files moved, deleted, created) come while it waits. Each entry written must be handed over exactly once.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from conftest import LiveJournal, entry, wait_journal_lines
from test_follow import detector_of

from logsentry.model import Entry, ScreenedRun
from logsentry.sources.follow import ScanningFollower
from logsentry.sources.journal import JournalLocation, StartAt
from logsentry.sources.journal_files import export_entry, journal_remote
from logsentry.sources.selection import Selection

STEPS = ("kill", "term", "rotate", "vacuum", "new host") * 3
NEW_HOSTS, PER_HOST = 1_000_000, 20
"""The new hosts' entries are numbered from NEW_HOSTS on, PER_HOST each."""
SEQ = re.compile(r"seq=(\d+)")
OTHER_MACHINE = "0123456789abcdef0123456789abcdef"


class Writer:
    """Writes numbered entries of app.service in bursts (every 7th a BOOM line a rule matches, every 5th burst a
    line of another unit) until paused; `written` numbers them."""

    def __init__(self, live: LiveJournal):
        self.live, self.written, self.lock = live, 0, threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self) -> None:
        burst = 0
        while not self.done.is_set():
            with self.lock:
                for _ in range(1 + burst % 13):
                    n = self.written
                    self.live.write(f"BOOM seq={n}" if n % 7 == 0 else f"GET /item seq={n} 200")
                    self.written += 1
                if burst % 5 == 0:
                    self.live.write("other unit", unit="other.service")
            burst += 1
            time.sleep(0.001 * (burst % 4))

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=10)


class Read:
    """The follower in a thread: how many times it handed over each number."""

    def __init__(self, follower: ScanningFollower):
        self.follower, self.seen, self.low = follower, Counter[int](), 0
        self.error: BaseException | None = None
        self.finish = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for item in self.follower:
                handed = item.entries() if isinstance(item, ScreenedRun) else [item] if isinstance(item, Entry) else []
                for one in handed:
                    if (seq := SEQ.search(one.message)) is not None:
                        self.seen[int(seq[1])] += 1
                if item is None and self.finish.is_set():
                    return
        except BaseException as error:  # reported by the test
            self.error = error

    def past(self, count: int, timeout: float = 20) -> None:
        """Wait until the follower has read the first `count` numbers."""
        deadline = time.monotonic() + timeout
        while self.low < count:
            if self.seen[self.low]:
                self.low += 1
                continue
            assert self.error is None, self.error
            assert time.monotonic() < deadline, f"the follower did not read entry {self.low} in {timeout}s"
            time.sleep(0.01)


def new_host(directory: Path, root: Path, first: int, count: int) -> None:
    """Another host's journal-remote writes `count` entries numbered from `first` into the directory."""
    fifo = root / f"host-{uuid.uuid4().hex[:8]}.fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR)
    tool = journal_remote()
    assert tool
    other = subprocess.Popen([tool, "-o", str(directory / f"remote-{fifo.stem}.journal"), str(fifo)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    boot = uuid.uuid4().hex
    try:
        for n in range(count):
            now = time.time_ns() // 1000  # its own boot: ordered among the other files by time
            os.write(fd, export_entry(entry(f"GET /item seq={first + n} 200", _MACHINE_ID=OTHER_MACHINE,
                                            _BOOT_ID=boot, __REALTIME_TIMESTAMP=now, __MONOTONIC_TIMESTAMP=now)))
        wait_journal_lines(["--file", str(directory / f"remote-{fifo.stem}.journal")], count, 10, "the new host")
    finally:
        os.close(fd)
        other.terminate()
        other.wait(timeout=10)


def test_each_entry_once_across_crash_restart_rotation_vacuum_and_a_new_file(live_journal, tmp_path):
    detector = detector_of(tmp_path)
    follower = ScanningFollower(JournalLocation(directory=live_journal.directory), Selection(units=("app.service",)),
                                detector.screen(), detector.needed_fields, StartAt(since_usec=0), wait_s=0.05)
    read, writer = Read(follower), Writer(live_journal)
    hosts = 0
    try:
        for step in STEPS:
            time.sleep(0.05)
            with writer.lock:
                if step == "kill":
                    live_journal.restart(signal.SIGKILL)
                elif step == "term":
                    live_journal.restart(signal.SIGTERM)
                elif step == "rotate":
                    live_journal.rotate()
                elif step == "vacuum":
                    read.past(writer.written)  # (the archives' entries read: nothing unread is deleted)
                    live_journal.vacuum()
                else:
                    read.past(writer.written)  # (a file is read in time order: the new host's entries come after)
                    new_host(live_journal.directory, tmp_path, NEW_HOSTS + hosts * PER_HOST, PER_HOST)
                    hosts += 1
                after = writer.written
            read.past(after + 1)  # an entry written after the step read too
            if step == "kill":  # (the new journal-remote set the file aside at its first entry)
                assert list(live_journal.file.parent.glob("live@*.journal~"))
        writer.stop()
        live_journal.wait_written()
        read.past(writer.written)
        time.sleep(0.3)  # anything handed over twice has come by now
    finally:
        writer.stop()
        read.finish.set()
        read.thread.join(timeout=10)
    assert read.error is None, read.error
    expected = Counter(range(writer.written)) + Counter(range(NEW_HOSTS, NEW_HOSTS + hosts * PER_HOST))
    twice, lost = sorted(read.seen - expected), sorted(expected - read.seen)
    assert not twice and not lost, f"{len(twice)} handed over twice {twice[:5]}, {len(lost)} lost {lost[:5]}"
