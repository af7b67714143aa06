"""A silence has no hits: its incident's `count` is the unit's entries read before the gap (`threshold` the
entries it needed to be watched), so what people read says how long the unit was quiet instead: tail's plain
ENDED line said "ENDED 41 hits over 5.0s" and the HTML report's bar "41 hits" for a unit that logged nothing.
Real parts: a journal file built with systemd-journal-remote, the pipeline, `scan --html`."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import entry, run_cli

from logsentry.engine.detector import Detector
from logsentry.pipeline import EndedEvent, Pipeline
from logsentry.rules.loader import load_rules
from logsentry.sources import open_entries
from logsentry.sources.selection import Selection
from logsentry.views.tail_lines import plain_line

QUIET = 'title = "quiet"\nseverity = "warning"\naction = "alert"\n[absence]\nsilent_for = "1s"\nmin_entries = 2\n' \
        'learn_for = "100ms"\n'


def silent_journal(make_journal, write_rule) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    rule = write_rule("quiet", QUIET)
    ticks = [entry("tick", unit="beat.service", at=n * 0.1) for n in range(40)]
    return make_journal([*ticks, entry("tick", unit="beat.service", at=9.0)]), rule.parent


def test_tails_ended_line_of_a_silence_says_how_long_not_hits(make_journal, write_rule) -> None:
    journal, rules = silent_journal(make_journal, write_rule)
    detector = Detector(load_rules([rules]).rules)
    events = list(Pipeline(detector).run(open_entries(Selection(), files=[journal],
                                                      extra_fields=detector.needed_fields)))
    [ended] = [event for event in events if isinstance(event, EndedEvent)]
    assert ended.incident.count == 40  # the JSON contract: the unit's entries before the gap
    line = plain_line(ended, detector.rules)
    assert " beat.service quiet warning ENDED silent for 5.1s since " in line and "hit" not in line, line


def test_the_html_reports_bar_of_a_silence_says_how_long(make_journal, write_rule, tmp_path: Path) -> None:
    journal, rules = silent_journal(make_journal, write_rule)
    page = tmp_path / "report.html"
    done = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(rules), "--html", str(page),
                   "-o", "json")
    assert done.exit_code == 0, done.output
    [incident] = [r for r in map(json.loads, done.stdout.splitlines()) if r["type"] == "incident"]
    assert (incident["rule"], incident["count"]) == ("quiet", 40)
    html = page.read_text()
    assert '"silent for 5.1s"' in html and '"40 hits"' not in html
