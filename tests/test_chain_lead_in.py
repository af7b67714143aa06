"""A rule that matched a failure's lines without firing (evidence) is told in its chain at its newest line (a
traceback's exception line says more than its header), with the lines up to it said as below its trigger: the card
said "09:00:27 error-burst (4 lines)" of four lines from 09:00:00, above a table of error-burst's 6 matches below
their trigger, which read as a contradiction (helper-187, PostgreSQL's `too many clients` five times in 45 s), then
"(4 lines before it fired)" read as error-burst's firing (helper-190), and "(2 lines up to this one, below its
trigger)" above a table of its 12 read as a contradiction again (new-user trial 230): its link counts all of its
lines in the failure, as the table would, which then leaves them out."""

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
    records = [record for record in map(json.loads, done.stdout.splitlines())]
    incident = next(record for record in records if record["type"] == "incident")
    links = {link["rule"]: link for link in incident["chain"]}
    assert links["postgres-too-many-clients"]["fired"] and not links["error-burst"]["fired"]
    # given out at the 5th line (the 4 before it its lead-in), ended with all 6
    assert "10:00:27.123" in links["error-burst"]["message"] and links["error-burst"]["count"] == 5
    end = next(record for record in records if record["type"] == "incident_end")
    assert {link["rule"]: link["count"] for link in end["chain"]}["error-burst"] == 6, end["chain"]
    report = run_cli("scan", "--file", str(path), "--no-anomalies").stdout
    card = " ".join(report.replace("│", " ").split())
    assert "error-burst (6 lines in this failure, below its trigger)" in card, card
    assert "postgres-too-many-clients (6 lines)" in card, card
    assert "Matches below their trigger threshold" not in report, report  # (the chain counts all 6)
    assert "6 entries " in card and "12 matches on 6 lines, 1 incident" in card, card


def test_the_chain_and_the_table_count_a_brute_forces_error_lines_alike(tmp_path: Path) -> None:
    """The trial's PostgreSQL log: 12 failed logins 2 s apart, each with its DETAIL line. The chain said
    "error-burst (2 lines up to this one, below its trigger)" (its lead-in before new-error-template's incident
    began the failure) above a table of error-burst's 12 matches, and the header "38 matches" of 24 entries."""
    path = tmp_path / "postgresql-15-main.log"
    stamp = "2024-03-01 08:00:{:02d}.{:03d} UTC [{}] "
    path.write_text("".join(
        stamp.format(3 + 2 * n, 123 + n, 1234 + n) + 'FATAL:  password authentication failed for user "postgres"\n'
        + stamp.format(3 + 2 * n, 124 + n, 1234 + n)
        + 'DETAIL:  Connection matched pg_hba.conf line 100: "host all all 0.0.0.0/0 scram-sha-256"\n'
        for n in range(12)))
    report = run_cli("scan", "--file", str(path)).stdout
    card = " ".join(report.replace("│", " ").split())
    assert "error-burst (12 lines in this failure, below its trigger)" in card, card
    assert "Matches below their trigger threshold" not in report, report
    # (24: postgres-password-auth-failed's and error-burst's; a client's failed login is one session's outcome, which
    # no new-template rule judges since stop 64: engine/client_lines.py, 38 before)
    assert "24 entries " in card and "24 matches on 12 lines, 1 incident" in card, card
