"""The scan report tallies its incidents by host, unit and rule under the cards (views/incident_tally.py): a
1M-entry journal's report was 292 cards, 220 of them one unit's one rule, with no count anywhere (a new user's
trial, helper-190)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from logsentry.model import Incident, Severity
from logsentry.views.incident_tally import tally


def paste(tmp_path: Path, full_disks: int) -> Path:
    """`full_disks` full disks of app, an hour apart, and one crash of web between them."""
    lines = [f"Dec  4 {hour:02d}:00:00 host1 app[42]: OSError: [Errno 28] No space left on device: '/var/x'"
             for hour in range(full_disks)]
    lines.insert(1, "Dec  4 00:30:00 host1 web[7]: panic: runtime error: invalid memory address or nil pointer "
                    "dereference")
    path = tmp_path / "syslog"
    path.write_text("\n".join(lines) + "\n")
    return path


def report(path: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "120"}, check=True)
    return done.stdout


def test_many_incidents_are_tallied_by_unit_and_rule(tmp_path: Path) -> None:
    text = report(paste(tmp_path, 7))
    assert text.count("╭") == 2, text  # the seven full disks of one unit are one card (views/card_groups.py again)
    assert "Again 6 times on this unit" in " ".join(text.split()), text
    table = text[text.index("Incidents by unit and rule"):]
    assert "(8 incidents; first hits on " in table and "-12-04, UTC)" in table, table
    rows = [line for line in table.splitlines() if line.startswith("│")]
    assert "(app)" in rows[0] and "disk-full" in rows[0] and " 7 " in rows[0] and "00:00:00" in rows[0] \
        and "06:00:00" in rows[0], rows
    assert "(web)" in rows[1] and " 1 " in rows[1], rows


def test_a_few_incidents_are_not_tallied(tmp_path: Path) -> None:
    text = report(paste(tmp_path, 4))
    assert text.count("╭") == 2 and "Incidents by" not in text, text
    assert "Again 3 times on this unit" in " ".join(text.split()), text


def test_rows_most_incidents_first_then_the_worst() -> None:
    def incident(unit: str, rule: str, severity: Severity, at: int) -> Incident:
        return Incident(rule_id=rule, severity=severity, unit=unit, key="", first_usec=at, fired_usec=at,
                        last_usec=at, count=1, threshold=1, within_usec=1, cursor="", samples=(), action="alert",
                        machine_id="m")

    rows = tally([incident("a", "r1", Severity.WARNING, 3), incident("b", "r2", Severity.ERROR, 2),
                  incident("a", "r1", Severity.ERROR, 1), incident("c", "r3", Severity.CRITICAL, 5)])
    assert [(row.unit, row.incidents, row.severity, row.first_usec, row.last_usec) for row in rows] == [
        ("a", 2, Severity.ERROR, 1, 3), ("c", 1, Severity.CRITICAL, 5, 5), ("b", 1, Severity.ERROR, 2, 2)]


def test_over_two_days_times_are_month_day_and_minute(tmp_path: Path) -> None:
    """Full dates took the names' room at 80 columns (3 characters of a unit's name a line: a new user's overnight
    outage): across days, the month and day to the minute, the first date in the title."""
    lines = [f"Dec  {4 + hour // 24} {hour % 24:02d}:40:00 host1 app[42]: OSError: [Errno 28] No space left on "
             "device: '/var/x'" for hour in range(20, 27)]
    path = tmp_path / "syslog"
    path.write_text("\n".join(lines) + "\n")
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "80"}, check=True)
    table = done.stdout[done.stdout.index("Incidents by unit and rule"):]
    assert "first hits from " in table and "-12-04 on, UTC)" in table, table
    [row] = [line for line in table.splitlines() if "disk-full" in line]
    assert "(app)" in row and " 7 " in row and "12-04 20:40" in row and "12-05 02:40" in row, table


def test_the_html_report_tallies_them_too(tmp_path: Path) -> None:
    """The page had no tally, while the terminal's report has (a new user's trial); the same rows."""
    page = tmp_path / "r.html"
    subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(paste(tmp_path, 7)), "--html",
                    str(page)], capture_output=True, text=True, check=True)
    text = page.read_text()
    table = text[text.index("<h2>Incidents by unit and rule</h2>"):]
    table = table[:table.index("</table>")]
    rows = table.split("<tr>")[2:]
    assert "<td>(app)</td><td>disk-full</td><td>error</td><td>7</td>" in rows[0], rows
    assert "<td>(web)</td>" in rows[1] and "<td>1</td>" in rows[1], rows
