"""A template's busiest two minutes of the last two weeks of journal time (Minutes): the bar its rate rules
start from, aged a day at a time, in a few integers per template (baseline.py keeps one per template)."""

from __future__ import annotations

from collections.abc import Sequence

MINUTE_USEC = 60_000_000


DAY_USEC = 86_400_000_000
PEAK_DAYS = 14
"""A busiest two minutes bounds the rate rules for this many days of journal time (the day it ended in and the
13 after), then it is forgotten: one learnt blip must not raise the bar for good, nor may a template once busy
never spike again. Two weeks hold two of every weekly job's runs (one may be skipped) and match the 14 days of
history the service learns at its first start (learning.LEARN_DAYS), so a fresh baseline and an old one know
the same peaks."""


class Minutes:
    """Counts per aligned minute of journal time for the last three minutes, and `peak`: the most in any
    two consecutive minutes that ended before the current minute's predecessor, within the last PEAK_DAYS
    days. So `peak` bounds every 60 s window of the recent past, and never includes the window being judged
    now (a surge cannot raise its own bar).

    `days` is the ring of daily peaks it is the largest of: (day, most that day) pairs, flat, days rising and
    peaks falling (a day's peak no higher than a later day's can never be the largest again, so it is not kept:
    at most PEAK_DAYS pairs, a few for most templates). Days are counted on the minutes' own time, so a day ages
    out when a line of a later day is counted: the per-entry and the counted path (engine/runstep.py) see the
    same peak."""

    __slots__ = ("before", "days", "older", "peak", "start", "this")

    def __init__(self, peak: int = 0, days: list[int] | None = None, day: int = 0) -> None:
        """`days` as saved (`days`); else an older single `peak` (a state saved before the ring) counts as
        `day`'s (a day number: µs // DAY_USEC)."""
        self.start = 0
        self.this = self.before = self.older = 0
        self.days = days if days is not None else [day, peak] if peak > 0 else []
        self.peak = self.days[1] if self.days else 0

    def add(self, usec: int) -> None:
        minute = usec - usec % MINUTE_USEC
        if minute <= self.start:  # the same minute (or a step back in time)
            self.this += 1
            return
        day = self.start // DAY_USEC  # the busiest minutes that end now ended on the current minute's day
        self._fold(self.older + self.before, day)  # minutes start-2 and start-1: now out of every live window
        if minute >= self.start + 2 * MINUTE_USEC:
            self._fold(self.before + self.this, day)
        if minute == self.start + MINUTE_USEC:
            self.older, self.before = self.before, self.this
        elif minute == self.start + 2 * MINUTE_USEC:
            self.older, self.before = self.this, 0
        else:
            self.older = self.before = 0
        self.start, self.this = minute, 1
        days = self.days
        if days and days[0] <= minute // DAY_USEC - PEAK_DAYS:
            self._age(minute // DAY_USEC)

    def add_runs(self, runs: Sequence[int]) -> None:
        """`add` for each entry of (bucket start, entries) pairs, buckets within a minute (engine/runstep.py)."""
        for k in range(0, len(runs), 2):
            self.add(runs[k])
            self.this += runs[k + 1] - 1

    def bar(self, usec: int) -> tuple[int, int]:
        """`peak` once the days before the last PEAK_DAYS up to `usec` (µs of journal time) aged out, before any
        more is counted (the lowest it can be until then: engine/runstep.py counts lines on it), and the day
        (µs // DAY_USEC) that one ages out in turn (-1: none)."""
        days, oldest = self.days, usec // DAY_USEC - PEAK_DAYS
        for k in range(0, len(days), 2):
            if days[k] > oldest:
                return days[k + 1], days[k] + PEAK_DAYS
        return 0, -1

    def saved(self) -> str:
        """As the state's rows keep it: `days` as "day:peak" pairs, space-separated, then the current minutes
        as "@start:older:before:this" (µs and entries): else a restart starts them again empty, and a burst
        of the minutes before a stop is lost from the peak (a blip, then a restart, and the same lines again
        passed the bar that reading straight through keeps)."""
        days = self.days
        ring = " ".join(f"{days[k]}:{days[k + 1]}" for k in range(0, len(days), 2))
        if not self.start:
            return ring
        current = f"@{self.start}:{self.older}:{self.before}:{self.this}"
        return f"{ring} {current}" if ring else current

    @classmethod
    def restored(cls, peak: int, saved: str, day: int) -> Minutes:
        """From a saved row (`saved()`); a row saved before the ring ("") has one `peak`, taken as `day`'s, so it
        bounds the next PEAK_DAYS days as it did before. ValueError when the ring is malformed."""
        ring, _, current = saved.partition("@")
        if not ring.strip():
            minutes = cls(peak, day=day) if not current else cls()
        else:
            days = [int(number) for pair in ring.split() for number in pair.split(":", 1)]
            if len(days) % 2 or len(days) > 2 * PEAK_DAYS or any(
                    days[k] >= days[k + 2] or days[k + 1] <= days[k + 3] for k in range(0, len(days) - 2, 2)) or any(
                    count <= 0 for count in days[1::2]):
                raise ValueError(f"not a ring of daily peaks (days rising, peaks falling): {saved[:80]!r}")
            minutes = cls(days=days)
        if current:
            start, older, before, this = (int(number) for number in current.split(":"))
            if start % MINUTE_USEC or min(older, before, this) < 0:
                raise ValueError(f"not the current minutes (start:older:before:this): {current[:80]!r}")
            minutes.start, minutes.older, minutes.before, minutes.this = start, older, before, this
        return minutes

    def _fold(self, count: int, day: int) -> None:
        days = self.days
        if days and day < days[-2]:  # journal time stepped back: the ring's days never fall
            day = days[-2]
        if count <= 0 or (days and days[-2] == day and days[-1] >= count):
            return
        while days and days[-1] <= count:  # earlier days that are no busier: they age out first
            del days[-2:]
        days += (day, count)
        self.peak = days[1]

    def _age(self, today: int) -> None:
        days = self.days
        while days and days[0] <= today - PEAK_DAYS:
            del days[:2]
        self.peak = days[1] if days else 0
