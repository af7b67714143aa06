"""A service stopped and started again while an incident is open goes on as a scan reading straight through:
- the windows restored at its start (Pipeline.restore_windows) say which units have an open incident, so an
  anomaly hit on such a unit stays the same failure seen twice, not a match and an alert of its own
  (tests/test_follow_sandbox.py counted one error-share-jump match more in `logsentry run`, stopped and
  started again with chatter's signature incidents open, than in the scan of the same journal);
- a unit in an anomaly at the stop is still in it after the start (AnomalyDetector.snapshot, saved at the
  stop), so its failing lines are not learnt, and the rules' rolling counts go on.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import entry
from test_anomaly import HOUR, by_time, steady
from test_runstep import baselines_of

from logsentry.baseline_keeper import ANOMALY_KEY, BaselineKeeper
from logsentry.engine.detector import Detector
from logsentry.engine.policy import Policy
from logsentry.model import Entry
from logsentry.pipeline import Event, IncidentEvent, MatchEvent, Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.sources import Selection, open_entries
from logsentry.state import State

MVAR = "api: thread blocked indefinitely in an MVar operation"
STOP_AT = 2 * HOUR + 300.0
"""Seconds into the journal when the service stops (and starts again at once): the deadlock is open then."""


def journal_entries(journal: Path, detector: Detector) -> list[Entry]:
    items = open_entries(Selection(), files=[journal], extra_fields=detector.needed_fields, screen=None)
    entries = [item for item in items if isinstance(item, Entry)]
    assert entries
    return entries


def counted(events: list[Event]) -> tuple[Counter[str], Counter[str]]:
    """Matches and incidents per rule, as the service's metrics count them."""
    return (Counter(e.hit.rule_id for e in events if isinstance(e, MatchEvent)),
            Counter(e.incident.rule_id for e in events if isinstance(e, IncidentEvent)))


def test_a_restart_keeps_an_open_signature_incidents_unit_out_of_anomaly_matches(make_journal):
    normal = steady("api.service", 0, 3 * HOUR, 5)
    deadlock = [entry(MVAR, unit="api.service", at=2 * HOUR + 2 * n, priority=3) for n in range(900)]  # 30 min
    novel = [entry(f"payment backend refused order {n}: circuit open", unit="api.service", at=2 * HOUR + 600 + n,
                   priority=3) for n in range(4)]  # a new error template, 10 min into the deadlock
    journal = make_journal(by_time(normal, deadlock, novel))
    rules = load_rules([shipped_rules_dir()]).rules
    stop_usec = journal_entries(journal, Detector(rules))[0].realtime_usec + int(STOP_AT * 1_000_000)

    straight = Pipeline(Detector(rules), Policy())
    scanned = list(straight.run(journal_entries(journal, straight.detector)))
    matches, fired = counted(scanned)
    assert fired["ghc-mvar-deadlock"] == 1 and matches["ghc-mvar-deadlock"] == 900
    assert not matches["new-error-template"]  # the deadlock's incident holds the unit: the same failure

    before = Pipeline(Detector(rules), Policy())
    entries = journal_entries(journal, before.detector)
    events = [event for item in entries if item.realtime_usec < stop_usec for event in before.process(item)]
    events += before.learn_pending()  # the stop: counted entries learnt, windows and failures saved
    windows = json.loads(json.dumps(before.tracker.snapshot()))
    failures = json.loads(json.dumps(before.failures.snapshot()))
    assert any(w["incident"] and w["key"][0] == "ghc-mvar-deadlock" for w in windows)
    # the start: the same baselines and anomaly state (kept here: this test is about the windows), as the
    # service restores the windows and failures
    after = Pipeline(Detector(rules), Policy(), anomaly=before.anomaly)
    after.restore_windows(windows)
    after.failures.restore(failures)
    events += after.run(item for item in entries if item.realtime_usec >= stop_usec)
    assert counted(events) == (matches, fired)


