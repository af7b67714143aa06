"""The fan-in follower (sources/fanin.py) over live journal-remote files: one systemd-journal-remote per host
fed export format through a FIFO, as a collector receives them. An entry that reaches one host's file stamped
before one already read from another host's is still read (one merged sd-journal passes it by, systemd#359);
a file that rotates while followed is drained before its successor is read; positions resume per host."""

from __future__ import annotations

import logging
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from conftest import entry, wait_journal_lines
from test_host_stale import HostFeed

from logsentry.model import Entry, ScreenedRun
from logsentry.sources.fanin import FanInFollower, list_directory, stem_of
from logsentry.sources.follow import FollowItem, ScanningFollower
from logsentry.sources.inotify import IN_MODIFY, Inotify
from logsentry.sources.journal import JournalGap, JournalLocation, StartAt
from logsentry.sources.journal_files import build_journal, export_bytes, export_entry
from logsentry.sources.selection import Selection

ALPHA = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
BETA = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"


def write_at(feed: HostFeed, message: str, at_usec: int, unit: str = "api.service") -> None:
    """One entry of the feed's host stamped `at_usec` (µs of journal time)."""
    record = entry(message, unit=unit, _MACHINE_ID=feed.machine, _HOSTNAME=feed.host,
                   __REALTIME_TIMESTAMP=at_usec)
    record["__MONOTONIC_TIMESTAMP"] = at_usec
    os.write(feed._fd, export_entry(record))


def messages(items: Iterator[FollowItem], want: int, timeout: float = 15.0) -> list[str]:
    """The messages read until `want` of them came (or the time ran out), runs' entries included."""
    got: list[str] = []
    deadline = time.monotonic() + timeout
    for item in items:
        if isinstance(item, Entry):
            got.append(str(item.fields.get("MESSAGE", item.message)))
        elif isinstance(item, ScreenedRun):
            got.extend(str(one.message) for one in item.entries())
        elif isinstance(item, JournalGap):
            got.append("GAP")
        if len(got) >= want or (item is None and time.monotonic() > deadline):
            break
    return got


def wait_for_file(path: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.stat().st_size > 0):
        assert time.monotonic() < deadline, f"{path} was not written"
        time.sleep(0.05)


def wait_for_entries(path: Path, count: int, timeout: float = 10.0) -> None:
    """Until journalctl reads `count` entries in the file (journal-remote appends a while after it writes)."""
    wait_journal_lines(["--file", str(path)], count, timeout, f"{count} entries in {path}")


def test_stems() -> None:
    assert stem_of("remote-web-1.journal") == "remote-web-1"
    assert stem_of("remote-web-1@0123-4567-89ab.journal") == "remote-web-1"
    assert stem_of("remote-web-1@0123-4567-89ab.journal~") == "remote-web-1"
    assert stem_of("remote-web-1.fifo") is None


