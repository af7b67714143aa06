"""Learned baselines: what each unit normally says (its message templates), how often, at which level.

Counts are kept on journal time, so a scan of last week learns what the service would have learnt then.
Per unit: entries, error-level entries, and the time span they cover; per (unit, template): count, first
and last sighting, the most important level seen, one example line, and how old the unit's baseline was
when the template first appeared (so "new" means "new in a unit whose normal is known").

Bounded: at most `max_templates_per_unit` templates per unit, `max_templates` in all and `max_units` units,
least recently seen evicted first (log text decides how many templates there are). `changed()` yields
what moved since the last call, so the service saves baselines incrementally (state.py) instead of
rewriting them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..model import split_host_unit
from .minutes import Minutes

if TYPE_CHECKING:
    from .held import Held

MAX_UNITS = 10_000
MAX_TEMPLATES_PER_UNIT = 1_000
MAX_TEMPLATES = 50_000
"""About 40 MiB of baselines at most: 100,000 templates of ~100-character lines took 82 MiB of anonymous
memory (860 bytes each, text and example included; measured with /proc/self/status RssAnon)."""
MAX_EXAMPLE_CHARS = 512
ERROR_LEVEL = 3
"""Effective priorities at or above this importance (err, crit, alert, emerg) count as errors."""
@dataclass(slots=True)
class UnitStats:
    """One unit's baseline; times in µs of journal time."""

    first_usec: int
    last_usec: int
    entries: int = 0
    errors: int = 0
    error_minutes: Minutes = field(default_factory=Minutes)
    """Error-level entries per minute: `peak` is the unit's busiest two minutes of errors in its recent normal."""

    def warm(self, after_usec: int, min_entries: int) -> bool:
        """Has the unit a known normal: `after_usec` of history and `min_entries` entries?"""
        return self.entries >= min_entries and self.last_usec - self.first_usec >= after_usec


@dataclass(slots=True)
class TemplateStats:
    """One template of one unit. `level` is the most important effective priority seen (None: none had
    a level); `unit_age_usec`/`unit_entries` describe the unit's baseline when the template first appeared."""

    text: str
    count: int
    first_usec: int
    last_usec: int
    level: int | None
    example: str
    unit_age_usec: int
    unit_entries: int
    accepted: bool = False
    """Marked normal by an operator (`logsentry baseline accept`): never "new" again."""
    minutes: Minutes = field(default_factory=Minutes)
    """The template's lines per minute: `peak` is its busiest two minutes in the unit's recent normal."""


@dataclass(frozen=True, slots=True)
class Counted:
    """Entries of one template of a unit, below error level, counted together (engine/runstep.py): how many,
    their earliest and latest journal time (µs), the most important level among them (None: none had one)
    with the first line at that level, and (bucket start, entries) pairs in entry order, buckets within a
    minute."""

    template_id: str
    text: str
    entries: int
    first_usec: int
    last_usec: int
    level: int | None
    example: str
    buckets: Sequence[int]


