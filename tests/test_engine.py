"""Detector, burst windows and policy: pure logic, tested directly, plus quarantine through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import entry, json_events, of_type, run_cli, simple_rule

from logsentry.engine.detector import Detector
from logsentry.engine.policy import Policy
from logsentry.engine.window import MAX_WINDOWS, BurstTracker
from logsentry.model import Entry, Hit, Severity
from logsentry.pipeline import ActionEvent, EndedEvent, IncidentEvent, MatchEvent, Pipeline
from logsentry.rules.rule import Rule, parse_rule

SEC = 1_000_000


def make_rule(count: int = 3, within: str = "10s", group_by: str | None = None, message: str = r"BOOM (?P<ip>\S+)",
              action: str = "alert", **match: object) -> Rule:
    trigger: dict[str, object] = {"count": count, "within": within}
    if group_by:
        trigger["group_by"] = group_by
    document = {"id": "r", "title": "t", "severity": "error", "action": action,
                "match": {"message": message, **match}, "trigger": trigger}
    return parse_rule(document, Path("r.toml"))


def make_entry(at: float, message: str = "BOOM 1.2.3.4", unit: str = "a.service", priority: int | None = 6,
               **fields: str) -> Entry:
    return Entry(realtime_usec=int(at * SEC), message=message, unit=unit, priority=priority, cursor=f"c{at}",
                 fields=fields)


def run(rule: Rule, entries: list[Entry]) -> list:
    return list(Pipeline(Detector([rule])).run(entries))


def fired_at(events: list) -> list[float]:
    return [e.incident.fired_usec / SEC for e in events if isinstance(e, IncidentEvent)]


def test_burst_fires_at_the_nth_hit_within_the_window():
    events = run(make_rule(count=3, within="10s"), [make_entry(t) for t in (0, 4, 9, 10, 11)])
    assert fired_at(events) == [9]
    ended = [e for e in events if isinstance(e, EndedEvent)]
    assert len(ended) == 1 and ended[0].open_at_end and ended[0].incident.count == 5


def test_slow_trickle_never_fires():
    assert fired_at(run(make_rule(count=3, within="10s"), [make_entry(t) for t in (0, 6, 12, 18, 24)])) == []


def test_incident_ends_after_a_quiet_window_and_can_fire_again():
    rule = make_rule(count=2, within="10s")
    events = run(rule, [make_entry(t) for t in (0, 1, 5, 30, 31, 100)])
    assert fired_at(events) == [1, 31]
    ended = [e.incident for e in events if isinstance(e, EndedEvent)]
    assert [(i.first_usec / SEC, i.last_usec / SEC, i.count, i.fired_usec / SEC) for i in ended[:2]] == [
        (0, 5, 3, 1), (30, 31, 2, 31)]


def test_group_by_keeps_separate_windows():
    rule = make_rule(count=2, within="10s", group_by="ip")
    entries = [make_entry(0, "BOOM a"), make_entry(1, "BOOM b"), make_entry(2, "BOOM a"), make_entry(3, "BOOM c")]
    events = run(rule, entries)
    incidents = [e.incident for e in events if isinstance(e, IncidentEvent)]
    assert [(i.key, i.fired_usec / SEC) for i in incidents] == [("a", 2)]


def test_units_have_separate_windows():
    rule = make_rule(count=2, within="10s")
    events = run(rule, [make_entry(0, unit="a.service"), make_entry(1, unit="b.service")])
    assert fired_at(events) == []


def test_out_of_order_entries_do_not_break_windows():
    events = run(make_rule(count=3, within="10s"), [make_entry(t) for t in (5, 3, 6)])
    assert fired_at(events) == [6]  # the late entry (3) counts as if at 5, the newest time seen


def test_tracker_memory_is_bounded_by_threshold_and_quiet_keys_are_dropped():
    rule = make_rule(count=3, within="10s", group_by="ip")
    tracker = BurstTracker([rule])
    for i in range(1000):
        tracker.add(Hit("r", Severity.ERROR, make_entry(i * 0.001, f"BOOM {i}"), {"ip": str(i)}, str(i)))
    assert len(tracker) == 1000
    tracker.expire(100 * SEC)
    assert len(tracker) == 0


def test_a_flood_of_distinct_group_keys_keeps_memory_bounded_and_a_real_burst_still_fires():
    """Group keys come from log text: one per client address at 20k lines/s must not grow the tracker
    without end. The least recently hit windows go; a key that keeps being hit stays and fires."""
    rule = make_rule(count=50, within="10m", group_by="ip")
    tracker = BurstTracker([rule])
    fired = []
    for i in range(5 * MAX_WINDOWS):
        at = i * 0.0001  # all within one window: nothing expires by time
        tracker.add(Hit("r", Severity.ERROR, make_entry(at, f"BOOM 10.{i}"), {"ip": f"10.{i}"}, f"10.{i}"))
        if i % 1000 == 0:
            _ended, incident = tracker.add(Hit("r", Severity.ERROR, make_entry(at, "BOOM attacker"),
                                                {"ip": "attacker"}, "attacker"))
            fired += [incident] if incident else []
        assert len(tracker) <= MAX_WINDOWS
    assert tracker.evicted >= 4 * MAX_WINDOWS - 100
    assert len(tracker._deadlines) <= 2 * MAX_WINDOWS + 1
    assert [incident.key for incident in fired] == ["attacker"] and fired[0].count == 50


def test_when_only_open_incidents_are_left_the_oldest_end_early_and_are_reported():
    rule = make_rule(count=1, within="10m", group_by="ip")
    tracker = BurstTracker([rule])
    for i in range(MAX_WINDOWS + 1):
        tracker.add(Hit("r", Severity.ERROR, make_entry(i * 0.0001, f"BOOM {i}"), {"ip": str(i)}, str(i)))
    assert len(tracker) <= MAX_WINDOWS
    assert tracker.due(0)
    ended = tracker.expire(0)
    assert ended and ended[0].key == "0" and {incident.key for incident in ended} == \
        {str(i) for i in range(len(ended))}
    assert not tracker.due(0)


def test_detector_priority_fields_and_ignore():
    rule = make_rule(count=1, priority="err", fields={"_TRANSPORT": "kernel"}, ignore="harmless")
    detector = Detector([rule])
    assert detector.needed_fields == ("CONTAINER_ID_FULL", "UNIT", "USER_INVOCATION_ID", "USER_UNIT", "_BOOT_ID",
                                      "_SYSTEMD_UNIT", "_SYSTEMD_USER_UNIT", "_TRANSPORT")
    assert detector.detect(make_entry(0, priority=3, _TRANSPORT="kernel"))
    assert not detector.detect(make_entry(0, priority=4, _TRANSPORT="kernel"))
    assert not detector.detect(make_entry(0, priority=None, _TRANSPORT="kernel"))
    assert not detector.detect(make_entry(0, priority=3, _TRANSPORT="stdout"))
    assert not detector.detect(make_entry(0, "BOOM harmless", priority=3, _TRANSPORT="kernel"))


LOCAL = "0" * 31 + "1"
REMOTE = "f" * 32


def test_policy_restarts_only_restartable_units():
    policy = Policy(local_machine=LOCAL)
    rule = make_rule(count=1, action="restart")
    for unit, kinds in [("api.service", ["restart", "alert"]), ("kernel", ["alert"]), ("init.scope", ["alert"]),
                        ("logsentry.service", ["alert"])]:
        events = list(Pipeline(Detector([rule]), policy).run([make_entry(0, unit=unit, _MACHINE_ID=LOCAL)]))
        actions = [e.action.kind for e in events if hasattr(e, "action")]
        assert actions == kinds, unit


def test_policy_restarts_only_the_local_machines_units():
    """A collector reading other hosts' journals: their restart signatures become alerts naming the host."""
    rule = make_rule(count=1, action="restart")

    def decided(*entries: Entry, local: str = LOCAL) -> list[tuple[str, str, str, str]]:
        events = Pipeline(Detector([rule]), Policy(local_machine=local)).run(list(entries))
        return [(e.action.kind, e.action.unit, e.action.incident.machine_id, e.action.reason) for e in events
                if isinstance(e, ActionEvent)]

    remote = make_entry(0, unit="api.service", _MACHINE_ID=REMOTE, _HOSTNAME="web-7")
    [(kind, unit, machine, reason)] = decided(remote)
    assert (kind, unit, machine) == ("alert", "api.service", REMOTE)
    assert reason.startswith(f"restart api.service on host web-7 (machine {REMOTE})") and "another host" in reason
    [(kind, _, _, reason)] = decided(make_entry(0, unit="api.service"))  # no _MACHINE_ID: never restarted
    assert kind == "alert" and "no _MACHINE_ID" in reason
    [(kind, _, _, reason)] = decided(make_entry(0, unit="api.service", _MACHINE_ID=LOCAL), local="")
    assert kind == "alert" and "unknown" in reason
    # Same unit, same rule, two hosts: two windows, and only the local one's incident restarts.
    kinds = [(k, m) for k, _, m, _ in decided(remote, make_entry(1, unit="api.service", _MACHINE_ID=LOCAL))]
    assert kinds == [("alert", REMOTE), ("restart", LOCAL), ("alert", LOCAL)]


