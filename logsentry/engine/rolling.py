"""A count of lines over the last window of journal time, in a fixed number of buckets: what the anomaly rules
(engine/anomaly.py) compare with a unit's learnt past."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

BUCKETS = 10


@dataclass(slots=True)
class Rolling:
    """A count over the last `window_usec` of journal time, in BUCKETS buckets (so memory per key is fixed
    and the count is exact to a tenth of the window), and `kept`: how many of them the baselines did not learn
    (lines of an open signature incident, lines while the unit was anomalous). The rules take the window's
    lines out of the baseline they compare with (a surge must not raise its own bar): only those it holds.
    Buckets are [start µs, lines, lines kept out], oldest first: at most BUCKETS in a list (a deque is 760 bytes
    empty, and at MAX_ROLLING counts those were 14 MiB of the service's memory: bench/memory.py, tracemalloc)."""

    width: int
    buckets: list[list[int]] = field(default_factory=list)
    total: int = 0
    kept: int = 0

    def add(self, usec: int, kept: bool = False) -> int:
        start = usec - usec % self.width
        buckets = self.buckets
        if buckets and buckets[-1][0] >= start + BUCKETS * self.width:  # the clock stepped back a window or more:
            buckets.clear()  # the window as it now is holds none of those lines (they were stamped ahead)
            self.total = self.kept = 0
        if buckets and buckets[-1][0] >= start:
            bucket = buckets[-1]
            bucket[1] += 1
            bucket[2] += kept
        else:
            buckets.append([start, 1, int(kept)])
        self.total += 1
        self.kept += kept
        horizon = start - (BUCKETS - 1) * self.width
        while buckets[0][0] < horizon:
            _, lines, out = buckets.pop(0)
            self.total -= lines
            self.kept -= out
        return self.total

    def forget_until(self, usec: int) -> None:
        """Drop the buckets that begin at or before `usec` (µs of journal time): a failure's lines, once its
        incident ended, count towards no other (helper F9: one routine error line 18 min after a 2-min outage
        paged error-share-sustained, whose 30 min still held the outage's 120 error lines)."""
        buckets = self.buckets
        while buckets and buckets[0][0] <= usec:
            _, lines, out = buckets.pop(0)
            self.total -= lines
            self.kept -= out

    def learnt(self) -> int:
        """The lines in the window the baselines hold."""
        return self.total - self.kept

    def add_runs(self, runs: Sequence[int]) -> None:
        """`add` for each entry of (bucket start, entries) pairs, buckets within one of ours
        (engine/runstep.py). Inlined (not `add` per pair, then the rest of its entries): ~360k pairs a scan of the
        1M bench journal; the same buckets and totals, as the pops go by the bucket start alone."""
        width, buckets = self.width, self.buckets
        total, kept = self.total, self.kept
        for k in range(0, len(runs), 2):
            usec, entries = runs[k], runs[k + 1]
            start = usec - usec % width
            if buckets and buckets[-1][0] >= start + BUCKETS * width:  # as in `add`: the clock stepped back
                buckets.clear()
                total = kept = 0
            if buckets and buckets[-1][0] >= start:
                buckets[-1][1] += entries
            else:
                buckets.append([start, entries, 0])
            total += entries
            horizon = start - (BUCKETS - 1) * width
            while buckets[0][0] < horizon:
                _, lines, out = buckets.pop(0)
                total -= lines
                kept -= out
        self.total, self.kept = total, kept
