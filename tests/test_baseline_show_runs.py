"""`baseline show -u UNIT` shows each template's longest run learnt by error-template-persists (the bar it
doubles), read-only from the saved `anomaly_episodes`: an operator could not see why a hang fired after 3 min
or why it had not yet (a fresh user's trial). A journal written by systemd-journal-remote, `baseline learn`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_cli
from test_anomaly import HOUR, by_time
from test_anomaly_sustained import FAIL, UNIT, errors, history, journal_usec

from logsentry.engine.episodes import EPISODES_KEY
from logsentry.state import State

SEC = 1_000_000
RULE = "error-template-persists"


def test_show_gives_each_error_templates_longest_run(make_journal: Callable[..., Path], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the template column unwrapped
    journal = make_journal(history())  # eight hours of requests, a 90-s blip of the failure line at 2 h
    state_dir = tmp_path / "state"
    learnt = run_cli("baseline", "learn", "--state-dir", str(state_dir), "-D", str(journal.parent), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    shown = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", UNIT, "-o", "json")
    assert shown.exit_code == 0, shown.output
    records = [json.loads(line) for line in shown.stdout.splitlines()]
    failing = [r for r in records if r["type"] == "template" and r["level"] == 3]
    (run,) = [r["runs"][RULE] for r in failing]
    assert 85 * SEC < run["longest_usec"] < 90 * SEC and run["busy_usec"] == run["longest_usec"], run
    assert run["longest_at_usec"] == run["first_seen_usec"] == failing[0]["first_usec"]  # the blip began it
    assert all(r["runs"] == {} for r in records if r["type"] == "template" and r["level"] != 3)  # not followed
    assert run["run"] is None  # the blip ended: the unit logged on for hours
    table = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", UNIT, "-u", "nosuch").stdout
    # (rules whose runs say the same share a line: "error-template-persists, failure-template-persists: longest ...")
    assert re.search(rf"{RULE}(?:, [\w-]+)*: longest run 1m 2", table) and "from 2026-01-01 02:00:0" in table, table
    assert table.count("longest run 1m 2") == 1, table  # (was a line alike for each of the persistence rules)


def test_show_gives_the_run_going_on_and_whether_the_rule_fired_on_it(make_journal: Callable[..., Path],
                                                                       tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    journal = make_journal(by_time(history(), errors(FAIL, FAIL + HOUR, 1 / 8, 3)))  # the hang up to the end
    state_dir = tmp_path / "state"
    assert run_cli("baseline", "learn", "--state-dir", str(state_dir), "-D", str(journal.parent), "--since",
                   "@0").exit_code == 0
    shown = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", UNIT, "-o", "json")
    (run,) = [json.loads(line)["runs"][RULE] for line in shown.stdout.splitlines() if '"level": 3' in line]
    assert 85 * SEC < run["longest_usec"] < 90 * SEC and run["run"]["standing"] == "fired", run
    assert run["run"]["start_usec"] == journal_usec(FAIL) and run["run"]["last_usec"] > journal_usec(FAIL + 3500)
    table = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", UNIT).stdout
    assert "; current 59m 55s from 2026-01-01 08:00:00.000 (fired)" in table, table


def test_show_says_the_saved_runs_are_malformed_and_shows_the_rest(make_journal: Callable[..., Path],
                                                                    tmp_path: Path) -> None:
    journal = make_journal(history())
    state_dir = tmp_path / "state"
    assert run_cli("baseline", "learn", "--state-dir", str(state_dir), "-D", str(journal.parent), "--since",
                   "@0").exit_code == 0
    state = State(state_dir / "state.db")
    try:
        state.commit({EPISODES_KEY: {RULE: {"gap": 300 * SEC, "records": [["m/u", "t", 1, 2]]}}}, [], 0)
    finally:
        state.close()
    shown = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", UNIT)
    assert shown.exit_code == 0, shown.output
    assert (f"logsentry: warning: the templates' saved runs in {state_dir / 'state.db'} ({EPISODES_KEY}) are "
            "malformed: not shown") in shown.stderr, shown.stderr
    assert f"templates of {UNIT}" in shown.stdout and "longest run" not in shown.stdout  # the rest is shown
