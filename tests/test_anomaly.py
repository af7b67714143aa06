"""Anomaly rules on real journal files: a new error template in a warm unit, a rate spike, an error-share
jump, and units that log now and then (sshd-like, cron-like) staying quiet; the statistics they use."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from conftest import entry, json_events, of_type, run_cli

from logsentry.engine.anomaly import AnomalyDetector
from logsentry.engine.baseline import Baselines
from logsentry.engine.tails import binomial_sf, poisson_sf
from logsentry.model import Entry
from logsentry.rules.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
ANOMALY_RULES = ROOT / "rules" / "anomaly"
HOUR = 3600.0


def scan_anomalies(journal: Path) -> list[dict]:
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                     "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


def steady(unit: str, start: float, end: float, every: float, message: str = "GET /api/items/{n} 200 {ms}ms",
           priority: int = 6, seed: int = 1) -> list[dict]:
    """A unit's normal traffic: one line every `every` seconds (jittered), numbers varying."""
    rng = random.Random(seed)
    lines, at, n = [], start, 0
    while at < end:
        n += 1
        lines.append(entry(message.format(n=n, ms=rng.randint(2, 90)), unit=unit, at=at, priority=priority))
        at += every * rng.uniform(0.5, 1.5)
    return lines


def by_time(*groups: list[dict]) -> list[dict]:
    return sorted((e for group in groups for e in group), key=lambda e: int(e["__REALTIME_TIMESTAMP"]))


def test_new_error_template_in_a_warm_unit(make_journal):
    normal = steady("api.service", 0, 2 * HOUR, 5)
    errors = [entry(f"payment backend refused order {n}: circuit open", unit="api.service", at=2 * HOUR + n,
                    priority=3) for n in range(4)]
    journal = make_journal(by_time(normal, errors))
    incidents = scan_anomalies(journal)
    assert [i["rule"] for i in incidents] == ["new-error-template"]
    report = " ".join(run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES))
                      .stdout.split())
    assert "why: a template this unit never logged" in report and "template: payment backend refused" in report
    incident = incidents[0]
    assert incident["unit"] == "api.service"
    assert incident["realtime_usec"] == int(errors[2]["__REALTIME_TIMESTAMP"])  # the third line fires
    assert "never logged" in incident["why"]
    assert incident["template"] == "payment backend refused order <NUM>: circuit open"


def test_a_new_error_template_in_a_cold_unit_is_no_anomaly(make_journal):
    """Five minutes of history are no normal to compare with: nothing fires. Ten minutes and 200 entries are one for
    the unit's share of errors (error-share-jump: its own lines are the measure), not yet for what is new in them
    (the new-template rules wait for an hour)."""
    def errors(at: int) -> list[dict]:
        return [entry(f"payment backend refused order {n}: circuit open", unit="api.service", at=at + n,
                      priority=3) for n in range(10)]
    assert scan_anomalies(make_journal(by_time(steady("api.service", 0, 300, 2), errors(300)))) == []
    shares = scan_anomalies(make_journal(by_time(steady("api.service", 0, 600, 2), errors(600))))
    assert [i["rule"] for i in shares] == ["error-share-jump"], shares


def test_rate_spike_of_a_known_template(make_journal):
    """A warning the unit logs a few times an hour suddenly comes every second (a connection storm)."""
    normal = steady("zk.service", 0, 8 * HOUR, 10, "Session {n} established")
    warnings = steady("zk.service", 0, 8 * HOUR, 900, "Connection to 10.0.{n}.7:2888 lost, retrying", priority=4,
                      seed=2)
    storm = [entry(f"Connection to 10.0.{n}.7:2888 lost, retrying", unit="zk.service", at=8 * HOUR + n, priority=4)
             for n in range(120)]
    incidents = scan_anomalies(make_journal(by_time(normal, warnings, storm)))
    assert [i["rule"] for i in incidents] == ["template-rate-spike"]
    assert "expected" in incidents[0]["why"] and "Poisson" in incidents[0]["why"]
    assert 8 * HOUR * 1e6 < incidents[0]["realtime_usec"] - int(normal[0]["__REALTIME_TIMESTAMP"]) < \
        (8 * HOUR + 120) * 1e6


