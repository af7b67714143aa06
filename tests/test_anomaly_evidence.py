"""While a unit's failure has its incident (an anomaly rule's or a signature's), another anomaly rule's hits on
it are not a second page, but they are evidence: the rule's first line joins the failure's chain (helper T's
etcd trial: 581 'slow fdatasync' warnings under a template-rate-spike incident left no trace)."""

from __future__ import annotations

from conftest import entry, json_events, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, steady


def test_a_second_anomaly_rules_lines_join_the_open_incidents_chain(make_journal):
    unit = "etcd.service"
    slow = "apply request took too long (took {n}ms, expected 100ms)"
    usual = steady(unit, 0, 8 * HOUR, 300, slow, priority=4, seed=3)  # now and then, for hours: a known template
    surge = [entry(slow.format(n=100 + n), unit=unit, at=8 * HOUR + n / 10, priority=4) for n in range(600)]
    disk = [entry(f"slow fdatasync took {n}.5s, expected below 1s", unit=unit, at=8 * HOUR + 10 + n, priority=4)
            for n in range(30)]
    journal = make_journal(by_time(steady(unit, 0, 8 * HOUR + 120, 5), usual, surge, disk))
    records = json_events(run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                                  "-o", "json"))
    [incident] = [r for r in records if r["type"] == "incident"]
    [end] = [r for r in records if r["type"] == "incident_end"]
    assert incident["rule"] == "template-rate-spike", incident
    evidence = {link["rule"]: link for link in end["chain"]}
    assert "new-warning-template" in evidence, end["chain"]
    assert evidence["new-warning-template"]["fired"] is False
    assert "slow fdatasync" in evidence["new-warning-template"]["message"]
