"""A rate rule's incident fires at its first hit, a line at which its template's count in the window passed the
bar ("30 lines of this template within 1m"); its `count` is the lines judged so. The alert and the report name
that count as such, beside the count that fired it: a fresh operator read "count 2" beside "30 lines within 1m"
as a contradiction (helper F2)."""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import replace

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, steady

from logsentry.actions.alert import body, journalctl_command
from logsentry.model import Incident, Severity
from logsentry.pipeline import EndedEvent
from logsentry.rules.loader import load_rules
from logsentry.service_alerts import still_said
from logsentry.timespec import format_usec
from logsentry.views.counts import hits_said
from logsentry.views.tail_lines import plain_line


def _storm_journal(make_journal):  # type: ignore[no-untyped-def]
    normal = steady("zk.service", 0, 8 * HOUR, 10, "Session {n} established")
    warnings = steady("zk.service", 0, 8 * HOUR, 900, "Connection to 10.0.{n}.7:2888 lost, retrying", priority=4,
                      seed=2)
    storm = [entry(f"Connection to 10.0.{n}.7:2888 lost, retrying", unit="zk.service", at=8 * HOUR + n, priority=4)
             for n in range(120)]
    return make_journal(by_time(normal, warnings, storm))


def test_a_rate_spikes_alert_names_its_hits_as_the_lines_past_the_bar(make_journal) -> None:  # type: ignore[no-untyped-def]
    journal = _storm_journal(make_journal)
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "-o", "json")
    assert result.exit_code == 0, result.output
    [incident] = of_type(json_events(result), "incident")
    assert incident["rule"] == "template-rate-spike" and incident["count"] > 1, incident
    seen = int(incident["why"].split(" ", 1)[0])  # "31 lines of this template within 1m, ..."
    assert seen > incident["count"]
    payload = {"event": "firing", "host": "zk-1", "unit": incident["unit"], "rule": incident["rule"],
               "severity": incident["severity"], "reason": "warning incident", "count": incident["count"],
               "first_usec": incident["first_usec"], "fired_usec": incident["realtime_usec"],
               "last_usec": incident["realtime_usec"], "why": incident["why"], "message": incident["message"],
               "context": []}
    said = body(payload)
    assert f"{incident['count']} lines past the bar (fired at {seen} lines of this template within 1m) from " in said
    assert not re.search(r"\b\d+ hits\b", said), said


def test_a_rate_spikes_report_card_counts_lines_past_the_bar(make_journal) -> None:  # type: ignore[no-untyped-def]
    journal = _storm_journal(make_journal)
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES))
    assert result.exit_code == 0, result.output
    text = " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())  # the card's frame and wrapping gone
    assert re.search(r"fired \S+ at \d+ lines of this template within 1m, \S+ expected \(at most \d+ in two "
                     r"minutes usually\), reported at \d+ lines past the bar; last one \S+ \d+ lines past the bar "
                     r"in all over", text), text
    assert not re.search(r"\b\d+ hits\b", text), text


def test_a_longer_rate_windows_why_is_read_too() -> None:
    """Pure logic: a rate rule with a window over two minutes says its bar was "at most N in two minutes before the
    last 15m" (engine/anomaly.py, _spike); its hits are named as lines past the bar all the same."""
    why = ("300 lines of this template within 15m, 4.1 expected from 2d of history, at most 12 in two minutes before "
           "the last 15m (Poisson P=1.0e-40)")
    assert hits_said(why, 7) == "7 lines past the bar (fired at 300 lines of this template within 15m)"
    assert hits_said(why.replace(" the last 15m", ""), 1) == \
        "1 line past the bar (fired at 300 lines of this template within 15m)"
    assert hits_said(why.replace(" before the last 15m", " usually"), 1) == \
        "1 line past the bar (fired at 300 lines of this template within 15m)"  # as said since 2026-12-02