def test_an_entry_stamped_before_one_read_from_another_host_is_read(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha, beta = HostFeed(directory, "alpha", ALPHA), HostFeed(directory, "beta", BETA)
    try:
        now = time.time_ns() // 1000
        write_at(alpha, "alpha first", now)
        write_at(beta, "beta first", now)
        wait_for_file(directory / "remote-alpha.journal")
        wait_for_file(directory / "remote-beta.journal")
        follower = FanInFollower(directory, Selection(), None, (), {}, wait_s=1.0)
        items = iter(follower)
        assert sorted(messages(items, 2)) == ["alpha first", "beta first"]
        write_at(alpha, "alpha later", now + 10_000_000)
        assert messages(items, 1) == ["alpha later"]
        # beta's next entry is stamped before alpha's last one read: one merged sd-journal passes it by
        write_at(beta, "beta late", now + 5_000_000)
        assert messages(items, 1) == ["beta late"]
        assert set(follower.positions) == {"remote-alpha", "remote-beta"}
    finally:
        alpha.close()
        beta.close()


def test_a_rotated_file_is_drained_and_its_successor_read_from_its_head(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha = HostFeed(directory, "alpha", ALPHA)
    feeds = [alpha]
    try:
        now = time.time_ns() // 1000
        write_at(alpha, "old 0", now)
        wait_for_file(directory / "remote-alpha.journal")
        follower = FanInFollower(directory, Selection(), None, (), {}, wait_s=1.0)
        items = iter(follower)
        assert messages(items, 1) == ["old 0"]
        for n in range(1, 200):
            write_at(alpha, f"old {n}", now + n)
        alpha.close()  # journal-remote closes the file, then it is archived by name, as a rotation does
        (directory / "remote-alpha.journal").rename(directory / "remote-alpha@0001-0002-0003.journal~")
        alpha.fifo.unlink()
        renewed = HostFeed(directory, "alpha", ALPHA)
        feeds = [renewed]
        for n in range(100):
            write_at(renewed, f"new {n}", now + 1000 + n)
        got = messages(items, 299)
        assert got == [f"old {n}" for n in range(1, 200)] + [f"new {n}" for n in range(100)]
        listing = list_directory(directory)
        assert list(listing.active) == ["remote-alpha"] and len(listing.archives["remote-alpha"]) == 1
    finally:
        for feed in feeds:
            feed.close()


def test_positions_resume_each_host_after_its_own_last_entry(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha, beta = HostFeed(directory, "alpha", ALPHA), HostFeed(directory, "beta", BETA)
    try:
        now = time.time_ns() // 1000
        write_at(alpha, "alpha 1", now + 10_000_000)
        write_at(beta, "beta 1", now)
        wait_for_file(directory / "remote-alpha.journal")
        wait_for_file(directory / "remote-beta.journal")
        positions: dict[str, str] = {}
        items = iter(FanInFollower(directory, Selection(), None, (), positions, wait_s=1.0))
        assert sorted(messages(items, 2)) == ["alpha 1", "beta 1"]
        items.close()  # type: ignore[attr-defined]
        saved = dict(positions)
        write_at(beta, "beta 2", now + 1_000_000)  # before alpha's last entry: resumed by beta's own cursor
        write_at(alpha, "alpha 2", now + 11_000_000)
        time.sleep(0.5)
        items = iter(FanInFollower(directory, Selection(), None, (), saved, wait_s=1.0))
        assert sorted(messages(items, 2)) == ["alpha 2", "beta 2"]
        assert messages(items, 1, timeout=1.0) == []  # nothing read twice
    finally:
        alpha.close()
        beta.close()


def test_a_file_that_cannot_be_read_is_named_and_the_other_hosts_are_read(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "remote"
    directory.mkdir()
    records = [entry(f"good {n}", at=n, _MACHINE_ID=ALPHA, _HOSTNAME="alpha") for n in range(3)]
    build_journal(export_bytes(records), directory / "remote-alpha.journal")
    (directory / "remote-broken.journal").write_bytes(b"LPKSHHRH" + b"\0" * 4000)  # a header, nothing valid
    items = iter(FanInFollower(directory, Selection(), None, (), {}, wait_s=1.0))
    with caplog.at_level(logging.WARNING):
        assert messages(items, 3) == ["good 0", "good 1", "good 2"]
        assert messages(items, 1, timeout=0.5) == []  # the service loop comes round (CAUGHT_UP), no exception
    said = [r.getMessage() for r in caplog.records if "remote-broken.journal" in r.getMessage()]
    assert len(said) == 1 and "read again when it changes" in said[0]


def test_a_poked_scanner_reads_entries_appended_after_it_reached_the_end(tmp_path: Path) -> None:
    """sd-journal re-fstat()s a file it reads past the end of (systemd 252 here): a held scanner needs no
    inotify instance and no sd_journal_process, only a poke, to read what journal-remote appended."""
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha = HostFeed(directory, "alpha", ALPHA)
    try:
        now = time.time_ns() // 1000
        write_at(alpha, "before 0", now)
        path = directory / "remote-alpha.journal"
        wait_for_entries(path, 1)  # journal-remote makes the file before it appends: a scanner at its end waits
        inotify_instances = _inotify_instances()
        follower = ScanningFollower(JournalLocation(files=(path,)), Selection(), None, (), StartAt(since_usec=0),
                                    wait_s=0, poked=True)
        follower.open()
        assert _inotify_instances() == inotify_instances  # none of its own
        items = iter(follower)
        assert messages(items, 1) == ["before 0"]
        for n in range(1, 4):
            write_at(alpha, f"after {n}", now + n)
        wait_for_entries(path, 4)  # all three appended: one poke reads them all
        time.sleep(0.1)
        ready = select.poll()
        ready.register(follower.fileno(), select.POLLIN)
        assert ready.poll(0) == []  # not poked: it waits (no inotify of its own)
        follower.poke()
        assert ready.poll(5000), "the poked scanner handed nothing over"
        assert messages(items, 3) == ["after 1", "after 2", "after 3"]
        follower.close()
    finally:
        alpha.close()


def _inotify_instances() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:inotify"
        except OSError:
            continue
    return count


def test_journal_remote_appends_raise_in_modify(tmp_path: Path) -> None:
    """journal-remote writes through mmap, then ftruncate()s the file to its size after each append: an
    IN_MODIFY per append is what the fan-in pokes a host's scanner on."""
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha = HostFeed(directory, "alpha", ALPHA)
    inotify = Inotify()
    try:
        now = time.time_ns() // 1000
        write_at(alpha, "first", now)
        wait_for_file(directory / "remote-alpha.journal")
        time.sleep(0.3)
        wd = inotify.add(str(directory))
        inotify.read()
        write_at(alpha, "second", now + 1)
        deadline, events = time.monotonic() + 5, {}
        while not events.get((wd, "remote-alpha.journal"), 0) & IN_MODIFY and time.monotonic() < deadline:
            time.sleep(0.01)
            events.update(inotify.read())
        assert events.get((wd, "remote-alpha.journal"), 0) & IN_MODIFY, events
    finally:
        inotify.close()
        alpha.close()


def test_an_append_is_handed_over_through_inotify_without_waiting_for_a_look(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha = HostFeed(directory, "alpha", ALPHA)
    try:
        now = time.time_ns() // 1000
        write_at(alpha, "first", now)
        wait_for_file(directory / "remote-alpha.journal")
        # no look at the directory for 60 s (CAUGHT_UP every 2 s): only inotify can bring the appends
        items = iter(FanInFollower(directory, Selection(), None, (), {}, wait_s=2.0, look_s=60.0))
        assert messages(items, 1) == ["first"]
        delays = []
        for n in range(10):
            time.sleep(0.05)
            written = time.monotonic()
            write_at(alpha, f"append {n}", now + 1 + n)
            got = messages(items, 1, timeout=1.0)
            delays.append(time.monotonic() - written)
            assert got == [f"append {n}"], delays
        assert sorted(delays)[5] < 0.05, delays  # milliseconds, not a polling round
    finally:
        alpha.close()


def test_hosts_beyond_those_held_are_read_when_they_change(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha, beta = HostFeed(directory, "alpha", ALPHA), HostFeed(directory, "beta", BETA)
    try:
        now = time.time_ns() // 1000
        write_at(alpha, "alpha 0", now)
        write_at(beta, "beta 0", now)
        wait_for_file(directory / "remote-alpha.journal")
        wait_for_file(directory / "remote-beta.journal")
        follower = FanInFollower(directory, Selection(), None, (), {}, wait_s=1.0)
        follower.held_max = 1  # as if the descriptor limit allowed one
        items = iter(follower)
        assert sorted(messages(items, 2)) == ["alpha 0", "beta 0"]
        for n in range(1, 4):
            write_at(alpha, f"alpha {n}", now + n)
            write_at(beta, f"beta {n}", now + n)
        assert sorted(messages(items, 6)) == sorted([f"alpha {n}" for n in range(1, 4)] +
                                                    [f"beta {n}" for n in range(1, 4)])
        assert messages(items, 1, timeout=1.0) == []  # nothing read twice
        assert sum(host.held is not None for host in follower._hosts.values()) == 1
    finally:
        alpha.close()
        beta.close()


def test_the_descriptor_limit_is_raised_as_far_as_held_hosts_need() -> None:
    """RLIMIT_NOFILE's soft limit goes up to what HELD_MAX held hosts need (within the hard limit), in a child:
    the limit is the process's."""
    script = """
import resource
from logsentry.sources.fanin_limits import FDS_PER_HELD, FDS_SPARE, HELD_MAX, raise_fd_limit
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
need = FDS_SPARE + FDS_PER_HELD * HELD_MAX
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
got = raise_fd_limit()
print(got, resource.getrlimit(resource.RLIMIT_NOFILE)[0], min(need, hard) if hard != resource.RLIM_INFINITY else need)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    got, soft, expected = map(int, done.stdout.split())
    assert got == soft == expected > 1024
