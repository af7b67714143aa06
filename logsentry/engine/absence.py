"""Silence: a unit that normally logs and then goes quiet is how a hung service often looks.

For each absence rule, the tracker remembers per unit when it last logged a matching entry, how many it
has logged and the longest gap between two of its entries. Once a unit that logged at least `min_entries`
has been silent for `silent_for` and for three times its longest gap so far (so an hourly job is not
"silent" after ten minutes), on event time or the wall clock when following live, an incident fires;
the unit's next entry ends it. A unit that systemd reports as stopped on purpose is forgotten, so
stopping a service is no alarm.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..model import Entry, Incident, ScreenedRun
from ..rules.rule import Rule
from .detector import RuleTimeout, looks_at_entries, match_rule
from .window import invocation_of

MAX_UNITS = 10_000
GAP_FACTOR = 3
DELIBERATE_STOP_IDS = frozenset({
    "7ad2d189f7e94e70a38c781354912448",  # unit deactivated successfully
    "9d1aaa27d60140bd96365438aad20286",  # unit stopped (job done)
})


def deliberately_stopped(entry: Entry) -> bool:
    """systemd's own line saying the unit was stopped or finished cleanly."""
    if entry.fields.get("_PID") != "1":
        return False
    if entry.fields.get("MESSAGE_ID") in DELIBERATE_STOP_IDS:
        return True
    message = entry.message
    return message.endswith("Deactivated successfully.") or message.startswith("Stopped ")


MAX_COUNT = 1_000_000


@dataclass(slots=True)
class _Seen:
    """Mutable per-unit state owned by the tracker."""

    last_usec: int
    last: Entry | bytes
    """The last entry, or only its raw message when it came in a ScreenedRun (no cursor, no fields)."""
    count: int
    longest_gap: int = 0
    incident: Incident | None = None

    def last_details(self) -> tuple[str, str, Mapping[str, str]]:
        """Cursor, message and fields of the last sign of life."""
        last = self.last
        if isinstance(last, Entry):
            return last.cursor, last.message, last.fields
        return "", last.decode("utf-8", "replace"), {}


