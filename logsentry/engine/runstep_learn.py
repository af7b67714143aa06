"""Learning a unit's counted entries at once (RunStep, engine/runstep.py): when nothing among them could hit
and learning them together leaves the baselines, rolling counts, template recency and persistence episodes as
observing each would. Otherwise (a warm-up or template age ending among them, the unit anomalous, a template's
stats replaced, a rolling count holding later buckets, a persistence episode to see) nothing is learnt and the
entries are observed one by one. tests/test_runstep.py compares the two."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _runstep
from .anomaly import BUCKETS
from .baseline import Counted
from .runstep_episodes import Span, plan
from .runstep_limits import NO_LEVEL

if TYPE_CHECKING:
    from .runstep import RunStep

__all__ = ["in_order", "learn_at_once"]


def in_order(step: RunStep, unit: str, key: str, first_usec: int) -> bool:
    """Do the unit's rolling counts of `key` end no later than the bucket of `first_usec`? Then the
    pairs _runstep.c hands over (the recent ones only) leave them as every pair would."""
    for rule in step.rate_rules if key else step.share_rules:
        last = step.detector.last_bucket(rule, unit, key)
        if last is not None and last > first_usec - first_usec % max(1, rule.trigger.within_usec // BUCKETS):
            return False
    return True


def learn_at_once(step: RunStep, unit: str, unit_runs: bytes, groups: list[_runstep.Group]) -> bool:
    """Learn a unit's counted entries at once (the groups _runstep.c counted: one per template slot), when that
    is what observing each would do and none of them could hit; False (nothing learnt) when they must be
    observed one by one."""
    detector, slots_of = step.detector, step.slots
    baselines, miner = detector.baselines, detector.miner
    low, high, entries = groups[0][2], groups[0][3], 0
    for each in groups:  # (one pass, not three: a call per counted unit, ~34k a scan of the 1M bench journal)
        entries += each[1]
        if each[2] < low:
            low = each[2]
        if each[3] > high:
            high = each[3]
    detector.settle(unit, low)  # a short anomaly that ended before them is learnt first, as observe does
    stats = baselines.units.get(unit)
    if stats is None or detector.unlearnt_until(unit) >= low or not in_order(step, unit, "", low):
        return False
    templates, slots, slot_stats = baselines.templates[unit], slots_of.keys, slots_of.stats
    first, last = min(stats.first_usec, low), max(stats.last_usec, high)
    warm = []  # per rate rule: its warm-up, which must not end among these entries
    for rule in step.rate_rules:
        spec = rule.anomaly
        assert spec is not None
        before = stats.warm(spec.warm_after_usec, spec.warm_entries)
        if before != (stats.entries + entries >= spec.warm_entries and last - first >= spec.warm_after_usec):
            return False
        warm.append((rule, spec.warm_after_usec, before))
    cold = slots_of.cold.get(unit)
    if cold and any(before for *_, before in warm) and any(group[0] in cold for group in groups):
        return False  # counted on a cold unit's unbounded budget (_warmed revokes it before: a safety net)
    counted, rolls, spans = [], [], []
    for slot, lines, low, high, level, level_at, minutes, runs, followed_lines in groups:
        template_id = slots[slot][1]
        template, tstats = miner.alive(unit, template_id), templates.get(template_id)
        if template is None or tstats is None or tstats is not slot_stats[slot]:
            return False  # the budget was reckoned on a template's stats that are gone
        if step.new_rules and slots_of.fresh(unit, template_id, tstats, low,
                                               None if level == NO_LEVEL else level):
            return False  # they may be new to a rule (a warning of a template first seen at info, ...)
        buckets = None
        for rule, after_usec, unit_warm in warm:
            old = low - tstats.first_usec >= after_usec
            if old != (high - tstats.first_usec >= after_usec):
                return False  # the template's own warm-up ends among them
            if unit_warm and old:
                if buckets is None:
                    if not in_order(step, unit, template_id, low):
                        return False
                    buckets = memoryview(runs).cast("q")
                rolls.append((rule, template_id, buckets))
        if not slots_of.told(slot, template.text):
            return False  # followed by a mask told from another text (a safety net: Slots._mask keeps it)
        if followed_lines is not None:
            for cls, (n, ep_first, ep_last, pos, ok) in enumerate(followed_lines):
                if n:
                    spans.append(Span(cls, pos, n, ep_first, ep_last, bool(ok), template_id, tstats.first_usec,
                                      tstats.accepted))
        lower = level != NO_LEVEL and (tstats.level is None or level < tstats.level)
        counted.append(Counted(template_id, template.text, lines, low, high,
                               None if level == NO_LEVEL else level,
                               step.message_at(level_at) if lower else "",
                               memoryview(minutes).cast("q")))
    seen = plan(detector, step.followed, unit, spans, stats.entries + entries, first, last)
    if seen is None:
        return False  # a persistence rule's episode must see them one by one
    for group in counted:
        miner.count(unit, group.template_id, group.entries)
    baselines.learn_counted(unit, stats, counted)
    for _, episodes, template_id, record in seen:
        episodes.put(unit, template_id, record)
    for rule, template_id, buckets in rolls:
        detector.rolling(rule, unit, template_id).add_runs(buckets)
    if step.share_rules:
        lines_runs = memoryview(unit_runs).cast("q")
        for rule in step.share_rules:
            detector.rolling(rule, unit, "").add_runs(lines_runs)
    for each in groups:
        slots_of.renew(unit, each[0])
    return True