def test_windows_are_per_machine():
    rule = make_rule(count=2, within="10s")
    entries = [make_entry(0, _MACHINE_ID=LOCAL), make_entry(1, _MACHINE_ID=REMOTE), make_entry(2, _MACHINE_ID=LOCAL,
               _HOSTNAME="here")]
    [incident] = [e.incident for e in run(rule, entries) if isinstance(e, IncidentEvent)]
    assert (incident.machine_id, incident.host, incident.count, incident.first_usec) == (LOCAL, "here", 2, 0)


def test_runaway_regex_is_quarantined_and_scanning_goes_on(make_journal, write_rule, rules_dir):
    write_rule("runaway", simple_rule(regex="^(a|aa)+$"))
    write_rule("boom", simple_rule(regex="BOOM"))
    journal = make_journal([entry("a" * 5000 + "b", at=0), entry("BOOM after", at=1), entry("a" * 5000 + "b", at=2)])
    result = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules", "-o", "json")
    assert result.exit_code == 0
    events = json_events(result)
    [quarantine] = of_type(events, "quarantine")
    assert quarantine["rule"] == "runaway" and quarantine["cursor"].startswith("s=")
    assert [m["message"] for m in of_type(events, "match")] == ["BOOM after"]
    assert events[-1]["entries"] == 3