class Baselines:
    """Every unit's and template's counts; mutated by `observe`, one call per journal entry."""

    def __init__(self, max_units: int = MAX_UNITS, max_templates_per_unit: int = MAX_TEMPLATES_PER_UNIT,
                 max_templates: int = MAX_TEMPLATES):
        self.max_units = max_units
        self.max_templates_per_unit = max_templates_per_unit
        self.max_templates = max_templates
        self.template_count = 0
        self.units: dict[str, UnitStats] = {}
        # Per unit, templates in least recently seen order (a dict re-inserted on each sighting).
        self.templates: dict[str, dict[str, TemplateStats]] = {}
        self._dirty_units: set[str] = set()
        self._dirty_templates: set[tuple[str, str]] = set()
        self._removed: set[tuple[str, str]] = set()
        self._removed_units: set[str] = set()

    def observe(self, unit: str, template_id: str, text: str, usec: int, priority: int | None,
                message: str, learn: bool = True) -> tuple[UnitStats, TemplateStats, bool]:
        """Count one entry (`priority`: its effective priority); returns the unit's and the template's
        stats, this entry included, and whether the template was new to the unit.

        With `learn` False (the unit is in an anomaly: its lines now are not its normal) nothing is counted;
        a template seen for the first time is still recorded, with a count of 0."""
        stats = self.units.get(unit)
        if stats is None:
            stats = self.units[unit] = UnitStats(first_usec=usec, last_usec=usec)
            self.templates[unit] = {}
            if len(self.units) > self.max_units:
                self._evict_unit(next(iter(self.units)))
        else:
            # Least recently seen order for units too: re-insert (cheap for dicts; keeps eviction right).
            del self.units[unit]
            self.units[unit] = stats
        templates = self.templates[unit]
        template = templates.pop(template_id, None)
        new = template is None
        if template is None:
            template = TemplateStats(text=text, count=0, first_usec=usec, last_usec=usec, level=priority,
                                     example=message[:MAX_EXAMPLE_CHARS], unit_age_usec=usec - stats.first_usec,
                                     unit_entries=stats.entries)
            if len(templates) >= self.max_templates_per_unit:
                self._evict_template(unit, templates)
            elif self.template_count >= self.max_templates:
                self._evict_anywhere(unit)
            self.template_count += 1
        templates[template_id] = template
        if usec > template.last_usec:
            template.last_usec = usec
        if not learn:  # saved all the same: new, or seen later (`baseline show`'s last seen, helper F2)
            self._dirty_templates.add((unit, template_id))
            return stats, template, new
        template.count += 1
        template.minutes.add(usec)
        template.text = text
        if priority is not None and (template.level is None or priority < template.level):
            template.level = priority
            template.example = message[:MAX_EXAMPLE_CHARS]
        stats.entries += 1
        if priority is not None and priority <= ERROR_LEVEL:
            stats.errors += 1
            stats.error_minutes.add(usec)
        if usec > stats.last_usec:
            stats.last_usec = usec
        elif usec < stats.first_usec:
            stats.first_usec = usec
        self._dirty_units.add(unit)
        self._dirty_templates.add((unit, template_id))
        return stats, template, new

    def learn_counted(self, unit: str, stats: UnitStats, counted: Sequence[Counted]) -> None:
        """`observe` with learning for entries counted together (engine/runstep.py): the unit's and every
        template's stats must exist (the caller checked), and no entry is at error level. Same counts,
        peaks, levels and examples as one call per entry; recency is per group, not per entry."""
        del self.units[unit]
        self.units[unit] = stats
        templates = self.templates[unit]
        first, last, entries = stats.first_usec, stats.last_usec, 0
        for group in counted:
            template = templates.pop(group.template_id)
            templates[group.template_id] = template
            if group.last_usec > template.last_usec:
                template.last_usec = group.last_usec
            template.count += group.entries
            template.minutes.add_runs(group.buckets)
            template.text = group.text
            if group.level is not None and (template.level is None or group.level < template.level):
                template.level = group.level
                template.example = group.example[:MAX_EXAMPLE_CHARS]
            entries += group.entries
            first, last = min(first, group.first_usec), max(last, group.last_usec)
            self._dirty_templates.add((unit, group.template_id))
        stats.entries += entries
        stats.first_usec, stats.last_usec = first, last
        self._dirty_units.add(unit)

    def learn_held(self, unit: str, held: Held) -> None:
        """Learn a unit's lines held while it was anomalous (engine/held.py), after its anomaly ended: the
        same counts, per-minute peaks, levels and examples as observing each with learning then (nothing of
        the unit was learnt since). Templates evicted since add to the unit's counts only."""
        stats = self.units.get(unit)
        if stats is None:
            return  # evicted since: what it would have taught went with it
        templates = self.templates[unit]
        for template_id, kept in held.templates.items():
            template = templates.get(template_id)
            if template is None:
                continue
            template.count += kept.count
            template.minutes.add_runs(kept.minutes)
            template.text = kept.text
            if kept.level is not None and (template.level is None or kept.level < template.level):
                template.level, template.example = kept.level, kept.example
            self._dirty_templates.add((unit, template_id))
        stats.entries += held.entries
        stats.errors += held.errors
        stats.error_minutes.add_runs(held.error_minutes)
        stats.first_usec, stats.last_usec = min(stats.first_usec, held.first_usec), max(stats.last_usec,
                                                                                        held.last_usec)
        self._dirty_units.add(unit)

    def _evict_template(self, unit: str, templates: dict[str, TemplateStats]) -> None:
        oldest = next(iter(templates))
        del templates[oldest]
        self.template_count -= 1
        self._removed.add((unit, oldest))
        self._dirty_templates.discard((unit, oldest))

    def _evict_anywhere(self, keep: str) -> None:
        """Room for one template: the least recently seen template of the least recently seen unit that has
        any (whole units go when they have none left)."""
        for unit in list(self.units):
            templates = self.templates[unit]
            if templates:
                self._evict_template(unit, templates)
                return
            if unit != keep:
                self._evict_unit(unit)

    def _evict_unit(self, unit: str) -> None:
        del self.units[unit]
        for template_id in self.templates.pop(unit, {}):
            self.template_count -= 1
            self._removed.add((unit, template_id))
            self._dirty_templates.discard((unit, template_id))
        self._dirty_units.discard(unit)
        self._removed_units.add(unit)

    def seen_until(self, unit: str) -> int:
        """The latest journal time (µs) of the unit's entries these baselines looked at, learnt or kept out (the
        lines of an incident move only their template's last sighting): learning the journal's history again
        must start after it, or it counts those entries twice (learning.py)."""
        stats = self.units[unit]
        return max([stats.last_usec, *(template.last_usec for template in self.templates[unit].values())])

    def keys_of(self, unit: str) -> list[str]:
        """The baselines' keys of a unit: itself, and "MACHINE_ID/unit" of every host it was learnt on."""
        return [key for key in self.units if key == unit or split_host_unit(key)[1] == unit]

    def forget(self, unit: str) -> bool:
        """Drop everything learnt about a unit, on every host, or about one host's unit ("MACHINE_ID/unit")
        (`logsentry baseline forget`); False if nothing was known."""
        keys = self.keys_of(unit)
        for key in keys:
            self._evict_unit(key)
        return bool(keys)

    def accept(self, template_id: str) -> list[str]:
        """Mark a template as normal from now on, in every unit that has it; returns those units."""
        units = []
        for unit, templates in self.templates.items():
            template = templates.get(template_id)
            if template is not None:
                template.accepted = True
                self._dirty_templates.add((unit, template_id))
                units.append(unit)
        return units

    # --- persistence (state.py stores the rows) -------------------------------------------------------

    def mark_all_changed(self) -> None:
        """Everything is to be saved at the next commit (baselines learnt apart, then adopted)."""
        self._dirty_units = set(self.units)
        self._dirty_templates = {(unit, tid) for unit, templates in self.templates.items() for tid in templates}

    def changed(self) -> tuple[list[tuple[str, UnitStats]], list[tuple[str, str, TemplateStats]],
                               list[tuple[str, str]], list[str]]:
        """(units changed, templates changed, templates removed, units removed) since the last call."""
        units = [(unit, self.units[unit]) for unit in self._dirty_units if unit in self.units]
        templates = [(unit, tid, self.templates[unit][tid]) for unit, tid in self._dirty_templates
                     if tid in self.templates.get(unit, {})]
        removed, removed_units = list(self._removed), list(self._removed_units)
        self._dirty_units, self._dirty_templates, self._removed, self._removed_units = set(), set(), set(), set()
        return units, templates, removed, removed_units

    def load(self, units: Iterable[tuple[str, UnitStats]],
             templates: Iterable[tuple[str, str, TemplateStats]]) -> None:
        """Restore saved baselines (least recently seen first, as `rows()` gives them)."""
        for unit, stats in units:
            self.units[unit] = stats
            self.templates.setdefault(unit, {})
        for unit, template_id, template in templates:
            if unit in self.templates and template_id not in self.templates[unit]:
                self.templates[unit][template_id] = template
                self.template_count += 1

    def rows(self) -> Iterator[tuple[str, str, TemplateStats]]:
        for unit, templates in self.templates.items():
            for template_id, template in templates.items():
                yield unit, template_id, template
