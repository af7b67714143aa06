"""new-template-flood: a line the unit never logged, at info level, coming far faster than any line of the unit
ever did (helper B's retry storm: gateway.service's zap "subchannel reconnecting", 50 a second, missed by every
rule). Real journal files built with systemd-journal-remote, scanned with the anomaly rules only, and a real
`logsentry run` following a journal fed through a FIFO. Each quiet case holds a flood that fires beside it, so
no test passes for want of the rule."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BASE_USEC, LiveJournal, entry, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, scan_anomalies
from test_baseline_service import alerts_of, config
from test_restart_systemd import wait_until
from test_service import RunningService

from logsentry.engine.anomaly import AnomalyDetector
from logsentry.engine.templates import TemplateMiner
from logsentry.model import Entry
from logsentry.rules.loader import load_rules

RULE = "new-template-flood"
SEC = 1_000_000
GATEWAY = "gateway.service"


def zap(message: str, at: float, caller: str, **fields: object) -> str:
    """A zap JSON line at info level, as a Go service writes it to stdout (journald stores it at PRIORITY 6)."""
    record: dict[str, object] = {"level": "info", "ts": round(BASE_USEC / SEC + at, 6), "caller": caller,
                                 "msg": message, **fields}
    return json.dumps(record, separators=(",", ":"))


def served(unit: str, start: float, end: float, every: float, seed: int = 1) -> list[dict]:
    """The unit's normal: "served request" about every `every` seconds (Poisson), paths and durations varying."""
    rng, lines, at = random.Random(seed), [], start
    while at < end:
        line = zap("served request", at, "http/server.go:88", path=f"/api/items/{rng.randint(1, 99999)}",
                   status=200, duration_ms=rng.randint(1, 90))
        lines.append(entry(line, unit=unit, at=at))
        at += rng.expovariate(1 / every)
    return lines


def reconnecting(at: float, attempt: int) -> str:
    return zap("subchannel reconnecting", at, "pool/conn.go:212", target="dns:///inventory:9090", attempt=attempt)


def storm(unit: str, start: float, seconds: float, per_second: float = 50, seed: int = 2,
          say: Callable[[float, int], str] = reconnecting) -> list[dict]:
    """The retry storm: the client reconnects with no backoff, `per_second` lines a second (Poisson), at info."""
    rng, lines, at = random.Random(seed), [], start
    while at < start + seconds:
        lines.append(entry(say(at, len(lines) + 1), unit=unit, at=at))
        at += rng.expovariate(per_second)
    return lines


WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima",
         "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey",
         "xray", "yankee", "zulu", "amber", "bronze", "copper", "dune", "ember", "frost", "glade", "harbor", "iris",
         "jade", "karma", "lotus", "meadow", "nectar", "onyx", "pearl", "quartz", "raven", "slate", "timber",
         "umber", "velvet", "willow"]


def feature(k: int) -> Callable[[float, int], str]:
    """The k-th of a deploy's new lines: its own words, caller and field (40 of them are 40 templates)."""
    words = " ".join(WORDS[(k * 5 + j) % len(WORDS)] + WORDS[(k * 3 + j) % len(WORDS)][:3] for j in range(3 + k % 4))
    return lambda at, n: zap(words, at, f"feature/f{k}.go:{k + 10}", **{f"f{k}": n})


def floods(incidents: list[dict]) -> list[dict]:
    return [i for i in incidents if i["rule"] == RULE]


