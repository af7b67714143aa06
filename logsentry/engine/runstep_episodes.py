"""The persistence rules' episodes of counted lines (engine/runstep.py, engine/episodes.py).

Why: a persistence rule below error level (warning-template-persists) made every warning line of every unit go
one by one through AnomalyDetector.observe, only for `Episodes.see`. The C step follows the lines at its level
per counted group instead (how many, first and last time, whether their times only grew within the gap), and
a group is seen in one step unless that is not what seeing each would do, or one of its lines could fire: then
the unit's counted lines go one by one, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..rules.rule import Rule

if TYPE_CHECKING:
    from .anomaly import AnomalyDetector
    from .episodes import Episodes, Record

NONE = -1
"""persist()'s level when no persistence rule is counted."""


@dataclass(frozen=True, slots=True)
class Followed:
    """Persistence rules whose lines are counted: their ids, their level and gap, and their shortest floor (µs)."""

    rule_ids: tuple[str, ...] = ()
    level: int = NONE
    gap_usec: int = 0
    floor_usec: int = 0


@dataclass(frozen=True, slots=True)
class Span:
    """A counted group's lines at the followed level: the order of the last among all counted lines, how many,
    their first and last time (µs), and whether `Episodes.span` may take them (times only grew, within the gap)."""

    pos: int
    lines: int
    first_usec: int
    last_usec: int
    ok: bool
    template_id: str
    template_first_usec: int
    accepted: bool


def followed(rules: list[Rule], error_level: int) -> tuple[int, Followed]:
    """The effective level from which entries go one by one, and the persistence rules below it that are counted
    instead. Rules of more than one level or gap are not counted (the C step follows one): they raise it."""
    persist = [r for r in rules if r.anomaly is not None and r.anomaly.kind == "persistence"
               and r.anomaly.level is not None and r.anomaly.level > error_level]
    levels = {r.anomaly.level for r in persist if r.anomaly is not None and r.anomaly.level is not None}
    gaps = {r.anomaly.gap_usec for r in persist if r.anomaly is not None}
    if len(levels) != 1 or len(gaps) != 1:
        return max([error_level, *levels]), Followed()
    floor = min(r.anomaly.floor_usec for r in persist if r.anomaly is not None)
    return error_level, Followed(tuple(r.id for r in persist), levels.pop(), gaps.pop(), floor)


def plan(detector: AnomalyDetector, follow: Followed, unit: str, spans: list[Span], entries: int, first_usec: int,
         last_usec: int) -> list[tuple[int, Episodes, str, Record]] | None:
    """Each followed rule's record of each span's template after it, in the order `see` would leave them (by
    their last line); None when they must be seen one by one. `entries`, `first_usec`, `last_usec`: the unit's
    after the counted lines (it is warm at the last line if ever)."""
    if detector.learn_only or not spans:
        return []  # (observe follows no episode when it only learns)
    seen = []
    for rule_id in follow.rule_ids:
        episodes = detector.episodes[rule_id]
        if len(episodes.records) + len(spans) >= episodes.max_templates:
            return None  # an eviction would fall on another record than seeing each would evict
        bar = episodes.bar
        warm = entries >= bar.warm_entries and last_usec - first_usec >= bar.warm_after_usec
        for span in spans:
            if not span.ok:
                return None
            record = episodes.span(unit, span.template_id, span.first_usec, span.last_usec, span.lines,
                                   span.template_first_usec, warm, span.accepted)
            if record is None:
                return None
            seen.append((span.pos, episodes, span.template_id, record))
    seen.sort(key=lambda item: item[0])
    return seen
