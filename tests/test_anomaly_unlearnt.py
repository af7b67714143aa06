"""What a rule's rolling window holds but the baselines never learnt (the lines of an open signature incident,
lines while the unit is anomalous) is not taken out of the baseline again (AnomalyDetector: `_Rolling.kept`).
Before, error-share's base share and error-rate-spike's expected count were the unit's learnt errors less
the window's, signature lines included: too low while a signature incident was open, so the unit turned
anomalous (the hit dropped as the same failure) and stopped learning its ordinary lines. Real journal files,
both anomaly paths."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import entry
from test_anomaly import HOUR, by_time
from test_runstep import assert_same, replay

from logsentry.engine.anomaly import _Rolling
from logsentry.rules.loader import load_rules, shipped_rules_dir

MVAR = "api: thread blocked indefinitely in an MVar operation"
RULES = load_rules([shipped_rules_dir()]).rules


def a_fifth_errors_then_a_deadlock() -> tuple[list[dict[str, Any]], int]:
    """api.service for two hours, a line every 30 s, a fifth of them a known error (its error share: 20 %,
    five times which no share can reach); once, while it was cold, the deadlock line (so the template is no
    news). Then 15 deadlock lines in 15 s (ghc-mvar-deadlock fires at the first: an incident open on the unit),
    and the unit's ordinary lines go on for ten minutes. Returns the entries and how many are not deadlocks."""
    rng = random.Random(11)
    lines = []
    at = 0.0
    while at < 2 * HOUR + 600:
        if rng.random() < 0.2:
            lines.append(entry(f"upstream timeout after {rng.randint(1000, 3000)}ms", unit="api.service", at=at,
                               priority=3))
        else:
            lines.append(entry(f"GET /api/items/{int(at)} 200 {rng.randint(2, 90)}ms", unit="api.service", at=at))
        at += 30
    ordinary = len(lines)
    deadlock = [entry(MVAR, unit="api.service", at=600, priority=3)]
    deadlock += [entry(MVAR, unit="api.service", at=2 * HOUR + 5 + k, priority=3) for k in range(15)]
    return by_time(lines, deadlock), ordinary


@pytest.mark.parametrize("fast", [True, False], ids=["counted", "per-entry"])
def test_a_signature_incidents_lines_do_not_make_its_unit_anomalous(make_journal, fast: bool):
    """The deadlock's 15 errors in a minute against a 20 % error share learnt: no error-share jump (88 % is not
    five times 20 %), so the unit is never anomalous and every ordinary line is learnt. Before: the base share
    was taken as (48 - 15) / (242 - 17), the unit turned anomalous at the 15th deadlock line, and the ordinary
    lines of the next minute were not learnt."""
    entries, ordinary = a_fifth_errors_then_a_deadlock()
    journal = make_journal(entries)
    events, pipeline = replay(journal, fast, RULES)
    assert sum(type(e).__name__ == "IncidentEvent" for e in events) == 2  # the deadlocks
    detector = pipeline.anomaly
    assert detector is not None
    [unit] = detector.baselines.keys_of("api.service")
    assert detector.hot_until(unit) == -1
    assert detector.baselines.units[unit].entries == ordinary


def test_both_paths_agree_on_it(make_journal):
    entries, _ = a_fifth_errors_then_a_deadlock()
    assert_same(make_journal(entries), RULES, one_by_one=1.0)


def test_the_window_counts_what_it_kept_out_and_lets_it_go_with_its_buckets():
    rolling = _Rolling(width=6_000_000)
    for k in range(10):
        rolling.add(k * 6_000_000, kept=k % 2 == 0)
    assert (rolling.total, rolling.kept) == (10, 5)
    rolling.add(10 * 6_000_000)  # the first bucket (kept) falls out
    assert (rolling.total, rolling.kept) == (10, 4)
    rolling.add_runs([11 * 6_000_000, 3])
    assert (rolling.total, rolling.kept) == (12, 4)


def steady_errors_then_a_deadlock(deadlock_lines: int) -> tuple[list[dict[str, Any]], int]:
    """api.service for two hours: an error every 15 s (a known one) among a request every 3.75 s (20 % errors,
    4 a minute), the deadlock line once while it was cold; then `deadlock_lines` deadlock lines in 30 s."""
    lines = []
    for k in range(2 * 3600 * 4 // 15 + 160):
        at = k * 3.75
        if k % 4 == 0:
            lines.append(entry(f"upstream timeout after {1000 + k}ms", unit="api.service", at=at, priority=3))
        else:
            lines.append(entry(f"GET /api/items/{k} 200 {k % 90}ms", unit="api.service", at=at))
    ordinary = len(lines)
    deadlock = [entry(MVAR, unit="api.service", at=600, priority=3)]
    deadlock += [entry(MVAR, unit="api.service", at=2 * HOUR + 1 + k * 30 / deadlock_lines, priority=3)
                 for k in range(deadlock_lines)]
    return by_time(lines, deadlock), ordinary


@pytest.mark.parametrize("fast", [True, False], ids=["counted", "per-entry"])
def test_a_signature_incidents_errors_do_not_lower_the_expected_error_rate(make_journal, fast: bool):
    """error-rate-spike's expected count is the learnt errors' rate: 4 a minute, 10 times which (40) the
    deadlock's 34 errors and the unit's own 4 in that minute do not reach. Before, the window's 38 errors
    were taken out of the 480 learnt (3.7 a minute expected): 38 made a hit, the unit turned anomalous."""
    entries, ordinary = steady_errors_then_a_deadlock(34)
    _, pipeline = replay(make_journal(entries), fast, RULES)
    detector = pipeline.anomaly
    assert detector is not None
    [unit] = detector.baselines.keys_of("api.service")
    assert detector.hot_until(unit) == -1
    assert detector.baselines.units[unit].entries == ordinary
