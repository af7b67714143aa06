"""A unit that recovered and crashes again is a new failure, paged (trial 73, D4); a crash loop's runs stay one.

systemd's "Scheduled restart job" made any failure of the unit within 10 min the old failure's loop
(failure_runs.reruns): segv-app, killed by SIGSEGV, restarted, ran fine, was killed again 3 min into the run the
restart had started, and once in a run its next boot had started: both crashes joined the first page, which only a
reminder's count told. The run the restart started and how long it lived decide (engine/failure_starts.py), by
systemd's own INVOCATION_ID. Real journal files (systemd-journal-remote), read by `scan` as the service reads them.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from test_failure_escalation import UNIT, pid1

from logsentry.engine.failure_starts import HEALTHY_RUN_USEC

RUN_A, RUN_B, RUN_C = "a" * 32, "b" * 32, "c" * 32
LOOP_LIFE = 20.0
"""A loop's run: it lives a while and dies again (helper-129's worked 40 s)."""


def run(invocation: str, start: float, life: float, pid: int) -> list[dict[str, Any]]:
    """A run as systemd 252 and the program write it: started, an idle line every 15 s, killed by SIGSEGV `life` s
    after it started."""
    lines = [pid1("Started billing.service - Billing worker.", start, invocation, 6)]
    lines += [entry(f"billing: idle, {n} jobs done", unit=UNIT, at=start + 0.01 + 15 * n, _PID=str(pid),
                    _SYSTEMD_INVOCATION_ID=invocation) for n in range(int(life // 15) + 1)]
    return [*lines, pid1("Main process exited, code=killed, status=11/SEGV", start + life, invocation, 5),
            pid1("Failed with result 'signal'.", start + life + 0.001, invocation)]


def restart(invocation: str, at: float) -> dict[str, Any]:
    return pid1("Scheduled restart job, restart counter is at 1.", at, invocation, 6)


def pages(lines: list[dict[str, Any]], make_journal: Any) -> list[dict[str, Any]]:
    done = run_cli("scan", "--file", str(make_journal(lines)), "-o", "json")
    assert done.exit_code == 0, done.output
    return of_type(json_events(done), "incident")


@pytest.mark.parametrize("life", [LOOP_LIFE, HEALTHY_RUN_USEC / 1e6 + 25])
def test_a_crash_of_the_restarts_run_pages_when_it_had_run_healthily(make_journal: Any, life: float) -> None:
    """The second crash is of the run the restart started: 20 s into it, the loop's (one page); 175 s into it (as in
    the trial), a recovered unit crashing again (a page of its own, beginning at that crash)."""
    second = 63.01
    lines = [*run(RUN_A, 1.0, 59.0, 4000), restart(RUN_A, 63.0), *run(RUN_B, second, life, 4001)]
    incidents = pages(lines, make_journal)
    assert incidents, lines
    recovered = life * 1e6 >= HEALTHY_RUN_USEC
    assert len(incidents) == (2 if recovered else 1), incidents
    if recovered:
        assert incidents[1]["first_usec"] >= BASE_USEC + (second + life) * 1e6, incidents[1]


def test_a_crash_of_a_run_the_restart_did_not_start_pages(make_journal: Any) -> None:
    """The restart's run served; the unit's next run (its start at the next boot, 6 min later) crashed 20 s in:
    not the run the restart started, within 10 min of it or not."""
    later = 63.01 + 360
    lines = [*run(RUN_A, 1.0, 59.0, 4000), restart(RUN_A, 63.0),
             pid1("Started billing.service - Billing worker.", 63.01, RUN_B, 6),
             entry("billing: idle, 0 jobs done", unit=UNIT, at=63.02, _PID="4001", _SYSTEMD_INVOCATION_ID=RUN_B),
             *run(RUN_C, later, LOOP_LIFE, 75)]
    incidents = pages(lines, make_journal)
    assert len(incidents) == 2, incidents
    assert incidents[1]["first_usec"] >= BASE_USEC + (later + LOOP_LIFE) * 1e6, incidents[1]
