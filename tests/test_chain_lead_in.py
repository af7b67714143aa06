"""A rule that matched a failure's lines without firing (evidence) is told in its chain at its newest line (a
traceback's exception line says more than its header), with the lines up to it said as below its trigger: the card
said "09:00:27 error-burst (4 lines)" of four lines from 09:00:00, above a table of error-burst's 6 matches below
their trigger, which read as a contradiction (helper-187, PostgreSQL's `too many clients` five times in 45 s), then
"(4 lines before it fired)" read as error-burst's firing (helper-190)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

LINE = "2024-03-01 10:00:{:02d}.123 [{}] FATAL:  sorry, too many clients already\n"


def test_evidence_is_told_from_its_first_line_and_as_lines_before_it_fired(tmp_path: Path) -> None:
    path = tmp_path / "postgresql.log"
    path.write_text("".join(LINE.format(9 * n, 1234 + n) for n in range(6)))
    # (signatures only: new-error-template judges a log's lines from its first, fires at the third and holds the
    # lines after it, error-burst's evidence then stops at the second: tests/test_excerpt_errors.py)
    done = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    incident = next(record for record in map(json.loads, done.stdout.splitlines()) if record["type"] == "incident")
    links = {link["rule"]: link for link in incident["chain"]}
    assert links["postgres-too-many-clients"]["fired"] and not links["error-burst"]["fired"]
    assert "10:00:27.123" in links["error-burst"]["message"] and links["error-burst"]["count"] == 4
    card = " ".join(run_cli("scan", "--file", str(path), "--no-anomalies").stdout.replace("│", " ").split())
    assert "error-burst (4 lines up to this one, below its trigger)" in card, card
    assert "postgres-too-many-clients (6 lines)" in card, card
