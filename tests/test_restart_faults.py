"""Restarts under faults against a real systemd (the sandbox), issue 13: kill -9 of logsentry during slow
restarts repeats none; an operator's own restart is not "came back"; the alerts say what was done; the
shipped unit's reload fails visibly on a bad config."""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sandbox import ROOT, Sandbox, VisibleCheckout
from test_restart_systemd import MVAR_UNIT, alert_reasons, signature_logged, start_logsentry, wait_until

UNITS = [f"mvar{i}.service" for i in range(8)]


def journal_text(box: Sandbox, unit: str) -> str:
    return subprocess.run(["journalctl", "-D", str(box.journal), "-u", unit, "-o", "cat", "--no-pager"],
                          capture_output=True, text=True, check=False).stdout


def starts(box: Sandbox, unit: str) -> int:
    return journal_text(box, unit).count("worker started")


def start_host_logsentry(box: Sandbox, tmp_path: Path, systemctl: list[str], extra: str = "",
                         units: str = '["mvar*"]') -> tuple[subprocess.Popen[bytes], Path, Path]:
    alerts = tmp_path / "alerts.jsonl"
    receiver = tmp_path / "receive.py"
    receiver.write_text(f"import json, sys\ndata = json.dumps(json.loads(sys.stdin.read()))\n"
                        f"open({str(alerts)!r}, 'a').write(data + '\\n')\n")
    config = tmp_path / "logsentry.toml"
    config.write_text(f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{box.journal}"
commit_every = 5
[[watch]]
units = {units}
actions = ["restart", "alert"]
[restart]
systemctl = {json.dumps(systemctl)}
timeout = "20s"
{extra}
[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{receiver}"]
''')
    log = tmp_path / "logsentry.log"
    before = log.read_text().count("ready: watching") if log.exists() else 0
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(config)], stdout=out, stderr=out)
    wait_until(lambda: log.read_text().count("ready: watching") > before, 15, "logsentry ready")
    return proc, alerts, log


def test_kill_9_during_slow_restarts_restarts_every_unit_exactly_once(tmp_path):
    box = Sandbox({unit: MVAR_UNIT.replace("mvar-app", unit.split(".")[0]) for unit in UNITS})
    proc = None
    try:
        slow = tmp_path / "slow-systemctl"
        slow.write_text(f'#!/bin/sh\n[ "$1" = restart ] && sleep 3\nexec {" ".join(box.systemctl)} "$@"\n')
        slow.chmod(0o700)
        # The boot's invocations deadlock before logsentry starts (at the journal's end): a logsentry ready before
        # their line restarts them itself, and the operator's restarts then meet its cooldown, not "came back".
        wait_until(lambda: all(journal_text(box, unit).count("blocked indefinitely") == 1 for unit in UNITS), 15,
                   "the units' first invocation to deadlock")
        proc, alerts, _log = start_host_logsentry(box, tmp_path, [str(slow)])
        rng = random.Random(13)
        kills = 0
        todo = list(UNITS)
        until = time.monotonic() + 18
        while time.monotonic() < until or todo:
            if todo:  # an operator's restart, one unit at a time: each new invocation deadlocks a second later,
                box.run("restart", "--no-block", todo.pop())  # so kills fall on every phase of a restart
            time.sleep(rng.uniform(0.3, 2.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            kills += 1
            proc, alerts, _log = start_host_logsentry(box, tmp_path, [str(slow)])
        wait_until(lambda: all(starts(box, unit) >= 3 for unit in UNITS), 60,
                   "one restart by logsentry of every unit")
        wait_until(lambda: sum("came back after restart" in r for r in alert_reasons(alerts)) >= len(UNITS), 30,
                   "the came-back alerts")
        time.sleep(4)  # longer than the slow systemctl: a repeated restart would show now
        counts = {unit: starts(box, unit) - 2 for unit in UNITS}  # less the boot's start and the operator's
        assert counts == dict.fromkeys(UNITS, 1), (counts, kills)
        assert kills >= 5
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        box.close()


def invocations(box: Sandbox, unit: str) -> set[str]:
    """Every invocation of the unit its journal names (journald's _SYSTEMD_INVOCATION_ID on its own lines)."""
    done = subprocess.run(["journalctl", "-D", str(box.journal), "-q", "-o", "json", f"_SYSTEMD_UNIT={unit}"],
                          capture_output=True, text=True, check=False)
    return {json.loads(line).get("_SYSTEMD_INVOCATION_ID", "") for line in done.stdout.splitlines()} - {""}


def test_operator_restart_is_no_came_back_and_alerts_say_what_was_done(tmp_path):
    box = Sandbox({"mvar.service": MVAR_UNIT})
    proc = None
    try:
        systemctl = [shutil.which(box.systemctl[0]) or box.systemctl[0], *box.systemctl[1:]]  # an absolute path
        # the boot invocation's own deadlock line first: a logsentry ready before it restarted that one too, and
        # the first firing alert then named that restart, not the one after the operator's (ciE, under load)
        signature_logged(box)
        proc, alerts, log = start_host_logsentry(box, tmp_path, systemctl, 'cooldown = "1ms"', units='["mvar"]')
        box.run("restart", "mvar.service")  # the operator's restart: deadlocks a second later
        first = box.show("mvar.service", "InvocationID")
        wait_until(lambda: box.show("mvar.service", "InvocationID") != first, 15, "logsentry's restart")
        wait_until(lambda: any("came back after restart" in r for r in alert_reasons(alerts)), 15, "came back")
        # the first incident's resolve goes through the outbox beside the came-back alert, in either order
        wait_until(lambda: any("has a new invocation" in r for r in alert_reasons(alerts)), 15, "the resolve")
        reasons = alert_reasons(alerts)
        # The incident's own alert waited for its restart and says it; the came-back one names it too. (Its
        # invocation is read from the alert: the unit may have deadlocked and been restarted again since.)
        firing = next(r for r in reasons if "came back" not in r)
        said = re.search(r"restarted mvar\.service at \S+ \S+ \(new invocation ([0-9a-f]{32})\)", firing)
        assert said, firing
        by_logsentry = said.group(1)
        assert by_logsentry != first and by_logsentry in invocations(box, "mvar.service"), (by_logsentry, first)
        came_back = next(r for r in reasons if "came back" in r)
        assert "logsentry restarted mvar.service at" in came_back and by_logsentry in came_back, came_back
        payloads = [json.loads(line) for line in alerts.read_text().split("\n")[:-1] if line.strip()]
        resolved = [p for p in payloads if p["event"] == "resolved"]
        assert resolved and "has a new invocation" in resolved[0]["reason"], resolved
        assert "no new hit for" not in resolved[0]["reason"]
        # The operator restarts it again: a fresh start, not a comeback; logsentry restarts it once more.
        box.run("restart", "mvar.service")
        by_operator = box.show("mvar.service", "InvocationID")
        wait_until(lambda: box.show("mvar.service", "InvocationID") not in (by_logsentry, by_operator), 15,
                   "a restart after the operator's restart deadlocked")
        wait_until(lambda: log.read_text().count("restarted mvar.service") == 2, 10, "the second restart logged")
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
        box.close()


def shipped_reload_lines(python: str, config: Path) -> str:
    """The ExecReload lines of contrib/logsentry.service, pointed at this checkout and config."""
    unit = (ROOT / "contrib" / "logsentry.service").read_text()
    lines = [line for line in unit.splitlines() if line.startswith("ExecReload=")]
    assert len(lines) >= 2, "the shipped unit checks the config before it signals a reload"
    return "\n".join(line.replace("/opt/logsentry/bin/logsentry", f"{python} -m logsentry")
                     .replace("/etc/logsentry/logsentry.toml", str(config)) for line in lines)


def test_shipped_unit_reload_fails_on_a_bad_config_and_status_says_a_rejected_reload(tmp_path):
    work = Path(tempfile.mkdtemp(prefix="logsentry-reload-", dir="/var/tmp"))
    checkout = VisibleCheckout()
    config = work / "inner.toml"
    good = 'state_dir = "/run/logsentry-state"\n[[watch]]\nunits = ["nothing-here"]\n'
    config.write_text(good)
    config.chmod(0o600)
    unit = f"""[Unit]
DefaultDependencies=no
After=systemd-journald.socket
[Service]
Type=notify
WorkingDirectory={checkout.root}
ExecStart={checkout.python} -m logsentry run -c {config}
{shipped_reload_lines(checkout.python, config)}
"""
    box = Sandbox({"logsentry.service": unit})
    try:
        wait_until(lambda: box.show("logsentry.service", "ActiveState") == "active", 15, "logsentry active")
        assert box.run("reload", "logsentry.service").returncode == 0
        config.write_text(good + "bogus_key = 1\n")
        reload = box.run("reload", "logsentry.service")
        assert reload.returncode != 0, "systemctl reload succeeded on a bad config"
        assert box.show("logsentry.service", "ActiveState") == "active"
        box.run("kill", "--signal=SIGHUP", "logsentry.service")  # a SIGHUP that gets through anyway
        wait_until(lambda: "rejected" in box.show("logsentry.service", "StatusText"), 10,
                   "STATUS to say the reload was rejected")
        config.write_text(good)
        assert box.run("reload", "logsentry.service").returncode == 0
        wait_until(lambda: "rejected" not in box.show("logsentry.service", "StatusText"), 10,
                   "STATUS to drop the rejection after a good reload")
    finally:
        box.close()
        checkout.close()
        shutil.rmtree(work, ignore_errors=True)


_ = (pytest, start_logsentry)
