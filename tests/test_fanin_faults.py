"""Faults of the fan-in follower (sources/fanin.py) a review proved, over real journal files: a host that rotates
twice between two looks, a host that joined and rotated while the service was down, hosts given a position at a
first start, and inotify used up (instances or watches, in a private user namespace: the sysctls are its own)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import entry
from test_fanin import ALPHA, BETA, messages, wait_for_file, write_at
from test_host_stale import HostFeed

from logsentry.sources.fanin import FanInFollower, tail_positions
from logsentry.sources.journal_files import build_journal, export_bytes
from logsentry.sources.selection import Selection

GAMMA = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"


def journal_file(path: Path, machine: str, host: str, texts: list[str], at: int) -> None:
    """A journal file of `host` with one entry per text, stamped from `at` (s of journal time) on, written
    under another name and renamed into place (as a rotation makes an archive appear at once)."""
    records = [entry(text, at=at + n, _MACHINE_ID=machine, _HOSTNAME=host) for n, text in enumerate(texts)]
    building = path.parent.parent / "building" / "next.journal"  # outside the directory followed
    building.parent.mkdir(exist_ok=True)
    build_journal(export_bytes(records), building)
    building.rename(path)


def test_a_host_that_rotates_twice_between_two_looks_loses_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    feed = HostFeed(directory, "alpha", ALPHA)
    try:
        now = time.time_ns() // 1000
        write_at(feed, "gen1 0", now)
        wait_for_file(directory / "remote-alpha.journal")
        items = iter(FanInFollower(directory, Selection(), None, (), {}, wait_s=1.0))
        assert messages(items, 1) == ["gen1 0"]
        # while the follower is not iterated (the service busy), the host rotates twice: no look in between
        for gen in (1, 2):
            for n in range(1, 50):
                write_at(feed, f"gen{gen} {n}", now + gen * 1000 + n)
            time.sleep(0.3)
            feed.close()
            (directory / "remote-alpha.journal").rename(directory / f"remote-alpha@000{gen}-0002-0003.journal~")
            feed.fifo.unlink()
            feed = HostFeed(directory, "alpha", ALPHA)
        for n in range(50):
            write_at(feed, f"gen3 {n}", now + 3000 + n)
        time.sleep(0.5)
        got = messages(items, 148, timeout=10)
        expected = [f"gen{gen} {n}" for gen in (1, 2) for n in range(1, 50)] + [f"gen3 {n}" for n in range(50)]
        print("got", len(got), "of", len(expected), "; gen2:", sum(m.startswith("gen2") for m in got))
        assert got == expected
        assert messages(items, 1, timeout=1.0) == []  # nothing read twice
    finally:
        feed.close()


def test_a_host_that_joined_and_rotated_while_the_service_was_down_is_read_in_full(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    journal_file(directory / "remote-alpha.journal", ALPHA, "alpha", [f"alpha {n}" for n in range(3)], 1)
    positions: dict[str, str] = {}
    items = iter(FanInFollower(directory, Selection(), None, (), positions, wait_s=0.5))
    assert messages(items, 3, timeout=3) == ["alpha 0", "alpha 1", "alpha 2"]
    items.close()  # type: ignore[attr-defined]
    # while the service is down, host beta joins and its first file is archived (a rotation)
    journal_file(directory / "remote-beta@0001-0002-0003.journal~", BETA, "beta",
                 [f"beta old {n}" for n in range(5)], 100)
    journal_file(directory / "remote-beta.journal", BETA, "beta", [f"beta new {n}" for n in range(5)], 200)
    items = iter(FanInFollower(directory, Selection(), None, (), dict(positions), wait_s=0.5))
    got = messages(items, 10, timeout=3)
    print("resumed:", got)
    assert got == [f"beta old {n}" for n in range(5)] + [f"beta new {n}" for n in range(5)]
    assert messages(items, 1, timeout=1.0) == []  # alpha's entries are not read again


def test_a_host_that_joins_and_rotates_before_the_next_look_is_read_in_full(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    journal_file(directory / "remote-alpha.journal", ALPHA, "alpha", ["alpha 0"], 1)
    items = iter(FanInFollower(directory, Selection(), None, (), {}, wait_s=0.5))
    assert messages(items, 1, timeout=3) == ["alpha 0"]
    # between two looks host beta appears, and its first file is archived before the fan-in lists it
    journal_file(directory / "remote-beta@0001-0002-0003.journal~", BETA, "beta", ["beta 0", "beta 1"], 100)
    journal_file(directory / "remote-beta.journal", BETA, "beta", ["beta 2"], 200)
    got = messages(items, 3, timeout=5)
    print("joined:", got)
    assert got == ["beta 0", "beta 1", "beta 2"]


def test_a_first_start_gives_every_host_with_entries_a_position_and_reads_nothing_old(tmp_path: Path) -> None:
    """tail_positions gives a host whose entries are all in archives a position: resuming, a host without one
    is read in full, so a first start must leave none without."""
    directory = tmp_path / "remote"
    directory.mkdir()
    journal_file(directory / "remote-alpha.journal", ALPHA, "alpha", ["alpha 0"], 1)
    journal_file(directory / "remote-beta@0001-0002-0003.journal~", BETA, "beta", ["beta old 0"], 2)
    journal_file(directory / "remote-beta.journal", BETA, "beta", ["beta new 0"], 3)
    journal_file(directory / "remote-gamma@0001-0002-0003.journal~", GAMMA, "gamma", ["gamma old 0"], 4)
    positions = tail_positions(directory)
    print("positions:", sorted(positions))
    assert sorted(positions) == ["remote-alpha", "remote-beta", "remote-gamma"]
    items = iter(FanInFollower(directory, Selection(), None, (), positions, wait_s=0.5))
    assert messages(items, 1, timeout=1.5) == []  # from the end: nothing old
    journal_file(directory / "remote-gamma.journal", GAMMA, "gamma", ["gamma new 0"], 5)
    assert messages(items, 1, timeout=5) == ["gamma new 0"]


def test_after_a_merged_cursor_a_hosts_archive_is_read_from_that_cursors_time(tmp_path: Path) -> None:
    """State saved by the merged reader (one cursor): a host whose active file begins after that cursor's time
    is read from its archive's entries after that time, not from its active file's head."""
    directory = tmp_path / "remote"
    directory.mkdir()
    journal_file(directory / "remote-alpha.journal", ALPHA, "alpha", [f"alpha {n}" for n in range(3)], 10)
    journal_file(directory / "remote-beta@0001-0002-0003.journal~", BETA, "beta",
                 [f"beta old {n}" for n in range(4)], 10)  # stamped 10 to 13 s
    journal_file(directory / "remote-beta.journal", BETA, "beta", ["beta new 0"], 20)
    merged = tail_positions(directory)["remote-alpha"]  # alpha's last entry (12 s) stands for the merged cursor
    merged_positions = tail_positions(directory, merged)
    items = iter(FanInFollower(directory, Selection(), None, (), merged_positions, wait_s=0.5))
    got = messages(items, 2, timeout=3)
    print("after the merged cursor:", got)
    assert got == ["beta old 3", "beta new 0"]


CHILD = """
import logging, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="LOG %(message)s")
from test_fanin import ALPHA, messages, wait_for_file, write_at
from test_fanin_faults import journal_file
from test_host_stale import HostFeed
from logsentry.sources.fanin import FanInFollower
from logsentry.sources.selection import Selection
directory = Path(sys.argv[1])
feed = HostFeed(directory, "alpha", ALPHA)
try:
    now = time.time_ns() // 1000
    write_at(feed, "first", now)
    wait_for_file(directory / "remote-alpha.journal")
    # no look for 60 s while inotify works: what comes, comes through the fallback's looks
    items = iter(FanInFollower(directory, Selection(), None, (), {}, wait_s=0.5, look_s=60.0))
    print("GOT", messages(items, 1, timeout=5), flush=True)
    write_at(feed, "appended", now + 1)
    print("GOT", messages(items, 1, timeout=5), flush=True)
    journal_file(directory / "remote-beta.journal", "b2" * 16, "beta", ["new host"], 1)
    print("GOT", messages(items, 1, timeout=5), flush=True)
