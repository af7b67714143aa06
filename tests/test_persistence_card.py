"""A persistence incident's card says what error-template-persists judged (a fresh user's trial): it said "first
hit" of the line that fired it and "trigger: 1 hit within 10m", a window that judges nothing; the run's start, its
length and the bar (twice its longest learnt run) were only in the why. The report, the HTML card and `tail`,
through the real CLI on a journal file written by systemd-journal-remote."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from test_anomaly import HOUR, by_time
from test_anomaly_sustained import FAIL, errors, history

from logsentry.engine.episodes import Persisting
from logsentry.model import Incident, Severity
from logsentry.views.counts import count_story, run_brief

ROOT = Path(__file__).resolve().parent.parent
SEC = 1_000_000


def _cli(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "250", "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "logsentry", *args], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _tail_incident(journal: Path, rules: tuple[str, ...]) -> str:
    """`tail -o plain` over the file from its start (it follows on: stopped once the incident's line is out)."""
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1"}
    tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "--file", str(journal), "--since",
                             "2026-01-01 00:00", *rules, "-o", "plain"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert tail.stdout is not None
        for line in tail.stdout:  # the incident comes within the file's lines: no wait for new ones
            if " INCIDENT " in line:
                return line
        raise AssertionError("tail ended without the incident")
    finally:
        tail.terminate()
        tail.wait(10)


def test_the_card_tells_the_run_the_rule_judged(make_journal: Callable[..., Path], tmp_path: Path) -> None:
    journal = make_journal(by_time(history(), errors(FAIL, FAIL + HOUR, 1 / 8, 3)))  # a 90-s blip, then a hang
    rules = ("--no-shipped-rules", "--rules", str(ROOT / "rules" / "anomaly" / "error-template-persists.toml"))
    report = _cli("scan", "--file", str(journal), *rules, "--html", str(tmp_path / "r.html"))
    card = report[report.index("error-template-persists"):]
    assert "run began 2026-01-01 08:00:00.000; fired 08:03:" in card, card
    assert "of the run, 3m " in card and " in, past its bar of 3m (its longest run learnt: 1m 2" in card, card
    assert "trigger: 1 hit" not in card and "first hit" not in card, card
    page = (tmp_path / "r.html").read_text()
    assert "run began 2026-01-01 08:00:00.000; fired 2026-01-01 08:03:" in page and "trigger: 1 hit" not in page
    line = _tail_incident(journal, rules)
    assert " past its bar of 3m since 08:03:" in line and "(run began 08:00:00.000, its longest learnt 1m 2" in line
    assert "fires at 1 within" not in line


def test_every_why_of_the_rule_is_told() -> None:
    """run_story reads what Persisting.why() writes (a change of its words must change both), and leaves any other
    incident's counts as they were."""
    why = Persisting(length_usec=190 * SEC, since_usec=1_767_254_400 * SEC, lines=1234, longest_usec=89 * SEC,
                     longest_at_usec=1_767_232_800 * SEC, history_usec=8 * HOUR * SEC, gap_usec=300 * SEC,
                     bar_usec=180 * SEC, busy_usec=89 * SEC, known_usec=6 * HOUR * SEC).why()
    incident = Incident("error-template-persists", Severity.ERROR, "api.service", "", 1_767_254_590 * SEC,
                        1_767_254_590 * SEC, 1_767_254_650 * SEC, 8, 1, 600 * SEC, "c", ("x",), "alert", why=why)
    told = count_story(incident, clock=lambda usec: str(usec // SEC))
    assert told == ("run began 2026-01-01 08:00:00.000; fired 1767254590 at line 1,234 of the run, 3m 10s in, past "
                    "its bar of 3m (its longest run learnt: 1m 29s); last line 1767254650: 8 lines since it fired, "
                    "over 1m")
    assert run_brief(incident, 8) == ("8 lines past its bar of 3m since 08:03:10.000 (run began 08:00:00.000, its "
                                      "longest learnt 1m 29s)")
    other = Incident("boom", Severity.ERROR, "api.service", "", 0, 0, 0, 1, 1, 600 * SEC, "c", ("x",), "alert",
                     why="also " + why)
    assert run_brief(other, 1) is None and count_story(other).startswith("first matching line ")