class SilenceTracker:
    def __init__(self, rules: Iterable[Rule]):
        self.rules = [rule for rule in rules if rule.absence is not None]
        # Per rule, per unit. Plain dicts keep insertion order: past MAX_UNITS the unit seen first is dropped.
        self._seen: dict[str, dict[str, _Seen]] = {rule.id: {} for rule in self.rules}
        # Per rule, the units whose entries may be folded (fold): watched (enough entries), not silent now.
        self._settled: dict[str, set[str]] = {rule.id: set() for rule in self.rules}
        # Rules that count every entry; the others see only entries the detector's screen lets through.
        self._counting = [rule.id for rule in self.rules if not looks_at_entries(rule)]
        self._by_id = {rule.id: rule for rule in self.rules}
        # (time from which the unit counts as silent, rule id, unit) for each watched unit, earliest first. A
        # unit that logged since keeps its old entry; when that comes due it is pushed again with its real
        # time (lazy update, as in window.py), so a sign of life costs O(1) however many units there are.
        self._deadlines: list[tuple[int, str, str]] = []

    def __bool__(self) -> bool:
        return bool(self.rules)

    def observe(self, entry: Entry) -> list[Incident]:
        """Note a sign of life; returns silence incidents that this entry ends."""
        ended = []
        stopped = deliberately_stopped(entry)
        for rule in self.rules:
            units, settled = self._seen[rule.id], self._settled[rule.id]
            if stopped:
                settled.discard(entry.unit)
                seen = units.pop(entry.unit, None)
                if seen is not None and seen.incident is not None:
                    ended.append(seen.incident)
                continue
            if looks_at_entries(rule):
                try:
                    if match_rule(rule, entry.message, entry.priority, entry.fields) is None:
                        continue
                except RuleTimeout:
                    continue
            seen = units.get(entry.unit)
            if seen is None:
                units[entry.unit] = _Seen(last_usec=entry.realtime_usec, last=entry, count=1)
                if len(units) > MAX_UNITS:
                    oldest = next(iter(units))
                    del units[oldest]
                    settled.discard(oldest)
                continue
            silence = seen.incident
            came_back = silence is not None
            if silence is not None:
                ended.append(silence)  # the silence itself is not learnt as a normal gap
                seen.incident = None
            else:
                seen.longest_gap = max(seen.longest_gap, entry.realtime_usec - seen.last_usec)
            seen.last_usec = entry.realtime_usec
            seen.last = entry
            seen.count = min(seen.count + 1, MAX_COUNT)
            if seen.count >= rule.absence.min_entries:  # type: ignore[union-attr]
                if came_back or seen.count == rule.absence.min_entries:  # type: ignore[union-attr]
                    self._watch(rule, entry.unit, seen)
                settled.add(entry.unit)
        return ended

    def _silent_from(self, rule: Rule, seen: _Seen) -> tuple[int, int]:
        """(the time from which the unit counts as silent, the silence threshold)."""
        absence = rule.absence
        assert absence is not None
        threshold = max(absence.silent_for_usec, GAP_FACTOR * seen.longest_gap)
        return seen.last_usec + threshold + 1, threshold

    def _watch(self, rule: Rule, unit: str, seen: _Seen) -> None:
        deadlines = self._deadlines
        heapq.heappush(deadlines, (self._silent_from(rule, seen)[0], rule.id, unit))
        if len(deadlines) > 4 * MAX_UNITS * len(self.rules):  # entries of forgotten units: rebuild
            self._deadlines = [(self._silent_from(rule, seen)[0], rule.id, unit) for rule in self.rules
                               for unit, seen in self._seen[rule.id].items() if self._watched(rule, seen)]
            heapq.heapify(self._deadlines)

    @staticmethod
    def _watched(rule: Rule, seen: _Seen) -> bool:
        """Logged enough to be watched, and not silent now."""
        return seen.incident is None and seen.count >= rule.absence.min_entries  # type: ignore[union-attr]

    def fold(self, run: ScreenedRun) -> bool:
        """Observe a run from its per-unit spans, if that is the same as observing its entries one by one:
        it only adds to counts, gaps and last entries. Not when a deadline falls inside the run or a unit in it
        is new, silent (coming back) or not yet watched; then nothing is changed and False returned (the
        caller replays the entries). Rules that look at entries are left out: the run's entries passed none
        of their tests (Detector.screen covers them)."""
        if self.due(run.peak_usec):
            return False
        names = run.units
        for rule_id in self._counting:
            if not self._settled[rule_id].issuperset(names):
                return False
        for rule_id in self._counting:
            units = self._seen[rule_id]
            for unit, count, first_usec, last_usec, longest_gap, last_message in run.spans:
                seen = units[unit]
                gap = first_usec - seen.last_usec
                if gap > seen.longest_gap or longest_gap > seen.longest_gap:
                    seen.longest_gap = gap if gap > longest_gap else longest_gap
                seen.last_usec = last_usec
                seen.last = last_message
                count += seen.count
                seen.count = count if count < MAX_COUNT else MAX_COUNT
        return True

    def open_incidents(self) -> list[Incident]:
        return [seen.incident for units in self._seen.values() for seen in units.values() if seen.incident]

    def due(self, now_usec: int) -> bool:
        """Would `expire(now_usec)` have anything to look at?"""
        return bool(self._deadlines) and self._deadlines[0][0] <= now_usec

    def expire(self, now_usec: int) -> list[Incident]:
        """Silence incidents that fire at `now_usec`, earliest silence first."""
        fired = []
        deadlines = self._deadlines
        while deadlines and deadlines[0][0] <= now_usec:
            stored, rule_id, unit = heapq.heappop(deadlines)
            rule = self._by_id[rule_id]
            absence = rule.absence
            assert absence is not None
            seen = self._seen[rule_id].get(unit)
            if seen is None or not self._watched(rule, seen):
                continue  # forgotten, stopped, or already silent: comes back in when it logs again
            silent_from, threshold = self._silent_from(rule, seen)
            if silent_from != stored:
                heapq.heappush(deadlines, (silent_from, rule_id, unit))  # it logged since: back in at its place
                continue
            self._settled[rule_id].discard(unit)
            cursor, message, fields = seen.last_details()
            seen.incident = Incident(
                rule_id=rule.id, severity=rule.severity, unit=unit, key="",
                first_usec=seen.last_usec, fired_usec=now_usec, last_usec=now_usec,
                count=seen.count, threshold=absence.min_entries, within_usec=threshold,
                cursor=cursor, samples=(message,), action=rule.action, invocation=invocation_of(fields))
            fired.append(seen.incident)
        return fired
