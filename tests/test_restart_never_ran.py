"""A restart logsentry decided but never ran (it was killed between recording the intent and recording its
command's PID, so the command's gate never opened: actions/restart.py), while someone else restarted the unit,
against a real systemd (the sandbox). The new invocation is not logsentry's: its own deadlock is a fresh start's,
restarted once, not "came back after restart" left hung (CI's kill -9 test hit this: a unit never restarted)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from sandbox import Sandbox
from test_restart_faults import start_host_logsentry
from test_restart_systemd import MVAR_UNIT, alert_reasons, signature_logged, wait_until

from logsentry.actions.bounded import kill_group


def journal_invocations(box: Sandbox, unit: str) -> list[str]:
    """The unit's invocations in the order they logged "worker started"."""
    done = subprocess.run(["journalctl", "-D", str(box.journal), "-u", unit, "-o", "json", "--output-fields",
                           "MESSAGE,_SYSTEMD_INVOCATION_ID", "--no-pager"], capture_output=True, text=True, check=False)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    return [r.get("_SYSTEMD_INVOCATION_ID", "") for r in rows if r.get("MESSAGE") == "worker started"]


def judged_afresh(box: Sandbox, alerts: Path, first: str, by_operator: str, why: str) -> None:
    """The first incident's alert says `why` its restart did not run; the operator's invocation's deadlock was
    restarted by logsentry (not "came back", no cooldown), so the unit's last three starts are first, the
    operator's and logsentry's."""
    wait_until(lambda: any("restarted mvar.service at" in r for r in alert_reasons(alerts)), 30,
               "the operator's invocation's alert, saying logsentry restarted it")
    reasons = alert_reasons(alerts)
    assert any(why in r for r in reasons), reasons
    assert not any("came back after restart" in r or "cooldown" in r for r in reasons), reasons
    started = journal_invocations(box, "mvar.service")
    assert started[-3:-1] == [first, by_operator] and started[-1] not in (first, by_operator), started


def end(box: Sandbox, proc: subprocess.Popen[bytes] | None) -> None:
    """Kill the test's logsentry (if it started) and take the sandbox down."""
    if proc is not None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    box.close()


@pytest.mark.parametrize("abort_first", [False, True])
def test_a_restart_that_never_ran_leaves_the_next_invocation_to_be_judged_afresh(tmp_path, abort_first):
    """With abort_first, the SIGABRT before the restart is gated and recorded as the restart is: one never sent
    (no PID recorded) is no action of logsentry's either (helper-119: it was counted as the restart, and the
    operator's invocation's deadlock was "came back after restart")."""
    box = Sandbox({"mvar.service": MVAR_UNIT})
    proc = None
    extra = "abort_first = true" if abort_first else ""
    try:
        hung = tmp_path / "hung-systemctl"  # the first logsentry's first command (kill or restart) never finishes
        verb = "kill" if abort_first else "restart"
        hung.write_text(f'#!/bin/sh\n[ "$1" = {verb} ] && exec sleep 600\nexec {" ".join(box.systemctl)} "$@"\n')
        hung.chmod(0o700)
        signature_logged(box)  # the boot's invocation deadlocks before logsentry starts (at the journal's end)
        proc, _alerts, _log = start_host_logsentry(box, tmp_path, [str(hung)], extra, units='["mvar"]')
        box.run("restart", "mvar.service")  # an invocation logsentry sees deadlock
        first = box.show("mvar.service", "InvocationID")
        db = tmp_path / "state" / "state.db"

        def intent() -> tuple[int, str] | None:
            if not db.exists():
                return None
            with sqlite3.connect(db) as con:
                row = con.execute("SELECT pid, before FROM intent").fetchone()
            return None if row is None or not row[0] else (int(row[0]), str(row[1]))

        wait_until(lambda: intent() is not None, 20, "logsentry's restart command to start")
        pid, before = intent() or (0, "")
        assert before == first
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        kill_group(pid)
        # What a logsentry killed before its command's PID was recorded leaves: the intent, no PID (the gate
        # then reads end-of-file and runs nothing).
        with sqlite3.connect(db) as con:
            con.execute("UPDATE intent SET pid = 0, pid_start = ''")
        box.run("restart", "mvar.service")  # the operator's restart, while logsentry is down
        by_operator = box.show("mvar.service", "InvocationID")
        assert by_operator != first
        time.sleep(1.5)  # the operator's invocation deadlocks a second after it starts
        proc, alerts, _log = start_host_logsentry(box, tmp_path, list(box.systemctl), extra, units='["mvar"]')
        try:
            wait_until(lambda: box.show("mvar.service", "InvocationID") not in (first, by_operator), 20,
                       "logsentry to restart the operator's invocation that deadlocked")
        except AssertionError as error:  # what systemd and the processes were doing
            jobs = box.run("list-jobs", "--no-pager").stdout
            status = box.run("status", "--no-pager", "mvar.service").stdout
            tree = subprocess.run(["ps", "-eo", "pid,ppid,pgid,etimes,stat,args", "--forest"], capture_output=True,
                                  text=True, check=False).stdout
            raise AssertionError(f"{error}\njobs:\n{jobs}\nstatus:\n{status}\nprocesses:\n{tree}") from None
        judged_afresh(box, alerts, first, by_operator,
                      f"was restarted by someone else (new invocation {by_operator})")
    finally:
        end(box, proc)


def test_a_unit_restarted_by_someone_else_before_logsentry_acts_is_not_restarted_again(tmp_path):
    """The incident's invocation is gone by the time the restart would run (an operator's restart, systemd's
    Restart=): restarting would only cut the new invocation short. That one's own deadlock is then restarted."""
    box = Sandbox({"mvar.service": MVAR_UNIT})
    proc = None
    try:
        slow = tmp_path / "slow-show"  # logsentry asks the unit's invocation before it restarts: slowly here
        slow.write_text(f'#!/bin/sh\n[ "$1" = show ] && sleep 3\nexec {" ".join(box.systemctl)} "$@"\n')
        slow.chmod(0o700)
        signature_logged(box)  # the boot's invocation deadlocks before logsentry starts (at the journal's end)
        proc, alerts, log = start_host_logsentry(box, tmp_path, [str(slow)], units='["mvar"]')
        box.run("restart", "mvar.service")  # an invocation logsentry sees deadlock
        first = box.show("mvar.service", "InvocationID")
        wait_until(lambda: "queueing restart of mvar.service" in log.read_text(), 20, "logsentry's restart decision")
        box.run("restart", "mvar.service")  # the operator's, while logsentry asks the invocation
        by_operator = box.show("mvar.service", "InvocationID")
        wait_until(lambda: box.show("mvar.service", "InvocationID") not in (first, by_operator), 30,
                   "logsentry to restart the operator's invocation that deadlocked")
        judged_afresh(box, alerts, first, by_operator,
                      f"already has a new invocation ({by_operator}) since the incident's ({first})")
    finally:
        end(box, proc)
