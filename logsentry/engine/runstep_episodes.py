"""The persistence rules' episodes of counted lines (engine/runstep.py, engine/episodes.py).

Why: a persistence rule below error level (warning-template-persists, failure-template-persists) made every line at its
level of every unit go one by one through AnomalyDetector.observe, only for `Episodes.see`. The C step follows the
lines of each class of such rules (a level, and for a rule with `words` only the templates whose text says one:
decided once per template text, a bit in its slot's mask, never a regex per line) per counted group instead (how
many, first and last time, whether their times only grew within the gap), and a group is seen in one step unless
that is not what seeing each would do, or one of its lines could fire: then the unit's counted lines go one by one,
as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..rules.anomaly import Words
from ..rules.rule import Rule

if TYPE_CHECKING:
    from .anomaly import AnomalyDetector
    from .episodes import Episodes, Record

MAX_CLASSES = 8
"""Classes the C step follows (a slot's mask is a byte); past it the rules raise the level lines go one by one from."""


@dataclass(frozen=True, slots=True)
class Followed:
    """Persistence rules of one class whose lines are counted: their ids, their level, gap and shortest floor (µs),
    and their words (None: every template; else only a template whose text says one of them, or without words one
    their `ignore` does not find)."""

    rule_ids: tuple[str, ...]
    level: int
    gap_usec: int
    floor_usec: int
    words_re: Words | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """A counted group's lines one class follows (`cls`, an index into the classes): the order of the last among all
    counted lines, how many, their first and last time (µs), and whether `Episodes.span` may take them (times only
    grew, within the gap)."""

    cls: int
    pos: int
    lines: int
    first_usec: int
    last_usec: int
    ok: bool
    template_id: str
    template_first_usec: int
    accepted: bool


def followed(rules: list[Rule], error_level: int) -> tuple[int, tuple[Followed, ...]]:
    """The effective level from which entries go one by one, and the classes of persistence rules below it that are
    counted instead: rules of one level, words, ignore and gap are one class. Past MAX_CLASSES none is counted: they
    raise it."""
    classes: dict[tuple[int, tuple[str, ...], str | None, int], list[Rule]] = {}
    for rule in rules:
        spec = rule.anomaly
        if spec is not None and spec.kind == "persistence" and spec.level is not None and spec.level > error_level:
            ignore = None if spec.words_re is None or spec.words_re.ignore is None else spec.words_re.ignore.pattern
            classes.setdefault((spec.level, spec.words, ignore, spec.gap_usec), []).append(rule)
    if len(classes) > MAX_CLASSES:
        return max([error_level, *(level for level, _, _, _ in classes)]), ()
    out = []
    for (level, _, _, gap), members in classes.items():
        specs = [r.anomaly for r in members if r.anomaly is not None]
        out.append(Followed(tuple(r.id for r in members), level, gap, min(spec.floor_usec for spec in specs),
                            specs[0].words_re))
    return error_level, tuple(out)


def plan(detector: AnomalyDetector, classes: tuple[Followed, ...], unit: str, spans: list[Span], entries: int,
         first_usec: int, last_usec: int) -> list[tuple[int, Episodes, str, Record]] | None:
    """Each followed rule's record of each of its class's spans' template after it, in the order `see` would leave
    them (by their last line); None when they must be seen one by one. `entries`, `first_usec`, `last_usec`: the
    unit's after the counted lines (it is warm at the last line if ever)."""
    if detector.learn_only or not spans:
        return []  # (observe follows no episode when it only learns)
    seen: list[tuple[int, Episodes, str, Record]] = []
    for cls, follow in enumerate(classes):
        mine = [span for span in spans if span.cls == cls]
        if mine:
            for rule_id in follow.rule_ids:
                if not _planned(detector.episodes[rule_id], unit, mine, entries, first_usec, last_usec, seen):
                    return None
    seen.sort(key=lambda item: item[0])
    return seen


def _planned(episodes: Episodes, unit: str, spans: list[Span], entries: int, first_usec: int, last_usec: int,
             seen: list[tuple[int, Episodes, str, Record]]) -> bool:
    """One rule's records after its class's spans, added to `seen`; False when they must be seen one by one."""
    if len(episodes.records) + len(spans) >= episodes.max_templates:
        return False  # an eviction would fall on another record than seeing each would evict
    bar = episodes.bar
    warm = entries >= bar.warm_entries and last_usec - first_usec >= bar.warm_after_usec
    for span in spans:
        if not span.ok:
            return False
        record = episodes.span(unit, span.template_id, span.first_usec, span.last_usec, span.lines,
                               span.template_first_usec, warm, span.accepted)
        if record is None:
            return False
        seen.append((span.pos, episodes, span.template_id, record))
    return True