def test_error_share_jump(make_journal):
    """A unit with 1 % errors (of known kinds) starts failing a third of its requests."""
    rng = random.Random(5)
    lines = []
    for n in range(3000):
        at = n * 2.0
        if rng.random() < 0.01:
            lines.append(entry(f"upstream timeout after {rng.randint(1000, 3000)}ms", unit="web.service", at=at,
                               priority=3))
        else:
            lines.append(entry(f"GET /p/{n} 200", unit="web.service", at=at))
    start = 3000 * 2.0
    for n in range(90):
        lines.append(entry(f"upstream timeout after {rng.randint(1000, 3000)}ms" if n % 3 == 0 else f"GET /q/{n} 200",
                           unit="web.service", at=start + n, priority=3 if n % 3 == 0 else 6))
    incidents = scan_anomalies(make_journal(lines))
    rules = [i["rule"] for i in incidents]
    assert rules and rules[0] == "error-share-jump", rules
    assert "binomial" in incidents[0]["why"]


def test_intermittent_units_stay_quiet(make_journal):
    """sshd-like (logins at random, with hours of nothing) and cron-like (a burst every hour) units, with the
    odd known failure, over 24 h of journal time: no anomaly incident."""
    rng = random.Random(7)
    lines, at = [], 0.0
    while at < 24 * HOUR:
        at += rng.expovariate(1 / 600)  # a login every ten minutes on average, gaps up to hours
        for _ in range(rng.choice((1, 1, 2, 5))):  # sometimes a short burst of logins
            ip = f"192.0.2.{rng.randint(1, 254)}"
            port = rng.randint(30000, 60000)
            if rng.random() < 0.1:
                lines.append(entry(f"Failed password for deploy from {ip} port {port} ssh2", unit="sshd.service",
                                   at=at, priority=6))
            lines.append(entry(f"Accepted publickey for deploy from {ip} port {port} ssh2", unit="sshd.service",
                               at=at, priority=6))
            lines.append(entry(f"pam_unix(sshd:session): session opened for user deploy(uid={rng.randint(1000, 1010)})",
                               unit="sshd.service", at=at, priority=6))
            at += rng.uniform(0.1, 3)
    for hour in range(24):
        base = hour * HOUR + 60
        for job in range(rng.randint(3, 8)):
            lines.append(entry(f"(root) CMD (/usr/local/bin/job-{job} --quiet)", unit="cron.service",
                               at=base + job * 0.01))
        if rng.random() < 0.2:
            lines.append(entry(f"(root) MAIL (mailed {rng.randint(100, 900)} bytes of output but got status 0x004b)",
                               unit="cron.service", at=base + 1, priority=3))
    assert scan_anomalies(make_journal(by_time(lines))) == []


def anomaly_detector() -> AnomalyDetector:
    rule_set = load_rules([ANOMALY_RULES])
    assert not rule_set.errors
    return AnomalyDetector(rule_set.rules)


def test_an_outage_does_not_become_the_units_normal():
    """While a unit is anomalous its lines are not learnt: six hours of errors stay anomalous to the end."""
    detector = anomaly_detector()
    usec = 0
    for n in range(2000):
        usec = n * 5_000_000
        detector.observe(Entry(usec, f"GET /a/{n} 200", "api.service", 6, ""))
    hits_per_hour = []
    for _hour in range(6):
        hits = 0
        for n in range(3600):
            usec += 1_000_000
            hits += bool(detector.observe(Entry(usec, f"worker {n} died: queue closed", "api.service", 3, "")))
        hits_per_hour.append(hits)
    assert all(h == 3600 for h in hits_per_hour), hits_per_hour
    assert detector.baselines.units["api.service"].errors == 1  # only the first, before the unit was anomalous


def test_baselines_are_bounded_under_churn():
    baselines = Baselines(max_units=50, max_templates_per_unit=20, max_templates=300)
    for n in range(20_000):
        baselines.observe(f"u{n % 97}.service", f"t{n}", f"line {n}", n, 6, f"line {n}")
        if n % 997 == 0:
            baselines.changed()
    assert len(baselines.units) <= 50
    assert all(len(t) <= 20 for t in baselines.templates.values())
    assert set(baselines.templates) == set(baselines.units)
    assert baselines.template_count == sum(len(t) for t in baselines.templates.values()) <= 300
    for n in range(5_000):  # one unit with ever new lines takes the room of the others, and no more
        baselines.observe("noisy.service", f"n{n}", f"new line {n}", 30_000 + n, 3, f"new line {n}")
    assert len(baselines.templates["noisy.service"]) == 20
    assert baselines.template_count <= 300


@pytest.mark.parametrize(("k", "mean"), [(0, 1.0), (1, 0.5), (3, 1.0), (10, 2.5), (40, 3.0), (2, 7.0)])
def test_poisson_tail_matches_its_definition(k: int, mean: float):
    below = sum(math.exp(-mean) * mean ** i / math.factorial(i) for i in range(k))
    assert poisson_sf(k, mean) == pytest.approx(1 - below, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(("k", "n", "p"), [(0, 10, 0.1), (3, 10, 0.1), (5, 5, 0.001), (9, 30, 0.2), (1, 1000, 0.001)])
def test_binomial_tail_matches_its_definition(k: int, n: int, p: float):
    below = sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k))
    assert binomial_sf(k, n, p) == pytest.approx(1 - below, rel=1e-9, abs=1e-15)