def test_a_retry_storm_at_info_level_is_caught_within_a_minute(make_journal):
    """30 h of a request a second, then the storm: only this rule fires, within 60 s of its first line, once,
    saying how many lines came, the unit's usual lines a minute and its fastest template before."""
    fail = 30 * HOUR
    incidents = scan_anomalies(make_journal(by_time(served(GATEWAY, 0, fail + 300, 1.0), storm(GATEWAY, fail, 300))))
    assert [i["rule"] for i in incidents] == [RULE], incidents
    incident = incidents[0]
    assert 0 < incident["realtime_usec"] - (BASE_USEC + fail * SEC) <= 60 * SEC
    assert incident["unit"] == GATEWAY and "subchannel reconnecting" in incident["template"]
    said = re.fullmatch(r"(\d+) lines within 1m of a template this unit never logged in the (\d+) lines of it "
                        r"learnt before \(over 1d 6h\), first seen 2026-01-02 06:00:00\.\d+; the unit logs ([\d.]+) "
                        r"lines of all its "
                        r"templates in 1m as usual \(1d 5h 59m \d+s of history\), its busiest template at most "
                        r"(\d+) in two minutes usually \(Poisson P=\S+\)", incident["why"])
    assert said is not None, incident["why"]
    seen, entries, usual, busiest = int(said[1]), int(said[2]), float(said[3]), int(said[4])
    assert 100_000 < entries < 115_000 and 55 < usual < 65 and 120 < busiest < 200  # a request a second
    assert seen >= 10 * usual and seen > 2 * busiest


