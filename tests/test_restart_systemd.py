"""Restarts against a real systemd (the sandbox): restart on a deadlock signature, escalation when it comes
back, the restart budget, and logsentry's own watchdog as a Type=notify unit."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sandbox import Sandbox, VisibleCheckout

MVAR_UNIT = """[Unit]
Description=a GHC service that deadlocks a second after it starts
DefaultDependencies=no
[Service]
ExecStart=/bin/sh -c 'echo "worker started"; sleep 1; \\
    echo "mvar-app: thread blocked indefinitely in an MVar operation"; exec sleep infinity'
"""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox({"mvar.service": MVAR_UNIT})
    try:
        yield box
    finally:
        box.close()


def wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def signature_logged(box: Sandbox) -> None:
    """Wait until mvar.service's running invocation has logged its signature. A logsentry started before that
    line reads it (the service starts at the journal's end) and restarts the unit itself, racing the test's own
    restart: the test's invocation then met the cooldown and the test timed out (ciX, ciY: logsentry, faster to
    start than when these tests were written, was ready 16 ms before the sandbox's first invocation's line)."""
    invocation = box.show("mvar.service", "InvocationID")
    wait_until(lambda: "blocked indefinitely" in subprocess.run(
        ["journalctl", "-D", str(box.journal), f"_SYSTEMD_INVOCATION_ID={invocation}", "-o", "cat", "--no-pager"],
        capture_output=True, text=True).stdout, 15, "mvar.service's first invocation to log its signature")


def start_logsentry(box: Sandbox, tmp_path: Path, restart: str,
                    units: tuple[str, ...] = ("mvar",)) -> tuple[subprocess.Popen[bytes], Path, Path]:
    if "mvar" in units:  # (this file's sandbox; test_forged_unit's has other units)
        signature_logged(box)
    alerts = tmp_path / "alerts.jsonl"
    receiver = tmp_path / "receive.py"
    receiver.write_text(f"import sys\nopen({str(alerts)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    config = tmp_path / "logsentry.toml"
    config.write_text(f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{box.journal}"

[[watch]]
units = {json.dumps(list(units))}
actions = ["restart", "alert"]

[restart]
systemctl = {json.dumps(list(box.systemctl))}
{restart}

[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{receiver}"]
''')
    log = tmp_path / "logsentry.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(config)], stdout=out, stderr=out)
    wait_until(lambda: "ready: watching" in log.read_text(), 15, "logsentry ready")
    return proc, alerts, log


def alert_reasons(alerts: Path) -> list[str]:
    if not alerts.exists():
        return []
    # whole lines only: the command channel's write may be under way (a half line is no JSON yet)
    return [json.loads(line)["reason"] for line in alerts.read_text().split("\n")[:-1] if line.strip()]


def test_deadlocked_unit_is_restarted_then_escalated_when_it_comes_back(sandbox, tmp_path):
    first = sandbox.show("mvar.service", "InvocationID")
    proc, alerts, log = start_logsentry(sandbox, tmp_path, "")
    try:
        sandbox.run("restart", "mvar.service")  # a fresh invocation that logs the signature after 1 s
        second = sandbox.show("mvar.service", "InvocationID")
        assert second != first
        try:  # (a timeout shows logsentry's log: ciX's had none to tell why)
            wait_until(lambda: sandbox.show("mvar.service", "InvocationID") not in (first, second), 15,
                       "logsentry to restart mvar.service")
        except AssertionError as error:
            raise AssertionError(f"{error}; logsentry's log:\n{log.read_text()[-4000:]}") from None
        third = sandbox.show("mvar.service", "InvocationID")
        # The new invocation deadlocks again: logsentry alerts instead of restarting once more.
        wait_until(lambda: any("came back after restart" in r for r in alert_reasons(alerts)), 15,
                   "the came-back alert")
        assert sandbox.show("mvar.service", "InvocationID") == third
        assert "restarted mvar.service" in log.read_text()
        # The came-back alert names logsentry's restart as its own alert did: when it was carried out, not when
        # the line that decided it was logged (journald's notices alone are 100-400 ms late).
        reasons = alert_reasons(alerts)
        done = next(re.search(r"restarted mvar\.service at (\S+ \S+) \(new invocation (\w+)\)", r) for r in reasons
                    if r.startswith("restarted"))
        back = next(r for r in reasons if "came back after restart" in r)
        assert done is not None and done.group(2) == third, reasons
        assert f"logsentry restarted mvar.service at {done.group(1)} (new invocation {third})" in back, reasons
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_restart_budget_ends_in_a_loop_alert(sandbox, tmp_path):
    proc, alerts, log = start_logsentry(sandbox, tmp_path, 'budget = 2\ncooldown = "1ms"\non_return = "restart"')
    try:
        invocations = {sandbox.show("mvar.service", "InvocationID")}
        sandbox.run("restart", "mvar.service")
        wait_until(lambda: any("restart loop" in r for r in alert_reasons(alerts)), 30, "the restart-loop alert")
        time.sleep(2)  # a wrongly allowed third restart would show up as a new invocation now
        text = log.read_text()
        assert text.count("restarted mvar.service") == 2, text
        assert "not restarting mvar.service (rule ghc-mvar-deadlock): restart loop: 2 restarts within 1h" in text, text
        invocations.add(sandbox.show("mvar.service", "InvocationID"))
        assert sum(1 for r in alert_reasons(alerts) if "restart loop" in r) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)


def test_logsentry_watchdog_restarts_a_stuck_logsentry():
    # Inside the sandbox /tmp is private: the config must live elsewhere on the host.
    config = Path(tempfile.mkdtemp(prefix="logsentry-watchdog-", dir="/var/tmp")) / "inner.toml"
    checkout = VisibleCheckout()
    config.write_text('state_dir = "/run/logsentry-state"\n[[watch]]\nunits = ["nothing-here"]\n')
    unit = f"""[Unit]
