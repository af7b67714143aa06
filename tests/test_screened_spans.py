"""The per-span questions the service asks of each screened run, in C (sources/_runs.c low_and_units,
sources/hosts_fold.c clocks_saw), against the Python they replaced, on runs the scanner made from a real journal
(systemd-journal-remote): several machines and entries without one, our own units among others, journal time
stepping back within a run, and latest times already known above and below the run's."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BASE_USEC, entry

from logsentry.engine.detector import Detector
from logsentry.host_clocks import HostClocks
from logsentry.model import ScreenedRun
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.screened_lines import needs_entries
from logsentry.sources import Selection, open_entries
from logsentry.sources._runs import clocks_saw, low_and_units

MACHINES = ("a" * 32, "b" * 32, "c" * 32, "")
UNITS = ("app.service", "logsentry.service", "other.service", "db.service", "sp ace'\"$(id).service")


def runs_of(make_journal: Callable[..., Path], seed: int) -> list[ScreenedRun]:
    rng = random.Random(seed)  # (a line a rule may match every 23 comes in full: it ends a run)
    rows = [entry(f"line {n}" if n % 23 else f"Out of memory: Killed process {n} (app)", unit=rng.choice(UNITS),
                  at=100 + n * 0.01 - rng.choice((0, 0, 0, 0.5, 30.0)), _MACHINE_ID=rng.choice(MACHINES))
            for n in range(600)]
    detector = Detector(load_rules([shipped_rules_dir()]).rules)
    items = open_entries(Selection(), files=[make_journal(rows)], extra_fields=detector.needed_fields,
                         screen=detector.screen())
    return [item for item in items if isinstance(item, ScreenedRun)]


def needs_reference(run: ScreenedRun, own_units: tuple[str, ...], now_usec: int, newest_usec: int, ahead_usec: int,
                    behind_usec: int) -> bool:
    """needs_entries from the run's entries one by one, in Python."""
    entries = list(run.entries())
    if run.peak_usec > now_usec + ahead_usec or any(one.unit in own_units for one in entries):
        return True
    return min(one.realtime_usec for one in entries) < max(newest_usec, run.peak_usec) - behind_usec


@pytest.mark.parametrize("seed", range(4))
def test_needs_entries_answers_as_the_entries_do(make_journal: Callable[..., Path], seed: int) -> None:
    runs = runs_of(make_journal, seed)
    assert len(runs) > 10 and sum(run.count for run in runs) > 400 and max(len(run.spans) for run in runs) > 3
    times = [[one.realtime_usec for one in run.entries()] for run in runs]
    assert any(each != sorted(each) for each in times)  # journal time steps back within a run
    answers = set()
    for run in runs:
        for own in (("logsentry.service",), ("nothing.service", "logsentry.service"), ("nothing.service",),
                    ("db.service", "x.service"), ()):
            for now, newest, behind in ((run.peak_usec + 10**9, 0, 10**12), (run.peak_usec - 1, 0, 10**12),
                                        (run.peak_usec, run.peak_usec + 10**6, 10**5),
                                        (run.peak_usec, BASE_USEC, 10**6), (run.peak_usec, 0, 1)):
                answer = needs_entries(run, own, now, newest, 0, behind)
                assert answer == needs_reference(run, own, now, newest, 0, behind), (own, now, newest, behind)
                answers.add((own, answer))
    assert {answer for _, answer in answers} == {True, False}
    assert (("nothing.service", "logsentry.service"), True) in answers  # a second own unit found


@pytest.mark.parametrize("seed", range(4))
def test_clocks_saw_run_is_saw_of_each_span(make_journal: Callable[..., Path], seed: int) -> None:
    runs = runs_of(make_journal, seed)
    machines = {span[6] for run in runs for span in run.spans}
    assert set(MACHINES) <= machines
    rng = random.Random(seed)
    python, c = HostClocks(MACHINES[0]), HostClocks(MACHINES[0])
    for clocks in (python, c):  # known before: one far ahead of every run, one behind them all
        clocks.latest.update({MACHINES[1]: BASE_USEC + 10**12, MACHINES[2]: 5})
    changed = 0
    for number, run in enumerate(runs):
        before = dict(python.latest)
        for span in run.spans:
            python.saw(span[6], span[3])
        c.saw_run(run)
        assert c.latest == python.latest and list(c.latest) == list(python.latest)
        changed += before != python.latest
        if number % 3 == 2:  # a tick empties them
            python.latest, c.latest = {}, {}
            if rng.random() < 0.5:
                python.latest[MACHINES[2]] = c.latest[MACHINES[2]] = BASE_USEC + 10**12
    assert changed > 2 and MACHINES[0] not in python.latest and "" not in python.latest


def test_bad_spans_and_units_raise_and_say_what() -> None:
    with pytest.raises(ValueError, match="clocks_saw: span 1 is not a tuple"):
        clocks_saw((("a", 1, 0, 5, 0, b"", "m", ""), ("b", 1, 0, "5", 0, b"", "m", "")), {}, "")
    with pytest.raises(ValueError, match="clocks_saw: span 0"):
        clocks_saw((("a", 1, 0, 5),), {}, "")
    with pytest.raises(TypeError, match="low_and_units: the units are a tuple of str"):
        low_and_units((1).to_bytes(8, "little"), 0, 1, (("a",),), (b"a",))  # type: ignore[arg-type]
