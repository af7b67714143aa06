"""An `incident` record's `message` is the line its `cursor` names, the one that fired it (helper B): it was the
latest sample when the record was written (a failure waits 2 s of journal time for its chain), so `message`,
`cursor` and `template` described different lines. Through the real CLI on a journal file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import entry, run_cli, simple_rule


def test_an_incidents_message_is_the_line_its_cursor_names(make_journal: Callable[..., Path],
                                                           write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(regex="BOOM", count=2, within="60s"))
    journal = make_journal([entry(f"BOOM {n}", at=n * 0.5) for n in range(1, 6)])  # fires at BOOM 2, 2.5 s of hits
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(rules_dir), "-o", "json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    cursors = {r["cursor"]: r["message"] for r in records if r["type"] == "match"}
    (incident,) = [r for r in records if r["type"] == "incident"]
    assert incident["count"] > incident["threshold"] == 2  # more hits came before it was reported
    assert incident["message"] == cursors[incident["cursor"]] == "BOOM 2"
