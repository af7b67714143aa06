"""A persistence rule below error level (warning-template-persists) on the counted path (engine/runstep_episodes.py):
its lines are followed per counted group instead of one by one, with the same incidents, baselines and saved
episodes as observing each line; and Episodes.span gives the record `see` of each line would."""

from __future__ import annotations

import itertools
import random

import pytest
from conftest import entry
from test_anomaly import HOUR, by_time, steady
from test_failure_persists import journal_lines as failure_journal
from test_runstep import ANOMALY_RULES, Counting, assert_same, incidents, replay
from test_warning_persists import RULE, crash_loop, twins

from logsentry.engine.episodes import Bar, Episodes

FAILURE = "failure-template-persists"
FAILURE_WORDS = next(r.anomaly.words_re for r in ANOMALY_RULES if r.id == FAILURE and r.anomaly is not None)


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


@pytest.mark.parametrize("first_run", [False, True])
def test_a_span_leaves_the_record_see_leaves(first_run: bool):
    """Random runs of lines (pauses over and under the gap, accepted templates, warm or not): where Episodes.span
    takes a run, it leaves what `see` of each line leaves, and takes none that could fire; and no line that
    fires comes before its deadline as the C step moves it on (Episodes.deadline, _runstep.c's take). With
    `first_run` (an operator's rule) only a template's first run fires, at the floor after its start."""
    rng = random.Random(3)
    bar = Bar(gap_usec=300, floor_usec=600, margin=2, min_count=10, first_run=first_run)
    taken = refused = fired_lines = 0
    for _ in range(3000):
        one, many = Episodes(bar), Episodes(bar)
        at = first = rng.randint(0, 5000)  # the template's first sighting: not refollowed
        for _ in range(rng.choice([0, 0, 0, 1, 2, 6]) if first_run else rng.randint(0, 6)):  # a history
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


def test_persistence_rules_are_counted_per_class():
    """Persistence rules below error level are counted per class (level, words, ignore, gap: the C step follows up to
    MAX_CLASSES); past that they raise the level from which lines go one by one, as one level too many did
    before."""
    from dataclasses import replace

    from logsentry.engine.anomaly import AnomalyDetector
    from logsentry.engine.runstep import RunStep
    from logsentry.engine.runstep_episodes import MAX_CLASSES

    step = RunStep(AnomalyDetector(ANOMALY_RULES))
    assert step.error_level == 3
    assert [(f.level, f.rule_ids, f.words_re is not None) for f in step.followed] == [
        (6, (FAILURE,), True), (4, (RULE,), True)]  # (RULE's ignore: not every template)
    rule = next(r for r in ANOMALY_RULES if r.id == RULE)
    assert rule.anomaly is not None
    notice = replace(rule, id="notice-persists", anomaly=replace(rule.anomaly, level=5))
    step = RunStep(AnomalyDetector([*ANOMALY_RULES, notice]))
    assert (step.error_level, len(step.followed)) == (3, 3)
    many = [replace(rule, id=f"persists-{k}", anomaly=replace(rule.anomaly, gap_usec=rule.anomaly.gap_usec + k))
            for k in range(MAX_CLASSES)]
    step = RunStep(AnomalyDetector([*ANOMALY_RULES, *many]))
    assert (step.error_level, step.followed) == (6, ())


def failures_that_persist() -> list[dict]:
    """test_failure_persists.py's journal (info failure lines: two hangs past their blips, and twins), with one
    template's lines at warning and info by turns (both classes follow it, each its own lines) and one whose text
    loses its failure word when a line with another joins it ("sync of shard 3 <*>": its class no longer follows
    it, told once, when the text changes)."""
    lines, _ = failure_journal()
    rng, at, mixed, shards = random.Random(9), 600.0, [], []
    while at < 3.6 * 24 * HOUR:
        for k in range(rng.randint(1, 60)):
            mixed.append(entry(f"replica {k % 2} lagging, retrying fetch {rng.randint(1, 999)}", "db.service", at,
                               rng.choice([4, 6, 6])))
            at += rng.uniform(1, 120)
        at += rng.choice([rng.uniform(250, 299), rng.uniform(301, 3 * HOUR)])
    for k in range(400):
        shards.append(entry(f"sync of shard 3 {'failed' if k < 300 else 'done'}", "sync.service", 900 + k * 40, 6))
    return by_time(lines, mixed, shards)


@pytest.mark.parametrize("screened", [True, False])
def test_counted_failure_lines_are_followed_as_one_by_one(make_journal, screened: bool):
    """failure-template-persists on the counted path: its lines at info are followed per counted group, by the
    template's mask, and give the same incidents, baselines and episodes as observing each line; most of them
    are counted (the rule costs no line one by one until its template's deadline)."""
    lines = failures_that_persist()
    events, fast = assert_same(make_journal(lines), one_by_one=0.5, screened=screened)
    _, slow = replay(make_journal(lines), False, screened=screened)
    assert {unit for rule, unit in incidents(events) if rule == FAILURE} == {"systemd-timesyncd.service",
                                                                              "orders.service"}
    assert fast.anomaly is not None and slow.anomaly is not None
    for rule_id, least in ((FAILURE, 5), (RULE, 1)):
        saved = [{tuple(row[:2]): row for row in p.anomaly.episodes[rule_id].snapshot(lambda u, t: True)["records"]}
                 for p in (fast, slow)]
        assert saved[0] == saved[1]
        assert len(saved[0]) >= least
    followed = {unit.rpartition("/")[2] for unit, _ in fast.anomaly.episodes[FAILURE].records}
    assert "cache.service" not in followed and "ssh.service" in followed  # (no failure word; "Failed")
    if not screened:
        said = sum(1 for e in lines if FAILURE_WORDS.search(str(e["MESSAGE"])))
        assert isinstance(fast.anomaly, Counting) and fast.anomaly.singles < said / 2, (fast.anomaly.singles, said)