finally:
    feed.close()
"""


def run_without_inotify(tmp_path: Path, sysctl: str) -> list[str]:
    """CHILD's lines, run in a private user namespace whose /proc/sys/user/`sysctl` is 0."""
    directory = tmp_path / "remote"
    directory.mkdir()
    tests = str(Path(__file__).parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([tests, str(Path(tests).parent)])}
    done = subprocess.run(["unshare", "-U", "-r", "sh", "-c", 'echo 0 > "$1" && shift && exec "$@"', "sh",
                           f"/proc/sys/user/{sysctl}", sys.executable, "-c", CHILD, str(directory), tests],
                          capture_output=True, text=True, timeout=60, env=env)
    print(done.stdout, done.stderr[-2000:])
    assert done.returncode == 0, done.stderr[-2000:]
    return [line.replace(str(directory), "DIR") for line in done.stdout.splitlines()]


def test_without_inotify_instances_the_directory_is_looked_at_instead(tmp_path: Path) -> None:
    lines = run_without_inotify(tmp_path, "max_inotify_instances")
    assert [line for line in lines if line.startswith("GOT")] == [
        "GOT ['first']", "GOT ['appended']", "GOT ['new host']"]
    said = [line for line in lines if line.startswith("LOG")]
    assert said == ["LOG journal_directory DIR: no inotify ([Errno 24] inotify_init1: Too many open files): the "
                    "directory is looked at every 0.1 s instead, so entries come later; raise the sysctl "
                    "fs.inotify.max_user_instances"], lines


def test_without_inotify_watches_the_directory_is_looked_at_instead(tmp_path: Path) -> None:
    lines = run_without_inotify(tmp_path, "max_inotify_watches")
    assert [line for line in lines if line.startswith("GOT")] == [
        "GOT ['first']", "GOT ['appended']", "GOT ['new host']"]
    said = [line for line in lines if line.startswith("LOG")]
    assert said == ["LOG journal_directory DIR: no inotify ([Errno 28] inotify_add_watch: No space left on "
                    "device: 'DIR'): the directory is looked at every 0.1 s instead, so entries come later; "
                    "raise the sysctl fs.inotify.max_user_watches"], lines
