"""Rhythms from the journal's history: the service's first start learns the units' gaps over the same days as
the baselines (learning.py), so a steady unit is watched from its first entry after the start instead of a
day later (a rhythm is trusted only once it covers a day: rhythm.py).

History only teaches: nothing fires, and every gap is learnt (a hang in it too: a rare one is a tiny share of
a unit's time and changes nothing). Rules that look at entries' text learn no history (the runs' entries
were screened by no rule); the shipped unit-went-silent counts every entry.
"""

from __future__ import annotations

from typing import Any

from ..model import Entry, ScreenedRun, split_host_unit
from ..sources._runs import fold_gaps
from .absence import MAX_COUNT, NEVER, SilenceTracker
from .rhythm import Rhythm


def learn_run(tracker: SilenceTracker, run: ScreenedRun) -> None:
    """Learn the gaps of a run of history into `tracker` (in C: sources/_runs.c fold_gaps)."""
    times, _, _, span_ids, _, _ = run._arrays  # the scanner's per-entry arrays (model.ScreenedRun)
    for rule_id in tracker._counting:
        rule, units = tracker._by_id[rule_id], tracker._seen[rule_id]
        states = [units.get(key) or tracker._new(rule, key, units) for key in run.units]
        # a unit's first entry in history has no gap before it: it starts from itself, and the 0 it adds is taken off
        fresh = [seen.last_usec < 0 for seen in states]
        last = [span[2] if new else seen.last_usec for seen, span, new in zip(states, run.spans, fresh, strict=True)]
        if tracker.jumps:  # a clock's jump ahead since a unit's last line is no part of its gap (clock_jumps.py)
            last = [at + tracker.jumps.credit(at, split_host_unit(key)[0]) if not new else at
                    for at, key, new in zip(last, run.units, fresh, strict=True)]
        folded = fold_gaps(times, span_ids, run.first_index, run.first_index + run.count, last, [NEVER] * len(last))
        assert folded is not None  # nothing can come due: every reach is NEVER
        for seen, span, new, (at, gaps, total, longest, bins) in zip(states, run.spans, fresh, folded, strict=True):
            if new and bins.get(0):  # its first entry in the run is at span[2]: that 0 is no gap
                bins = dict(bins)
                bins[0] -= 1
                if not bins[0]:
                    del bins[0]
                gaps -= 1
            if gaps:
                seen.rhythm.learn_gaps(gaps, total, longest, bins)
                if seen.rhythm.gaps >= seen.review_at:  # halved as it grows, as live: older weeks weigh less
                    tracker._review(rule, seen)
            seen.last_usec, seen.last = at, span
            seen.count = min(seen.count + span[1], MAX_COUNT)


def learn_entry(tracker: SilenceTracker, entry: Entry) -> None:
    """An entry of history the scanner passed in full (PID 1's lines among them: a stop is no gap; one after its
    host's clock jumped: Entry.clock_jump)."""
    if entry.clock_jump is not None:
        tracker.clock_jumped(*entry.clock_jump, entry.machine_id)
    tracker.observe(entry)


def adopt(tracker: SilenceTracker, learnt: Any) -> None:
    """Add rhythms learnt from history (`SilenceTracker.snapshot()` of a history tracker) to the live tracker's:
    the gaps it learnt live since the start are added to them, and each unit is reviewed (and watched, when its
    history makes it a steady one)."""
    if not isinstance(learnt, dict):
        return
    for rule in tracker.rules:
        saved, units = learnt.get(rule.id), tracker._seen[rule.id]
        for item in saved if isinstance(saved, list) else []:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                continue
            rhythm, key = Rhythm.restore(item[1]), item[0]
            if rhythm is None:
                continue
            seen = units.get(key)
            if seen is None:
                tracker._new(rule, key, units, rhythm)
                continue
            live = seen.rhythm
            rhythm.learn_gaps(live.gaps, live.total_usec, live.longest_usec, live.bins)
            seen.rhythm = rhythm
            tracker._review(rule, seen)
            if seen.threshold and seen.last_usec >= 0 and not seen.quiet:
                tracker._arm(rule.id, key, seen)
