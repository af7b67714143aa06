"""Getting at the service's state: the state directory locked for the life of the process, and the state file
opened checked, a corrupt one moved aside so that the service starts afresh (and alerts) instead of not at all.

Kept apart from state.py, which reads and writes an open state file: this decides whether the service may use
the file at all (state_readonly.py: how the other commands read it while the service has it open).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from pathlib import Path

from .state import State, StateError


class StateLocked(StateError):
    """Another logsentry holds the state directory."""


class StateLock:
    """An exclusive lock on the state directory for the life of the process (flock on `lock` in it, which
    holds the holder's PID): two services sharing one state.db would carry out every action twice."""

    def __init__(self, directory: Path):
        self.path = directory / "lock"
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(self.fd, 32).decode(errors="replace").strip() or "?"
            os.close(self.fd)
            raise StateLocked(f"state directory {directory} is in use by another logsentry (PID {holder}); "
                              "two on one state would act twice") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())

    def close(self) -> None:
        os.close(self.fd)


def lock_held(directory: Path, locks: Path = Path("/proc/locks")) -> bool | None:
    """Does a process hold the state directory's lock (a service running on it)? Told from the kernel's list of
    locks (proc(5) /proc/locks: "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF", device in hex), not by taking
    the lock: a service starting at that moment would find it taken and refuse to start. False only when the
    kernel lists no such lock and the PID the last holder wrote in it is gone (a file system whose devices
    /proc/locks names otherwise, an overlay, must not pass for a stopped service); None when it cannot tell."""
    try:
        info = os.stat(directory / "lock")
        listed = locks.read_text(errors="replace")
        holder = (directory / "lock").read_text(errors="replace").strip()
    except OSError:
        return None
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    if any(len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == device
           for fields in (line.split() for line in listed.splitlines())):
        return True
    return None if holder.isdigit() and Path(f"/proc/{holder}").exists() else False


def open_state_dir(directory: Path) -> StateLock:
    """Create (if need be) and lock the state directory, or raise StateError saying what is wrong with it."""
    if directory.exists() and not directory.is_dir():
        raise StateError(f"state_dir {directory} is not a directory")
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return StateLock(directory)
    except OSError as error:
        raise StateError(f"cannot use state directory {directory}: {error.strerror or error}") from None


def open_service_state(path: Path) -> tuple[State, Path | None]:
    """The service's state at start, checked: readable, a database, writable. A file that is no SQLite
    database (garbage, truncated, malformed) is moved aside and a fresh one started; the second value is
    where it went (the caller alerts about the gap). Anything else raises StateError naming the path."""
    if path.is_dir():
        raise StateError(f"state file {path} is a directory")
    moved = None
    for attempt in (1, 2):
        state: State | None = None
        try:
            state = State(path)
            check = state.db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check[0] if check else 'no answer'}")
            state.mark_opened()
            return state, moved
        except sqlite3.DatabaseError as error:
            if state is not None:
                state.close()
            problem = error
        if not _is_corruption(problem) or attempt == 2:
            raise StateError(f"cannot use state file {path}: {problem}") from None
        moved = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
        try:
            os.replace(path, moved)
            for suffix in ("-wal", "-shm"):
                if Path(f"{path}{suffix}").exists():
                    os.replace(f"{path}{suffix}", f"{moved}{suffix}")
        except OSError as error:
            raise StateError(f"state file {path} is corrupt ({problem}) and cannot be moved aside: "
                             f"{error.strerror or error}") from None
    raise AssertionError("unreachable")


def _is_corruption(error: sqlite3.DatabaseError) -> bool:
    text = str(error).lower()
    return any(words in text for words in ("not a database", "malformed", "integrity check", "corrupt"))
