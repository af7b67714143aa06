"""Silence: a unit that normally logs and then goes quiet is how a hung service often looks.

For each absence rule, the tracker remembers per unit when it last logged a matching entry, how many it
has logged and the longest gap between two of its entries. Once a unit that logged at least `min_entries`
has been silent for `silent_for` and for three times its longest gap so far (so an hourly job is not
"silent" after ten minutes), on event time or the wall clock when following live, an incident fires;
the unit's next entry ends it. A unit that systemd reports as stopped on purpose is forgotten, so
stopping a service is no alarm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model import Entry, Incident
from ..rules.rule import Rule
from .detector import RuleTimeout, match_rule
from .window import invocation_of

MAX_UNITS = 10_000
FOREVER = 2**63
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


@dataclass
class _Seen:
    """Mutable per-unit state owned by the tracker."""

    last: Entry
    count: int
    longest_gap: int = 0
    incident: Incident | None = None


class SilenceTracker:
    def __init__(self, rules: Iterable[Rule]):
        self.rules = [rule for rule in rules if rule.absence is not None]
        # Per rule, per unit. Plain dicts keep insertion order: past MAX_UNITS the unit seen first is dropped.
        self._seen: dict[str, dict[str, _Seen]] = {rule.id: {} for rule in self.rules}
        self._next_check = 0

    def __bool__(self) -> bool:
        return bool(self.rules)

    def observe(self, entry: Entry) -> list[Incident]:
        """Note a sign of life; returns silence incidents that this entry ends."""
        ended = []
        stopped = deliberately_stopped(entry)
        for rule in self.rules:
            units = self._seen[rule.id]
            if stopped:
                seen = units.pop(entry.unit, None)
                if seen is not None and seen.incident is not None:
                    ended.append(seen.incident)
                continue
            if rule.message is not None or rule.fields or rule.max_priority is not None:
                try:
                    if match_rule(rule, entry.message, entry.priority, entry.fields) is None:
                        continue
                except RuleTimeout:
                    continue
            seen = units.get(entry.unit)
            if seen is None:
                units[entry.unit] = _Seen(last=entry, count=1)
                if len(units) > MAX_UNITS:
                    del units[next(iter(units))]
                continue
            if seen.incident is not None:
                ended.append(seen.incident)  # the silence itself is not learnt as a normal gap
                seen.incident = None
                self._next_check = 0
            else:
                seen.longest_gap = max(seen.longest_gap, entry.realtime_usec - seen.last.realtime_usec)
            seen.last = entry
            seen.count = min(seen.count + 1, 1_000_000)
            if seen.count == rule.absence.min_entries:  # type: ignore[union-attr]
                self._next_check = 0
        return ended

    def open_incidents(self) -> list[Incident]:
        return [seen.incident for units in self._seen.values() for seen in units.values() if seen.incident]

    def due(self, now_usec: int) -> bool:
        """Would `expire(now_usec)` have anything to look at?"""
        return now_usec >= self._next_check

    def expire(self, now_usec: int) -> list[Incident]:
        """Silence incidents that fire at `now_usec`. The units are scanned only when the earliest
        deadline is due: a deadline only moves later while its unit keeps logging, and `observe` asks
        for a rescan when a unit becomes eligible or comes back."""
        if now_usec < self._next_check:
            return []
        fired = []
        next_check = FOREVER
        for rule in self.rules:
            assert rule.absence is not None
            absence = rule.absence
            for unit, seen in self._seen[rule.id].items():
                if seen.incident is not None or seen.count < absence.min_entries:
                    continue
                threshold = max(absence.silent_for_usec, GAP_FACTOR * seen.longest_gap)
                deadline = seen.last.realtime_usec + threshold
                if now_usec <= deadline:
                    next_check = min(next_check, deadline + 1)
                    continue
                seen.incident = Incident(
                    rule_id=rule.id, severity=rule.severity, unit=unit, key="",
                    first_usec=seen.last.realtime_usec, fired_usec=now_usec, last_usec=now_usec,
                    count=seen.count, threshold=absence.min_entries, within_usec=threshold,
                    cursor=seen.last.cursor, samples=(seen.last.message,), action=rule.action,
                    invocation=invocation_of(seen.last.fields))
                fired.append(seen.incident)
        self._next_check = next_check
        return fired
