"""A failure's chain says how many rules it holds, and how many links when a new-template rule adds one per new line
(helper F9's finding, 2026-12-02: "one failure, 13 rules in its chain" over 9 rules). Pure logic, through the alert's
text and the report's card as they are built."""

from __future__ import annotations

from logsentry.actions.alert import body, incident_payload
from logsentry.model import Incident, Link, Severity
from logsentry.views.counts import chain_heading
from logsentry.views.report import DayClock, _chain_lines


def failure() -> Incident:
    links = (Link("new-error-template", Severity.ERROR, 1, 1, "db down", "c1"),
             Link("error-burst", Severity.WARNING, 2, 3, "db down", "c2"),
             Link("new-error-template", Severity.ERROR, 3, 1, "pool exhausted", "c3", fired=False))
    return Incident("new-error-template", Severity.ERROR, "shop.service", "", 1, 1, 3, 2, 1, 600_000_000, "c1",
                    ("db down",), "alert", why="w", chain=links)


def test_the_heading_counts_rules_and_links():
    heading = "one failure, 2 rules matched it (new-error-template on 2 new lines):"
    assert chain_heading(2, 3, {"new-error-template": 2}) == heading
    assert chain_heading(5, 9, {f"rule-{n}": 2 for n in range(4)}) == (
        "one failure, 5 rules matched it (rule-0 on 2 new lines, rule-1 on 2, rule-2 on 2, 1 more on several):")
    assert chain_heading(2, 3) == "one failure, 2 rules matched it (3 rows: some rules on several new lines):"
    assert chain_heading(5, 5) == "one failure, 5 rules matched it:"
    assert heading in body(incident_payload("firing", failure(), "web-7", "r", source=()))
    assert _chain_lines(failure(), DayClock(1))[0].plain == heading


def test_the_rules_that_fired_and_were_taken_on_one_line_are_one_row():
    """A new user's card had "new-error-template (6,204 lines)" and "new-failure-template, new-warning-template
    (taken by its open incident)" as two rows quoting the same line at the same time: one row, both said."""
    links = (Link("new-error-template", Severity.ERROR, 5, 6204, "query failed (req 8540)", "c1"),
             Link("new-failure-template", Severity.WARNING, 5, 3100, "query failed (req 8540)", "c1", fired=False,
                  joined=True),
             Link("new-warning-template", Severity.WARNING, 5, 3100, "query failed (req 8540)", "c1", fired=False,
                  joined=True),
             Link("error-share-jump", Severity.ERROR, 7, 6199, "connect ECONNREFUSED", "c2", fired=False,
                  joined=True))
    incident = Incident("new-error-template", Severity.ERROR, "api.service", "", 5, 5, 9, 6204, 3, 600_000_000, "c1",
                        ("query failed (req 8540)",), "alert", why="w", chain=links)
    view = _chain_lines(incident, DayClock(1))[1]
    assert [(rule.plain, line) for _, rule, line in view.rows] == [
        ("new-error-template (6,204 lines); new-failure-template on 3,100 lines in this failure, new-warning-template "
         "on 3,100 lines in this failure (taken by its open incident)", "query failed (req 8540)"),
        ("error-share-jump (6,199 lines in this failure, taken by its open incident)", "connect ECONNREFUSED")]
