"""A journal that stands still (journald frozen) is no burst's quiet and no unit's silence (service_stall.py,
BurstTracker.stalled, Pipeline.journal_stalled): pure logic first, then the service inside a real systemd whose
journald is frozen with SIGSTOP while a unit's failure goes on."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from logsentry.engine.detector import Detector
from logsentry.engine.window import BurstTracker
from logsentry.model import Entry, Hit, Severity
from logsentry.pipeline import IncidentEvent, Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.rules.rule import parse_rule
from logsentry.service_stall import PROBE_EVERY_USEC, STALL_AFTER_USEC, JournalStalls

S = 1_000_000
T0 = 1_800_000_000 * S
HOST = "a1" * 16


def tracker(within: str = "5s") -> BurstTracker:
    rule = parse_rule({"id": "r", "title": "t", "severity": "error", "action": "alert",
                       "match": {"message": "BOOM"}, "trigger": {"count": 1, "within": within}}, Path("r.toml"))
    return BurstTracker([rule])


def hit(at: int, machine: str = HOST) -> Hit:
    entry = Entry(realtime_usec=at, message="BOOM", unit="api.service", priority=3, cursor=f"c{at}",
                  fields={"_MACHINE_ID": machine})
    return Hit("r", Severity.ERROR, entry, {}, "")


def test_a_failure_going_on_through_a_stall_is_one_incident():
    """Hits every second, then the journal stood still 30 s: the lines after it (stamped when journald read them)
    go on the same incident. Without the stall said, the window ended and a second incident fired."""
    for said in (True, False):
        windows = tracker()
        _, fired = windows.add(hit(T0))
        assert fired is not None
        windows.add(hit(T0 + S))
        if said:
            windows.stalled(HOST, T0 + 2 * S, 30 * S)
        assert [incident.last_usec for incident in windows.expire(T0 + 20 * S)] == ([] if said else [T0 + S])
        ended, fired_again = windows.add(hit(T0 + 32 * S))
        assert ended is None and (fired_again is None) == said, said


def test_a_stall_moves_the_deadline_and_only_of_that_hosts_windows_hit_before_it():
    windows = tracker()
    windows.add(hit(T0))
    windows.add(hit(T0, machine="b2" * 16))
    windows.add(hit(T0 + 10 * S, machine="c3" * 16))  # after the stall began: its own quiet counts
    windows.stalled(HOST, T0 + 2 * S, 30 * S)
    ended = windows.expire(T0 + 16 * S)
    assert sorted(incident.machine_id for incident in ended) == ["b2" * 16, "c3" * 16]
    assert windows.expire(T0 + 34 * S) == []  # 5 s after its last hit plus the 30 s stood still: not before
    [last] = windows.expire(T0 + 36 * S)
    assert last.machine_id == HOST and last.last_usec == T0  # its times are the lines' own


def test_the_credit_goes_with_the_next_hit():
    """A hit after the stall is the window's latest: its own quiet after it counts in full again."""
    windows = tracker()
    windows.add(hit(T0))
    windows.stalled(HOST, T0 + S, 30 * S)
    assert windows.add(hit(T0 + 32 * S)) == (None, None)
    [ended] = windows.expire(T0 + 38 * S)
    assert ended.last_usec == T0 + 32 * S


def test_a_stall_is_no_units_silence_through_the_pipeline():
    """Pipeline.journal_stalled: a unit watched for 60 s of silence, the journal stood still 10 min after its
    last line; 30 s after the journal wrote again the unit is not silent, and later its card says why."""
    silence = tuple(rule for rule in load_rules([shipped_rules_dir()]).rules if rule.id == "unit-went-silent")
    pipeline = Pipeline(Detector(silence), silence_overrides=lambda name: 60 * S if name == "api.service" else None)
    line = Entry(T0, "tick", "api.service", 6, "c0", fields={"_MACHINE_ID": HOST})
    list(pipeline.process(line))
    pipeline.journal_stalled(HOST, T0 + 5 * S, 600 * S)
    assert not [event for event in pipeline.tick(T0 + 635 * S) if isinstance(event, IncidentEvent)]
    [fired] = [event.incident for event in pipeline.tick(T0 + 670 * S) if isinstance(event, IncidentEvent)]
    assert fired.unit == "api.service" and "10m of it a clock's jump (a suspend, a step) or the journal standing " \
        "still: not counted" in fired.why, fired.why


