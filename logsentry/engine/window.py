"""Bursts on event time: fire when `count` hits for one (rule, unit, key) fall within the rule's window.

Times are the entries' own journal timestamps, never the clock, so scanning yesterday's journal raises
the incidents the live service would have raised. Only the newest `count` timestamps of a key are kept,
so memory per key is bounded by the rule's threshold.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..model import Hit, Incident
from ..rules.rule import Rule

MAX_SAMPLES = 5

WindowKey = tuple[str, str, str]


@dataclass
class _Window:
    """Mutable per-key state owned by the tracker: recent hit times and the open incident, if any."""

    stamps: deque[int]
    incident: Incident | None = None


class BurstTracker:
    def __init__(self, rules: Iterable[Rule]):
        self.rules = {rule.id: rule for rule in rules}
        self._windows: dict[WindowKey, _Window] = {}
        self._next_check = 0

    def add(self, hit: Hit) -> tuple[Incident | None, Incident | None]:
        """Record a hit; returns (incident that ended before it, incident it fired), either may be None."""
        rule = self.rules[hit.rule_id]
        trigger = rule.trigger
        now = hit.entry.realtime_usec
        key = (hit.rule_id, hit.entry.unit, hit.key)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(stamps=deque(maxlen=trigger.count))
        ended = None
        if window.incident is not None:
            if now - window.incident.last_usec <= trigger.within_usec:
                window.incident = _extend(window.incident, hit)
                return None, None
            ended, window.incident = window.incident, None
            window.stamps.clear()
        # Entries may come slightly out of order (several journal files); never let time run backwards.
        if window.stamps and now < window.stamps[-1]:
            now = window.stamps[-1]
        window.stamps.append(now)
        self._next_check = min(self._next_check, now + trigger.within_usec)
        if len(window.stamps) == trigger.count and now - window.stamps[0] <= trigger.within_usec:
            window.incident = Incident(
                rule_id=rule.id, severity=rule.severity, unit=hit.entry.unit, key=hit.key,
                first_usec=window.stamps[0], fired_usec=now, last_usec=now, count=trigger.count,
                threshold=trigger.count, within_usec=trigger.within_usec, cursor=hit.entry.cursor,
                samples=(hit.entry.message,), action=rule.action,
            )
            return ended, window.incident
        return ended, None

    def expire(self, now_usec: int) -> list[Incident]:
        """End incidents with no hit for a whole window before `now_usec`; drop windows gone quiet."""
        if now_usec < self._next_check:
            return []
        ended = []
        next_check = None
        for key, window in list(self._windows.items()):
            within = self.rules[key[0]].trigger.within_usec
            newest = window.incident.last_usec if window.incident else (window.stamps[-1] if window.stamps else 0)
            deadline = newest + within
            if deadline < now_usec:
                if window.incident is not None:
                    ended.append(window.incident)
                del self._windows[key]
            elif next_check is None or deadline < next_check:
                next_check = deadline
        self._next_check = next_check if next_check is not None else now_usec
        return ended

    def open_incidents(self) -> list[Incident]:
        return [w.incident for w in self._windows.values() if w.incident is not None]

    def __len__(self) -> int:
        return len(self._windows)


def _extend(incident: Incident, hit: Hit) -> Incident:
    samples = incident.samples
    if len(samples) < MAX_SAMPLES:
        samples = (*samples, hit.entry.message)
    return replace(incident, count=incident.count + 1, last_usec=max(incident.last_usec, hit.entry.realtime_usec),
                   samples=samples)
