"""A new template that floods: the test of a new-template rule with `flood = true` (rules/anomaly.py).

Why: services log failures to stdout at info level in their own words. A client whose upstream flaps may log a
line it never logged before, "subchannel reconnecting", fifty times a second: no error word, no error level, and
too young for template-rate-spike (a template needs hours to have a rate of its own). What is learnt is the
unit's: how many lines of all its templates it usually logs in such a window, and how fast its busiest template
ever came. A new line coming far faster than both is no new wording at a normal rate, it is a storm. Templates
still new (first seen within the rule's `novel_for`) are not that history: they are the change being judged,
and their lines are learnt until a rule fires, so a storm of two new lines (keepalived's advert and ARP, one
each a second) would raise its own bar after two minutes.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..rules.anomaly import AnomalySpec
from ..timespec import format_duration
from .baseline import TemplateStats, UnitStats
from .minutes import MINUTE_USEC
from .tails import p_text, poisson_sf

MAX_CACHED = 20_000
"""Units whose fastest template is remembered for their current anomalous period."""


class Floods:
    """Judges new templates' counts for the flood rules; remembers each anomalous unit's fastest template."""

    def __init__(self) -> None:
        self._fastest: dict[str, tuple[int, UnitStats, int]] = {}
        """unit -> (start of its anomalous period, µs; its stats then; its fastest template's busiest two
        minutes). Its lines are not learnt during that period, so its templates' peaks stand still: a flood of
        thousands of lines a second in a unit of a thousand templates must not take the max for every line."""

    def why(self, spec: AnomalySpec, window_usec: int, seen: int, learnt: int, usec: int, unit: UnitStats,
            templates: Iterable[TemplateStats], novelty: str, key: str, hot_since: int | None) -> str | None:
        """Does a new template's `seen` lines within `window_usec` (µs; `learnt` of them in the baselines, which
        the unit's usual count must not include, nor any new template's lines) flood, at `usec`? Its why
        (`novelty`: what makes it new), or None. `hot_since`: when the unit's current anomalous period began (None:
        it is not in one)."""
        if seen < spec.min_count:
            return None
        templates = list(templates)
        known_before = usec - spec.novel_for_usec
        new_lines = sum(template.count for template in templates if template.first_usec >= known_before)
        history = max(1, usec - window_usec - unit.first_usec)
        # every template of the unit but the new ones (this one's learnt lines included): they are the change
        # judged, not its usual (a storm of two new lines counted the other's as usual, 12x too many: helper F4)
        expected = max(0, unit.entries - max(learnt, new_lines)) * window_usec / history
        if seen < spec.factor * expected:
            return None
        fastest = self._peak(unit, templates, key, hot_since, known_before)
        if seen <= spec.peak_margin * fastest * max(1.0, window_usec / (2 * MINUTE_USEC)):
            return None
        tail = poisson_sf(seen, max(expected, 1e-9))
        if tail >= spec.p_value:
            return None
        within = format_duration(window_usec)
        return (f"{seen} lines within {within} of {novelty}; the unit logs {expected:.3g} lines of all its templates "
                f"in {within} as usual ({format_duration(history)} of history), its busiest template at most "
                f"{fastest} in two minutes usually (Poisson P={p_text(tail)})")

    def _peak(self, unit: UnitStats, templates: Iterable[TemplateStats], key: str, hot_since: int | None,
              known_before: int) -> int:
        """The busiest two minutes (Minutes.peak: the last 14 days) of any template of the unit first seen
        before `known_before` (µs of journal time; the new ones are what is judged)."""
        if hot_since is not None and (cached := self._fastest.get(key)) is not None:
            since, stats, fastest = cached
            if since == hot_since and stats is unit:
                return fastest
        fastest = max((template.minutes.peak for template in templates if template.first_usec < known_before),
                      default=0)
        if hot_since is not None:
            self._fastest.pop(key, None)
            if len(self._fastest) >= MAX_CACHED:
                del self._fastest[next(iter(self._fastest))]
            self._fastest[key] = (hot_since, unit, fastest)
        return fastest
