"""Following a journal-remote directory host by host, so that no entry is passed by (issues 17 and 15).

One sd-journal over the directory merges the hosts' files by time and only moves forward: an entry that reaches
one host's file stamped before an entry already read from another host's is never returned (systemd#359,
#14911; bench/fleet.py --merge-check). Within one host's file entries are appended in order, so reading each
host's file from its own position loses nothing; across hosts the order does not matter (windows, silences
and baselines are per (machine, unit)).

Each host is a "stem": `remote-HOST` of `remote-HOST.journal` (the active file) and of its archives
`remote-HOST@….journal[~]`; `MACHINE/system` in journald's layout. Its position is the cursor of the last
entry handed over from it. Each host's active file is held open by a "poked" C scanner (sources/follow.py):
it has no inotify instance of its own (Linux allows 128 per user, fewer than a collector's hosts) and at the
file's end its thread waits until poked. One inotify instance (sources/inotify.py) watches the directory and
its subdirectories: an IN_MODIFY of a host's active file (journal-remote ftruncate()s it after each append for
this) pokes that host's scanner; a file or directory created, moved or deleted, or a lost event
(IN_Q_OVERFLOW), lists the directory again. So an entry is handed over milliseconds after it is written and an
idle collector costs nothing but a look every LOOK_S (list and stat: a missed event costs at most that).

A rotation (the active name now on another inode) closes the held scanner and drains the old file, found among
the archives by its inode, from the position to its end, together with every other archive of the stem made
since the last look (a host that rotated twice in between), in one read, before the new active file is read
from its head. A new stem is read from its head, its archives first. At the start, a stem saved before a
rotation is read from its position through its archives; when resuming (positions saved: not a first start,
where tail_positions gives every stem with entries a position), a stem with no position joined while the
service was down: its archives and active file are read from their head. Hosts beyond what the descriptor
limit allows to hold (or HELD_MAX) are read as before holding existed: opened when they change, read to their
end, closed. Without inotify (its instances or watches used up: fs.inotify.max_user_instances,
max_user_watches) the directory is looked at every POLL_S instead, with one warning: nothing is lost,
entries come later.
"""

from __future__ import annotations

import logging
import selectors
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..model import Entry, Screen
from .fanin_files import Listing, holds, list_directory, stem_of, tail_positions, vouched_stem
from .fanin_limits import BATCH_ENTRIES, CLOSERS, HELD_MAX, IDLE_CLOSE_S, MAX_CLOSING, held_cap
from .follow import FollowItem, ReadUpTo, ScanningFollower
from .inotify import IN_IGNORED, IN_ISDIR, IN_MODIFY, STRUCTURE, DirectoryWatch
from .journal import JournalLocation, StartAt
from .selection import Selection

__all__ = ["FanInFollower", "Listing", "holds", "list_directory", "stem_of", "tail_positions"]

log = logging.getLogger(__name__)

LOOK_S = 2.0
"""How often the directory is listed and the active files stat()ed although no event came (s): the most a
missed inotify event delays an entry (one stat per host, nothing else, while nothing changes)."""

POLL_S = 0.1
"""How often the directory is looked at when inotify cannot be had (s): the most an entry then waits."""

PAUSE_S = 0.01
"""A busy collector's files each raise an IN_MODIFY per append, 20,000 a second at 20k entries/s: waking for
each would cost more than reading the entries. So a host that has just handed entries over is poked again at
once (its scanner waits out its coalescing window, then reads what came: a busy host needs no event), and after
the loop has read inotify's events it does not listen to inotify for this long (s): the most a quiet host's
first entry waits behind a busy one's. (A timed wait that expires costs about 20 µs of CPU here, one woken by a
descriptor about 4: the loop wakes for hand-overs, not for time.)"""

COALESCE_USEC_PER_HOST, COALESCE_USEC_MIN, COALESCE_USEC_MAX = 500, 3000, 100_000
"""A held scanner hands over at most once every 500 µs times the number of hosts (at least the scanner's 3 ms,
at most 100 ms): about 2,000 hand-overs a second in all however many hosts are busy (each costs the
service's loop tens of µs), at that much latency (200 hosts: 100 ms)."""


@dataclass
class _Host:
    """A stem being followed: its active file (path, inode), the (size, mtime ns) seen at the last look,
    whether `positions[stem]` is an entry of that file (else the file is read from its head), and, while it is
    held, its poked scanner, the scanner's items, its ready descriptor and when it last handed over
    (time.monotonic() s)."""

    path: Path
    inode: int
    seen: tuple[int, int]
    in_file: bool
    held: ScanningFollower | None = None
    items: Iterator[FollowItem] | None = None
    fd: int = -1
    used: float = 0.0


