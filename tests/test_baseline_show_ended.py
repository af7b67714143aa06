"""`baseline show -u UNIT` tells a run error-template-persists fired on as it is: one that ended (its host logged on
past the rule's 5-min gap without it: the next line of it starts a new run) is "last run ... (fired), ended T: not
learnt", and one that may go on gives its last line and when it ends unless another comes. A fresh user's trial:
a hang that had ended showed "current 59m 55s from T (fired)", and one whose unit logged on an hour showed
nothing of the run at all. A journal written by systemd-journal-remote, `baseline learn`, `baseline show`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import entry, run_cli
from test_anomaly import HOUR, by_time
from test_anomaly_sustained import FAIL, UNIT, errors, history, journal_usec, requests

from logsentry.timespec import format_usec

RULE = "error-template-persists"
GAP = 300 * 1_000_000


def show(make_journal: Callable[..., Path], entries: list[dict], state_dir: Path) -> tuple[dict, str]:
    journal = make_journal(entries)
    learnt = run_cli("baseline", "learn", "--state-dir", str(state_dir), "-D", str(journal.parent), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    shown = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", UNIT, "-o", "json")
    (run,) = [json.loads(line)["runs"][RULE] for line in shown.stdout.splitlines() if '"level": 3' in line]
    table = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", UNIT).stdout
    return run, " ".join(re.sub(r"[│┃]", " ", table).split())  # the template column's wrapped lines as one


def hang() -> list[dict]:
    return errors(FAIL, FAIL + HOUR, 1 / 8, 3)


def other_unit(start: float, end: float) -> list[dict]:
    return [entry(f"cron job {n} done", unit="cron.service", at=at) for n, at in
            enumerate(range(int(start), int(end), 30))]


@pytest.mark.parametrize("after", ["the unit logs on", "another unit of its host logs on"])
def test_a_fired_run_that_ended_is_told_ended_not_fired(make_journal: Callable[..., Path], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch, after: str) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    lines = hang()
    then = requests(FAIL + HOUR + 30, FAIL + 2 * HOUR, 0.3, 9) if after == "the unit logs on" else \
        other_unit(FAIL + HOUR + 30, FAIL + 2 * HOUR)
    run, table = show(make_journal, by_time(history(), lines, then), tmp_path / "state")
    last = int(lines[-1]["__REALTIME_TIMESTAMP"])
    assert run["run"] is None and run["ended_run"] == {"start_usec": journal_usec(FAIL), "last_usec": last,
                                                       "lines": len(lines), "standing": "fired"}, run
    assert 85 * 1_000_000 < run["longest_usec"] < 90 * 1_000_000  # the hang was not learnt
    assert (f"last run 59m 55s from {format_usec(journal_usec(FAIL))} (fired), ended {format_usec(last)}: not "
            "learnt") in table, table
    assert "current" not in table


def test_a_fired_run_that_may_go_on_gives_its_last_line_and_when_it_ends(make_journal: Callable[..., Path],
                                                                          tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The unit logged on 2 min after the hang's last line, under the gap: the run is still the rule's."""
    monkeypatch.setenv("COLUMNS", "250")
    lines = hang()
    run, table = show(make_journal, by_time(history(), lines, requests(FAIL + HOUR + 30, FAIL + HOUR + 150, 0.3, 9)),
                      tmp_path / "state")
    last = int(lines[-1]["__REALTIME_TIMESTAMP"])
    assert run["ended_run"] is None and run["run"]["standing"] == "fired" and run["run"]["last_usec"] == last
    assert (f"current 59m 55s from {format_usec(journal_usec(FAIL))} (fired), last line {format_usec(last)} (it "
            f"ends if none comes by {format_usec(last + GAP)})") in table, table
