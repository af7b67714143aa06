"""A failure never becomes its unit's normal: the lines of an open signature incident (and the line that fires
it) are kept out of the baselines, as an anomaly incident's lines are, while a hit that stays below its rule's
trigger (one mistyped ssh login) is ordinary traffic and is learnt. Otherwise a unit logging an MVar deadlock
for hours learns it as normal (and learns 100 % errors as its error share): after the incident a recurrence or
a similar new failure would not be anomalous."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from conftest import LiveJournal, entry, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_anomaly import HOUR, by_time, steady
from test_engine import make_entry, make_rule
from test_restart_systemd import wait_until
from test_runstep import assert_same, incidents
from test_service import RunningService

from logsentry.engine.baseline import Baselines
from logsentry.engine.window import BurstTracker
from logsentry.model import Hit
from logsentry.rules.loader import load_rules, shipped_rules_dir

MVAR = "cachix-server: thread blocked indefinitely in an MVar operation"


def templates_of(baselines: Baselines, unit: str) -> dict[str, Any]:
    [key] = baselines.keys_of(unit)
    return {t.text: t for t in baselines.templates[key].values()}


def test_an_open_signature_incidents_lines_are_not_learnt(make_journal):
    normal = steady("api.service", 0, 3 * HOUR, 5)
    outage = [entry(MVAR, unit="api.service", at=2 * HOUR + 2 * n, priority=3) for n in range(900)]  # 30 min
    logins = steady("sshd.service", 0, 3 * HOUR, 60, "Accepted publickey for deploy from 192.0.2.{n} port {ms} ssh2")
    mistyped = [entry("Invalid user admin from 198.51.100.7 port 40022", unit="sshd.service", at=HOUR + 0.5)]
    brute = [entry(f"Invalid user u{n} from 203.0.113.80 port {50000 + n}", unit="sshd.service", at=2 * HOUR + 3 * n)
             for n in range(300)]  # 15 min; the rule fires at the 10th within two minutes
    journal = make_journal(by_time(normal, outage, logins, mistyped, brute))
    events, pipeline = assert_same(journal, load_rules([shipped_rules_dir()]).rules, one_by_one=1.0)
    found = incidents(events)
    assert ("ghc-mvar-deadlock", "api.service") in found and ("sshd-invalid-user", "sshd.service") in found
    assert not [rule for rule, unit in found if unit == "api.service" and rule != "ghc-mvar-deadlock"], found
    assert pipeline.anomaly is not None
    baselines = pipeline.anomaly.baselines

    api = templates_of(baselines, "api.service")
    assert api[MVAR].count == 0  # seen, never learnt (the line that fired the incident included)
    [api_stats] = [baselines.units[key] for key in baselines.keys_of("api.service")]
    assert api_stats.errors == 0 and api_stats.entries == api["GET <PATH> <NUM> <DUR>"].count  # error share: as before
    sshd = templates_of(baselines, "sshd.service")
    assert sshd["Invalid user <*> from <IP> port <NUM>"].count == 1 + 9  # the mistyped login, the hits before the
    # brute force reached its trigger; none of the 291 after


@settings(max_examples=300, deadline=None)
@given(count=st.integers(1, 4), steps=st.lists(st.tuples(st.integers(-3, 12), st.sampled_from(["a", "b"]),
                                                       st.sampled_from(["", "1", "2"])), max_size=40))
def test_holds_says_what_add_then_does(count: int, steps: list[tuple[int, str, str]]):
    """BurstTracker.holds (asked before a hit is added) is true exactly when add() puts the hit in an open
    incident: one it fires, or one it extends (times may step back; a new invocation starts a new count)."""
    tracker = BurstTracker([make_rule(count=count, within="10s", group_by="ip")])
    at = 100
    for step, ip, invocation in steps:
        at += step
        fields = {"_SYSTEMD_INVOCATION_ID": invocation} if invocation else {}
        hit = Hit("r", "error", make_entry(at, f"BOOM {ip}", **fields), {"ip": ip}, ip)
        before = {(i.key, i.first_usec): i.count for i in tracker.open_incidents()}
        held = tracker.holds(hit)
        _, fired = tracker.add(hit)
        extended = any(before.get((i.key, i.first_usec)) == i.count - 1 for i in tracker.open_incidents())
        assert held == (fired is not None or extended), (at, ip, invocation)


def service_config(live: LiveJournal, alerts: Path, script: Path) -> str:
    script.write_text(f"import sys\nopen({str(alerts)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    return f'''
state_dir = "{live.root / 'state'}"
journal_directory = "{live.directory}"
[[watch]]
units = ["api", "sshd"]
actions = ["alert"]
[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{script}"]
'''


def test_the_service_saves_no_count_of_an_open_incidents_lines(live_journal: LiveJournal, tmp_path: Path):
    """`baseline show` after a live MVar deadlock: its template has no count from the incident, the unit no
    errors; a single mistyped ssh login (below sshd-invalid-user's ten) is learnt."""
    now = time.time_ns() // 1000
    for n in range(1500):  # two hours of history, ending a minute ago
        at = now - (1500 - n) * 5_000_000 - 60_000_000
        live_journal.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service", __REALTIME_TIMESTAMP=at)
        if n % 12 == 0:
            live_journal.write(f"Accepted publickey for deploy from 192.0.2.{n % 200} port {40000 + n} ssh2",
                               unit="sshd.service", __REALTIME_TIMESTAMP=at + 1)
    live_journal.wait_written()
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, service_config(live_journal, alerts, tmp_path / "receive.py"))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up
        live_journal.write("Invalid user admin from 198.51.100.7 port 40022", unit="sshd.service")
        for n in range(60):
            live_journal.write(MVAR, unit="api.service", priority=3)
            live_journal.write(f"GET /api/items/{n} 200 5ms", unit="api.service")
        def fired() -> bool:
            return any(json.loads(line)["rule"] == "ghc-mvar-deadlock"
                       for line in alerts.read_text().splitlines() if line.strip()) if alerts.exists() else False
        wait_until(fired, 15, "the deadlock alert")
        live_journal.wait_written()
        time.sleep(1.5)  # read to the end
        running.stop()
    finally:
        if running.proc is not None:
            running.stop(signal.SIGKILL)
    shown = run_cli("baseline", "show", "--state-dir", str(tmp_path / "state"), "-o", "json")
    records = [json.loads(line) for line in shown.stdout.splitlines()]
    units = {r["unit"]: r for r in records if r["type"] == "unit"}
    templates = {(r["unit"], r["template"]): r for r in records if r["type"] == "template"}
    assert units["api.service"]["errors"] == 0 and units["api.service"]["entries"] >= 1500  # the history, at least
    assert templates[("api.service", MVAR)]["count"] == 0
    assert templates[("sshd.service", "Invalid user admin from <IP> port <NUM>")]["count"] == 1
