"""new-template-storm: a quiet unit that starts logging new neutral lines far faster than anything it logs, and
keeps on (helper D8's keepalived VRRP election storm: 26 lines in 3.5 days, then an advert and an ARP line each
a second, missed by every rule). Real journal files built with systemd-journal-remote, scanned with the anomaly
rules only. The quiet twins share the storm's journal and hour, so no test passes for want of the rule: a job's
one-off burst that ends (quiet by `lasting`), a restart with a new periodic line (quiet by `min_count`), a bursty
unit's new wording in its usual bursts (quiet by the busiest-two-minutes bar)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from conftest import BASE_USEC, entry
from test_anomaly import HOUR, by_time, scan_anomalies

from logsentry.rules.loader import load_rules

RULE = "new-template-storm"
SEC = 1_000_000
DAY = 24 * HOUR
FAIL = 3 * DAY + 12 * HOUR
END = FAIL + 25 * 60
STEPS = ["config", "cache", "catalog", "schema", "tokens", "workers", "queues", "metrics", "tracing", "limits",
         "routes", "secrets", "plugins", "locales", "mirrors", "webhooks", "indexes", "filters", "quotas", "feeds",
         "alerts", "exports", "imports", "jobs", "health"]
VRRP = {"SYSLOG_IDENTIFIER": "Keepalived_vrrp", "_PID": "1219"}


def keepalived() -> list[dict]:
    """A quiet unit: its start, and each night chk_haproxy failing for a few seconds (priority 150 -> 130 -> 150);
    from FAIL on, the split brain: an advert forcing a new election and gratuitous ARPs, each about once a second."""
    unit, rng = "keepalived.service", random.Random(5)
    lines = [entry("(VI_1) Entering BACKUP STATE (init)", unit, 5, **VRRP),
             entry("(VI_1) Entering MASTER STATE", unit, 9, **VRRP)]
    for day in range(4):
        at = day * DAY + 3 * HOUR + rng.randint(0, 90)
        lines += [entry("Script `chk_haproxy` now returning 1", unit, at, **VRRP),
                  entry("VRRP_Script(chk_haproxy) failed (exited with status 1)", unit, at + 0.01, **VRRP),
                  entry("(VI_1) Changing effective priority from 150 to 130", unit, at + 0.02, **VRRP),
                  entry("Script `chk_haproxy` now returning 0", unit, at + 4, **VRRP),
                  entry("VRRP_Script(chk_haproxy) succeeded", unit, at + 4.01, **VRRP),
                  entry("(VI_1) Changing effective priority from 130 to 150", unit, at + 4.02, **VRRP)]
    at = FAIL
    while at < END:
        lines += [entry("(VI_1) Received advert from 10.0.0.3 with lower priority 100, ours 150, forcing new election",
                        unit, at, **VRRP),
                  entry("(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100", unit, at + 0.0003, **VRRP)]
        at += 1 + rng.randint(0, 3000) / 1e6
    return lines


def migration() -> list[dict]:
    """A job's one-off run: a quiet unit (its nightly check, three lines) copies 1,500 row batches in 3 minutes at
    FAIL, a line it never logged, and is done."""
    unit = "orders-migrate.service"
    lines = []
    for day in range(4):
        at = day * DAY + 4 * HOUR
        lines += [entry("checking schema of orders", unit, at), entry("schema of orders is up to date", unit, at + 1),
                  entry("next check in 24h", unit, at + 2)]
    lines += [entry(f"copied batch {n} of 1500 into orders_v2 ({n * 500} rows)", unit, FAIL + n * 0.12)
              for n in range(1500)]
    return [*lines, entry("migration finished: 750000 rows in 180 s", unit, FAIL + 181)]


def restarted() -> list[dict]:
    """A restart with a new version: a quiet unit (a line an hour) logs 25 new start-up lines once, then a new
    periodic line every 10 s."""
    unit = "inventory-sync.service"
    lines = [entry(f"heartbeat ok, {n} items tracked", unit, n * HOUR + 17) for n in range(int(FAIL // HOUR))]
    lines += [entry(f"startup step {word}: loaded {n} settings", unit, FAIL + n * 0.05)
              for n, word in enumerate(STEPS)]
    return lines + [entry(f"pulled {n % 7} changes from upstream catalog", unit, FAIL + 5 + n * 10)
                    for n in range(150)]


def batches() -> list[dict]:
    """A bursty unit: 150 chunk lines within a minute each hour; from FAIL (a deploy) the same bursts in its
    new wording, every 5 minutes: 450 lines in 15 minutes, yet no more than its bursts always were."""
    unit = "etl-loader.service"
    lines = [entry(f"processed chunk {n} of hourly export", unit, hour * HOUR + 600 + n * 0.4)
             for hour in range(int(FAIL // HOUR)) for n in range(150)]
    return lines + [entry(f"chunk {n} loaded through pipeline v2 ({burst} of the hour)", unit,
                          FAIL + burst * 300 + n * 0.4) for burst in range(5) for n in range(150)]


def test_a_quiet_units_storm_is_caught_and_its_quiet_twins_are_not(make_journal):
    """The storm fires once, about 5 minutes in (300 lines spanning 5 minutes), on keepalived only; the job's
    burst, the restart and the bursty unit, in the same hour, are no incident of any anomaly rule."""
    journal = make_journal(by_time(keepalived(), migration(), restarted(), batches()))
    incidents = scan_anomalies(journal)
    assert [(i["rule"], i["unit"]) for i in incidents] == [(RULE, "keepalived.service")], incidents
    incident = incidents[0]
    delay = (incident["realtime_usec"] - BASE_USEC) / SEC - FAIL
    assert 290 <= delay <= 400, delay
    assert "forcing new election" in incident["template"] or "gratuitous ARPs" in incident["template"]
    said = re.match(r"(\d+) lines within 15m of a template this unit never logged in the 26 lines of it learnt "
                    r"before \(over 3d 11h 59m \d+s\), .*its busiest template at most 2 in two minutes usually",
                    incident["why"])
    assert said is not None and 300 <= int(said[1]) <= 400, incident["why"]
    # the unit's usual: its 26 lines over 3.5 days, per 15 minutes, not the other storming line's lines learnt as
    # such (helper F4: 12x the truth, which weakened the 10x-usual guard)
    usual = re.search(r"the unit logs ([0-9.e+-]+) lines of all its templates in 15m as usual", incident["why"])
    assert usual is not None and float(usual[1]) < 2 * 26 / (3.5 * 24 * 4), incident["why"]
    assert incident["why"].endswith("(Poisson P=<1e-300)"), incident["why"]  # underflowed: not "0.0e+00"


@pytest.mark.parametrize(("body", "problem"), [
    ('kind = "new-template"\nlasting = "5m"',
     "anomaly.lasting (line 7): only a new-template rule with flood = true takes lasting"),
    ('kind = "new-template"\nflood = true\nlasting = "soon"', "anomaly.lasting"),
])
def test_a_bad_lasting_key_is_named(write_rule, rules_dir: Path, body: str, problem: str):
    path = write_rule("storm", f'title = "t"\nseverity = "warning"\naction = "alert"\n[anomaly]\n{body}\n'
                               '[trigger]\ncount = 1\nwithin = "15m"\n')
    rule_set = load_rules([rules_dir])
    assert not rule_set.rules
    assert len(rule_set.errors) == 1 and problem in rule_set.errors[0] and path.name in rule_set.errors[0], \
        rule_set.errors
