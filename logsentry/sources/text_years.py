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
