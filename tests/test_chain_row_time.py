"""A chain's row is at the time of the line it quotes: a rule that fires at its Nth hit quotes that hit's line (its
incident's first sample), and its row said its first hit's time above it (a new user's paste: `10:00:00.000
excerpt-failure-template` above a traceback logged at 10:01:13). Real journal files, the real CLI: the text
report, the HTML card, `-o json` and the alert's text."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

from conftest import run_cli, simple_rule
from test_chain_last_hit import _failing, _flat

from logsentry.actions.alert import chain_line
from logsentry.model import Link, Severity


def test_each_row_is_at_its_quoted_lines_time(make_journal: Callable[..., Path], tmp_path: Path,
                                              write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(count=2))  # fires at BOOM 1 (00:00:02), its first hit BOOM 0 (00:00:01)
    journal = make_journal(_failing())
    page = tmp_path / "r.html"
    done = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "--html", str(page))
    assert done.exit_code == 0, done.output
    shown = _flat(done.stdout)
    assert "00:00:02.000 boom (3 lines) FATAL: BOOM 1" in shown, shown
    assert "00:00:01.000 boom" not in shown, shown
    assert html.escape("2026-01-01 00:00:02.000  boom (error, 3 lines)  FATAL: BOOM 1") in page.read_text()
    done = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "-o", "json")
    [incident] = [record for line in done.stdout.splitlines() if (record := json.loads(line))["type"] == "incident"]
    [link] = [link for link in incident["chain"] if link["rule"] == "boom"]
    assert link["message"] == "FATAL: BOOM 1" and link["message_usec"] - link["first_usec"] == 1_000_000, link


def test_evidence_and_a_link_saved_before_are_at_their_first_hit() -> None:
    link = Link("r", Severity.ERROR, 5_000_000, 1, "line", "c", fired=False)
    assert chain_line(link).startswith("1970-01-01 00:00:05.000 r (error")
