"""PostgreSQL's csvlog read record by record (sources/pg_csvlog.py): a statement's line breaks inside a quoted
field are one record's, and each record is read as the lines its stderr log writes (`LOG:  ...`, `DETAIL:  ...`),
so the card quotes the event, not the row (helper-187: each further line of a statement was an entry, and the card
quoted `2026-... UTC,,,1234,,...`)."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

CRASH = ('2026-12-05 10:00:00.123 UTC,,,1234,,6759a1b0.4d2,1,,2026-12-05 09:00:00 UTC,,0,LOG,00000,'
         '"server process (PID 4321) was terminated by signal 9: Killed","Failed process was running: SELECT *\n'
         'FROM big\nWHERE x = ""1""",,,,,,,,"postmaster","postmaster",,0\n'
         '2026-12-05 10:00:00.124 UTC,,,1234,,6759a1b0.4d2,2,,2026-12-05 09:00:00 UTC,,0,LOG,00000,'
         '"terminating any other active server processes",,,,,,,,,"","postmaster",,0\n'
         '2026-12-05 10:00:01.500 CET,"app","shop",4400,"10.0.0.7:51234",6759a1b0.1130,3,"SELECT",'
         '2026-12-05 09:59:00 CET,3/17,0,ERROR,42P01,"relation ""orders"" does not exist",,,,,,'
         '"SELECT * FROM orders",15,,"psql","client backend",,0\n')


def test_records_are_read_as_postgres_writes_its_lines(tmp_path: Path) -> None:
    csvlog = tmp_path / "postgresql-2026-12-05.csv"
    csvlog.write_text(CRASH)
    done = run_cli("scan", "--file", str(csvlog), "-o", "json")
    [summary] = of_type(json_events(done), "summary")
    assert summary["entries"] == 5, summary  # 3 records: LOG + DETAIL, LOG, ERROR + STATEMENT
    [incident] = of_type(json_events(done), "incident")
    assert incident["rule"] == "postgres-backend-crash", incident
    assert incident["message"] == "LOG:  server process (PID 4321) was terminated by signal 9: Killed", incident
    assert incident["cursor"].endswith(".csv:1"), incident
    errors = run_cli("scan", "--file", str(csvlog), "-p", "err", "-o", "json")
    [record] = [r for r in json_events(errors) if r.get("type") == "summary"]
    assert record["entries"] == 1, record  # the ERROR alone: its STATEMENT line has no level


def test_a_look_alike_is_no_csvlog(tmp_path: Path) -> None:
    """A program's log whose lines start with a time and a comma, but with no csvlog severity and SQLSTATE."""
    other = tmp_path / "app.log"
    other.write_text("2026-12-05 10:00:00.123 UTC,worker,started\n2026-12-05 10:00:01.000 UTC,worker,ERROR boom\n")
    done = run_cli("scan", "--file", str(other), "-o", "json")
    [summary] = of_type(json_events(done), "summary")
    assert summary["entries"] == 2, summary
