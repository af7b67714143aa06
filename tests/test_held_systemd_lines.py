"""A held resolve (service_held.py) on the lines a real systemd writes around a failure.

systemd writes more lines about a unit after "Failed with result ...": "Consumed 12ms CPU time." (systemd >= 252
with CPU accounting), "Failed to start ...". They are PID 1's, about the run that failed (its INVOCATION_ID), and
the service counted them as the unit logging again: systemd-unit-failed's `resolve = "unit-logs-again"` never held
on such a systemd, the alert resolved after its window of quiet while the unit stayed failed. A new run's lines
(another INVOCATION_ID) still count. Real service, journal through journal-remote's FIFO, HTTP receiver.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from receivers import HttpReceiver
from test_held_resolve import alerting_to, resolved_by_quiet_time, titles
from test_service import BOOM_RULE, receiver, service  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
RUN_A, RUN_B = "a" * 32, "b" * 32


def unit_failed_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "sd-rules"
    rules.mkdir()
    text = (ROOT / "rules/systemd/systemd-unit-failed.toml").read_text()
    assert 'within = "10m"' in text
    (rules / "systemd-unit-failed.toml").write_text(text.replace('within = "10m"', 'within = "1s"'))
    return rules


def pid1(journal: Any, message: str, invocation: str) -> None:
    journal.write(message, unit="init.scope", priority=5, _PID="1", _UID="0", UNIT="app.service",
                  INVOCATION_ID=invocation, SYSLOG_IDENTIFIER="systemd")


def started(live_journal: Any, make: Any, hook: HttpReceiver, tmp_path: Path) -> Any:
    return alerting_to(make, live_journal, unit_failed_rules(tmp_path), hook)


def failed(live_journal: Any) -> None:
    live_journal.write("listening on :8080", _SYSTEMD_INVOCATION_ID=RUN_A)
    pid1(live_journal, "app.service: Main process exited, code=exited, status=1/FAILURE", RUN_A)
    pid1(live_journal, "app.service: Failed with result 'exit-code'.", RUN_A)


def test_systemds_closing_lines_of_the_failed_run_do_not_release_it(  # type: ignore[no-untyped-def]
        live_journal, service, receiver, tmp_path) -> None:  # noqa: F811
    hook = receiver()
    running = started(live_journal, service, hook, tmp_path)
    failed(live_journal)
    pid1(live_journal, "app.service: Consumed 12ms CPU time.", RUN_A)
    hook.wait_for(1)
    running.wait_log("stays firing until the unit logs again")
    time.sleep(1)
    assert not any("RESOLVED" in title for title in titles(hook))
    pid1(live_journal, "app.service: Consumed 12ms CPU time.", RUN_A)  # late, once held (helper-137's trial)
    time.sleep(1)
    assert not any("RESOLVED" in title for title in titles(hook)), "a closing line of the run released it"
    pid1(live_journal, "Started app.service - App.", RUN_B)  # a new run: it resolves
    resolved = hook.wait_for(2)[1][1]
    assert "RESOLVED" in resolved["title"] and "app.service has a new invocation" in resolved["message"]


def test_a_new_run_started_by_systemd_in_the_window_resolves_by_quiet_time(  # type: ignore[no-untyped-def]
        live_journal, service, receiver, tmp_path) -> None:  # noqa: F811
    hook = receiver()
    running = started(live_journal, service, hook, tmp_path)
    failed(live_journal)
    pid1(live_journal, "app.service: Scheduled restart job, restart counter is at 1.", RUN_A)
    pid1(live_journal, "Stopped app.service - App.", RUN_A)
    pid1(live_journal, "Started app.service - App.", RUN_B)
    resolved_by_quiet_time(hook, running)


BOOM = BOOM_RULE.format(action="restart", within="1s", group="")


def test_a_hung_run_stopped_by_systemd_in_the_window_resolves_by_quiet_time(  # type: ignore[no-untyped-def]
        live_journal, service, receiver, tmp_path) -> None:  # noqa: F811
    """The program's own hit (not a failure systemd told): PID 1's lines about its run are systemd acting on a live
    run (an operator's stop), which ends the hang: they count, as before."""
    rules = tmp_path / "boom-rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM)
    hook = receiver()
    running = alerting_to(service, live_journal, rules, hook)
    live_journal.write("BOOM hung", _SYSTEMD_INVOCATION_ID=RUN_A)
    pid1(live_journal, "Stopping app.service - App...", RUN_A)
    pid1(live_journal, "Stopped app.service - App.", RUN_A)
    resolved_by_quiet_time(hook, running)


def test_a_programs_failure_that_systemd_then_told_is_held_past_systemds_closing_lines(  # type: ignore[no-untyped-def]
        live_journal, service, receiver, tmp_path) -> None:  # noqa: F811
    """The program's hit leads the failure, systemd's "Failed with result" joins its chain: the run had ended, and
    PID 1's closing lines of it are not the unit logging again either."""
    rules = unit_failed_rules(tmp_path)
    (rules / "boom.toml").write_text(BOOM)
    hook = receiver()
    running = alerting_to(service, live_journal, rules, hook)
    live_journal.write("BOOM fatal", _SYSTEMD_INVOCATION_ID=RUN_A)
    pid1(live_journal, "app.service: Main process exited, code=exited, status=1/FAILURE", RUN_A)
    pid1(live_journal, "app.service: Failed with result 'exit-code'.", RUN_A)
    pid1(live_journal, "app.service: Consumed 12ms CPU time.", RUN_A)
    hook.wait_for(1)
    running.wait_log("stays firing until the unit logs again")
    time.sleep(1)
    assert not any("RESOLVED" in title for title in titles(hook)), running.log()


def test_a_held_hang_released_by_systemds_line_says_so_not_that_the_unit_logs(  # type: ignore[no-untyped-def]
        live_journal, service, receiver, tmp_path) -> None:  # noqa: F811
    """A hang held after its window (the program's hit, not a failure systemd told), then an operator's `systemctl
    stop`: PID 1's "Stopping" line ends it, and the resolve says systemd logged of the unit, quoting that line (a new
    operator read "hang.service logs again ...; the line: "Stopping hang.service ..."" in a real systemd)."""
    rules = tmp_path / "boom-rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM)
    hook = receiver()
    running = alerting_to(service, live_journal, rules, hook)
    live_journal.write("BOOM hung", _SYSTEMD_INVOCATION_ID=RUN_A)
    hook.wait_for(1)
    running.wait_log("stays firing until the unit logs again")
    pid1(live_journal, "Stopping app.service - App...", RUN_A)
    resolved = hook.wait_for(2)[1][1]
    assert "RESOLVED" in resolved["title"], resolved
    assert resolved["message"].startswith("systemd logs of app.service, "), resolved["message"]
    assert 'the line: "Stopping app.service - App..."' in resolved["message"], resolved["message"]
    assert "app.service logs again" not in resolved["message"], resolved["message"]