Description=logsentry itself, with a watchdog
DefaultDependencies=no
After=systemd-journald.socket
[Service]
Type=notify
NotifyAccess=main
WatchdogSec=3
Restart=on-watchdog
WorkingDirectory={checkout.root}
ExecStart={checkout.python} -m logsentry run -c {config}
"""
    box = Sandbox({"logsentry.service": unit})
    try:
        wait_until(lambda: box.show("logsentry.service", "ActiveState") == "active", 15, "logsentry active (READY=1)")
        first = box.show("logsentry.service", "InvocationID")
        time.sleep(4.5)  # longer than WatchdogSec: a healthy logsentry keeps pinging
        assert box.show("logsentry.service", "InvocationID") == first
        assert "entries" in box.show("logsentry.service", "StatusText")
        box.run("kill", "--signal=SIGSTOP", "logsentry.service")  # a stuck reader: no more pings
        wait_until(lambda: box.show("logsentry.service", "InvocationID") not in ("", first), 20,
                   "systemd to restart the stuck logsentry")
        wait_until(lambda: box.show("logsentry.service", "ActiveState") == "active", 15, "logsentry active again")
        assert box.show("logsentry.service", "NRestarts") == "1"
    finally:
        box.close()
        checkout.close()
        shutil.rmtree(config.parent, ignore_errors=True)


def inner_config(work: Path, checkout: VisibleCheckout, config_body: str) -> Path:
    """A config for logsentry inside the sandbox (in `work`, which the sandbox sees): state in its private /run, and a
    command channel that appends alerts to /share/alerts.jsonl (share/alerts.jsonl of its directory on the host)."""
    receiver = work / "receive.py"
    receiver.write_text("import sys\nopen('/share/alerts.jsonl', 'a').write(sys.stdin.read() + '\\n')\n")
    config = work / "inner.toml"
    config.write_text(f'state_dir = "/run/logsentry-state"\n{config_body}\n'
                      f'[[channel]]\ntype = "command"\nargv = ["{checkout.python}", "{receiver}"]\n')
    return config


@contextmanager
def logsentry_inside(config_body: str, units: dict[str, str] | None = None,
                     name: str = "logsentry.service") -> Iterator[tuple[Sandbox, Path]]:
    """logsentry as a Type=notify unit `name` inside the sandbox, on the sandbox's own local journal, with a
    command channel that appends alerts to share/alerts.jsonl (its path on the host is yielded)."""
    work = Path(tempfile.mkdtemp(prefix="logsentry-inside-", dir="/var/tmp"))
    checkout = VisibleCheckout()
    config = inner_config(work, checkout, config_body)
    unit = f"""[Unit]
