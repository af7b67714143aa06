"""Following a journal-remote directory host by host, so that no entry is passed by (issues 17 and 15).

One sd-journal over the directory merges the hosts' files by time and only moves forward: an entry that reaches
one host's file stamped before an entry already read from another host's is never returned (systemd#359,
#14911; bench/fleet.py --merge-check). Within one host's file entries are appended in order, so reading each
host's file from its own position loses nothing; across hosts the order does not matter (windows, silences
and baselines are per (machine, unit)).

Each host is a "stem": `remote-HOST` of `remote-HOST.journal` (the active file) and of its archives
`remote-HOST@….journal[~]`; `MACHINE/system` in journald's layout. Its position is the cursor of the last
entry handed over from it. Every poll (POLL_S) the directory is listed and each active file stat()ed; a file
that grew is read from its position to its end through the C scanner (screened as for `scan`), then closed.
Nothing is held open between polls: one sd-journal follower per file would need an inotify instance each, and
Linux allows 128 per user by default (fs.inotify.max_user_instances), fewer than a collector's hosts. A
rotation (the active name now on another inode) drains the old file, found among the archives by its inode,
from the position to its end before the new active file is read from its head; a new stem is read from its
head.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path

from systemd import journal

from ..model import Entry, Screen
from .follow import FollowItem, ReadUpTo, ScanningFollower
from .journal import JournalLocation, StartAt, cursor_realtime
from .selection import Selection

log = logging.getLogger(__name__)

READERS, AHEAD_BYTES, AHEAD_ROUND_BYTES = 8, 256 << 10, 16 << 20
"""Files that grew by at most AHEAD_BYTES since the last look (a host's last 0.1-2 s) are read ahead in READERS
threads, at most AHEAD_ROUND_BYTES of growth a round (memory: their items wait in lists); larger reads (a new
host's whole file, a backlog) stream in the loop's own thread. Opening, reading and closing a host's file waits
about 3 ms (measured), most of it not in Python: 200 hosts read one after the other took 2.4 s a round."""

CLOSERS, MAX_CLOSING = 4, 16
"""Scanners are closed in threads: closing one (its reader thread's end) takes up to about 8 ms of waiting
(measured), which would make a round over 200 hosts last 2 s; at most MAX_CLOSING wait to close (each holds
an inotify instance, 128 per user by default)."""

POLL_S = 0.1
"""How often the directory is listed and the active files stat()ed (s): the most a new entry waits, at no cost
while nothing changes (one stat per host)."""


def stem_of(name: str) -> str | None:
    """The host part of a journal file's name: `remote-web-1` for `remote-web-1.journal` and its archives
    `remote-web-1@….journal` and `remote-web-1@….journal~`; None for a file that is no journal."""
    if name.endswith(".journal~"):
        base = name[:-len(".journal~")]
    elif name.endswith(".journal"):
        base = name[:-len(".journal")]
    else:
        return None
    return base.split("@", 1)[0] or None


@dataclass(frozen=True)
class Listing:
    """One look at the directory: per stem its active file (with inode, size, mtime in ns) and archives."""

    active: dict[str, tuple[Path, int, int, int]] = field(default_factory=dict)
    archives: dict[str, list[tuple[Path, int]]] = field(default_factory=dict)


def list_directory(directory: Path) -> Listing:
    """The directory's journal files by stem, and those of its subdirectories as `SUBDIR/stem` (journald's
    machine-id directories, which sd-journal reads too); a file that vanishes while listed is left out."""
    listing = Listing()
    _list_into(listing, directory, "")
    with os.scandir(directory) as entries:
        subdirectories = [item.name for item in entries if item.is_dir(follow_symlinks=False)]
    for name in subdirectories:
        try:
            _list_into(listing, directory / name, name + "/")
        except OSError:
            continue  # gone, or unreadable (sd-journal skips it as well)
    for files in listing.archives.values():
        files.sort()
    return listing


def _list_into(listing: Listing, directory: Path, prefix: str) -> None:
    with os.scandir(directory) as entries:
        for item in entries:
            stem = stem_of(item.name)
            if stem is None:
                continue
            try:
                info = item.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not item.is_file(follow_symlinks=False):
                continue
            path = Path(item.path)
            if "@" in item.name or item.name.endswith("~"):
                listing.archives.setdefault(prefix + stem, []).append((path, info.st_ino))
            else:
                listing.active[prefix + stem] = (path, info.st_ino, info.st_size, info.st_mtime_ns)


def holds(path: Path, cursor: str) -> bool:
    """Is the entry at `cursor` in this file? (A cursor of another file would position by time and count
    as a gap.)"""
    try:
        reader = journal._Reader(flags=0, files=[str(path.resolve())])
    except OSError:
        return False
    try:
        reader.seek_cursor(cursor)
        return bool(reader._next()) and bool(reader.test_cursor(cursor))
    except OSError:
        return False
    finally:
        reader.close()


def tail_positions(directory: Path, merged_cursor: str | None = None) -> dict[str, str]:
    """Per stem, the cursor of its active file's last entry (where a first start begins: from now), or, after
    one merged reader's `merged_cursor` (state saved before the host-by-host reading), of its last entry stamped
    at or before that cursor's time (a stem with none has no position: read from its head)."""
    until_usec = cursor_realtime(merged_cursor) if merged_cursor else None
    positions: dict[str, str] = {}
    for stem, (path, _inode, _size, _mtime) in list_directory(directory).active.items():
        try:
            reader = journal._Reader(flags=0, files=[str(path.resolve())])
        except OSError:
            continue
        try:
            if until_usec is None:
                reader.seek_tail()
            else:
                reader.seek_realtime(until_usec + 1)
            # (before its first entry, previous() still gives the first: checked by its time)
            if reader._previous() and (until_usec is None or int(reader._get_realtime()) <= until_usec):
                positions[stem] = str(reader._get_cursor())
        finally:
            reader.close()
    return positions


@dataclass
class _Host:
    """A stem being followed: its active file's inode, what of it was read (size, mtime ns) and whether
    `positions[stem]` is an entry of that file (else the file is read from its head)."""

    inode: int
    seen: tuple[int, int]
    in_file: bool


class FanInFollower:
    """ScanningFollower's items (entries, ScreenedRuns, ReadUpTo, JournalGap, CAUGHT_UP) for a directory of
    journal-remote files, read host by host. `positions` (stem → cursor) is updated in place as items are
    handed over: what a caller saves, together with what it did with the items before, to resume from; a
    stem with no position is read from its head."""

    def __init__(self, directory: Path, selection: Selection, screen: Screen | None = None,
                 extra_fields: Iterable[str] = (), positions: MutableMapping[str, str] | None = None,
                 wait_s: float = 1.0, poll_s: float = POLL_S):
        self.directory = directory
        self.selection = selection
        self.screen = screen
        self.extra_fields = tuple(extra_fields)
        self.positions: MutableMapping[str, str] = {} if positions is None else positions
        self.wait_s = wait_s
        self.poll_s = min(poll_s, wait_s)
        self._closer: ThreadPoolExecutor | None = None
        self._readers = ThreadPoolExecutor(1)  # replaced by each iteration's
        self._closing: deque[Future[None]] = deque()
        self._said: dict[str, str] = {}  # per stem, the last read error logged (once, not at every poll)

    def __iter__(self) -> Iterator[FollowItem]:
        self._closer = ThreadPoolExecutor(CLOSERS, thread_name_prefix="logsentry-fanin-close")
        self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="logsentry-fanin-read")
        try:
            yield from self._follow()
        finally:
            self._readers.shutdown(wait=True, cancel_futures=True)
            while self._closing:
                self._closing.popleft().result()
            self._closer.shutdown(wait=True)

    def _follow(self) -> Iterator[FollowItem]:
        hosts: dict[str, _Host] = {}
        listing = list_directory(self.directory)
        for stem in sorted(set(listing.active) | set(listing.archives)):
            cursor = self.positions.get(stem)
            active = listing.active.get(stem)
            held = cursor is not None and active is not None and holds(active[0], cursor)
            if cursor is not None and not held:
                # Saved before a rotation (or its entry vacuumed: a gap): every file of the host from the
                # position, then the active file on from what that read reached.
                files = (*(p for p, _ in listing.archives.get(stem, [])), *((active[0],) if active else ()))
                yield from self._read(stem, files, cursor)
                cursor = self.positions.get(stem)
                held = cursor is not None and active is not None and holds(active[0], cursor)
            if active is not None:
                hosts[stem] = _Host(active[1], (-1, -1), held)
        round_began = time.monotonic()
        reads: list[tuple[str, _Host, Path, str | None, Future[list[FollowItem]] | None]] = []
        ahead_bytes = 0
        while True:
            for stem in sorted(set(listing.active) | set(hosts)):
                host, active = hosts.get(stem), listing.active.get(stem)
                if host is not None and (active is None or host.inode != active[1]):
                    # Rotated (the old file, same inode, is an archive now): the old file to its end, then
                    # the new one from its head. An old file already gone leaves nothing to read.
                    old = [path for path, inode in listing.archives.get(stem, []) if inode == host.inode]
                    if old:
                        yield from self._read(stem, (old[0],), self.positions.get(stem) if host.in_file else None)
                    del hosts[stem]
                    host = None
                if active is None:
                    continue
                path, inode, size, mtime = active
                if host is None:
                    host = hosts[stem] = _Host(inode, (-1, -1), False)  # a new host or file: from its head
                if host.seen == (size, mtime):
                    continue
                grown = size - host.seen[0] if host.seen[0] >= 0 else -1
                host.seen = (size, mtime)
                cursor = self.positions.get(stem) if host.in_file else None
                ahead = None
                if 0 <= grown <= AHEAD_BYTES and ahead_bytes + grown <= AHEAD_ROUND_BYTES:
                    ahead_bytes += grown
                    ahead = self._readers.submit(self._collect, (path,), cursor)
                reads.append((stem, host, path, cursor, ahead))
            for stem, host, path, cursor, ahead in reads:
                moved = yield from self._read(stem, (path,), cursor, ahead)
                host.in_file = host.in_file or moved
            reads.clear()
            ahead_bytes = 0
            yield None  # everything there was has been handed over
            time.sleep(max(0.0, self.poll_s - (time.monotonic() - round_began)))  # a long round polls again at once
            round_began = time.monotonic()
            listing = list_directory(self.directory)

    def _follower(self, files: tuple[Path, ...], cursor: str | None) -> Iterator[FollowItem]:
        start = StartAt(cursor=cursor) if cursor is not None else StartAt(since_usec=0)
        return iter(ScanningFollower(JournalLocation(files=files), self.selection, self.screen, self.extra_fields,
                                     start, wait_s=0))

    def _collect(self, files: tuple[Path, ...], cursor: str | None) -> list[FollowItem]:
        """A small read done ahead in a reader thread (the scanner waits without the GIL), closed there."""
        items = self._follower(files, cursor)
        try:
            return list(takewhile(lambda item: item is not None, items))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def _read(self, stem: str, files: tuple[Path, ...], cursor: str | None,
              ahead: Future[list[FollowItem]] | None = None) -> Generator[FollowItem, None, bool]:
        """`files` of one host from after `cursor` (else their head) to their end (or what a reader thread read
        `ahead`), keeping `positions`; returns whether the position moved (an entry was handed over)."""
        moved = False
        items: Iterator[FollowItem] | None = None
        try:
            source = ahead.result() if ahead is not None else (items := self._follower(files, cursor))
            for item in source:
                if item is None:
                    break
                if isinstance(item, ReadUpTo) or (isinstance(item, Entry) and item.cursor):
                    self.positions[stem] = item.cursor
                    moved = True
                yield item
        except OSError as error:  # JournalOpenError included: one host's file must not stop the others
            gone = [path for path in files if not path.exists()]
            said = f"{', '.join(map(str, gone))}: gone while read (rotated or vacuumed away)" if gone else str(error)
            if self._said.get(stem) != said:
                self._said[stem] = said
                (log.warning if gone else log.error)("journal_directory: %s; read again when it changes", said)
        finally:
            close = getattr(items, "close", None)
            if close is not None and self._closer is not None:
                self._closing.append(self._closer.submit(close))
                while len(self._closing) > MAX_CLOSING or (self._closing and self._closing[0].done()):
                    self._closing.popleft().result()
        return moved