def test_work_by_the_clock_waits_for_a_probe_when_something_comes_due_beyond_the_journal_known_written():
    stalls = JournalStalls()
    assert stalls.saw(T0) is None
    assert stalls.tick_to(T0 + 60 * S, due=False, in_flight=False) == (T0 + 60 * S, False)  # nothing due: as before
    assert stalls.tick_to(T0 + 60 * S, due=True, in_flight=False) == (T0, True)  # a probe, and only as far as known
    assert stalls.tick_to(T0 + 60 * S + 1, due=True, in_flight=True) == (T0, False)  # one in flight
    assert stalls.tick_to(T0 + 60 * S + PROBE_EVERY_USEC - 1, due=True, in_flight=False) == (T0, False)  # 1 a second
    assert stalls.saw(T0 + 60 * S + 500) is None  # the probe came back: known written up to it
    assert stalls.tick_to(T0 + 60 * S + 600, due=True, in_flight=False) == (T0 + 60 * S + 500, False)
    assert stalls.tick_to(T0 + 59 * S, due=True, in_flight=False) == (T0 + 59 * S, False)  # known past it


def test_a_canary_overdue_marks_a_stall_from_the_journal_last_known_written_and_the_next_entry_ends_it():
    stalls = JournalStalls()
    stalls.saw(T0)
    assert stalls.overdue(None, T0 + 100 * S) is None  # none in flight
    assert stalls.overdue(T0 + 5 * S, T0 + 5 * S + STALL_AFTER_USEC) is None  # not overdue yet
    assert stalls.overdue(T0 + 5 * S, T0 + 5 * S + STALL_AFTER_USEC + 1) == T0
    assert stalls.overdue(T0 + 5 * S, T0 + 9 * S) is None  # said once
    assert stalls.tick_to(T0 + 9 * S, due=True, in_flight=False) == (T0, False)  # held, and no probe while stalled
    assert stalls.saw(T0) is None  # a line stamped no later: not the journal writing again
    assert stalls.saw(T0 + 40 * S) == (T0, 40 * S)
    assert stalls.since_usec == 0 and stalls.known_usec == T0 + 40 * S


DRIP_UNIT = """[Unit]
DefaultDependencies=no
[Service]
ExecStart=/bin/sh -c 'i=0; while true; do i=$((i+1)); echo "DRIP failure $i"; sleep 0.5; done'
"""


def test_frozen_journald_neither_resolves_a_failure_going_on_nor_pages_it_again() -> None:
    """Real systemd and journald (the sandbox), logsentry inside as a unit on the local journal: drip.service logs its
    failure twice a second; journald is frozen (SIGSTOP) for 12 s, longer than the rule's 5-s window, then let go.
    Before: the incident was resolved by our clock while journald was frozen, and the lines journald then wrote
    (stamped as it read them) paged it as new. Now: one firing, no resolve, until the unit stops; then resolved."""
    from test_restart_systemd import logsentry_inside, wait_until

    rules = Path(tempfile.mkdtemp(prefix="logsentry-stall-", dir="/var/tmp"))  # (the sandbox's /tmp is its own)
    (rules / "drip-failure.toml").write_text('id = "drip-failure"\ntitle = "drip fails"\nseverity = "error"\n'
                                     'action = "alert"\n[match]\nmessage = \'^DRIP failure\'\n'
                                     '[trigger]\ncount = 1\nwithin = "5s"\n')
    config = f'rules = ["{rules}"]\n[[watch]]\nunits = ["drip"]\nactions = ["alert"]'

    def events(alerts: Path) -> list[tuple[str, str]]:
        if not alerts.exists():
            return []
        whole, _, _ = alerts.read_text().rpartition("\n")
        return [(record["rule"], record["event"]) for line in whole.splitlines() if line.strip()
                for record in [json.loads(line)] if record["rule"] == "drip-failure"]

    with logsentry_inside(config, {"drip.service": DRIP_UNIT}) as (box, alerts):
        box.run("start", "drip.service")
        wait_until(lambda: ("drip-failure", "firing") in events(alerts), 20, "the drip failure's alert")
        box.run("kill", "--signal=SIGSTOP", "systemd-journald.service")
        time.sleep(12)
        box.run("kill", "--signal=SIGCONT", "systemd-journald.service")
        time.sleep(8)  # the queued lines written, and more
        assert events(alerts) == [("drip-failure", "firing")]
        box.run("stop", "drip.service")
        wait_until(lambda: ("drip-failure", "resolved") in events(alerts), 30, "the resolve once the unit stopped")
        assert events(alerts) == [("drip-failure", "firing"), ("drip-failure", "resolved")]
    shutil.rmtree(rules, ignore_errors=True)
