"""A failure's incident says its rule's own last hit, not its failure's last line (helper U: "last hit" at PID 1's
"Failed with result" line, which had joined the chain): the failure's incident carries that line's time as its
`last_usec` (engine/failures.py), so the text report, the HTML card, `incidents` and the alert say the rule's last
hit, and the failure's last line apart. Real journal files (systemd-journal-remote) with PID 1's fields, the real
CLI and pipeline."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import entry, run_cli, simple_rule
from test_failure_grouping import APP_RUN, oom_chain, pid1

from logsentry.actions.alert import body, incident_payload
from logsentry.cli.incidents import _echo
from logsentry.engine.detector import Detector
from logsentry.pipeline import EndedEvent, Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.sources import Selection, open_entries
from logsentry.timespec import format_usec

BASE = "2026-01-01 00:00:"


def _failing(at: float = 1) -> list[dict[str, Any]]:
    """Three BOOM lines of app.service (a rule that fires at 2), then PID 1's lines of its exit and failure."""
    return [*(entry(f"FATAL: BOOM {n}", at=at + n, priority=3, _PID="4242", _SYSTEMD_INVOCATION_ID=APP_RUN)
              for n in range(3)),
            pid1("Main process exited, code=exited, status=1/FAILURE", at + 2.5, priority=5),
            pid1("Failed with result 'exit-code'.", at + 2.6)]


def _flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def test_scan_report_and_card_give_the_rules_last_hit(make_journal: Callable[..., Path], tmp_path: Path,
                                                       write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(count=2))
    journal = make_journal(_failing())
    page = tmp_path / "r.html"
    done = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "--html", str(page))
    assert done.exit_code == 0, done.output
    said = "last one {0}03.000: 3 matching lines in all over 2.0s; the failure's last line {0}03.600"
    shown = _flat(done.stdout)
    assert "03.600 systemd-unit-failed app.service: " in shown, shown  # in its chain
    assert said.format("00:00:") in shown, shown  # (the report's times after its first: no date)
    assert html.escape(said.format(BASE)) in page.read_text(), page.read_text()[-3000:]
    # One hit (the kernel's OOM kill, the chain's first line): that hit is its last, PID 1's lines come after.
    done = run_cli("scan", "--file", str(make_journal([entry("worker started", at=0, _PID="4242",
                                                             _SYSTEMD_INVOCATION_ID=APP_RUN), *oom_chain(10)])))
    shown = _flat(done.stdout)
    assert "last one 00:00:10.000: 1 matching line in all; the failure's last line 00:00:10.030" in shown, shown


def test_the_alert_and_incidents_give_the_rules_last_hit(make_journal: Callable[..., Path], capsys: Any) -> None:
    journal = make_journal([entry("worker started", at=0, _PID="4242", _SYSTEMD_INVOCATION_ID=APP_RUN),
                            *oom_chain(10)])
    pipeline = Pipeline(Detector(load_rules([shipped_rules_dir()]).rules))
    events = [event for item in open_entries(Selection(), files=[journal]) for event in pipeline.feed(item)]
    [failure] = [event.incident for event in [*events, *pipeline.finish()] if isinstance(event, EndedEvent)]
    assert failure.count == 1, failure
    kill, failed = failure.first_usec, failure.last_usec
    assert failed > kill  # PID 1's "Failed with result" line, the failure's last
    text = body(incident_payload("firing", failure, "observer", "error incident", source=()))
    assert (f"1 hit from {format_usec(kill)} to {format_usec(kill)} on observer; the failure's last line "
            f"{format_usec(failed)}") in text, text
    _echo(failure, [], "")
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith(f"1 hit, latest {format_usec(kill)}, the failure's last line {format_usec(failed)}"), first
