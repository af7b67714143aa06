"""Warm-up from the journal's own history: the host has its last weeks of logs on disk, so baselines need
not start empty (a SaaS detector waits two weeks for data; logsentry reads them).

`learn` reads a time range through the fast scanner with an empty screen (every entry comes as a summary
run with its message, unit and priority: the only fields templates and baselines need) and learns every
entry into an AnomalyDetector that only learns, through engine/runstep.py (most entries counted in C).
`logsentry baseline learn` and the service's first start use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .engine.anomaly import AnomalyDetector
from .engine.baseline import Baselines
from .engine.runstep import RunStep
from .engine.templates import TemplateMiner
from .model import Screen, ScreenedRun
from .sources.journal import JournalLocation
from .sources.screening import ScreeningJournalSource
from .sources.selection import Selection

NOTHING = Screen(literals=(), always=())
"""A screen no entry passes: the scanner then summarises every entry (message, unit, priority only)."""

LEARN_DAYS = 14


@dataclass(frozen=True)
class Learnt:
    entries: int
    units: int
    templates: int
    first_usec: int | None
    last_usec: int | None


def learner(baselines: Baselines | None = None, miner: TemplateMiner | None = None) -> AnomalyDetector:
    """An AnomalyDetector that learns and never hits."""
    return AnomalyDetector((), miner=miner, baselines=baselines, learn_only=True)


def learn(location: JournalLocation, selection: Selection, into: AnomalyDetector,
          stop: Callable[[], bool] = lambda: False) -> Learnt:
    """Learn every selected entry of the journal at `location` into `into`; `stop()` is asked between
    batches (the service's learner thread ends early on shutdown). Raises JournalOpenError."""
    entries, first, last = 0, None, None
    observe, step = into.observe, RunStep(into)  # the runs' entries mostly learnt counted, in C
    for item in ScreeningJournalSource(location, selection, NOTHING):
        if isinstance(item, ScreenedRun):
            for single in step.singles(item):
                observe(single.entry, single.template)
            entries += item.count
            first = item.first_usec if first is None else first
            last = item.last_usec
        else:  # entries the scanner always passes in full (PID 1's lines, several MESSAGEs, ...)
            for single in step.entry(item):
                observe(single.entry, single.template)
            entries += 1
            first = item.realtime_usec if first is None else first
            last = item.realtime_usec
        if stop():
            break
    for single in step.flush_all():
        observe(single.entry)
    baselines = into.baselines
    return Learnt(entries, len(baselines.units), sum(len(t) for t in baselines.templates.values()), first, last)
