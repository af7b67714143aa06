"""Severity across anomaly rules on one unit, on real journal files (systemd-journal-remote), with every anomaly
rule and nothing else (helper D7's held-out trial, 2026-12-01):

- One line that several anomaly rules hit is one incident led by the most severe: postfix's first `fatal:` line
  (PRIORITY 2) in a unit that never logged an error was paged at error by first-error-template, new-fatal-
  template's critical hit on the same line only a link ("fired": false), and a second, critical page followed
  ten minutes later for the same failure.
- A failure paged at warning whose unit then logs its first error line ever gets a page at error, once: Jenkins
  reporting failed requests at WARNING (new-failure-template), then SEVERE lines of threads dying of
  OutOfMemoryError: the errors left no match, no link, and the failure stayed a warning.
"""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, scan_anomalies, steady
from test_anomaly_sustained import journal_usec

UNIT = "mail.service"
DAY = 24 * HOUR
FAIL = 30 * HOUR


def normal() -> list[dict]:
    """30 hours of a clean unit: a line about every 20 s, never at error level."""
    return steady(UNIT, 0, FAIL + 2 * HOUR, 20, "connect from client{n}.example.net[10.0.0.{ms}]")


def test_the_most_severe_rule_on_a_line_leads_its_incident(make_journal):
    fatal = [entry("fatal: open database /etc/postfix/virtual.db: No such file or directory", unit=UNIT,
                   at=FAIL + k * 60, priority=2) for k in range(15)]
    incidents = [i for i in scan_anomalies(make_journal(by_time(normal(), fatal))) if i["unit"] == UNIT]
    assert [(i["rule"], i["severity"]) for i in incidents] == [("new-fatal-template", "critical")], incidents
    [incident] = incidents
    assert incident["first_usec"] == journal_usec(FAIL)
    assert {"first-error-template", "new-error-template"} <= {link["rule"] for link in incident["chain"]}


WARNING = "WARNING: Caught unhandled exception with ID {n:08x}-9ccb-f0b2-740e-33f017f4a12f"
SEVERE = "SEVERE: A thread (Executor #{n} for built-in node) died unexpectedly due to an uncaught exception"


def test_a_warning_failure_whose_first_error_comes_is_paged_again_at_error_once(make_journal):
    warnings = [entry(WARNING.format(n=k), unit=UNIT, at=FAIL + k * 20) for k in range(150)]  # 50 min
    severe = [entry(SEVERE.format(n=k), unit=UNIT, at=FAIL + 300 + k * 780) for k in range(4)]  # every 13 min
    incidents = [i for i in scan_anomalies(make_journal(by_time(normal(), warnings, severe))) if i["unit"] == UNIT]
    assert [(i["rule"], i["severity"]) for i in incidents] == [
        ("new-failure-template", "warning"), ("first-error-template", "error")], incidents
    assert incidents[1]["first_usec"] == journal_usec(FAIL + 300)
    assert "SEVERE: A thread" in incidents[1]["message"]


def test_the_line_that_escalates_is_the_more_severe_incidents_alone(make_journal):
    """The first error line is hit by first-error-template (error) and by the warning rules (new-failure-template
    reads its words, new-warning-template its level): it was counted in the warning incident too (helper F2: the
    warning card's hits took the error and fatal lines paged apart). One line, one incident: the most severe
    rule's; the others' hits on it are links."""
    warnings = [entry(WARNING.format(n=k), unit=UNIT, at=FAIL + k * 20) for k in range(150)]
    severe = [entry(SEVERE.format(n=0), unit=UNIT, at=FAIL + 301)]  # (a warning is at FAIL + 300)
    result = run_cli("scan", "--file", str(make_journal(by_time(normal(), warnings, severe))), "--no-shipped-rules",
                     "--rules", str(ANOMALY_RULES), "-o", "json")
    at = journal_usec(FAIL + 301)
    on_it = {m["rule"] for m in of_type(json_events(result), "match") if m["realtime_usec"] == at}
    assert on_it == {"first-error-template"}, on_it
