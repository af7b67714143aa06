"""The silence tracker's learnt rhythms as the service saves them (state.py, key "silence") and reads them back:
after a restart a unit is watched again from its next entry with the rhythm it had, not learnt from nothing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .absence_seen import Seen
from .rhythm import Rhythm

ENDED_ALONE = "/ended alone"
"""The snapshot's key of the pending habits: no rule id (a rule file's name) holds a slash."""
CONTAINER_SCOPES = "/container scopes"
"""The snapshot's key of the containers' scopes (absence_stops.ContainerScopes)."""


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
