"""The anomaly step's tables stay bounded under unit churn (engine/runstep_limits.py: MAX_UNITS, MAX_SLOTS).

bench/memory.py (the service's path: every entry in full, 1,000 new unit names every 50,000 entries) grew by about
27 MiB a million entries: the step's per-unit tables, unit ids, slots and the stats they held were bounded only by
units of screened runs, which the service's entries in full never are.
"""

from __future__ import annotations

from pathlib import Path

from logsentry.engine import runstep, runstep_limits
from logsentry.engine.anomaly import AnomalyDetector
from logsentry.engine.runstep import RunStep
from logsentry.model import Entry
from logsentry.rules.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
ANOMALY_RULES = list(load_rules([ROOT / "rules" / "anomaly"]).rules)
BASE_USEC = 1_700_000_000_000_000


def feed(step: RunStep, entries: list[Entry]) -> None:
    """Entries in full, as the service hands them over (engine/anomaly_step.py: AnomalyStep.find)."""
    for entry in entries:
        for single in step.entry(entry):
            step.detector.observe(single.entry, single.template)


def churn(units: int, start: int = 0) -> list[Entry]:
    """One line each of `units` unit names never seen again, 1 ms apart."""
    return [Entry(BASE_USEC + (start + n) * 1_000, f"GET /api/items/{n % 97} 200 {n % 53}ms",
                  f"oneshot-{start + n}.service", 6, "", {}) for n in range(units)]


def test_entries_in_full_of_ever_new_units_keep_the_step_bounded():
    """More unit names than MAX_UNITS, each in full: the step starts again instead of knowing every one (before:
    its units, tables and slots held all 15,000)."""
    step = RunStep(AnomalyDetector(ANOMALY_RULES))
    feed(step, churn(15_000))
    assert 0 < len(step._units) <= runstep_limits.MAX_UNITS
    assert len(step._uids) == len(step._units)
    assert len(step._tables) <= runstep_limits.MAX_UNITS
    assert len(step.slots.keys) <= runstep_limits.MAX_UNITS
    assert len(step.slots.cold) <= runstep_limits.MAX_UNITS


def word(n: int) -> str:
    """Four letters no mask takes for a variable (no digits, no hex)."""
    return "".join("ghijklmnopqrstuvwxyz"[n // 20**k % 20] for k in range(4))


def test_slots_past_the_bound_start_the_step_again():
    """More slots than MAX_SLOTS (each holds its template's stats, about 1 KiB, after the miner and the baselines
    evicted the template): the next entry in full starts the step again (before: only at 262,144 slots)."""
    step = RunStep(AnomalyDetector(ANOMALY_RULES))
    for n in range(70_000):  # the baselines' 50,000 templates and more
        step.slots.add("churn.service", f"{n:016x}")
    feed(step, churn(1))
    assert len(step.slots.keys) <= 1


def test_a_unit_of_ever_new_templates_keeps_the_slots_bounded(monkeypatch):
    """A unit of ever-new templates (its miner and baselines keep 1,000): one slot a template, until the bound
    (here lowered to 1,500), where the step starts again."""
    monkeypatch.setattr(runstep, "MAX_SLOTS", 1_500)
    step = RunStep(AnomalyDetector(ANOMALY_RULES))
    feed(step, [Entry(BASE_USEC + n * 1_000, f"{word(n)} {word(n * 7 + 3)} {word(n * 13 + 5)} stuff",
                      "churn.service", 6, "", {}) for n in range(4_000)])
    assert 0 < len(step.slots.keys) <= 1_500 + runstep_limits.FULL_BATCH
    assert len(step.slots.stats) == len(step.slots.keys) == len(step.slots.of)
    assert len(step.detector.baselines.templates["churn.service"]) <= 1_000