def test_a_storm_longer_than_an_hour_stays_one_incident():
    """The template is new for an hour after its first sighting; a storm that began then stays new while it goes
    on (its lines after the first hit are not learnt), so it is one incident, not one that ends after an hour
    while the storm goes on unseen. The engine itself, fed entries (no journal needed for this)."""
    rules = [rule for rule in load_rules([ANOMALY_RULES]).rules if rule.id == RULE]
    detector, usec = AnomalyDetector(rules), 0
    for n in range(3100):  # 25 h 50 min of a line every 30 s
        usec = n * 30 * SEC
        detector.observe(Entry(usec, zap("served request", n, "http/server.go:88", path=f"/a/{n}"), GATEWAY, 6, ""))
    fired, minutes = [], set()
    for n in range(70 * 60 * 10):  # 10 lines a second for 70 minutes
        usec += SEC // 10
        if detector.observe(Entry(usec, reconnecting(n, n), GATEWAY, 6, "")):
            fired.append(usec)
            minutes.add(n // 600)
    assert fired and minutes == set(range(70)), sorted(set(range(70)) - minutes)


def test_a_nightly_burst_of_a_known_line_is_quiet_and_a_storm_that_day_is_not(make_journal):
    """A job logs 500 lines a minute for ten minutes every night at 02:00, the first night within the unit's first
    day: its fourth night is no incident (a known template), a storm of a new line that afternoon is."""
    unit = "reports.service"
    nightly = [entry(zap("row exported", 0, "export/rows.go:40", row=n), unit=unit, at=day * 24 * HOUR + 2 * HOUR
                     + n * 0.12) for day in range(4) for n in range(5000)]
    fail = 3 * 24 * HOUR + 14 * HOUR
    lines = by_time(served(unit, 0, fail + 120, 10.0), nightly, storm(unit, fail, 120))
    found = floods(scan_anomalies(make_journal(lines)))
    assert [i["realtime_usec"] > BASE_USEC + fail * SEC for i in found] == [True], found


def test_a_deploys_new_lines_at_normal_rates_are_quiet_and_one_flooding_is_not(make_journal):
    """A deploy after 30 h brings 40 new info lines (40 templates), each every ~30 s, then one of them floods."""
    deploy = 30 * HOUR
    new_lines = [storm(GATEWAY, deploy, 1800, 1 / 30, seed=10 + k, say=feature(k)) for k in range(40)]
    miner = TemplateMiner()
    assert len({miner.add(GATEWAY, str(line["MESSAGE"])).id for lines in new_lines for line in lines}) == 40
    fail = deploy + 1800
    flood = storm(GATEWAY, fail, 120, say=feature(7))
    found = floods(scan_anomalies(make_journal(by_time(served(GATEWAY, 0, fail + 120, 5.0), *new_lines, flood))))
    assert [i["realtime_usec"] > BASE_USEC + fail * SEC for i in found] == [True], found
    assert found[0]["template"].startswith("info " + feature(7)(0, 0).split('"msg":"')[1].split('"')[0]), found


def test_the_same_storm_in_a_unit_with_less_than_a_day_of_history_is_quiet(make_journal):
    """Two gateways, the same storm at the same time: the one with 30 h of history pages, the one with 20 h not."""
    fail = 30 * HOUR
    young = "gateway-b.service"
    lines = by_time(served(GATEWAY, 0, fail + 120, 5.0), served(young, 10 * HOUR, fail + 120, 5.0, seed=3),
                    storm(GATEWAY, fail, 120), storm(young, fail, 120, seed=4))
    assert [i["unit"] for i in floods(scan_anomalies(make_journal(lines)))] == [GATEWAY]


def test_a_bursty_unit_whose_lines_often_come_at_600_a_minute_is_quiet_at_that_rate(make_journal):
    """A worker's known job line comes at 600 a minute for 5 minutes every 2 hours: a new line at that rate is
    no flood (no faster than its lines came before), a new line at 3,000 a minute is."""
    unit = "worker.service"
    bursts = [entry(zap("job done", 0, "jobs/run.go:77", job=n), unit=unit, at=h * 2 * HOUR + 3600 + n * 0.1)
              for h in range(16) for n in range(3000)]
    same_rate, fast = 32 * HOUR + 1800, 33 * HOUR
    lines = by_time(served(unit, 0, fast + 120, 10.0), bursts, storm(unit, same_rate, 300, 10, say=feature(3)),
                    storm(unit, fast, 120, seed=5))
    found = floods(scan_anomalies(make_journal(lines)))
    assert len(found) == 1, found
    assert "subchannel reconnecting" in found[0]["template"] and found[0]["realtime_usec"] > BASE_USEC + fast * SEC


def storm_live(live: LiveJournal, running: RunningService, alerts: Path, first: int = 0) -> dict:
    """The gateway's history is learnt: `first` reconnect lines (the template known to the anomaly step's tables),
    then the storm, stamped over the last 40 s. The flood alert, checked to come within 60 s of the storm."""
    running.start()
    running.wait_log("learnt baselines from", timeout=60)
    time.sleep(1.5)  # adopted at the next catch-up
    fail = time.time_ns() // 1000 - 40 * SEC
    for k, line in enumerate(storm(GATEWAY, 0, 60, 1 / 20)[:first]):
        live.write(line["MESSAGE"], unit=GATEWAY, __REALTIME_TIMESTAMP=fail - (10 - k) * SEC)
    time.sleep(2.0 if first else 0)  # read, before the storm: its lines come to a template the tables know
    for line in storm(GATEWAY, 0, 40):
        at = fail + int(line["__REALTIME_TIMESTAMP"]) - BASE_USEC
        live.write(line["MESSAGE"], unit=GATEWAY, __REALTIME_TIMESTAMP=at)
    wait_until(lambda: any(a["rule"] == RULE for a in alerts_of(alerts)), 30, "the flood alert")
    alert = next(a for a in alerts_of(alerts) if a["rule"] == RULE)
    assert "subchannel reconnecting" in alert["template"] and 0 < alert["fired_usec"] - fail <= 60 * SEC, alert
    return alert


def history_live(live: LiveJournal, every: float) -> None:
    """30 h of the gateway's requests, ending a minute ago."""
    start = time.time_ns() / 1000 / SEC - 30 * HOUR - 60 - BASE_USEC / SEC
    for line in served(GATEWAY, start, start + 30 * HOUR, every):
        live.write(line["MESSAGE"], unit=GATEWAY, __REALTIME_TIMESTAMP=line["__REALTIME_TIMESTAMP"])
    live.wait_written(timeout=120)


def test_a_real_service_alerts_on_the_retry_storm(live_journal: LiveJournal, tmp_path: Path):
    """`logsentry run` learns 30 h of the gateway's history (a request a second) at its first start, then the
    storm comes in live: the only alert names this rule, within 60 s of the storm's first line."""
    history_live(live_journal, 1.0)
    alerts = tmp_path / "alerts.jsonl"
    # silence off: the history ends a minute before history_live began, so the gateway (a line a second) is
    # really silent past its learnt threshold (~21 s) when the service starts; whether that pages before the storm
    # is read races the host clock's learning at first start (a clean clone's run paged it once)
    setup = config(live_journal, alerts, tmp_path / "receive.py", ("gateway",))
    quiet = setup.replace('actions = ["alert"]\n', 'actions = ["alert"]\nsilence = "off"\n')
    assert quiet != setup
    running = RunningService(tmp_path, quiet)
    try:
        alert = storm_live(live_journal, running, alerts)
        assert "the unit logs 6" in alert["why"] and [a["rule"] for a in alerts_of(alerts)] == [RULE], alert
    finally:
        if running.proc is not None:
            running.stop()


def test_the_rule_alone_gets_the_storms_lines_from_the_anomaly_step(live_journal: LiveJournal, tmp_path: Path):
    """Every other anomaly rule disabled, and the reconnect line already in the anomaly step's tables (three lines
    of it read before the storm): the storm's lines still come to the rule one by one. The step (engine/runstep.py)
    counts a known template's lines in bulk where no rule could fire; Slots.fresh gives a template that may be
    new to a new-template rule, this one included, no budget."""
    history_live(live_journal, 5.0)
    others = sorted(path.stem for path in ANOMALY_RULES.glob("*.toml") if path.stem != RULE)
    alerts = tmp_path / "alerts.jsonl"
    setup = config(live_journal, alerts, tmp_path / "receive.py", ("gateway",))
    running = RunningService(tmp_path, f"disabled_rules = {json.dumps(others)}\n{setup}")
    try:
        storm_live(live_journal, running, alerts, first=3)
        assert [a["rule"] for a in alerts_of(alerts)] == [RULE]
    finally:
        if running.proc is not None:
            running.stop()


@pytest.mark.parametrize(("body", "problem"), [
    ('kind = "new-template"\nflood = "yes"', "anomaly.flood (line 7): expected true or false (got 'yes')"),
    ('kind = "rate-spike"\nflood = true',
     'anomaly.flood (line 7): only a new-template rule takes flood (this one is kind "rate-spike")'),
])
def test_a_bad_flood_key_is_named(write_rule, rules_dir: Path, body: str, problem: str):
    path = write_rule("flood", f'title = "t"\nseverity = "warning"\naction = "alert"\n[anomaly]\n{body}\n'
                               '[trigger]\ncount = 1\nwithin = "1m"\n')
    rule_set = load_rules([rules_dir])
    assert not rule_set.rules
    assert len(rule_set.errors) == 1 and problem in rule_set.errors[0] and path.name in rule_set.errors[0], \
        rule_set.errors


def test_rules_check_list_and_show_say_what_it_tests():
    """Not a new-template rule's "1 such line fires": its count, factor and bar, as engine/flood.py takes them."""
    checked = run_cli("rules", "check", "--explain", "-p", "info", reconnecting(0, 1)).stdout
    watch = next(line for line in checked.splitlines() if line.startswith(f"{RULE} ("))
    assert watch == (f"{RULE} (warning, alert, new-template): watches how fast the lines at any level of each message "
                     "template the unit never logged come (new for 1h after its first sighting), once 1d and 1000 "
                     "entries of the unit's history are learnt: fires at 300 or more within 1m, 10x the unit's learnt "
                     "rate of lines of all its templates or more, a Poisson tail below 1e-9, and more than 2x the "
                     "busiest two minutes of any template of the unit in the last 14 days (not the new ones)"), watch
    assert re.search(rf"^{RULE} +anomaly +warning +alert +new 300\+ ", run_cli("rules", "list").stdout, re.M)
    assert "  test: at least 300, 10x the learned unit rate, tail probability below 1e-09" in \
        run_cli("rules", "show", RULE).stdout
