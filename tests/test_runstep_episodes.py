"""A persistence rule below error level (warning-template-persists) on the counted path (engine/runstep_episodes.py):
its lines are followed per counted group instead of one by one, with the same incidents, baselines and saved
episodes as observing each line; and Episodes.span gives the record `see` of each line would."""

from __future__ import annotations

import itertools
import random

import pytest
from conftest import entry
from test_anomaly import HOUR, by_time, steady
from test_runstep import ANOMALY_RULES, Counting, assert_same, incidents, replay
from test_warning_persists import RULE, crash_loop, twins

from logsentry.engine.episodes import Bar, Episodes


def warnings_that_persist() -> list[dict]:
    """The crash loop's known warning and its twins (test_warning_persists.py), among a busy unit's warnings
    that come in runs with pauses over and under the gap, at effective warning level from PRIORITY and from
    the line's own level word."""
    lines, _ = crash_loop()
    rng, at, busy = random.Random(7), 0.0, []
    while at < 3.6 * 24 * HOUR:
        for k in range(rng.randint(1, 40)):
            busy.append(entry(f"pool {k % 3} near its limit: {rng.randint(80, 99)}% used", "db.service", at, 4))
            at += rng.uniform(1, 200)
        at += rng.choice([rng.uniform(250, 299), rng.uniform(301, 3 * HOUR)])
    return by_time(lines, twins(), busy, steady("db.service", 0, 3.6 * 24 * HOUR, 30, "checkpoint {n} took {ms}ms"))


@pytest.mark.parametrize("screened", [True, False])
def test_counted_warnings_are_followed_as_one_by_one(make_journal, screened: bool):
    """The same incidents, baselines and episodes (recency across units is per counted group, as the baselines'
    is); unscreened (every entry in full, as the service's feed comes), most warning lines counted."""
    journal = make_journal(warnings_that_persist())
    events, fast = assert_same(journal, one_by_one=0.5, screened=screened)
    _, slow = replay(journal, False, screened=screened)
    assert ("warning-template-persists", "containerd.service") in incidents(events)
    assert fast.anomaly is not None and slow.anomaly is not None
    saved = [{tuple(row[:2]): row for row in p.anomaly.episodes[RULE].snapshot(lambda unit, tid: True)["records"]}
             for p in (fast, slow)]
    assert saved[0] == saved[1]
    assert len(saved[0]) >= 5
    if not screened:  # (one run holds the whole journal: a span with a key it lacked is exact from there)
        warnings = sum(1 for e in warnings_that_persist() if e.get("PRIORITY") in (4, "4"))
        assert isinstance(fast.anomaly, Counting) and fast.anomaly.singles < warnings / 2


def test_a_span_leaves_the_record_see_leaves():
    """Random runs of lines (pauses over and under the gap, accepted templates, warm or not): where Episodes.span
    takes a run, it leaves what `see` of each line leaves, and takes none that could fire; and no line that
    fires comes before its deadline as the C step moves it on (Episodes.deadline, _runstep.c's take)."""
    rng = random.Random(3)
    bar = Bar(gap_usec=300, floor_usec=600, margin=2, min_count=10)
    taken = refused = fired_lines = 0
    for _ in range(3000):
        one, many = Episodes(bar), Episodes(bar)
        at = first = rng.randint(0, 5000)  # the template's first sighting: not refollowed
        for _ in range(rng.randint(0, 6)):  # a history
            for _ in range(rng.randint(1, 10)):
                at += rng.randint(0, 40)
                for tracker in (one, many):
                    tracker.see("u", "t", at, first)
            at += rng.choice([rng.randint(0, 900), rng.randint(301, 20_000)])
        at += rng.choice([0, rng.randint(1, 299), rng.randint(301, 2000)])
        times, step = [at], rng.choice([300, 300, 700])  # (over the gap: only the deadline is checked)
        for _ in range(rng.randint(0, 40)):
            times.append(times[-1] + rng.randint(0, step))
        warm, accepted = rng.random() < 0.8, rng.random() < 0.1
        deadline, last = many.deadline("u", "t", first, accepted)
        within = all(b - a <= bar.gap_usec for a, b in itertools.pairwise(times))  # (the C step's groups are)
        record = many.span("u", "t", times[0], times[-1], len(times), first, warm, accepted) if within else None
        fired = False
        for usec in times:
            if usec > last + bar.gap_usec:
                deadline = usec + bar.floor_usec
            last = max(last, usec)
            seen = one.see("u", "t", usec, first)
            if one._judged(seen, first, warm, accepted, 0) is not None:
                fired = True
                fired_lines += 1
                assert usec > deadline
        if record is None:
            refused += within
            continue
        taken += 1
        assert not fired
        many.put("u", "t", record)
        assert one.snapshot(lambda unit, tid: True) == many.snapshot(lambda unit, tid: True)
    assert taken > 1000 and refused > 20 and fired_lines > 100


def test_one_level_of_persistence_rules_is_counted():
    """Persistence rules of two levels below error level are not counted (the C step follows one): they raise
    the level from which lines go one by one, as before."""
    from dataclasses import replace

    from logsentry.engine.anomaly import AnomalyDetector
    from logsentry.engine.runstep import RunStep

    step = RunStep(AnomalyDetector(ANOMALY_RULES))
    assert (step.error_level, step.followed.level, step.followed.rule_ids) == (3, 4, (RULE,))
    rule = next(r for r in ANOMALY_RULES if r.id == RULE)
    assert rule.anomaly is not None
    notice = replace(rule, id="notice-persists", anomaly=replace(rule.anomaly, level=5))
    step = RunStep(AnomalyDetector([*ANOMALY_RULES, notice]))
    assert (step.error_level, step.followed.rule_ids) == (5, ())
