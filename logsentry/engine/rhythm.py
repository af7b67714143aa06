"""A unit's rhythm: the gaps between its entries as a compact summary (how many, their sum, the longest, and
a histogram on a log scale with four bins per doubling, so a gap is known to within 19 %), and the silence
threshold that follows from it (engine/absence.py explains the rule; host_silence.py uses it for whole hosts).
All times are µs of journal time.

A threshold is only as good as the stretch of the unit's life it was learnt from: 200 lines two seconds apart
look like a clock, but if they are a daemon's nightly seven minutes of work, the next 23 hours are its habit,
not a hang. So a unit is watched (`watch_threshold`) only once its gaps cover the rule's `learn_for` (a day: the
cycle of cron jobs, timers, nightly batches and office hours that nearly every unit follows), and only while gaps
longer than its threshold take at most MAX_QUIET_SHARE of that time (a unit that spends its nights quiet is
not steady, however many lines two seconds apart its busy minutes have; counting by time, not by gaps,
because the trimmed 0.1 % of gaps can be all of a big burst's nights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..rules.rule import Absence

MAX_GAPS = 1 << 16
"""A rhythm halves its counts when it reaches this many gaps: it follows a unit whose rhythm changes."""
TRIM = 0.001
TAIL_FROM = 0.9
DAY_USEC = 86_400_000_000
SPAN_CAP_USEC = 400 * DAY_USEC
"""A rhythm counts the journal time its gaps covered up to this (longer than any rule's `learn_for`)."""
MAX_QUIET_SHARE = 0.05
"""The most of that time its gaps longer than the threshold may take: a heartbeat's one 2-hour outage in two
weeks is 0.6 %, a daemon idle 23 hours a day 96 %, a request log quiet 8 hours a night 33 %."""


def gap_bin(gap: int) -> int:
    """The histogram bin of a gap in usec: exact below 8 usec, then four bins per doubling."""
    if gap < 8:
        return gap
    bits = gap.bit_length()
    return 4 * bits + ((gap >> (bits - 3)) & 3)


def bin_range(index: int) -> tuple[int, int]:
    """[low, high) of a bin, in usec."""
    if index < 8:
        return index, index + 1
    bits, sub = divmod(index, 4)
    return (4 + sub) << (bits - 3), (5 + sub) << (bits - 3)


@dataclass(slots=True)
class Rhythm:
    """The gaps between a unit's entries, as learnt so far."""

    gaps: int = 0
    total_usec: int = 0
    longest_usec: int = 0
    bins: dict[int, int] = field(default_factory=dict)
    span_usec: int = 0
    """The journal time all gaps ever learnt cover (not halved, unlike `total_usec`), up to SPAN_CAP_USEC."""

    def learn(self, gap: int) -> None:
        self.gaps += 1
        self.total_usec += gap
        if self.span_usec < SPAN_CAP_USEC:
            self.span_usec += gap
        if gap > self.longest_usec:
            self.longest_usec = gap
        index = gap if gap < 8 else 4 * gap.bit_length() + ((gap >> (gap.bit_length() - 3)) & 3)
        bins = self.bins
        bins[index] = bins.get(index, 0) + 1

    def learn_gaps(self, gaps: int, total_usec: int, longest_usec: int, bins: dict[int, int]) -> None:
        """`gaps` gaps learnt at once, as one learn() each would: their sum, the longest, and how many in each
        bin, in the order the bins were first met (sources/_runs.c fold_gaps)."""
        self.gaps += gaps
        self.total_usec += total_usec
        if self.span_usec < SPAN_CAP_USEC:
            self.span_usec += total_usec
        if longest_usec > self.longest_usec:
            self.longest_usec = longest_usec
        mine = self.bins
        for index, count in bins.items():
            mine[index] = mine.get(index, 0) + count

    def learn_many(self, gap: int, times: int) -> None:
        """`times` gaps of the same length (a summarised run's mean gap)."""
        if times > 0:
            self.learn(gap)
            self.gaps += times - 1
            self.total_usec += gap * (times - 1)
            if self.span_usec < SPAN_CAP_USEC:
                self.span_usec += gap * (times - 1)
            index = gap_bin(gap)
            self.bins[index] += times - 1

    def halve(self) -> None:
        self.bins = {index: count // 2 for index, count in self.bins.items() if count > 1}
        self.gaps = sum(self.bins.values())
        self.total_usec //= 2

    @property
    def mean_usec(self) -> int:
        return self.total_usec // self.gaps if self.gaps else 0

    def quantile(self, q: float) -> int:
        """The upper edge of the bin holding the q-quantile."""
        rank, seen = q * self.gaps, 0
        for index in sorted(self.bins):
            seen += self.bins[index]
            if seen >= rank:
                return bin_range(index)[1]
        return 0

    def trimmed(self) -> list[tuple[int, int]]:
        """(bin, count) with the longest TRIM of the gaps left out: a rare outage is no part of the rhythm."""
        drop = int(self.gaps * TRIM)
        out = []
        for index in sorted(self.bins, reverse=True):
            count = self.bins[index]
            cut = min(drop, count)
            drop -= cut
            if count > cut:
                out.append((index, count - cut))
        return out

    def variation(self) -> tuple[float, float]:
        """(coefficient of variation, mean) of the gaps at their bins' midpoints, the longest TRIM left out."""
        n = total = squares = 0.0
        for index, count in self.trimmed():
            low, high = bin_range(index)
            mid = (low + high - 1) / 2
            n += count
            total += count * mid
            squares += count * mid * mid
        if not n or not total:
            return 0.0, 0.0
        mean = total / n
        return math.sqrt(max(squares / n - mean * mean, 0.0)) / mean, mean

    def threshold(self, absence: Absence) -> int:
        """The silence threshold in usec, or 0 when the unit is not regular enough to have one."""
        variation, mean = self.variation()
        if variation > absence.max_variation or mean <= 0:
            return 0
        n = self.gaps
        tail_from = self.quantile(TAIL_FROM)
        above = [(count, (low + high - 1) / 2) for index, count in self.trimmed()
                 for low, high in (bin_range(index),) if low >= tail_from]
        beyond = sum(count for count, _ in above)
        scale = sum(count * (mid - tail_from) for count, mid in above) / beyond if beyond else 0.0
        scale = max(scale, variation * mean)
        share = max(beyond, 1) / n
        per_day = DAY_USEC / max(self.total_usec / n, 1.0)
        tail = tail_from + scale * max(1.0, math.log(share * per_day / absence.false_alarms_per_day))
        return int(max(absence.silent_for_usec, absence.margin * self.quantile(1 - TRIM), tail))

    def quiet_usec(self, threshold: int) -> float:
        """The journal time spent in learnt gaps longer than `threshold` (at their bins' midpoints, none left
        out), in the units of `total_usec` (halved with it)."""
        quiet = 0.0
        for index, count in self.bins.items():
            low, high = bin_range(index)
            if low > threshold:
                quiet += count * min((low + high - 1) / 2, self.longest_usec)
        return quiet

    def watch_threshold(self, absence: Absence) -> int:
        """The threshold to watch a unit with (usec), or 0: not regular, not learnt over `learn_for` yet, or
        quiet for longer than it for more than MAX_QUIET_SHARE of its time (see the module's docstring)."""
        if self.span_usec < absence.learn_for_usec:
            return 0
        threshold = self.threshold(absence)
        if threshold and self.quiet_usec(threshold) > MAX_QUIET_SHARE * self.total_usec:
            return 0
        return threshold

    def snapshot(self) -> list[Any]:
        flat = [value for pair in sorted(self.bins.items()) for value in pair]
        return [self.gaps, self.total_usec, self.longest_usec, flat, self.span_usec]

    @classmethod
    def restore(cls, data: Any) -> Rhythm | None:
        """From `snapshot()`; one saved before the span was kept (4 items) counts its `total_usec` as its span."""
        try:
            gaps, total, longest, flat, *rest = data
            span = int(rest[0]) if len(rest) == 1 else int(total) if not rest else -1
            bins = {int(index): int(count) for index, count in zip(flat[::2], flat[1::2], strict=True)}
            if sum(bins.values()) != gaps or min(bins.values(), default=1) < 1 or total < 0 or span < 0:
                return None
            return cls(int(gaps), int(total), int(longest), bins, min(span, SPAN_CAP_USEC))
        except (TypeError, ValueError):
            return None