def test_a_signature_and_an_anomaly_on_the_same_lines_make_one_incident(make_journal, tmp_path: Path):
    """The signature says what it is: its incident is the one, and it carries the anomaly's reason."""
    rules = tmp_path / "rules"
    (rules / "anomaly").mkdir(parents=True)
    for path in ANOMALY_RULES.glob("*.toml"):
        (rules / "anomaly" / path.name).write_text(path.read_text())
    (rules / "boom.toml").write_text('id = "boom"\ntitle = "boom"\nseverity = "critical"\naction = "alert"\n'
                                     '[match]\nmessage = \'^worker pool exhausted\'\n[trigger]\ncount = 1\n'
                                     'within = "1m"\n[[sample]]\nline = "worker pool exhausted (64)"\nmatch = true\n'
                                     '[[sample]]\nline = "pool ok"\nmatch = false\n')
    normal = steady("api.service", 0, 2 * HOUR, 5)
    errors = [entry(f"worker pool exhausted ({n})", unit="api.service", at=2 * HOUR + n, priority=3)
              for n in range(30)]
    result = run_cli("scan", "--file", str(make_journal(by_time(normal, errors))), "--no-shipped-rules",
                     "--rules", str(rules), "-o", "json")
    incidents = of_type(json_events(result), "incident")
    assert [i["rule"] for i in incidents] == ["boom"]
    assert incidents[0]["why"].startswith("also matched new-error-template, new-failure-template, "  # (one reason,
                                          "new-warning-template: a template this unit never logged")  # said once)
    assert incidents[0]["template"] == "worker pool exhausted (<NUM>)"


def test_scan_without_anomalies_learns_nothing_and_flags_nothing(make_journal):
    normal = steady("api.service", 0, 2 * HOUR, 5)
    errors = [entry(f"payment backend refused order {n}: circuit open", unit="api.service", at=2 * HOUR + n,
                    priority=3) for n in range(4)]
    journal = make_journal(by_time(normal, errors))
    result = run_cli("scan", "--file", str(journal), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    assert not [i for i in of_type(json_events(result), "incident") if i["why"]]
    assert [i["rule"] for i in scan_anomalies(journal)] == ["new-error-template"]  # and with them, it is caught


def test_scope_units_are_not_learnt():
    """Login sessions and containers come as ever new scope names: learnt, they would crowd real units out."""
    detector = anomaly_detector()
    for n in range(300):
        detector.observe(Entry(n, f"pam_unix(sudo:session): session opened for user u{n}", f"session-{n}.scope", 6, ""))
        detector.observe(Entry(n, f"GET /a/{n} 200", "api.service", 6, ""))
    detector.observe(Entry(300, "Started Session 300 of User root.", "init.scope", 6, ""))
    assert set(detector.baselines.units) == {"api.service", "init.scope"}


@pytest.mark.parametrize("every", [0.1, 3.0])
def test_an_anomaly_and_a_signature_on_one_failure_are_one_incident(make_journal, every):
    """PostgreSQL refusing connections in a warm unit: new-error-template fires at the third FATAL line
    (PostgreSQL's FATAL is err, as it tells syslog), postgres-too-many-clients at the fifth. One failure, one
    incident: the signature leads when it fires within the settling time (every 0.1 s), and when it fires after
    the anomaly's incident was given out (every 3 s) it joins that incident's chain instead of paging a second
    time (helper C's operator trial: two pages, critical and error, for one outage)."""
    normal = steady("postgresql.service", 0, 3 * HOUR, 20, "checkpoint complete: wrote {n} buffers ({ms}.0%)")
    fatal = [entry("FATAL:  remaining connection slots are reserved for non-replication superuser connections",
                   unit="postgresql.service", at=3 * HOUR + n * every) for n in range(8)]
    result = run_cli("scan", "--file", str(make_journal(by_time(normal, fatal))), "-o", "json")
    assert result.exit_code == 0, result.output
    events = json_events(result)
    incidents = of_type(events, "incident")
    assert len(incidents) == 1, [(i["rule"], i["realtime_usec"]) for i in incidents]
    [ended] = of_type(events, "incident_end")
    assert {link["rule"] for link in ended["chain"]} >= {"new-error-template", "postgres-too-many-clients"}
    assert incidents[0]["rule"] == ("postgres-too-many-clients" if every < 0.5 else "new-error-template")