class FanInFollower:
    """ScanningFollower's items (entries, ScreenedRuns, ReadUpTo, JournalGap, CAUGHT_UP) for a directory of
    journal-remote files, read host by host. `positions` (stem → cursor) is updated in place as items are
    handed over: what a caller saves, together with what it did with the items before, to resume from; a
    stem with no position is read from its head. CAUGHT_UP (None) comes after each wake that handed items
    over, and at least every `wait_s` while nothing comes; the directory is looked at every `look_s`.

    `local_machine`: the machine whose units may be restarted ("": none). Only its own journald's files, in
    its `MACHINE_ID/` directory (fanin_files.vouched_stem), vouch for its `_MACHINE_ID`; an entry of any
    other file claiming it is disowned (follow.disowned_entry): journal-remote writes what the
    sender sent, so a host of the fleet could otherwise have the collector restart its own units."""

    def __init__(self, directory: Path, selection: Selection, screen: Screen | None = None,
                 extra_fields: Iterable[str] = (), positions: MutableMapping[str, str] | None = None,
                 wait_s: float = 1.0, look_s: float = LOOK_S, local_machine: str = "", resuming: bool | None = None):
        self.directory = directory
        self.selection = selection
        self.screen = screen
        self.extra_fields = tuple(extra_fields)
        self.positions: MutableMapping[str, str] = {} if positions is None else positions
        self.wait_s = wait_s
        self.look_s = look_s
        self.local_machine = local_machine
        self.resuming = resuming  # None: when positions are given (a stem with none joined meanwhile: its head)
        self.held_max = HELD_MAX
        self._closer: ThreadPoolExecutor | None = None
        self._closing: deque[Future[None]] = deque()
        self._selector: selectors.BaseSelector = selectors.DefaultSelector()
        self._hosts: dict[str, _Host] = {}
        self._held = 0
        self._said: dict[str, str] = {}  # per stem, the last read error logged (once, not at every change)
        self._known: dict[str, set[int]] = {}  # per stem, the inodes of its archives read (or old at the start)
        self._watch = DirectoryWatch(directory, POLL_S)
        self._listening = False  # the inotify descriptor is registered in the selector

    def __iter__(self) -> Iterator[FollowItem]:
        self.held_max = held_cap(self.held_max)  # within the descriptor and memory limits (fanin_limits.py)
        try:
            self._closer = ThreadPoolExecutor(CLOSERS, thread_name_prefix="logsentry-fanin-close")
            self._selector = selectors.DefaultSelector()  # epoll: no limit of 1024 descriptors
            self._watch = DirectoryWatch(self.directory, POLL_S)
            self._watch.open()
            yield from self._follow()
        finally:
            for host in self._hosts.values():
                self._release(host)
            while self._closing:
                self._closing.popleft().result()
            if self._closer is not None:
                self._closer.shutdown(wait=True)
            self._selector.close()
            self._watch.close()
            self._hosts, self._known, self._closer, self._listening = {}, {}, None, False

    def _follow(self) -> Iterator[FollowItem]:
        hosts, resuming = self._hosts, bool(self.positions) if self.resuming is None else self.resuming
        self._watch_all()  # before listing: whatever changes after the listing is an event
        listing = list_directory(self.directory)
        for stem in sorted(set(listing.active) | set(listing.archives)):
            cursor = self.positions.get(stem)
            active = listing.active.get(stem)
            archives = listing.archives.get(stem, [])
            held = cursor is not None and active is not None and holds(active[0], cursor)
            if (cursor is not None and not held) or (cursor is None and resuming and archives):
                # Saved before a rotation (or its entry vacuumed: a gap), or a host that joined while the
                # service was down: every file of the host from the position (else from their head), then the
                # active file on from what that read reached.
                files = (*(path for path, _ in archives), *((active[0],) if active else ()))
                yield from self._read(stem, files, cursor)
                cursor = self.positions.get(stem)
                held = cursor is not None and active is not None and holds(active[0], cursor)
            if active is not None:
                hosts[stem] = _Host(active[0], active[1], (-1, -1), held)
            self._known[stem] = {inode for _, inode in archives}
        self._listen()
        changed: set[str] = set()
        yield from self._look(changed)
        for stem in sorted(changed):
            # At the start, what each host's active file holds past its position is read before the first
            # CAUGHT_UP: a caller lets time pass there (the service ends windows quiet by the clock), and its
            # held scanner's thread had read none of it yet (every incident open across a restart of the
            # service longer than its window was ended, held as silent, resolved and paged anew).
            if (host := hosts.get(stem)) is not None:
                yield from self._changed(stem, host)
                if host.held is not None:
                    yield from self._drain(stem, host)
        changed.clear()
        next_look, resume = time.monotonic() + self._look_s(), 0.0
        while True:
            for stem in sorted(changed):
                if (host := hosts.get(stem)) is not None:
                    yield from self._changed(stem, host)
            changed.clear()
            yield None  # everything there was has been handed over
            relist = False
            if self._watch.active and not self._listening and time.monotonic() >= resume:
                self._listen()
            now = time.monotonic()
            paused = self._watch.active and not self._listening
            timeout = min(self.wait_s, next_look - now, resume - now if paused else self.wait_s)
            for key, _events in self._selector.select(max(0.0, timeout)):
                if key.data is None:
                    relist |= self._events(changed)
                    self._selector.unregister(self._watch)
                    self._listening, resume = False, time.monotonic() + PAUSE_S
                elif (host := hosts.get(key.data)) is not None and host.fd == key.fd:
                    yield from self._drain(key.data, host)
            if relist or time.monotonic() >= next_look:
                yield from self._look(changed)
                next_look = time.monotonic() + self._look_s()

    def _look_s(self) -> float:
        return self.look_s if self._watch.active else min(self.look_s, POLL_S)

    def _listen(self) -> None:
        if self._watch.active and not self._listening:
            self._selector.register(self._watch, selectors.EVENT_READ, None)
            self._listening = True

    def _watch_all(self) -> None:
        """Watch the directory and its subdirectories; inotify given up (out of watches): polled instead."""
        self._watch.watch()
        if not self._watch.active:
            if self._listening:
                self._selector.unregister(self._watch)
                self._listening = False
            self._watch.close()

    def _events(self, changed: set[str]) -> bool:
        """Poke the held hosts whose active file changed, note the others in `changed`; whether the directory
        must be listed again (files or directories came, went or were renamed, or events were lost)."""
        relist, hosts = False, self._hosts
        for prefix, name, mask in self._watch.events():
            if prefix is None:
                relist = True
                continue
            if mask & IN_IGNORED:
                relist = True  # its directory is gone
            if mask & STRUCTURE and (not name or mask & IN_ISDIR or stem_of(name) is not None):
                relist = True
            if mask & IN_MODIFY and name.endswith(".journal") and "@" not in name:
                host = hosts.get(prefix + name[:-len(".journal")])
                if host is None:
                    relist = True  # a file not listed yet
                elif host.held is not None:
                    host.held.poke()
                else:
                    changed.add(prefix + name[:-len(".journal")])
        return relist

    def _look(self, changed: set[str]) -> Generator[FollowItem, None, None]:
        """List the directory: drain and drop rotated or vanished files, add new hosts, and note in `changed`
        every host whose active file's size or time differs from the last look (a missed event)."""
        self._watch_all()
        listing = list_directory(self.directory)
        hosts = self._hosts
        for stem in sorted(set(listing.active) | set(hosts)):
            host, active = hosts.get(stem), listing.active.get(stem)
            archives = listing.archives.get(stem, [])
            known = self._known.setdefault(stem, set())
            known &= {inode for _, inode in archives}  # an inode vacuumed away may come back as another file
            unread = tuple((path, inode) for path, inode in archives if inode not in known)
            if host is not None and (active is None or host.inode != active[1]):
                # Rotated (the old file, same inode, is an archive now): the old file from the position and the
                # archives made since the last look (it rotated more than once), then the new file from its
                # head. An old file already gone leaves nothing of it to read.
                self._release(host)
                in_old = host.in_file and any(inode == host.inode for _, inode in unread)
                if unread:
                    yield from self._read(stem, tuple(path for path, _ in unread),
                                          self.positions.get(stem) if in_old else None)
                    known.update(inode for _, inode in unread)
                del hosts[stem]
                host = None
            if active is None:
                continue
            path, inode, size, mtime = active
            if host is None:
                if unread := tuple((p, i) for p, i in unread if i not in known):
                    # a new host's archives (it rotated before this look), from their head, before its file
                    yield from self._read(stem, tuple(p for p, _ in unread), None)
                    known.update(i for _, i in unread)
                host = hosts[stem] = _Host(path, inode, (-1, -1), False)  # a new host or file: from its head
            if host.seen != (size, mtime):
                host.seen = (size, mtime)
                changed.add(stem)

    def _changed(self, stem: str, host: _Host) -> Generator[FollowItem, None, None]:
        """The host's active file changed (or is new): poke its held scanner; else hold one open on it, or,
        with all held that may be, read it to its end."""
        if host.held is not None:
            host.held.poke()
            return
        cursor = self.positions.get(stem) if host.in_file else None
        if self._held >= self.held_max and not self._evict():
            moved = yield from self._read(stem, (host.path,), cursor)
            host.in_file = host.in_file or moved
            return
        follower = self._follower(stem, (host.path,), cursor)
        try:
            follower.open()
        except OSError as error:
            self._say(stem, (host.path,), error)
            return
        host.held, host.items, host.fd, host.used = follower, iter(follower), follower.fileno(), time.monotonic()
        self._selector.register(host.fd, selectors.EVENT_READ, stem)
        self._held += 1

    def _drain(self, stem: str, host: _Host) -> Generator[FollowItem, None, None]:
        """What the host's held scanner has read (it is ready), keeping `positions`; then it is poked again (a
        host that wrote is likely to write again: no need to wait for inotify, see PAUSE_S)."""
        assert host.items is not None
        try:
            for item in host.items:
                if item is None:
                    break
                if isinstance(item, ReadUpTo) or (isinstance(item, Entry) and item.cursor):
                    self.positions[stem] = item.cursor
                    host.in_file = True
                yield item
        except OSError as error:  # one host's file must not stop the others: read again when it changes
            self._say(stem, (host.path,), error)
            self._release(host)
        if host.held is not None:
            host.held.poke()
        host.used = time.monotonic()

    def _evict(self) -> bool:
        """Close the held scanner idle longest, if it has been idle IDLE_CLOSE_S; whether one was."""
        idle = min((host for host in self._hosts.values() if host.held is not None), key=lambda host: host.used,
                   default=None)
        if idle is None or time.monotonic() - idle.used < IDLE_CLOSE_S:
            return False
        self._release(idle)
        return True

    def _release(self, host: _Host) -> None:
        """Stop holding the host's scanner (closed in a thread)."""
        follower, items = host.held, host.items
        if follower is None:
            return
        self._selector.unregister(host.fd)
        host.held, host.items, host.fd = None, None, -1
        self._held -= 1
        self._shut(follower, items)

    def _follower(self, stem: str, files: tuple[Path, ...], cursor: str | None) -> ScanningFollower:
        start = StartAt(cursor=cursor) if cursor is not None else StartAt(since_usec=0)
        coalesce = max(COALESCE_USEC_MIN, min(COALESCE_USEC_MAX, COALESCE_USEC_PER_HOST * len(self._hosts)))
        local = self.local_machine
        disowned = (local,) if local and not vouched_stem(self.directory, stem, local) else ()
        return ScanningFollower(JournalLocation(files=files), self.selection, self.screen, self.extra_fields,
                                start, wait_s=0, poked=True, batch_entries=BATCH_ENTRIES, coalesce_usec=coalesce,
                                disowned=disowned)

    def _shut(self, follower: ScanningFollower, items: Iterator[FollowItem] | None) -> None:
        """Close a scanner in a closer thread (its items first: a generator closed runs its `finally`)."""

        def shut() -> None:
            close = getattr(items, "close", None)
            if close is not None:
                close()
            follower.close()

        try:
            if self._closer is None:
                raise RuntimeError("not following")
            closing = self._closer.submit(shut)
        except RuntimeError:  # not following (any more), or the interpreter is shutting down
            shut()
            return
        self._closing.append(closing)
        while len(self._closing) > MAX_CLOSING or (self._closing and self._closing[0].done()):
            self._closing.popleft().result()

    def _read(self, stem: str, files: tuple[Path, ...], cursor: str | None) -> Generator[FollowItem, None, bool]:
        """`files` of one host from after `cursor` (else their head) to their end, keeping `positions`, then
        closed; returns whether the position moved (an entry was handed over)."""
        moved = False
        follower = self._follower(stem, files, cursor)
        items = iter(follower)
        try:
            for item in items:
                if item is None:
                    break
                if isinstance(item, ReadUpTo) or (isinstance(item, Entry) and item.cursor):
                    self.positions[stem] = item.cursor
                    moved = True
                yield item
        except OSError as error:  # JournalOpenError included: one host's file must not stop the others
            self._say(stem, files, error)
        finally:
            self._shut(follower, items)
        return moved

    def _say(self, stem: str, files: tuple[Path, ...], error: OSError) -> None:
        """Log a host's read error, once until it changes."""
        gone = [path for path in files if not path.exists()]
        said = f"{', '.join(map(str, gone))}: gone while read (rotated or vacuumed away)" if gone else str(error)
        if self._said.get(stem) != said:
            self._said[stem] = said
            (log.warning if gone else log.error)("journal_directory: %s; read again when it changes", said)
