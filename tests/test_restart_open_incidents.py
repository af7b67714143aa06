"""A service stopped and started again while a signature incident is open goes on as a scan reading straight
through: the windows restored at its start (Pipeline.restore_windows) say which units have an open incident,
so an anomaly hit on such a unit stays the same failure seen twice, not a match and an alert of its own.
(tests/test_follow_sandbox.py counted one error-share-jump match more in `logsentry run`, stopped and started
again with chatter's signature incidents open, than in the scan of the same journal.)"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from conftest import entry
from test_anomaly import HOUR, by_time, steady

from logsentry.engine.detector import Detector
from logsentry.engine.policy import Policy
from logsentry.model import Entry
from logsentry.pipeline import Event, IncidentEvent, MatchEvent, Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.sources import Selection, open_entries

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
