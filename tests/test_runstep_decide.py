"""RunStep.singles decides each span's uid, mode and table in C (engine/_runstep.c `decide`) unless a span needs
Python's side effects: the C decision is RunStep._decide's, and when it is given, Python's would have changed
nothing. Runs the scanner made from a real journal (hostile unit names, two machines, scope units), the
detector's state stirred before each run: units hot or learnt past the run, learn-only, units cold with their
warm-up ending or not, uids of units left out, the step unsupported."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import entry
from test_runstep import ANOMALY_RULES

from logsentry.engine import _runstep
from logsentry.engine.anomaly import AnomalyDetector
from logsentry.engine.baseline import UnitStats
from logsentry.engine.detector import Detector
from logsentry.engine.runstep import _EMPTY, RunStep
from logsentry.model import ScreenedRun
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.sources import Selection, open_entries

UNITS = ["a.service", "b.service", "sp ace'\"$(id)`;.service", "x" * 300 + ".service", "c\\d%n.service",
         "session-4.scope", "user@1000.service"]


def runs_of(make_journal: Callable[..., Path], seed: int) -> list[ScreenedRun]:
    rng = random.Random(seed)
    rows = [entry(f"GET /item/{rng.randrange(50)} 200 {n}ms" if rng.random() < 0.7 else "", unit=rng.choice(UNITS),
                  at=n * rng.choice((0.001, 0.5, 30)), _MACHINE_ID=rng.choice(("0" * 32, "1" * 32)))
            if n % 9 else entry(f"Out of memory: Killed process {n} (x)", unit=None, at=n * 0.001, priority=3,
                                _TRANSPORT="kernel")  # (a signature rule's line: runs end at it)
            for n in range(900)]
    detector = Detector(load_rules([shipped_rules_dir()]).rules)
    items = open_entries(Selection(), files=[make_journal(rows)], extra_fields=detector.needed_fields,
                         screen=detector.screen())
    return [item for item in items if isinstance(item, ScreenedRun)]


def stir(rng: random.Random, step: RunStep, run: ScreenedRun) -> None:
    detector = step.detector
    for key in run.units:
        near = rng.choice((run.first_usec, run.peak_usec)) + rng.randrange(-2, 3)
        if rng.random() < 0.2:
            detector._hot[key] = (0, near)
        if rng.random() < 0.2:
            detector.learnt_until[key] = near
        if rng.random() < 0.1 and key in step._spans:
            step._spans[key] = -1
        if rng.random() < 0.1:
            step.slots.cold.setdefault(key, set())
        if rng.random() < 0.3 and key not in detector.baselines.units:  # its warm-up ending by the run, or not
            at = run.peak_usec - rng.choice((0, 1, 10**9, 6 * 3600 * 10**6)) + rng.randrange(-1, 2)
            detector.baselines.units[key] = UnitStats(at, at)
        if rng.random() < 0.05:
            step._tables.pop(key, None)
    if rng.random() < 0.2:
        detector.learnt_until.clear()
    detector.learn_only = rng.random() < 0.3
    step.supported = rng.random() < 0.9
    step.slots.warm_after = rng.choice((0, 1, 10**9, 6 * 3600 * 10**6))


def state(step: RunStep) -> list[Any]:
    return [dict(step._spans), {key: set(slots) for key, slots in step.slots.cold.items()},
            dict(step.detector.skipped), {key: id(table) for key, table in step._tables.items()},
            list(step._units)]


@pytest.mark.parametrize("seed", range(3))
def test_the_c_decision_is_pythons(make_journal: Callable[..., Path], seed: int) -> None:
    rng = random.Random(seed)
    runs = runs_of(make_journal, seed)
    assert {key.split("/", 1)[-1] for run in runs for key in run.units} == set(UNITS)
    step = RunStep(AnomalyDetector(ANOMALY_RULES))
    given = fell = 0
    for run in runs:
        stir(rng, step, run)
        detector = step.detector
        stepped = step.slots.stepped = max(step.slots.stepped, run.peak_usec, run.last_usec)
        learn_only = detector.learn_only and bool(detector.learnt_until)
        before = state(step)
        decided = _runstep.decide(run.units, step._spans, step.slots.cold, detector.baselines.units,
                                  step.slots.warm_after or 0, stepped, detector._hot, detector.learnt_until,
                                  learn_only, run.peak_usec, run.first_usec, step.supported, step._tables, _EMPTY)
        assert state(step) == before  # (C changes nothing)
        uids, modes, tables = step._decide(run, stepped, learn_only)
        if decided is None:
            fell += 1
        else:
            given += 1
            assert state(step) == before  # Python would have changed nothing either
            assert decided[:2] == (uids, modes)
            assert all(mine is theirs for mine, theirs in zip(decided[2], tables, strict=True))
        for _single in step.singles(run):
            pass
    assert given > 25 and fell > 10, (given, fell)


def test_ints_that_do_not_fit_leave_it_to_python() -> None:
    """Times and uids past int64/int32 (no journal has them; a Python int may): None, Python decides."""
    units = ("a.service",)
    for uids_of, stepped in (({"a.service": 2**31}, 0), ({"a.service": 1}, 2**63)):
        assert _runstep.decide(units, uids_of, {}, {}, 0, stepped, {}, {}, False, 5, 5, True,
                               {"a.service": {}}, _EMPTY) is None
    table: dict[str, int] = {}
    assert _runstep.decide(units, {"a.service": 1}, {}, {}, 0, 0, {}, {}, False, 5, 5, True, {"a.service": table},
                           _EMPTY) == ((1).to_bytes(4, "little"), b"\0", [table])
    with pytest.raises(TypeError):
        _runstep.decide(units, {}, {}, {}, 0, 0, {}, {}, False, 5, 5, True, {})  # type: ignore[call-arg]
