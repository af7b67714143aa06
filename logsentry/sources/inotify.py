"""One inotify instance for the fan-in follower (sources/fanin.py), through libc (the stdlib has no inotify).

Linux allows 128 inotify instances per user by default (fs.inotify.max_user_instances), fewer than a
collector's hosts, but any number of watches in one: one instance watches the journal directory and its
machine-id subdirectories. journald and journal-remote write journal files through mmap, which inotify does
not see, and then ftruncate() the file to its own size after each append precisely so that readers get an
IN_MODIFY (journal-file.c, journal_file_post_change; tests/test_fanin.py checks it for journal-remote).
File names in events come from the directory, never from log text.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import struct
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

IN_MODIFY = 0x00000002
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_ISDIR = 0x40000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000

DIRECTORY_EVENTS = (IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF
                    | IN_MOVE_SELF)
"""What the fan-in watches on a directory: appends to its files, and files (or machine-id directories)
appearing, going or being renamed (rotation, new hosts, vacuuming)."""

STRUCTURE = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF
"""Events that change which files there are (rotation, new hosts, vacuuming): the fan-in lists again."""

_HEADER = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then len bytes of name)
_READ_BYTES = 64 << 10


class Inotify:
    """An inotify instance (non-blocking, close-on-exec): fileno() for a selector, add() watches, read()
    what came."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)  # the process's own libc (find_library runs ldconfig)
        self._add_watch = libc.inotify_add_watch
        self._add_watch.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
        self._add_watch.restype = ctypes.c_int
        self._remove_watch = libc.inotify_rm_watch
        self._remove_watch.argtypes = (ctypes.c_int, ctypes.c_int)
        self._remove_watch.restype = ctypes.c_int
        fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            error = ctypes.get_errno()
            raise OSError(error, f"inotify_init1: {os.strerror(error)}")
        self.fd: int = fd

    def fileno(self) -> int:
        return self.fd

    def add(self, path: str, mask: int = DIRECTORY_EVENTS | IN_ONLYDIR) -> int:
        """Watch `path` (a directory); the watch descriptor its events carry (the same one again for a path
        watched already)."""
        wd = int(self._add_watch(self.fd, os.fsencode(path), mask))
        if wd < 0:
            error = ctypes.get_errno()
            raise OSError(error, f"inotify_add_watch: {os.strerror(error)}", path)
        return wd

    def remove(self, wd: int) -> None:
        """Stop watching (a watch whose directory is gone has ended by itself: no error)."""
        self._remove_watch(self.fd, wd)

    def read(self) -> dict[tuple[int, str], int]:
        """The events queued now, per (watch descriptor, file name: "" for the directory itself) their masks
        ORed together ({} when none: never blocks); IN_Q_OVERFLOW comes as watch -1. A busy collector queues
        an IN_MODIFY per append: what a caller does per file, once, is all it needs."""
        events: dict[tuple[int, str], int] = {}
        unpack, size, get = _HEADER.unpack_from, _HEADER.size, events.get
        while True:
            try:
                data = os.read(self.fd, _READ_BYTES)
            except BlockingIOError:
                return events
            offset, end = 0, len(data)
            while offset < end:
                wd, mask, _cookie, length = unpack(data, offset)
                offset += size
                key = (wd, os.fsdecode(data[offset:offset + length].rstrip(b"\0")))
                offset += length
                events[key] = get(key, 0) | mask
            if end < _READ_BYTES // 2:
                return events

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class DirectoryWatch:
    """A journal directory and its subdirectories (journald's machine-id directories) watched by one inotify
    instance; `active` is False when inotify cannot be had (instances or watches used up): the caller then looks
    at the directory often instead (said once, with the sysctl to raise)."""

    def __init__(self, directory: Path, poll_s: float) -> None:
        self.directory = directory
        self.poll_s = poll_s
        self.inotify: Inotify | None = None
        self.watches: dict[int, str] = {}  # watch → the directory's prefix of stems ("" or "SUBDIR/")
        self.active = False

    def open(self) -> None:
        try:
            self.inotify = Inotify()
        except OSError as error:
            self._give_up(error, "fs.inotify.max_user_instances")
            return
        self.active = True

    def fileno(self) -> int:
        return self.inotify.fileno() if self.inotify is not None else -1

    def watch(self) -> None:
        """Watch the directory and its subdirectories; a subdirectory that cannot be watched (gone, unreadable)
        is left out, as sd-journal leaves it. Out of watches (ENOSPC), inotify is given up."""
        if not self.active or not self._add(self.directory, ""):
            return
        try:
            names = [path.name for path in self.directory.iterdir() if path.is_dir() and not path.is_symlink()]
        except OSError:
            return  # listing it again raises
        for name in names:
            try:
                if not self._add(self.directory / name, name + "/"):
                    return
            except OSError:
                continue

    def _add(self, path: Path, prefix: str) -> bool:
        assert self.inotify is not None
        try:
            self.watches[self.inotify.add(str(path))] = prefix
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.ENOMEM):
                raise
            self._give_up(error, "fs.inotify.max_user_watches")
            return False
        return True

    def _give_up(self, error: OSError, sysctl: str) -> None:
        log.warning("journal_directory %s: no inotify (%s): the directory is looked at every %.1f s instead, "
                    "so entries come later; raise the sysctl %s", self.directory, error, self.poll_s, sysctl)
        self.active, self.watches = False, {}

    def events(self) -> Iterator[tuple[str | None, str, int]]:
        """The events queued now, per file: (its directory's prefix of stems, None for lost events or an
        unknown watch; the file name, "" for the directory itself; the masks ORed). A watch whose directory is
        gone (IN_IGNORED) is dropped."""
        if self.inotify is None:
            return
        for (wd, name), mask in self.inotify.read().items():
            prefix = self.watches.get(wd)
            if mask & IN_IGNORED and prefix is not None:
                del self.watches[wd]
            yield (None if mask & IN_Q_OVERFLOW else prefix), name, mask

    def close(self) -> None:
        if self.inotify is not None:
            self.inotify.close()
            self.inotify = None
        self.active, self.watches = False, {}