def stopped_and_started(journal: Path, rules: list[Any], tmp_path: Path, reload: bool = False
                        ) -> tuple[list[Event], Pipeline]:
    """The journal read by the service's own parts (BaselineKeeper and State, as Service and StateSaving use
    them), stopped at STOP_AT and started again (`reload`: a new pipeline as Service._reload builds it, in
    the same process): its events and the pipeline after the start."""
    state = State(tmp_path / "state.db")
    keeper = BaselineKeeper(state)
    before = Pipeline(Detector(rules), Policy(), anomaly=keeper.build(rules))
    entries = journal_entries(journal, before.detector)
    stop_usec = entries[0].realtime_usec + int(STOP_AT * 1_000_000)
    events = [event for item in entries if item.realtime_usec < stop_usec for event in before.process(item)]
    events += before.learn_pending()
    assert before.anomaly is not None
    [unit] = before.anomaly.baselines.keys_of("api.service")
    assert before.anomaly.hot_until(unit) >= stop_usec  # the stop comes in the unit's anomaly
    if reload:
        after = Pipeline(Detector(rules), Policy(), anomaly=keeper.build(rules))
        after.restore_windows(before.tracker.snapshot())
        after.failures.restore(before.failures.snapshot())
    else:
        values = {"failures": before.failures.snapshot()}
        state.commit(values, [], 0, keeper.for_commit(values, final=True), (before.tracker.items(), []))
        assert ANOMALY_KEY in values
        state.close()
        state = State(tmp_path / "state.db")
        keeper = BaselineKeeper(state)
        after = Pipeline(Detector(rules), Policy(), anomaly=keeper.build(rules))
        after.restore_windows(state.load_windows())
        after.failures.restore(state.get("failures"))
    events += after.run(item for item in entries if item.realtime_usec >= stop_usec)
    state.close()
    return events, after


@pytest.mark.parametrize("reload", [False, True], ids=["restart", "reload"])
def test_a_unit_in_an_anomaly_at_a_stop_is_in_it_after_the_start(make_journal, tmp_path: Path, reload: bool):
    """5 min into a 20-min storm of a new error line: the unit's lines after the start are not learnt either
    (without the saved anomalous period: 1 error line more learnt), and the matches, incidents and baselines
    are those of reading straight through."""
    normal = steady("api.service", 0, 3 * HOUR, 5)
    storm = [entry(f"payment backend refused order {n}: circuit open", unit="api.service", at=2 * HOUR + 2 * n,
                   priority=3) for n in range(600)]
    journal = make_journal(by_time(normal, storm))
    rules = load_rules([shipped_rules_dir()]).rules
    straight = Pipeline(Detector(rules), Policy())
    scanned = list(straight.run(journal_entries(journal, straight.detector)))
    assert counted(scanned)[1]["new-error-template"] == 1

    events, after = stopped_and_started(journal, rules, tmp_path, reload)
    assert counted(events) == counted(scanned)
    assert baselines_of(after) == baselines_of(straight)


@pytest.mark.parametrize("reload", [False, True], ids=["restart", "reload"])
def test_the_rolling_counts_go_on_over_a_stop(make_journal, tmp_path: Path, reload: bool):
    """A known error line's burst that began 15 s before the stop: its error-share-jump hits after the start
    count the lines before it in their minute, as reading straight through does."""
    normal = steady("api.service", 0, 3 * HOUR, 5)
    known = steady("api.service", 0, 2 * HOUR, 600, "upstream {n} reset the connection", priority=3, seed=5)
    burst = [entry(f"upstream {n} reset the connection", unit="api.service", at=STOP_AT - 15 + 1.5 * n, priority=3)
             for n in range(120)]
    journal = make_journal(by_time(normal, known, burst))
    rules = load_rules([shipped_rules_dir()]).rules
    straight = Pipeline(Detector(rules), Policy())
    scanned = list(straight.run(journal_entries(journal, straight.detector)))
    assert counted(scanned)[0]["error-share-jump"] > 100 and not counted(scanned)[0]["new-error-template"]

    events, after = stopped_and_started(journal, rules, tmp_path, reload)
    assert counted(events) == counted(scanned)
    assert baselines_of(after) == baselines_of(straight)


@pytest.mark.parametrize("saved", ["garbage", {"hot": 3}, {"hot": [["u", "x", 1]]},
                                   {"rolling": [[[], "u", "", 6, []]]}])
def test_malformed_saved_counts_are_said_and_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture, saved: Any):
    state = State(tmp_path / "state.db")
    state.commit({ANOMALY_KEY: saved}, [], 0)
    detector = BaselineKeeper(state).build(load_rules([shipped_rules_dir()]).rules)
    state.close()
    assert detector is not None and detector.snapshot() == {"hot": [], "rolling": []}
    assert f"the anomaly rules' saved counts in {tmp_path / 'state.db'} (anomaly) are malformed" in caplog.text
