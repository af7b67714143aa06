"""The anomaly step's bounds, the entries it hands back one by one, and whether a detector's rules allow it at all
(engine/runstep.py: split from it, which passed 400 lines)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Entry
from .anomaly import AnomalyDetector
from .templates import Template

MAX_SLOTS = 262_144
"""Templates the tables know, over all units; past it they start again empty (keys are learnt back)."""
MAX_UNITS = 65_536
"""Unit keys the step knows (scope units included); past it, it starts again empty."""
MAX_KEYS_PER_UNIT = 4_096
"""Masked keys per unit in its table; past it the unit's table starts again empty."""
MAX_PENDING = 256
"""Counted entries a unit holds before they are learnt anyway (also the most replayed one by one when its
warm-up ends among them)."""
PENDING_ENTRIES = 16_384
PENDING_USEC = 300_000_000
PENDING_BYTES = 64 << 20
"""A unit's counted entries are learnt anyway (a quiet unit's last lines) once this many entries came after
them, this much journal time passed (µs), or the runs read since hold this many bytes of messages (the
runs they lie in are kept until then)."""
FULL_BATCH = 256
"""Entries in full per batch (a serial of its own, as a run has): they are kept until no count refers to them."""
NO_LEVEL = 255
NORMAL, EXACT, SKIP = 0, 1, 2
"""A span's mode for _runstep.step: count what can be counted, every entry one by one, nothing (not learnt)."""


def supports(detector: AnomalyDetector) -> bool:
    """Can every rule's decision on a line below error level be told from counts? Yes when a rule has a level
    (below it a line only counts as one of the unit's lines), is a per-template rate-spike, or a new-template
    rule (Slots.fresh, engine/runstep_slots.py, sends the lines of a template that may be new one by one)."""
    for rule in detector.rules:
        spec = rule.anomaly
        assert spec is not None
        if spec.level is None and (spec.kind == "error-share" or spec.errors):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Single:
    """An entry to observe one by one: after ending the bursts due by `now_usec` (µs, the latest time seen
    in the run so far), with its live template when the step found it."""

    now_usec: int
    entry: Entry
    template: Template | None
