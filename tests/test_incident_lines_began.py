"""The `journalctl` command an incident's card (HTML report) and alert give shows its lines from where what it is
about began: an error-template-persists incident's run (its why's "since"), a new-template-flood's first line of
its template, not the line that fired them 3 min or 12 s later (a fresh user's trial: the card's command began at
the firing line, the run's first lines out of it). Real journal files written by systemd-journal-remote, the
real `scan --html`, and the command run with the real journalctl."""

from __future__ import annotations

import html
import json
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import run_cli
from test_anomaly import HOUR, by_time
from test_anomaly_flood import GATEWAY, served, storm
from test_anomaly_sustained import FAIL, errors, history, journal_usec
from test_persistence_card import ROOT

from logsentry.actions.alert import incident_payload
from logsentry.engine.episodes import Persisting
from logsentry.model import Incident, Severity
from logsentry.views.counts import began_usec

ANOMALY = ROOT / "rules" / "anomaly"


def card_lines(journal: Path, rule: str, tmp_path: Path) -> list[dict]:
    """The lines the rule's card's command shows (journalctl -o json), run as the report gives it."""
    page = tmp_path / f"{rule}.html"
    done = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY / f"{rule}.toml"),
                   "--html", str(page))
    assert done.exit_code == 0, done.output
    [command] = re.findall(r"all its lines: <code>([^<]*)</code>", page.read_text())
    argv = shlex.split(html.unescape(command))
    shown = subprocess.run([*argv, "-o", "json"], capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in shown.splitlines()]


def test_a_persisting_runs_command_shows_the_run_from_its_first_line(make_journal: Callable[..., Path],
                                                                      tmp_path: Path) -> None:
    run = errors(FAIL, FAIL + HOUR, 1 / 8, 3)
    shown = card_lines(make_journal(by_time(history(), run)), "error-template-persists", tmp_path)
    assert int(shown[0]["__REALTIME_TIMESTAMP"]) == journal_usec(FAIL)  # the run's first line
    assert len(shown) == len(run) and all("libpq: failed" in line["MESSAGE"] for line in shown)


def test_a_floods_command_shows_the_flood_from_its_first_line(make_journal: Callable[..., Path],
                                                              tmp_path: Path) -> None:
    # past the rule's day of warm-up; a request every 10 s (10,800 of them) is history enough
    fail = 30 * HOUR
    flood = storm(GATEWAY, fail, 300)
    shown = card_lines(make_journal(by_time(served(GATEWAY, 0, fail + 300, 10.0), flood)), "new-template-flood",
                       tmp_path)
    storm_lines = [line for line in shown if "subchannel reconnecting" in line["MESSAGE"]]
    assert int(storm_lines[0]["__REALTIME_TIMESTAMP"]) == int(flood[0]["__REALTIME_TIMESTAMP"])
    assert len(storm_lines) == len(flood)


def test_the_alerts_command_begins_where_the_card_does() -> None:
    """The alert's payload takes the same start (a persistence incident's why as Persisting.why writes it)."""
    sec = 10**6
    fired = journal_usec(FAIL + 186.635)
    why = Persisting(length_usec=fired - journal_usec(FAIL), since_usec=journal_usec(FAIL), lines=24,
                     longest_usec=89 * sec, longest_at_usec=journal_usec(2 * HOUR), history_usec=8 * 3600 * sec,
                     gap_usec=300 * sec, bar_usec=180 * sec, busy_usec=89 * sec, known_usec=6 * 3600 * sec).why()
    incident = Incident("error-template-persists", Severity.ERROR, "api.service", "", fired, fired, fired + 10**9, 5,
                        1, 600 * 10**6, "c", ("x",), "alert", why=why)
    assert began_usec(incident) == journal_usec(FAIL)
    payload = incident_payload("firing", incident, "h", "r", source=("--file", "/j"))
    assert f"--since @{journal_usec(FAIL) // 10**6} " in payload["journalctl"], payload["journalctl"]


def test_a_failures_command_shows_its_cause_from_the_chains_first_line(make_journal: Callable[..., Path],
                                                                         tmp_path: Path) -> None:
    """A card led by systemd's lines about the unit: its command began at its own first hit, PID 1's "Failed with
    result 'signal'.", and showed that one line, not InnoDB's fatal error 0.5 s before it that its chain holds (a
    new user's journal, made with systemd-journal-remote as README says)."""
    from conftest import BASE_USEC, entry

    unit, pid1 = "mariadb.service", {"_PID": "1", "SYSLOG_IDENTIFIER": "systemd", "UNIT": "mariadb.service"}
    journal = make_journal([
        entry("2024-05-01 10:00:00 0 [Note] mariadbd: ready for connections.", unit=unit, at=0, _PID="2211"),
        entry("2024-05-01 10:00:01 0 [ERROR] [FATAL] InnoDB: Cannot continue operation after a write to ibtmp1 "
              "failed.", unit=unit, at=1.0, _PID="2211"),
        entry("mariadb.service: Main process exited, code=killed, status=6/ABRT", unit="init.scope", at=1.5,
              priority=5, **pid1),
        entry("mariadb.service: Failed with result 'signal'.", unit="init.scope", at=1.5, priority=4, **pid1)])
    page = tmp_path / "r.html"
    done = run_cli("scan", "--file", str(journal), "--html", str(page))
    assert done.exit_code == 0, done.output
    commands = [shlex.split(html.unescape(found)) for found in
                re.findall(r"all its lines: <code>([^<]*)</code>", page.read_text())]
    shown = [[json.loads(line) for line in subprocess.run([*argv, "-o", "json"], capture_output=True, text=True,
                                                            check=True).stdout.splitlines()] for argv in commands]
    failure = [lines for lines in shown if any("Failed with result" in line["MESSAGE"] for line in lines)]
    assert failure and any("Cannot continue operation" in line["MESSAGE"] for line in failure[0]), shown
    assert all(int(line["__REALTIME_TIMESTAMP"]) >= BASE_USEC + 1_000_000 for line in failure[0])  # not before
