"""A text log's times that go back, said on stderr (sources/text.py).

Lines are read at the times they carry, in the order written; a time that goes back by minutes or more is no
reordering within a second but a clock or zone change, or pieces pasted out of order, and it widens the report's
span without a word: a BusyBox syslogd's "syslogd started" stamped an hour after the lines under it (its zone set
after it started) had a container's 8 minutes of apcupsd read as "from 06:49:24 to 07:49:24" (a new user's trial).
The first such step is named, with its line and both times, and how many more there were.
"""

from __future__ import annotations

from ..timespec import format_duration, format_usec

STEP_USEC = 5 * 60 * 1_000_000
"""A time this far or more behind the line before it is said; a few seconds or minutes back are programs whose
lines reached the log out of order (each stamps its own time)."""


class StepsBack:
    """The times of a text's lines, one by one (`saw`), and what to say of their steps back (`note`). `wall`: the
    times are wall-clock times (syslog's, a program's own); others (dmesg's since boot) start again at a boot."""

    def __init__(self, wall: bool = True) -> None:
        self.wall = wall
        self.last_usec: int | None = None
        self.first: tuple[int, int, int] | None = None
        """(line number, the time before it, its time) of the first step back."""
        self.more = 0
        self.span: tuple[int, int] | None = None
        """The earliest and latest times seen."""

    def saw(self, usec: int, number: int) -> None:
        self.span = (usec, usec) if self.span is None else (min(self.span[0], usec), max(self.span[1], usec))
        if not self.wall:
            return
        last, self.last_usec = self.last_usec, usec
        if last is None or last - usec < STEP_USEC:
            return
        if self.first is None:
            self.first = (number, last, usec)
        else:
            self.more += 1

    def note(self) -> str | None:
        if self.first is None:
            return None
        number, before, at = self.first
        earlier = format_usec(at)
        earlier = earlier[11:] if earlier[:10] == format_usec(before)[:10] else earlier  # (the same day: its time)
        more = f" (and {self.more} more step{'s' if self.more != 1 else ''} back of {format_duration(STEP_USEC)} " \
               "or more)" if self.more else ""
        return (f"its times go back by {format_duration(before - at)} at line {number}, from {format_usec(before)} "
                f"to {earlier}{more}: a clock or zone change, or lines pasted out of order? They are read as "
                "written: the report's span runs from the earliest to the latest")
