"""`scan -o json` says what the text report's cold-units note says: its summary's `anomaly` gives the units learnt,
how many no anomaly rule judged (less history read than they need) and that least history, so a script reading a
`-p err` scan's 0 incidents can tell "nothing judged" from "nothing found" (helper F3). Real journal files
(systemd-journal-remote), as tests/test_scan_cold_note.py."""

from __future__ import annotations

from conftest import json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES
from test_scan_cold_note import journal


def summary(*args: str) -> dict:  # type: ignore[type-arg]
    result = run_cli("scan", *args, "-o", "json")
    assert result.exit_code == 0, result.output
    (record,) = of_type(json_events(result), "summary")
    return record


def test_the_json_summary_says_how_many_units_the_anomaly_rules_judged_nothing_of(make_journal) -> None:  # type: ignore[no-untyped-def]
    path = str(journal(make_journal))
    rules = ("--no-shipped-rules", "--rules", str(ANOMALY_RULES))
    needs = {"warm_after_usec": 600_000_000, "warm_entries": 200}  # error-share-jump's, the least asked
    assert summary("--file", path, *rules)["anomaly"] == {"units": 1, "cold_units": 0, **needs}
    narrow = summary("--file", path, "-p", "err", *rules)  # the error lines alone: 5 entries of history
    assert narrow["incidents"] == 0 and narrow["anomaly"] == {"units": 1, "cold_units": 1, **needs}, narrow
    assert "anomaly" not in summary("--file", path, "--no-anomalies")  # no anomaly rule ran: nothing to say
