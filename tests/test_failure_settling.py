"""A failure an anomaly hit fires inside a ScreenedRun is given out once it settles (2 s), at the next entry
that matters, not at the next run: with the anomaly rules alone every line is screened out, and `scan -o json`
gave the etcd trial's incident after 1,917 of its hits (192 s of journal time) instead of after 21."""

from __future__ import annotations

from conftest import entry, json_events, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, steady


def test_an_anomaly_incident_is_given_out_when_it_settles_within_a_long_run(make_journal):
    unit = "api.service"
    failing = [entry(f"payment backend refused order {n}: circuit open", unit=unit, at=2 * HOUR + n, priority=3)
               for n in range(600)]  # one a second for 10 minutes
    journal = make_journal(by_time(steady(unit, 0, 2 * HOUR + 600, 5), failing))
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "-o", "json")
    assert result.exit_code == 0, result.output
    records = json_events(result)
    [incident] = [r for r in records if r["type"] == "incident"]
    assert incident["rule"] == "new-error-template"
    hits_before = [r for r in records[:records.index(incident)] if r["type"] == "match"]
    given = incident["first_usec"] + 5_000_000  # the third line fires, 2 s of settling, the next line gives it
    assert incident["count"] <= 6 and all(hit["realtime_usec"] <= given for hit in hits_before), \
        (incident["count"], len(hits_before))