@pytest.mark.parametrize("hits", [[0, 1, 2], [0, 100, 200]])
def test_event_time_not_clock(hits):
    """Scanning the same entries twice, at any wall time, gives identical incidents."""
    rule = make_rule(count=2, within="10s")
    first = [(type(e).__name__, getattr(e, "incident", None)) for e in run(rule, [make_entry(t) for t in hits])]
    second = [(type(e).__name__, getattr(e, "incident", None)) for e in run(rule, [make_entry(t) for t in hits])]
    assert first == second
    assert all(isinstance(e, MatchEvent) for e in run(rule, [make_entry(0)]) if not isinstance(e, EndedEvent))


def absence_rule(silent_for: str = "60s", min_entries: int = 5) -> Rule:
    # learn_for: these tests are about firing and ending; how long a rhythm must be learnt before it is
    # trusted (a day, shipped) is tests/test_silence_bursts.py's
    document = {"id": "silent", "title": "t", "severity": "warning", "action": "alert",
                "absence": {"silent_for": silent_for, "min_entries": min_entries, "learn_for": "5s"}}
    return parse_rule(document, Path("silent.toml"))


def silence_events(entries: list[Entry]) -> list[tuple[str, str, float]]:
    events = Pipeline(Detector([absence_rule()])).run(entries)
    return [(type(e).__name__, e.incident.unit, e.incident.fired_usec / SEC) for e in events
            if isinstance(e, IncidentEvent | EndedEvent)]


def test_unit_that_goes_silent_fires_and_its_next_entry_ends_it():
    steady = [make_entry(t, "tick") for t in range(10)]
    other = [make_entry(t, "other", unit="b.service") for t in range(10, 200, 5)]
    back = [make_entry(250, "tick again")]
    events = silence_events(sorted(steady + other + back, key=lambda e: e.realtime_usec))
    assert events[0] == ("IncidentEvent", "a.service", 69.000001)  # fires when it has been silent > 60 s
    assert events[1] == ("EndedEvent", "a.service", 69.000001)
    assert len(events) == 2


def test_periodic_unit_is_not_silent_between_its_runs_and_stopped_unit_is_forgotten():
    hourly = [make_entry(h * 3600 + s, "job", unit="cron-job.service") for h in range(4) for s in range(3)]
    stopped = [make_entry(t, "tick", unit="web.service") for t in range(10)] + [
        make_entry(10, "Stopped web server.", unit="web.service", _PID="1")]
    clock = [make_entry(t, "clock", unit="clock.service") for t in range(0, 4 * 3600, 30)]
    entries = sorted(hourly + stopped + clock, key=lambda e: e.realtime_usec)
    assert silence_events(entries) == []
    without_stop = [e for e in entries if not e.message.startswith("Stopped")]
    assert silence_events(without_stop)[0] == ("IncidentEvent", "web.service", 69.000001)  # at its deadline


def test_too_few_entries_are_no_habit():
    assert silence_events([make_entry(t) for t in range(3)] + [make_entry(500, unit="b.service")]) == []


def test_rules_that_take_any_message_are_decided_by_their_gates_alone() -> None:
    """error-burst's '^' (and a rule with no message) match without a regex search (Detector._any_message):
    the same hits as match_rule gives, with the priority and field gates still applied."""
    from logsentry.engine.detector import match_rule, takes_any_message

    rules = [make_rule(count=1, message="^", priority="err"), make_rule(count=1, message="^", fields={"_COMM": "app"}),
             make_rule(count=1, message="^", ignore="noise"), make_rule(count=1, message="^x")]
    assert [takes_any_message(rule) for rule in rules] == [True, True, False, False]
    entries = [make_entry(1, "boom", priority=3), make_entry(2, "fine", priority=6), make_entry(3, "noise", priority=2),
               make_entry(4, "x", priority=6, _COMM="app"), make_entry(5, "y", priority=None, _COMM="other")]
    for rule in rules:
        detector = Detector([rule])
        for one in entries:
            expected = match_rule(rule, one.message, one.priority, one.fields, effective=one.effective_priority)
            got = detector.detect(one)
            assert [hit.captures for hit in got] == ([] if expected is None else [expected]), (rule, one)
