"""The silence tracker's folding of a ScreenedRun (SilenceTracker's, apart from its watching): a run's entries
learnt at once in C (sources/_runs.c fold_plan, fold_learn) when that is what observing them one by one would do."""

from __future__ import annotations

import heapq

from ..model import ScreenedRun
from ..sources._runs import fold_learn, fold_plan
from .absence_hosts import HostsSeen
from .absence_seen import Seen
from .clock_jumps import ClockJumps
from .rhythm import SPAN_CAP_USEC

MAX_COUNT = 1_000_000
NEVER = 1 << 62


class RunFolding:
    """A mixin of SilenceTracker: its state, declared here, is made there."""

    _seen: dict[str, dict[str, Seen]]
    _counting: list[str]
    _deadlines: list[tuple[int, str, str]]
    _latest: int
    jumps: ClockJumps
    hosts_seen: HostsSeen | None

    def _due_usec(self, key: str, seen: Seen) -> int:
        raise NotImplementedError  # (SilenceTracker's)

    def fold(self, run: ScreenedRun) -> bool:
        """Observe a run from the scanner's arrays, if that is the same as observing its entries one by one:
        it only adds gaps to rhythms and moves last entries on. Not when a silence would fire inside the run
        (a unit outside it reaches its deadline by the run's latest time, or one in it has a gap past its
        threshold, counted from any entry of the run), or a unit in it is new, silent, starting again, or would
        have its rhythm reviewed (which may watch it or change its threshold); then nothing is changed and
        False returned (the caller replays the entries). Rules that look at entries are left out: the run's
        entries passed none of their tests (Detector.screen covers them)."""
        plans = []
        for rule_id in self._counting:  # in C (sources/_runs.c): per span, as many as the run's entries nearly
            states = fold_plan(self._seen[rule_id], run.units, run.spans, self.jumps.newest)
            if states is None:
                return False
            plans.append(states)
        if not self._refresh(run.peak_usec, run.units):
            return False
        times, _, _, span_ids, _, _ = run._arrays  # the scanner's per-entry arrays (model.ScreenedRun)
        if not fold_learn(times, span_ids, run.first_index, run.first_index + run.count, plans, run.spans, NEVER,
                          SPAN_CAP_USEC, MAX_COUNT):
            return False
        if run.peak_usec > self._latest:
            self._latest = run.peak_usec
        if self.hosts_seen is not None:
            self.hosts_seen.saw_run(run)
        return True

    def _refresh(self, limit_usec: int, in_run: tuple[str, ...]) -> bool:
        """Move the heap's deadlines up to `limit_usec` to the units' real ones (as `expire` does with entries
        that logged since); False when a unit that the run does not show (or does not show to its rule)
        reaches its deadline by then (`in_run`: the run's units, looked in only for such a unit)."""
        deadlines, counting = self._deadlines, self._counting
        hot, calm = [], True
        while deadlines and deadlines[0][0] <= limit_usec:
            item = heapq.heappop(deadlines)
            stored, rule_id, key = item
            seen = self._seen[rule_id].get(key)
            if seen is None or seen.armed != stored:
                continue
            if not seen.threshold or seen.last_usec < 0 or seen.quiet:
                seen.armed = 0
                continue
            deadline = self._due_usec(key, seen)
            if deadline > limit_usec:
                seen.armed = deadline
                heapq.heappush(deadlines, (deadline, rule_id, key))
                continue
            hot.append(item)  # its entries in the run decide (fold looks at them); the heap keeps it as it was
            if key not in in_run or rule_id not in counting:
                calm = False
        for item in hot:
            heapq.heappush(deadlines, item)
        return calm

