"""The level a record of a program's own log gives the exception lines under it (sources/applog.py reads the lines).

log4j, logback, JUL and Python's logging print an exception under the record that logged it, one line of the trace
after another and none with a time: `Sat Feb 27 04:58:23 UTC 2021 WARN: Caught while disconnecting...` then
`javax.net.ssl.SSLException: closing inbound before receiving peer's close_notify` and its frames (MySQL Connector/J's
harmless disconnect, trial 69's 48), or `WARNING ... retrying` then `Traceback (most recent call last):`. Each line is
an entry of its own, and the exception's name line reads err (engine/crash_levels.py: a bare printStackTrace or a
traceback under journald has no other error line), so a warning's trace made an error card. Under a record that says
its level, such a line (crash_levels.logged_exception) is read at that level at most: a WARN record's trace is a
warning's trace, an ERROR record's an error's. With no levelled record before it (a timed line that names no level, a
file's first lines), or after a runtime's own uncaught-exception header (`Exception in thread "main" ...`, a panic),
which no logger wrote, it keeps its own level.

The record's level is that of the last line that says one and is no exception line: the timed line that starts the
record, or an untimed line with a level of its own after it (JUL's `SEVERE: ...` under its time and class; another
layout's record in the same file, as Connector/J's ctime-stamped `WARN:` in a Spring Boot log).
"""

from __future__ import annotations

from ..engine.crash_levels import CRASH_HEADERS, crash_level, logged_exception
from ._journalscan import text_level


class RecordLevels:
    """The level of the record a program's log is in, line by line (`ceiling`). A timed line's is read only when an
    exception line under it asks (most records have none: no second read of every line's level)."""

    __slots__ = ("level", "start")

    def __init__(self) -> None:
        self.start: str | None = None
        """The timed line that started the record, its level not read yet; None once read (`level`)."""
        self.level: int | None = None
        """The level the last line that started a record said, or None (it said none, or a runtime's header)."""

    def ceiling(self, message: str, timed: bool) -> int | None:
        """The level `message` is read at no worse than (a syslog priority: its record's), or None; `timed`: the line
        has a time of its own (it starts a record)."""
        if timed:
            self.start, self.level = message, None
            return None
        if message and message[0] in CRASH_HEADERS:
            if logged_exception(message):
                if self.start is not None:
                    self.level, self.start = _level(self.start), None
                return self.level
            if crash_level(message) is not None:
                self.start = self.level = None  # (a runtime's own header: what follows is its trace, no record's)
                return None
        if message[:1] not in _BLANKS and (level := _level(message)) is not None:
            self.start, self.level = None, level  # (an untimed line that says its level: JUL's `WARNING: ...`)
        return None


_BLANKS = frozenset(" \t")
"""An indented line (a stack frame: `\tat ...`, `  File "..."`) is no record's start: its level is not read."""


def _level(message: str) -> int | None:
    return text_level(message.encode("utf-8", "surrogatepass"))
