"""The silence tracker's learnt rhythms as the service saves them (state.py, key "silence") and reads them back:
after a restart a unit is watched again from its next entry with the rhythm it had, not learnt from nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

from ..model import split_host_unit
from ..rules.rule import Rule
from .absence_seen import Seen
from .absence_stops import ContainerScopes
from .host_boots import HostBoots
from .rhythm import Rhythm

ENDED_ALONE = "/ended alone"
"""The snapshot's key of the pending habits: no rule id (a rule file's name) holds a slash."""
CONTAINER_SCOPES = "/container scopes"
"""The snapshot's key of the containers' scopes (absence_stops.ContainerScopes)."""
HOST_BOOTS = "/host boots"
"""The snapshot's key of each machine's boot and last line (engine/host_boots.py)."""


def rhythms_snapshot(seen: Mapping[str, Mapping[str, Seen]]) -> dict[str, Any]:
    """JSON-ready: per rule id, [unit key, rhythm] for each unit that learnt a gap (and that only), and under
    ENDED_ALONE, per rule, each unit's pending "first silence it ended on its own" (µs)."""
    out: dict[str, Any] = {rule_id: [[key, each.rhythm.snapshot()] for key, each in units.items()
                                     if each.rhythm.gaps] for rule_id, units in seen.items()}
    pending = {rule_id: [[key, each.ended_alone_usec] for key, each in units.items() if each.ended_alone_usec]
               for rule_id, units in seen.items()}
    if any(pending.values()):
        out[ENDED_ALONE] = pending
    return out


def saved_rhythms(data: Any, rule_id: str, most: int) -> Iterator[tuple[str, Rhythm]]:
    """The rule's (unit key, rhythm) pairs in a snapshot, the last `most` of them; malformed items left out."""
    saved = data.get(rule_id) if isinstance(data, dict) else None
    for item in saved[-most:] if isinstance(saved, list) else ():
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) \
                and (rhythm := Rhythm.restore(item[1])) is not None:
            yield item[0], rhythm


def saved_habits(data: Any) -> Iterator[tuple[str, str, int]]:
    """(rule id, unit key, gap µs) of each pending habit in a snapshot; malformed items left out."""
    pending = data.get(ENDED_ALONE) if isinstance(data, dict) else None
    for rule_id, items in pending.items() if isinstance(pending, dict) else ():
        for item in items if isinstance(items, list) else ():
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) \
                    and isinstance(item[1], int) and item[1] > 0:
                yield rule_id, item[0], item[1]


SNAPSHOT_EVERY_S = 60.0
"""How often (s of the wall clock) the service saves the rhythms, besides at once when a pending habit moved."""
MAX_UNITS = 10_000
"""Units kept per rule (the tracker's; the first seen goes past it)."""


class SavedRhythms:
    """The service keeps the silence tracker's rhythms across restarts: when to save, what, and taking them back
    (SilenceTracker's part, apart from its watching)."""

    rules: list[Rule]
    _seen: dict[str, dict[str, Seen]]
    _scopes: ContainerScopes
    _snapshot_at: float
    _habit_moved: bool
    boots: HostBoots
    _counting: list[str]

    def _new(self, rule: Rule, key: str, units: dict[str, Seen], rhythm: Rhythm | None = None) -> Seen:
        raise NotImplementedError  # (SilenceTracker's)

    def snapshot_due(self) -> bool:
        """Time to save the rhythms again (every SNAPSHOT_EVERY_S, and at once when a unit's pending habit moved:
        a crash must not turn a unit's second silence ended on its own into its first again)?"""
        now = time.monotonic()
        if now - self._snapshot_at < SNAPSHOT_EVERY_S and not self._habit_moved:
            return False
        self._snapshot_at, self._habit_moved = now, False
        return True

    def snapshot(self) -> dict[str, Any]:
        """The learnt rhythms and pending habits, JSON-ready (rhythms_snapshot), the containers' scopes and the hosts'
        boots (each only when there is one)."""
        out = rhythms_snapshot(self._seen)
        if scopes := self._scopes.snapshot():
            out[CONTAINER_SCOPES] = scopes
        if boots := self.boots.snapshot(self.hosts_last()):
            out[HOST_BOOTS] = boots
        return out

    def hosts_last(self) -> dict[str, tuple[int, str]]:
        """Per machine, its latest unit line (µs, unit) under the first rule that counts every entry."""
        out: dict[str, tuple[int, str]] = {}
        for units in (self._seen[rule_id] for rule_id in self._counting[:1]):
            for key, seen in units.items():
                machine, unit = split_host_unit(key)
                if seen.last_usec > out.get(machine, (-1, ""))[0]:
                    out[machine] = (seen.last_usec, unit)
        return out

    def restore(self, data: Any) -> None:
        """Rhythms (and pending habits) saved by snapshot(); malformed parts are left out."""
        for rule in self.rules:
            units = self._seen[rule.id]
            for key, rhythm in saved_rhythms(data, rule.id, MAX_UNITS):
                units.pop(key, None)
                self._new(rule, key, units, rhythm)
        for rule_id, key, gap_usec in saved_habits(data):
            if (seen := self._seen.get(rule_id, {}).get(key)) is not None:
                seen.ended_alone_usec = gap_usec
        self._scopes.restore(data.get(CONTAINER_SCOPES) if isinstance(data, dict) else None)
        self.boots.restore(data.get(HOST_BOOTS) if isinstance(data, dict) else None)
