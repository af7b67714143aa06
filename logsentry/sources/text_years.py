"""Years for the year-less times of text logs (RFC 3164 syslog, journalctl's `short`): sources/text.py.

The first line's year is the latest that puts it no later than a reference (journalctl's `-- Logs begin at ...,
end at ... --` line, else the file's modification time, else now), and the year moves on each time the month
steps back by more than half a year (December to January).
"""

from __future__ import annotations

import time


class Years:
    """Years for year-less times: the first line's from a reference, then one more at each new year."""

    def __init__(self, reference: float):
        self.reference = time.localtime(reference)
        self.year: int | None = None
        self.month = 0
        self.reference_name = "the file's time"
        """What the reference is, for people: the file's modification time, or now (standard input)."""
        self.from_header = False
        """The reference is journalctl's "Logs begin at ... end at" line (a fact), not the file's time."""

    def set_reference(self, year: int, month: int, day: int) -> None:
        if self.year is None:
            self.reference = time.localtime(time.mktime((year, month, day, 23, 59, 59, 0, 0, -1)))
            self.from_header = True

    def dated_by_line(self, year: int, month: int, day: int, name: str = "the first line's own date") -> None:
        """The first line's message writes its own full date (`Aug 07 22:39:51 host app[1]: [2019-08-07 22:39:51,321]
        ERROR ...`, trial 57's Kafka Connect paste: read as 2026 from the file's time), or a pasted `systemctl
        status` header's `Active: ... since` line does (`name` says which): that date is the reference, said as such,
        unless journalctl's header gave one."""
        if self.year is None and not self.from_header:
            self.reference = time.localtime(time.mktime((year, month, day, 23, 59, 59, 0, 0, -1)))
            self.reference_name = name

    def guess(self) -> str | None:
        """How the first year-less line's year was chosen, when it was inferred from the file's time (a
        guess worth telling: a log copied or touched later reads as the wrong year), else None."""
        if self.year is None or self.from_header:
            return None
        return (f"times carry no year; the first is read as {self.year}, the latest year that puts it no later "
                f"than {self.reference_name} ({time.strftime('%Y-%m-%d', self.reference)})")

    def of(self, month: int, day: int) -> int:
        if self.year is None:
            ref = self.reference
            self.year = ref.tm_year if (month, day) <= (ref.tm_mon, ref.tm_mday) else ref.tm_year - 1
            self.month = month
            return self.year
        if month < self.month - 6:  # December, then January: a new year
            self.year += 1
        elif month > self.month + 6:  # a line of the old year after the new one began (out of order)
            return self.year - 1
        self.month = month
        return self.year


DAY_SECONDS = 86_400


class Days:
    """Dates for times of day without one (logback's default `HH:mm:ss.SSS` pattern, Elixir's Logger): the first
    line's is the latest that puts it no later than the reference (the file's time, else now), then one more each
    time the clock steps back by more than 12 hours (23:59 to 00:01); a step forward is the same day (a quiet
    service's next line may come hours later)."""

    def __init__(self, reference: float):
        self.reference = reference
        self.midnight: float | None = None
        """Local midnight (s since the epoch) of the current line's day."""
        self.seconds = 0
        """The last line's second of its day."""

    def guess(self) -> str | None:
        """How the first line's date was chosen (inferred from the file's time: worth telling), else None."""
        if self.midnight is None:
            return None
        return (f"times carry no date; the first is read as {time.strftime('%Y-%m-%d', time.localtime(self.midnight))},"
                " the latest date that puts it no later than the file's time")

    def at(self, hour: int, minute: int, second: int) -> float:
        """The line's time (s since the epoch, local time) for its time of day. ValueError for no such time."""
        if not (hour < 24 and minute < 60 and second < 61):
            raise ValueError("no such time of day")
        seconds = hour * 3600 + minute * 60 + second
        if self.midnight is None:
            ref = time.localtime(self.reference)
            midnight = time.mktime((ref.tm_year, ref.tm_mon, ref.tm_mday, 0, 0, 0, 0, 0, -1))
            if seconds > ref.tm_hour * 3600 + ref.tm_min * 60 + ref.tm_sec:
                midnight = _midnight_before(midnight)
            self.midnight = midnight
        elif seconds < self.seconds - DAY_SECONDS // 2:
            self.midnight = _midnight_after(self.midnight)
        self.seconds = seconds
        return self.midnight + seconds


def _midnight_before(midnight: float) -> float:
    """Local midnight of the day before (a DST change makes a day 23 or 25 hours long)."""
    day = time.localtime(midnight - DAY_SECONDS // 2)
    return time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1))


def _midnight_after(midnight: float) -> float:
    """Local midnight of the day after."""
    day = time.localtime(midnight + DAY_SECONDS + DAY_SECONDS // 2)
    return time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1))
