"""Opening the service's state for a command that only reads it (`logsentry hosts`, `config check`'s outbox),
perhaps while the service runs, perhaps as a user who may not write beside it: nothing is created, converted
or written, and a refusal says what and why."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .state import State, StateError


class StateMissing(StateError):
    """No state file: the service has not saved one in this state_dir."""


def open_read_only(path: Path) -> State:
    """The state for a command that only reads it, the service perhaps running: sqlite's mode=ro, so nothing
    is created, converted or written (a write raises). sqlite reads a WAL database only beside a -shm file it
    may create; in a directory this user cannot write, and with no -wal file (no connection has the state
    open), it is read as immutable. Raises StateMissing, or StateError naming what could not be read and why."""
    try:
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        raise StateMissing(f"no saved state at {path}") from None
    except OSError as error:
        why = denied(path) if isinstance(error, PermissionError) else error.strerror or str(error)
        raise StateError(f"cannot read the state in {path}: {why}") from None
    for query in ("mode=ro", "mode=ro&immutable=1"):
        db = sqlite3.connect(f"{path.absolute().as_uri()}?{query}", uri=True, timeout=5, isolation_level=None,
                             check_same_thread=False)
        try:
            db.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
            break
        except sqlite3.Error as error:
            db.close()
            if getattr(error, "sqlite_errorname", "") != "SQLITE_READONLY_DIRECTORY" or query != "mode=ro":
                raise StateError(f"cannot read the state in {path}: {error}") from None
            if Path(f"{path}-wal").exists():
                raise StateError(f"cannot read the state in {path} while the service has it open ({path.name}"
                                 f"-wal): sqlite must write beside it, {denied(path.parent, True)}") from None
    state = State.__new__(State)
    state.path, state.db, state._written = path, db, {}
    return state


def denied(path: Path, itself: bool = False) -> str:
    """Why this user may not read `path` (or write `itself`): the mode and owner of the file or directory that
    says no, and who may."""
    import pwd

    place = path if itself or os.access(path.parent, os.X_OK) else path.parent
    try:
        info = place.stat()
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    except OSError:
        return "permission denied"
    who = "root" if owner == "root" else f"{owner} or root"
    return f"permission denied ({place} is mode {info.st_mode & 0o7777:04o}, owner {owner}): run this as {who}"
