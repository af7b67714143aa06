"""The C look at a screened run (sources/_runs.c fold_gaps) against SilenceTracker.fold's per-entry
Python reference: same deadline verdict, same last times, and rhythms learnt to the same state (bins in the same
order), on random runs with clocks stepping back, ties and deadlines inside and at the end of the run."""

from __future__ import annotations

import array
import random

import pytest

from logsentry.engine.absence import NEVER
from logsentry.engine.rhythm import Rhythm
from logsentry.sources._runs import fold_gaps, last_lines

Folded = tuple[list[int], list[list[int]]] | None


def reference(times: list[int], spans: list[int], first: int, end: int, last: list[int], reach: list[int]) -> Folded:
    """The loop fold ran in Python before (engine/absence.py): the gaps per span, or None at a deadline."""
    last = list(last)
    gaps: list[list[int]] = [[] for _ in last]
    high = -NEVER
    for index in range(first, end):
        at, which = times[index], spans[index]
        high = max(high, at)
        if high >= last[which] + reach[which]:
            return None
        if at >= last[which]:
            gaps[which].append(at - last[which])
            last[which] = at
    if any(high >= at + limit for at, limit in zip(last, reach, strict=True)):
        return None
    return last, gaps


def arrays(times: list[int], spans: list[int]) -> tuple[bytes, bytes]:
    return array.array("q", times).tobytes(), array.array("H", spans).tobytes()


@pytest.mark.parametrize("seed", range(300))
def test_fold_gaps_learns_as_one_learn_per_gap(seed: int) -> None:
    rng = random.Random(seed)
    units = rng.randint(1, 6)
    count = rng.randint(1, 60)
    start = 1_700_000_000_000_000
    at, times, spans = start, [], []
    for _ in range(count):
        at += rng.choice((0, 1, 7, 8, 100, 5_000, 1_000_000, 90_000_000, -3_000))  # ties, steps back
        times.append(at)
        spans.append(rng.randrange(units))
    first = rng.randint(0, 3)
    times, spans = [start] * first + times, [0] * first + spans  # a run starts inside its batch's arrays
    end = first + count
    last = [start - rng.choice((0, 1, 50, 2_000_000)) for _ in range(units)]
    reach = [rng.choice((NEVER, NEVER, 95_000_000, 3_000_000_000)) for _ in range(units)]
    expected = reference(times, spans, first, end, last, reach)
    got = fold_gaps(*arrays(times, spans), first, end, last, reach)
    if expected is None:
        assert got is None
        return
    assert got is not None
    want_last, want_gaps = expected
    for which, (new_last, gaps, total, longest, bins) in enumerate(got):
        assert new_last == want_last[which]
        learnt, summed = Rhythm(3, 30, 20, {4: 1, 20: 2}), Rhythm(3, 30, 20, {4: 1, 20: 2})
        for gap in want_gaps[which]:
            learnt.learn(gap)
        summed.learn_gaps(gaps, total, longest, bins)
        assert (summed.gaps, summed.total_usec, summed.longest_usec) == \
            (learnt.gaps, learnt.total_usec, learnt.longest_usec)
        assert list(summed.bins.items()) == list(learnt.bins.items())  # same order as well


def test_fold_gaps_refuses_what_is_not_a_run() -> None:
    times, spans = arrays([10, 20, 30], [0, 1, 0])
    with pytest.raises(ValueError, match="span id past the run's spans"):
        fold_gaps(times, spans, 0, 3, [0], [NEVER])
    with pytest.raises(ValueError, match="entry range outside the arrays"):
        fold_gaps(times, spans, 0, 4, [0, 0], [NEVER, NEVER])
    with pytest.raises(ValueError, match="reach must be a list of 2 ints"):
        fold_gaps(times, spans, 0, 3, [0, 0], [NEVER])


def test_last_lines_decodes_cuts_and_refuses_what_is_not_a_run() -> None:
    """sources/_runs.c last_lines: bad UTF-8 as Python's decode("utf-8", "replace") gives it, lines cut to
    max_chars characters (not bytes), and a clear ValueError for arrays that do not make a run."""
    messages = [b"ok \xff\xfe bad", ("é" * 10).encode(), b"", b"last"]
    ends = array.array("Q", [sum(len(m) for m in messages[:i + 1]) for i in range(4)]).tobytes()
    times, spans = arrays([10, 20, 30, 40], [0, 1, 0, 1])
    got = last_lines(times, spans, ends, b"".join(messages), 0, 4, [2, 1], 4)
    assert got == [[(10, b"ok \xff\xfe bad".decode("utf-8", "replace")[:4]), (30, "")], [(40, "last")]]
    assert last_lines(times, spans, ends, b"".join(messages), 1, 2, [5, 5], 100) == [[], [(20, "é" * 10)]]
    with pytest.raises(ValueError, match="span id"):
        last_lines(times, spans, ends, b"".join(messages), 0, 4, [1], 4)
    with pytest.raises(ValueError, match="outside the arrays"):
        last_lines(times, spans, ends, b"".join(messages), 0, 5, [1, 1], 4)
    with pytest.raises(ValueError, match="outside the messages"):
        last_lines(times, spans, ends, b"short", 0, 4, [1, 1], 4)