def test_a_rate_spikes_reminder_names_its_hits_as_the_lines_past_the_bar(make_journal) -> None:  # type: ignore[no-untyped-def]
    """The service's reminders and Alertmanager refreshes say what is still firing (service_alerts.still_said): a
    rate incident's as the lines past the bar, as its page does, not "N hits" beside the 30 that fired it."""
    result = run_cli("scan", "--file", str(_storm_journal(make_journal)), "--no-shipped-rules", "--rules",
                     str(ANOMALY_RULES), "-o", "json")
    [found] = of_type(json_events(result), "incident")
    incident = Incident(found["rule"], "warning", found["unit"], "", found["first_usec"], found["realtime_usec"],
                        found["realtime_usec"], found["count"], 1, 60_000_000, "", (), "alert", why=found["why"])
    seen = int(found["why"].split(" ", 1)[0])
    last = format_usec(found["realtime_usec"])
    assert still_said(incident, False) == (f"still firing: {found['count']} lines past the bar (fired at {seen} lines "
                                           f"of this template within 1m) so far, the last at {last}")
    assert still_said(replace(incident, rule_id="error-burst", why=""), False) == (
        f"still firing: {found['count']} hits so far, the last at {last}")


def test_a_rate_spikes_journalctl_command_shows_the_lines_that_fired_it(make_journal) -> None:  # type: ignore[no-untyped-def]
    """The incident's command (run here with the real journalctl) shows the 30 lines within the rule's minute that
    fired it, not only the line that passed the bar (helper F4: `--since` and `--until` were the same instant)."""
    journal = _storm_journal(make_journal)
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "-o", "json")
    [incident] = of_type(json_events(result), "incident")
    seen = int(incident["why"].split(" ", 1)[0])
    fired = Incident(incident["rule"], "warning", incident["unit"], "", incident["first_usec"],
                     incident["realtime_usec"], incident["realtime_usec"], incident["count"], incident["threshold"],
                     incident["within_usec"], "", (), "alert", why=incident["why"])
    command = shlex.split(journalctl_command(fired, ("--file", str(journal))))
    assert command[0] == "journalctl", command
    shown = subprocess.run([*command, "-o", "cat", "--no-pager"], capture_output=True, text=True, check=True).stdout
    storm = [line for line in shown.splitlines() if "lost, retrying" in line]
    assert len(storm) >= seen, (command, shown[-2000:])


def test_a_rate_spikes_ended_line_names_its_hits_as_the_lines_past_the_bar(make_journal) -> None:  # type: ignore[no-untyped-def]
    """`tail --plain`'s ENDED line (views/tail.plain_line) as its INCIDENT line says it (helper F4: "ENDED 16 hits")."""
    result = run_cli("scan", "--file", str(_storm_journal(make_journal)), "--no-shipped-rules", "--rules",
                     str(ANOMALY_RULES), "-o", "json")
    [found] = of_type(json_events(result), "incident")
    incident = Incident(found["rule"], Severity.WARNING, found["unit"], "", found["first_usec"],
                        found["realtime_usec"], found["realtime_usec"] + 15_000_000, 16, 1, 60_000_000, "", (),
                        "alert", why=found["why"])
    rules = {rule.id: rule for rule in load_rules([ANOMALY_RULES]).rules}
    line = plain_line(EndedEvent(incident), rules)
    assert " ENDED 16 lines past the bar (fired at " in line and " over 15s" in line, line


def test_a_rate_spikes_bar_in_the_html_report_counts_lines_past_the_bar(make_journal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The HTML report's timeline bar (its hover text, in the chart data) as its card says it (F4: "16 hits")."""
    page = tmp_path / "report.html"
    result = run_cli("scan", "--file", str(_storm_journal(make_journal)), "--no-shipped-rules", "--rules",
                     str(ANOMALY_RULES), "--html", str(page))
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert re.search(r"\d+ lines past the bar \(fired at \d+ lines of this template within 1m\)", text), text[-3000:]
    assert not re.search(r"\b\d+ hits\b", text)
