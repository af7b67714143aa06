"""The C look at a screened run (sources/_runs.c fold_gaps) against SilenceTracker.fold's per-entry
Python reference: same deadline verdict, same last times, and rhythms learnt to the same state (bins in the same
order), on random runs with clocks stepping back, ties and deadlines inside and at the end of the run."""

from __future__ import annotations

import array
import random

import pytest

from logsentry.engine.absence import MAX_COUNT, NEVER
from logsentry.engine.absence_seen import Seen
from logsentry.engine.rhythm import SPAN_CAP_USEC, Rhythm
from logsentry.sources._runs import fold_gaps, fold_learn, fold_plan, last_lines, low_and_units

Folded = tuple[list[int], list[list[int]]] | None


def reference(times: list[int], spans: list[int], first: int, end: int, last: list[int], reach: list[int],
              refuse_back: bool = False) -> Folded:
    """The loop fold ran in Python before (engine/absence.py): the gaps per span, or None at a deadline (or, with
    `refuse_back`, at a time earlier than its unit's last: SilenceTracker.observe takes a clock stepping back)."""
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
        elif refuse_back:
            return None
        last[which] = at  # (a step back: no gap, and the unit's latest is this one)
    if any(high >= at + limit for at, limit in zip(last, reach, strict=True)):
        return None
    return last, gaps


def arrays(times: list[int], spans: list[int]) -> tuple[bytes, bytes]:
    return array.array("q", times).tobytes(), array.array("H", spans).tobytes()


START = 1_700_000_000_000_000


def random_run(rng: random.Random) -> tuple[int, list[int], list[int], int, int]:
    """(units, times, span ids, first, end): a run of up to 60 entries of up to 6 units from START on, with ties
    and steps back, starting inside its batch's arrays."""
    units = rng.randint(1, 6)
    count = rng.randint(1, 60)
    at, times, spans = START, [], []
    for _ in range(count):
        at += rng.choice((0, 1, 7, 8, 100, 5_000, 1_000_000, 90_000_000, -3_000))  # ties, steps back
        times.append(at)
        spans.append(rng.randrange(units))
    first = rng.randint(0, 3)
    return units, [START] * first + times, [0] * first + spans, first, first + count


@pytest.mark.parametrize("seed", range(300))
def test_fold_gaps_learns_as_one_learn_per_gap(seed: int) -> None:
    rng = random.Random(seed)
    units, times, spans, first, end = random_run(rng)
    last = [START - rng.choice((0, 1, 50, 2_000_000)) for _ in range(units)]
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


def seen_state(rng: random.Random, last: int, threshold: int) -> Seen:
    rhythm = Rhythm(3, 30, 20, {4: 1, 20: 2}, rng.choice((5, SPAN_CAP_USEC)))
    return Seen(rhythm, None, 10_000, last_usec=last, count=rng.choice((0, 7, MAX_COUNT - 2)), threshold=threshold)


def state_of(seen: Seen) -> tuple[object, ...]:
    rhythm = seen.rhythm
    return (seen.last_usec, seen.last, seen.count, rhythm.gaps, rhythm.total_usec, rhythm.longest_usec,
            rhythm.span_usec, list(rhythm.bins.items()))


