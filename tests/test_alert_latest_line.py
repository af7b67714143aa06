"""An alert's `latest:` line is the incident's latest hit (helper F9's finding, 2026-12-02): a reminder and the
resolve of an hour-long incident both said "latest:" with its fifth hit's line, while their counts ran to the
sixty-fifth: an incident kept its first five hits' lines and alerts quoted the last of them. It now keeps its first
four and its latest (engine/window.py MAX_SAMPLES)."""

from __future__ import annotations

from pathlib import Path

from logsentry.actions.alert import body, incident_payload
from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.pipeline import Pipeline
from logsentry.rules.rule import parse_rule


def test_the_resolve_quotes_the_latest_hit():
    rule = parse_rule({"id": "db-down", "title": "database down", "severity": "error",
                       "match": {"message": "database unavailable"}, "trigger": {"count": 1, "within": "10m"}},
                      Path("db-down.toml"))
    pipeline = Pipeline(Detector([rule]))
    events = []
    for n in range(65):
        entry = Entry(1_000_000_000 + n * 10_000_000, f"request {n} failed: database unavailable", "shop.service", 3,
                      f"c{n}", {"_MACHINE_ID": "m1"})
        events += list(pipeline.feed(entry))
    [incident] = pipeline.open_incidents()
    assert incident.count == 65 and incident.samples[0] == "request 0 failed: database unavailable"
    text = body(incident_payload("resolved", incident, "web-7", "quiet for 10m", source=()))
    assert "latest: request 64 failed: database unavailable" in text, text
