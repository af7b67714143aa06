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

    def add(self, usec: int, kept: bool = False, entries: int = 1) -> int:
        """Count `entries` lines at `usec` (µs of journal time; `kept`: lines the baselines did not learn); the
        window's count after them."""
        start = usec - usec % self.width
        buckets = self.buckets
        if buckets and buckets[-1][0] >= start + BUCKETS * self.width:  # the clock stepped back a window or more:
            buckets.clear()  # the window as it now is holds none of those lines (they were stamped ahead)
            self.total = self.kept = 0
        out = entries if kept else 0
        if buckets and buckets[-1][0] >= start:
            bucket = buckets[-1]
            bucket[1] += entries
            bucket[2] += out
        else:
            buckets.append([start, entries, out])
        self.total += entries
        self.kept += out
        horizon = start - (BUCKETS - 1) * self.width
        while buckets[0][0] < horizon:
            _, lines, gone = buckets.pop(0)
            self.total -= lines
            self.kept -= gone
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
        (engine/runstep.py): each pair at once (~360k pairs a scan of the 1M bench journal)."""
        add = self.add
        for k in range(0, len(runs), 2):
            add(runs[k], False, runs[k + 1])
