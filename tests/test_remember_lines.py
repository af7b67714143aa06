"""The service keeps each screened run's last lines per unit for its alerts in one C call
(screened_lines.remember_recent, sources/_runs.c remember_lines): what it keeps is what the Python path keeps,
UnitLines.add of recent_lines span after span, on runs the scanner made from a real journal (hostile unit names,
bad UTF-8, empty and over-long messages, two machines, a unit twice in a run), with units dropped past the bound
and lines past `keep`."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import entry

from logsentry.actions.alert import MAX_LINE
from logsentry.engine.detector import Detector
from logsentry.model import ScreenedRun
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.screened_lines import recent_lines, remember_recent
from logsentry.sources import Selection, open_entries
from logsentry.sources._runs import remember_lines
from logsentry.sources.last_lines import UnitLines

UNITS = ["a.service", "ünï-cödé@1.service", "x" * 200 + ".service", "sp ace'\"$(id)`;.service", "c\\d.service",
         "%s%n.service"]
MESSAGES: list[str | bytes] = ["ok", "", "é" * (MAX_LINE + 5), b"bad \xff\xfe utf-8 \xc3", b"\xe2\x82", "x" * 4000,
                               "\u202e rtl \u200b", "tab\there"]


def runs_of(make_journal: Callable[..., Path], seed: int) -> list[ScreenedRun]:
    rng = random.Random(seed)
    rows = [entry(rng.choice(MESSAGES) if rng.random() < 0.5 else f"line {n}", unit=rng.choice(UNITS),
                  at=n * 0.001, _MACHINE_ID=rng.choice(("0" * 32, "1" * 32))) for n in range(400)]
    detector = Detector(load_rules([shipped_rules_dir()]).rules)
    items = open_entries(Selection(), files=[make_journal(rows)], extra_fields=detector.needed_fields,
                         screen=detector.screen())
    return [item for item in items if isinstance(item, ScreenedRun)]


def kept(context: UnitLines) -> list[tuple[str, int | None, list[tuple[int, str]]]]:
    return [(key, lines.maxlen, list(lines)) for key, lines in context.items()]


@pytest.mark.parametrize("seed", range(4))
def test_the_c_path_keeps_what_the_python_path_keeps(make_journal: Callable[..., Path], seed: int) -> None:
    runs = runs_of(make_journal, seed)
    assert sum(run.count for run in runs) > 300
    decoded = [line for run in runs for one in run.entries() for line in [one.message]]
    assert any("\ufffd" in line for line in decoded) and any(len(line) > MAX_LINE for line in decoded)
    # (the scanner hands a non-ASCII unit's entries over in full: no run holds it)
    assert {key.split("/", 1)[-1] for run in runs for key in run.units} == set(UNITS) - {UNITS[1]}
    for per_span, keep, max_units in ((10, 10, 2000), (1, 3, 2), (3, 1, 1), (0, 0, 5), (500, 7, 3), (2, 2, 0)):
        python, c = UnitLines(), UnitLines()
        for context in (python, c):  # units kept before the runs, one of them in them
            context.add((("0" * 32 + "/" + UNITS[0], [(1, "before")]), ("gone/x.service", [(2, "old")])), keep,
                        max(max_units, 1))
        for run in runs:
            python.add(zip(run.units, recent_lines(run, per_span), strict=True), keep, max_units)
            remember_recent(run, c, per_span, keep, max_units)
            assert kept(c) == kept(python), (per_span, keep, max_units)


def test_bad_arrays_and_counts_raise_and_say_what() -> None:
    """A run whose arrays do not hold its entries, or a negative count, raises ValueError naming it (the run's
    lines are not kept half)."""
    spans = (("a.service", 2, 0, 0, 0, b"", "", ""),)
    times, ids = (5).to_bytes(8, "little") * 2, bytes(4)
    ends, messages = (1).to_bytes(8, "little") + (2).to_bytes(8, "little"), b"ab"
    context = UnitLines()
    remember_lines(times, ids, ends, messages, 0, 2, spans, ("a.service",), 5, MAX_LINE, context, 5, 10, deque)
    assert kept(context) == [("a.service", 5, [(5, "a"), (5, "b")])]
    with pytest.raises(ValueError, match="entry range outside the arrays"):
        remember_lines(times, ids, ends, messages, 0, 3, spans, ("a.service",), 5, MAX_LINE, context, 5, 10, deque)
    with pytest.raises(ValueError, match="a message end outside the messages"):
        remember_lines(times, ids, ends, b"a", 0, 2, spans, ("a.service",), 5, MAX_LINE, context, 5, 10, deque)
    with pytest.raises(ValueError, match="units and spans differ"):
        remember_lines(times, ids, ends, messages, 0, 2, spans, (), 5, MAX_LINE, context, 5, 10, deque)
    with pytest.raises(ValueError, match="negative count"):
        remember_lines(times, ids, ends, messages, 0, 2, spans, ("a.service",), -1, MAX_LINE, context, 5, 10, deque)
    with pytest.raises(ValueError, match="span id past"):
        remember_lines(times, (1).to_bytes(2, "little") * 2, ends, messages, 0, 2, spans, ("a.service",), 5,
                       MAX_LINE, context, 5, 10, deque)
    assert kept(context) == [("a.service", 5, [(5, "a"), (5, "b")])]
