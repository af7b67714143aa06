"""What a unit's lines would have taught its baseline while it was anomalous, held until the anomaly ends.

Why: while a unit is anomalous its lines are not learnt (AnomalyDetector.observe), so an outage never becomes
its normal. But a short blip that recurs (a deploy's 20 s of 502s every day, a scanner's two minutes of failed
logins) then never enters the baseline either: its busiest minute of errors is never learnt, and every
recurrence pages as a jump. So while a unit is anomalous its lines are counted here (as Baselines.observe
would have learnt them), and learnt (Baselines.learn_held) when the anomalous period ended by itself (a line
of the unit comes after it) with its anomaly hits spanning at most SHORT_USEC. A longer anomaly, one still
going on, or one that outgrows the bounds below is never learnt.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

from .baseline import ERROR_LEVEL, MAX_EXAMPLE_CHARS
from .minutes import MINUTE_USEC

SHORT_USEC = 2 * MINUTE_USEC
"""The longest anomaly (µs of journal time from its first to its last anomaly hit) that is learnt once it
ended. Two minutes is what a unit's peak spans (Minutes.peak: its busiest two consecutive minutes): a blip
that fits in them is a burst the peak describes, and when it comes back the same size the rules'
`peak_margin` absorbs it. A longer anomaly is sustained trouble: learnt, its busiest two minutes would be
the bar every later outage of the unit must clear. Trials: recurring blips fit (a deploy's 20 s of 502s, a
scanner's 60 logins in 118 s); the failures issue 12 names last 14 min to 6 h; in the benchmark journal
(bench/make_journal.py) the scripted disk-full and crash loops span 176-284 s and stay anomalous when they
recur, its OOM kills' aftermath 78-94 s (a recurrence is the kernel-oom-kill signature's). Not a rule's
option: it decides what the unit's baseline holds, which every anomaly rule of the unit reads."""
MAX_HELD_UNITS = 64
"""Units whose anomalous lines are held at once; a unit that becomes anomalous while this many are held is not
learnt from its anomaly (as before this module)."""
MAX_HELD_TEMPLATES = 64
MAX_HELD_MINUTES = 1024
"""Per unit: templates held, and (minute, lines) pairs (per template and for the unit's errors); past either,
the period is not learnt and its counts are let go."""


@dataclass(slots=True)
class HeldTemplate:
    """One template's held lines: how many, the last text, the most important level (None: none had one) and
    the first line at it, and (minute start µs, lines) pairs in line order."""

    text: str
    count: int = 0
    level: int | None = None
    example: str = ""
    minutes: array[int] = field(default_factory=lambda: array("q"))


def _count(runs: array[int], minute: int) -> int:
    """One line in `minute`: the pairs grow by one unless it is the last pair's minute. Minutes.add_runs gives
    what adding each line would."""
    if runs and runs[-2] == minute:
        runs[-1] += 1
        return 0
    runs.append(minute)
    runs.append(1)
    return 1


@dataclass(slots=True)
class Held:
    """A unit's lines since its anomalous period began at `since` (µs, its first hit), with its latest hit."""

    since: int
    last_hit: int
    entries: int = 0
    errors: int = 0
    first_usec: int = 2**63 - 1
    last_usec: int = -(2**63)
    error_minutes: array[int] = field(default_factory=lambda: array("q"))
    templates: dict[str, HeldTemplate] = field(default_factory=dict)
    pairs: int = 0

    def add(self, template_id: str, text: str, usec: int, priority: int | None, message: str) -> bool:
        """Count a line as Baselines.observe would learn it; False when the bounds are passed (let it go)."""
        kept = self.templates.get(template_id)
        if kept is None:
            if len(self.templates) >= MAX_HELD_TEMPLATES:
                return False
            kept = self.templates[template_id] = HeldTemplate(text)
        kept.count += 1
        kept.text = text
        if priority is not None and (kept.level is None or priority < kept.level):
            kept.level, kept.example = priority, message[:MAX_EXAMPLE_CHARS]
        minute = usec - usec % MINUTE_USEC
        self.pairs += _count(kept.minutes, minute)
        self.entries += 1
        if priority is not None and priority <= ERROR_LEVEL:
            self.errors += 1
            self.pairs += _count(self.error_minutes, minute)
        self.first_usec, self.last_usec = min(self.first_usec, usec), max(self.last_usec, usec)
        return self.pairs <= MAX_HELD_MINUTES

    def short(self) -> bool:
        """Did its anomaly hits span at most SHORT_USEC?"""
        return self.last_hit - self.since <= SHORT_USEC

    def saved(self) -> list[Any]:
        """JSON-ready, for the service's state (AnomalyDetector.held_snapshot): a stop or a crash must not lose
        what a short anomaly would teach once it ended."""
        return [self.since, self.last_hit, self.entries, self.errors, self.first_usec, self.last_usec,
                list(self.error_minutes), [[template_id, kept.text, kept.count, kept.level, kept.example,
                                            list(kept.minutes)] for template_id, kept in self.templates.items()]]

    @classmethod
    def restored(cls, data: Any) -> Held:
        """`saved()` read back; ValueError or TypeError when it is malformed or past the bounds."""
        since, last_hit, entries, errors, first_usec, last_usec, error_minutes, templates = data
        held = cls(int(since), int(last_hit), int(entries), int(errors), int(first_usec), int(last_usec),
                   _pairs(error_minutes))
        if len(templates) > MAX_HELD_TEMPLATES:
            raise ValueError(f"{len(templates)} templates held, more than {MAX_HELD_TEMPLATES}")
        for template_id, text, count, level, example, minutes in templates:
            if not (isinstance(template_id, str) and isinstance(text, str) and isinstance(example, str)
                    and (level is None or isinstance(level, int))):
                raise TypeError("a held template is not (id, text, count, level, example, minutes)")
            held.templates[template_id] = HeldTemplate(text, int(count), level, example, _pairs(minutes))
        held.pairs = (len(held.error_minutes) + sum(len(kept.minutes) for kept in held.templates.values())) // 2
        if held.pairs > MAX_HELD_MINUTES:
            raise ValueError(f"{held.pairs} (minute, lines) pairs held, more than {MAX_HELD_MINUTES}")
        return held


def _pairs(values: Any) -> array[int]:
    """(minute start µs, lines) pairs as saved: a list of an even number of ints."""
    if not isinstance(values, list) or len(values) % 2 or not all(type(value) is int for value in values):
        raise TypeError("not a list of (minute, lines) pairs")
    try:
        return array("q", values)
    except OverflowError as error:
        raise ValueError(str(error)) from error