DefaultDependencies=no
After=systemd-journald.socket
[Service]
Type=notify
WorkingDirectory={checkout.root}
ExecStart={checkout.python} -m logsentry run -c {config}
"""
    box = Sandbox({name: unit, **(units or {})})
    try:
        wait_until(lambda: box.show(name, "ActiveState") == "active", 15, "logsentry active")
        yield box, box.dir / "share" / "alerts.jsonl"
    finally:
        box.close()
        checkout.close()
        shutil.rmtree(work, ignore_errors=True)


def test_canary_self_check_alerts_when_logsentry_cannot_see_the_journal():
    """logsentry runs inside the sandbox on the local journal; freezing journald makes it blind."""
    config = '[canary]\ninterval = "1s"\ntimeout = "3s"\n[[watch]]\nunits = ["nothing-here"]'
    with logsentry_inside(config) as (box, alerts):
        time.sleep(5)  # several canaries written and read back: no alert
        assert not alerts.exists()
        box.run("kill", "--signal=SIGSTOP", "systemd-journald.service")
        wait_until(lambda: alerts.exists() and "cannot see the journal" in alerts.read_text(), 20,
                   "the journal_blind alert")
        box.run("kill", "--signal=SIGCONT", "systemd-journald.service")
        # its all-clear, told from the first canary lost (helper-199: none came, and "canary back after 11.1s" was
        # the latest canary's)
        wait_until(lambda: '"event": "resolved"' in alerts.read_text(), 30, "the journal_blind all-clear")
        [firing, resolved] = [json.loads(line) for line in alerts.read_text().splitlines() if line.strip()
                              and json.loads(line)["rule"] == "journal_blind"][:2]
        assert firing["event"] == "journal_blind" and resolved["event"] == "resolved", (firing, resolved)
        assert resolved["reason"].startswith("the journal is readable again: a canary written at "), resolved
        assert resolved["first_usec"] <= resolved["last_usec"], resolved


def test_keeps_reading_after_journald_restarts():
    """logsentry inside the sandbox follows the local journal; journald is restarted (and its files
    rotated) under it; a deadlock logged afterwards is still caught."""
    config = '[[watch]]\nunits = ["mvar"]\nactions = ["alert"]'
    with logsentry_inside(config, {"mvar.service": MVAR_UNIT}) as (box, alerts):
        box.run("restart", "mvar.service")
        wait_until(lambda: alerts.exists() and alerts.read_text().endswith("\n"), 15,  # (a whole line written)
                   "the alert for a deadlock before journald restarts")
        before = alerts.read_text().count("\n")
        box.run("restart", "systemd-journald.service")
        box.run("kill", "--signal=SIGUSR2", "systemd-journald.service")  # journald's rotate request
        box.run("restart", "mvar.service")
        wait_until(lambda: alerts.read_text().count("\n") > before, 20, "an alert after journald restarted")
        assert box.show("logsentry.service", "NRestarts") == "0"


def test_abort_first_leaves_evidence_before_the_restart(sandbox, tmp_path):
    """abort_first: SIGABRT to the main process (so systemd-coredump can keep a core), then the restart."""
    proc, _alerts, log = start_logsentry(sandbox, tmp_path, "abort_first = true")
    try:
        first = sandbox.show("mvar.service", "InvocationID")
        sandbox.run("restart", "mvar.service")
        second = sandbox.show("mvar.service", "InvocationID")
        wait_until(lambda: sandbox.show("mvar.service", "InvocationID") not in (first, second), 15,
                   "the restart after SIGABRT")
        journal = subprocess.run(["journalctl", "-D", str(sandbox.journal), "-u", "mvar.service", "-o", "cat",
                                  "--no-pager"], capture_output=True, text=True, check=False).stdout
        assert "status=6/ABRT" in journal
        # logged once systemctl has returned, which may be a moment after the new invocation shows
        wait_until(lambda: "sent SIGABRT first; restarted" in log.read_text(), 10, "the restart's log line")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
