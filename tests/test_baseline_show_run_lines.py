"""`baseline show`'s run of a failing template says what its "last line" is (F9's finding: a failing template's "last
line" beside a later "last seen"). A persistence rule's run holds the template's lines at the rule's level only; the
template's "last seen" counts its lines at every level, so a line of it below err after the run's last is no part of
the run, and is said to be. And a run that ended by the host's clock is not shown going on when the unit's own times
stopped (a unit's learning stops while an anomaly of it is open: F9's state, its templates seen 48 min past it).
Journals written by systemd-journal-remote, `baseline learn`, then `baseline show`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import entry, run_cli
from test_anomaly import by_time
from test_anomaly_sustained import FAIL, FATAL, UNIT, errors, history, journal_usec, requests

from logsentry.timespec import format_usec

RULE = "error-template-persists"
MIN = 60
HOUR_S = 3600


def _hang() -> list[dict]:
    return errors(FAIL, FAIL + 10 * MIN, 1 / 8, 3)  # the failure line at err ("[Error]") for 10 minutes


def _show(journal: Path, tmp_path: Path, stale_unit_usec: int | None = None) -> str:
    state_dir = tmp_path / "state"
    learnt = run_cli("baseline", "learn", "--state-dir", str(state_dir), "-D", str(journal.parent), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    if stale_unit_usec is not None:  # the unit's times as a service saves them while its learning is stopped
        with sqlite3.connect(state_dir / "state.db") as db:
            db.execute("UPDATE baseline_unit SET last_usec = ?", (stale_unit_usec,))
    shown = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", UNIT)
    assert shown.exit_code == 0, shown.output
    return shown.stdout


def test_a_run_says_its_last_line_is_at_the_rules_level(make_journal: Callable[..., Path], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "700")  # each row on one line
    hang = _hang()
    # then the same line at warning (PRIORITY 4 is its level, not the "[Error]" it writes): the template's, not err
    later = [entry(FATAL.format(t=FAIL + 10 * MIN + k), unit=UNIT, at=FAIL + 10 * MIN + 10 * k, priority=4)
             for k in range(1, 10)]
    journal = make_journal(by_time(history(), hang, later))
    last = format_usec(max(int(fields["__REALTIME_TIMESTAMP"]) for fields in hang))
    seen = format_usec(journal_usec(FAIL + 10 * MIN + 90))
    table = _show(journal, tmp_path)
    row = next(line for line in table.splitlines() if f"{RULE}:" in line)
    assert f"│ {seen} │" in table  # the table's "last seen": the warning line
    assert (f"(fired), its last line at the rule's level {last} (the template's lines since, to {seen}, were below "
            "that level: no part of the run; it ends if none at its level comes by ") in row, row
    assert f"last line {last} (it ends" not in table


def test_a_run_the_hosts_clock_ended_is_not_shown_going_on(make_journal: Callable[..., Path], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "700")
    hang = _hang()
    journal = make_journal(by_time(history(), hang, requests(FAIL + 12 * MIN, FAIL + HOUR_S, 0.3, 5)))
    last = format_usec(max(int(fields["__REALTIME_TIMESTAMP"]) for fields in hang))
    table = _show(journal, tmp_path, stale_unit_usec=journal_usec(FAIL - MIN))
    row = next(line for line in table.splitlines() if f"{RULE}:" in line)
    assert "; last run 9m 5" in row and f"(fired), ended {last}: not learnt" in row, row
    assert "current" not in row