@pytest.mark.parametrize("seed", range(200))
def test_fold_learn_learns_into_the_states_as_one_learn_per_gap(seed: int) -> None:
    """SilenceTracker.fold in C (fold_plan, fold_learn) against learn() per gap: for two rules at once, nothing
    changed when either one's deadline falls inside the run, else each state's rhythm (bins in the same order),
    last time, last span and count (capped at MAX_COUNT), as the Python fold left them."""
    rng = random.Random(seed)
    units, times, spans, first, end = random_run(rng)
    run_spans = tuple((f"u{which}", spans[first:end].count(which), 0, 0, 0, b"m", "", "") for which in range(units))
    keys = tuple(f"m/u{which}" for which in range(units))
    plans, wanted = [], []
    for _ in range(2):  # two rules, each with its own states
        states = [seen_state(rng, START - rng.choice((0, 1, 50, 2_000_000)),
                             rng.choice((0, 0, 95_000_000, 3_000_000_000))) for _ in range(units)]
        plan = fold_plan(dict(zip(keys, states, strict=True)), keys, run_spans)
        assert plan is not None and all(got is want for got, want in zip(plan, states, strict=True))
        plans.append(plan)
        last = [seen.last_usec for seen in states]
        reach = [seen.threshold + 1 if seen.threshold else NEVER for seen in states]
        wanted.append(reference(times, spans, first, end, last, reach, refuse_back=True))
    before = [[state_of(seen) for seen in states] for states in plans]
    folded = fold_learn(*arrays(times, spans), first, end, plans, run_spans, NEVER, SPAN_CAP_USEC, MAX_COUNT)
    if any(want is None for want in wanted):
        assert folded is False
        assert [[state_of(seen) for seen in states] for states in plans] == before
        return
    assert folded is True
    for states, want, saved in zip(plans, wanted, before, strict=True):
        assert want is not None
        want_last, want_gaps = want
        for which, (seen, old) in enumerate(zip(states, saved, strict=True)):
            learnt = Rhythm(old[3], old[4], old[5], dict(old[7]), old[6])
            for gap in want_gaps[which]:
                learnt.learn(gap)
            assert state_of(seen) == (want_last[which], run_spans[which], min(old[2] + run_spans[which][1], MAX_COUNT),
                                      learnt.gaps, learnt.total_usec, learnt.longest_usec, learnt.span_usec,
                                      list(learnt.bins.items()))


def test_fold_plan_declines_units_that_must_go_entry_by_entry() -> None:
    """New to the rule, not logging, quiet, or reviewed inside the run: None (the run is replayed)."""
    rng = random.Random(1)
    keys, span = ("m/a",), (("a", 3, 0, 0, 0, b"m", "", ""),)
    assert fold_plan({}, keys, span) is None
    for change in ({"last_usec": -1}, {"quiet": True}, {"review_at": 3 + 3}):
        seen = seen_state(rng, 5, 0)
        for name, value in change.items():
            setattr(seen, name, value)
        assert fold_plan({"m/a": seen}, keys, span) is None, change
    assert fold_plan({"m/a": seen_state(rng, 5, 0)}, keys, span) is not None


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


@pytest.mark.parametrize("seed", range(50))
def test_low_and_units_is_the_runs_earliest_time_and_whether_it_holds_a_unit(seed: int) -> None:
    """sources/_runs.c low_and_units (screened_lines.needs_entries) against min() and any() in Python."""
    rng = random.Random(seed)
    times = [rng.randrange(-5, 1 << 62) for _ in range(rng.randint(1, 40))]
    first, end = rng.randrange(len(times)), len(times)
    end = rng.randint(first + 1, end)
    names = [rng.choice(("a.service", "logsentry.service", "b")) for _ in range(rng.randint(1, 5))]
    spans = tuple((name, 1, 0, 0, 0, b"", "", "") for name in names)
    for units in (("logsentry.service",), ("c.service", "b"), ()):
        assert low_and_units(array.array("q", times).tobytes(), first, end, spans, units) == \
            (min(times[first:end]), any(unit in names for unit in units))
    with pytest.raises(ValueError):
        low_and_units(array.array("q", times).tobytes(), first, first, spans, ("x",))  # no entry: no earliest time


def test_fold_plan_leaves_a_unit_quiet_since_before_a_clock_jump_to_observe() -> None:
    """A unit whose last line came before a clock's jump ahead (`before`: ClockJumps.newest) learns its next gap less
    the jump (SilenceTracker.observe): its run is not folded in C, which would learn the jump as part of the gap."""
    rng = random.Random(1)
    keys, spans = ("m/u0",), (("u0", 3, 0, 0, 0, b"m", "", ""),)
    states = {"m/u0": seen_state(rng, START, 0)}
    assert fold_plan(states, keys, spans) is not None
    assert fold_plan(states, keys, spans, START) is not None  # a jump at its last line's time: not since
    assert fold_plan(states, keys, spans, START + 1) is None
