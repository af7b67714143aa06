"""The anomaly step's bounds, the entries it hands back one by one, and whether a detector's rules allow it at all
(engine/runstep.py: split from it, which passed 400 lines)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Entry
from .anomaly import AnomalyDetector
from .templates import Template

MAX_SLOTS = 65_536
"""Templates the tables know, over all units; past it they start again empty (keys are learnt back). A slot is
never given back while the step runs, and holds its template's stats (about 1 KiB with the example line) after
the miner and the baselines evicted the template: a unit of ever-new templates (the baselines keep 1,000 a unit)
made one slot a template, about 250 MiB at 262,144. This is a little above the templates the baselines keep
(baseline.MAX_TEMPLATES): tests/test_runstep_bounds.py."""
MAX_UNITS = 10_000
"""Unit keys the step knows (scope units included; entries in full count too); past it, it starts again empty.
As many as the baselines and the miner keep (baseline.MAX_UNITS): a unit they evicted has no templates left to
count, so more only hold memory. Per unit the step holds its table, slots (each with the template's stats) and
pending lists, about 2 KiB. The bound used to count the units of screened runs only, which the service's entries
in full are not: under bench/memory.py's churn (1,000 new unit names every 50,000 entries) the step knew 12,000
more units and the service held 27 MiB more every 800,000 entries. At 20,000 its 3M run peaked 7 MiB higher (247.4
against 240.6 MiB) and grew +15.2 MiB after the warm-up against +9.7 (it reached its high water only after it). A
start-again re-learns the keys of the units still logging, one line each (5,000 units and that churn: every
250,000 entries). tests/test_runstep_bounds.py."""
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
