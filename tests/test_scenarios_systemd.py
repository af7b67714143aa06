"""Failure scenarios against a real systemd and journald (the sandbox, see sandbox.py), one boot for all: each
unit fails once when the test tells it to, `logsentry run` reads the sandbox's journal, and the notifications
a webhook receiver on 127.0.0.1 gets are counted: one failure is one incident, at most 1.2 pages per failure
on average, never fewer incidents than failures.

What each scenario covers, honestly:
- sigkill: the main process is SIGKILLed, as the OOM killer would; the kernel's OOM lines cannot be made in
  the sandbox (no memory cgroup limit is hit, and the kernel log is the host's), so the chain is PID 1's:
  main process killed -> failed with result 'signal' -> restart scheduled. tests/test_failure_grouping.py
  holds the kernel lines' part (real journal files with the kernel's and PID 1's fields).
- segv: a real segmentation fault (Python reading address 0), core dumped by the kernel (core_pattern "core");
  systemd-coredump is not installed here and core_pattern is the host's, so there is no systemd-coredump
  report, and the kernel's "segfault at" line goes to the host's kernel log, not the sandbox's journal.
- watchdog: Type=notify with WatchdogSec=3; the service stops pinging and systemd kills it (SIGABRT).
- flap: a service that exits 1 at every start, Restart=always, until systemd's start limit stops it: its crash
  loop is one failure (each run a new invocation, systemd saying it failed again), led by the start-limit hit.
- mvar: the GHC deadlock line; logsentry restarts the unit (one restart decision) and pages once.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from receivers import HttpReceiver
from sandbox import Sandbox
from test_restart_systemd import wait_until

WAIT = "while [ ! -e /run/go-{name} ]; do sleep 0.1; done; rm -f /run/go-{name}"
"""A unit waits for the test's go (a file in the sandbox's private /run) before it fails: at boot, before
logsentry reads the journal, nothing happens."""

SIGKILL_UNIT = """[Unit]
DefaultDependencies=no
[Service]
ExecStart=/bin/sh -c 'echo "kill-me serving"; exec sleep infinity'
Restart=on-failure
RestartSec=1
"""
SEGV_UNIT = """[Unit]
DefaultDependencies=no
[Service]
ExecStart=/bin/sh -c '{wait}; echo "segv parsing request"; \
    exec /usr/bin/python3 -c "import ctypes; ctypes.string_at(0)"'
LimitCORE=infinity
WorkingDirectory=/var/tmp
"""
WATCHDOG_UNIT = """[Unit]
DefaultDependencies=no
[Service]
Type=notify
WatchdogSec=3
ExecStart=/usr/bin/python3 {script}
"""
WATCHDOG_SCRIPT = """import os, socket, time
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
address = os.environ["NOTIFY_SOCKET"]
sock.connect("\\0" + address[1:] if address.startswith("@") else address)
sock.send(b"READY=1")
print("watchdog serving", flush=True)
while not os.path.exists("/run/go-watchdog"):
    sock.send(b"WATCHDOG=1")
    time.sleep(0.2)
os.remove("/run/go-watchdog")
print("watchdog worker stuck", flush=True)
time.sleep(3600)
"""
FLAP_UNIT = """[Unit]
DefaultDependencies=no
StartLimitIntervalSec=60
StartLimitBurst=3
[Service]
ExecStart=/bin/sh -c 'while [ ! -e /run/go-flap ]; do sleep 0.1; done; echo "flap: cannot read config"; exit 1'
Restart=always
RestartSec=200ms
"""
MVAR_UNIT = """[Unit]
DefaultDependencies=no
[Service]
ExecStart=/bin/sh -c '{wait}; echo "mvar-app: thread blocked indefinitely in an MVar operation"; \\
    exec sleep infinity'
"""


def pid1_lines(box: Sandbox) -> str:
    """PID 1's lines in the sandbox's journal: what systemd itself says happened."""
    return subprocess.run(["journalctl", "-D", str(box.journal), "-o", "cat", "--no-pager", "_PID=1"],
                          capture_output=True, text=True, check=False).stdout


def pages(receiver: HttpReceiver, distinct: bool = True) -> Counter[str]:
    """Notifications that page (firing, restart done), per unit: resolves and reminders are not pages. With
    `distinct`, a delivery repeated after a timed-out attempt (at least once, by design) counts once."""
    counted: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for _path, body in receiver.requests:
        title = body.get("title", "") if isinstance(body, dict) else ""
        if "RESOLVED:" in title or "still firing:" in title:
            continue
        if distinct and (title, body.get("message", "")) in seen:
            continue
        seen.add((title, body.get("message", "")))
        unit = next((u for u in ("kill-me", "segv", "watchdog", "flap", "mvar") if f" {u}.service:" in title), "?")
        counted[unit] += 1
    return counted


def test_one_page_per_failure_in_five_scenarios(tmp_path: Path):
    scripts = Path(tempfile.mkdtemp(prefix="logsentry-scn-", dir="/var/tmp"))  # the sandbox sees /var/tmp
    (scripts / "watchdog.py").write_text(WATCHDOG_SCRIPT)
    box = Sandbox({"kill-me.service": SIGKILL_UNIT, "segv.service": SEGV_UNIT.format(wait=WAIT.format(name="segv")),
                   "watchdog.service": WATCHDOG_UNIT.format(script=scripts / "watchdog.py"),
                   "flap.service": FLAP_UNIT, "mvar.service": MVAR_UNIT.format(wait=WAIT.format(name="mvar"))})
    hook = HttpReceiver()
    config = tmp_path / "logsentry.toml"
    config.write_text(f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{box.journal}"

[[watch]]
units = ["kill-me", "segv", "watchdog", "flap"]
actions = ["alert"]

[[watch]]
units = ["mvar"]
actions = ["restart", "alert"]

[restart]
systemctl = {json.dumps(list(box.systemctl))}

[[channel]]
name = "hook"
type = "apprise"
url = "json://{hook.url}/hook"
''')
    config.chmod(0o600)
    log = tmp_path / "logsentry.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(config)], stdout=out, stderr=out)
    try:
        wait_until(lambda: "ready: watching" in log.read_text(), 20, "logsentry ready")
        nsenter = box.systemctl[:-1]
        mvar_before = box.show("mvar.service", "InvocationID")
        box.run("kill", "--signal=SIGKILL", "--kill-whom=main", "kill-me.service")
        for name in ("segv", "watchdog", "flap", "mvar"):
            subprocess.run([*nsenter, "touch", f"/run/go-{name}"], check=True, timeout=10)
        failures = {"kill-me": 1, "segv": 1, "watchdog": 1, "mvar": 1}
        wait_until(lambda: "flap.service: Start request repeated too quickly." in pid1_lines(box), 20,
                   "flap's start limit")
        starts = pid1_lines(box).count("flap.service: Main process exited, code=exited")
        failures["flap"] = 1  # one crash loop: its start limit (0.4 s in) joins it while it settles
        wait_until(lambda: box.show("watchdog.service", "Result") == "watchdog", 20, "the watchdog timeout")
        wait_until(lambda: box.show("mvar.service", "InvocationID") != mvar_before, 20, "logsentry's restart")
        deadline = time.monotonic() + 60  # deliveries run in child processes: slow on a loaded machine
        while sum(pages(hook).values()) < sum(failures.values()) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(5)  # a second page for one failure would come within the settling time (2 s)
        journal = pid1_lines(box)
        # The failures really happened as described (systemd's own words).
        assert "kill-me.service: Main process exited, code=killed, status=9/KILL" in journal
        assert "segv.service: Main process exited, code=dumped, status=11/SEGV" in journal
        assert "watchdog.service: Watchdog timeout (limit 3s)!" in journal
        assert starts == 3  # StartLimitBurst=3: the first start and two restarts, then refused
        got = pages(hook)
        text = log.read_text()
        assert got == Counter(failures), (got, failures, text)  # never fewer, never more than one per failure
        assert sum(pages(hook, distinct=False).values()) / sum(failures.values()) <= 1.2
        assert text.count("restarted mvar.service") == 1, text
        bodies = [body for _path, body in hook.requests if isinstance(body, dict)]
        kill_me = next(b["message"] for b in bodies if " kill-me.service:" in b["title"])
        # killed -> failed (-> restart scheduled, 1 s later: in the chain when it came within the settling time)
        assert "one failure, " in kill_me and "systemd-main-process-killed (warning)" in kill_me, kill_me
        assert "systemd-unit-failed (error): kill-me.service: Failed with result 'signal'." in kill_me, kill_me
        flap = [b["title"] for b in bodies if " flap.service:" in b["title"]]
        assert any("systemd-start-limit-hit" in title for title in flap), flap
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        hook.close()
        box.close()
        shutil.rmtree(scripts, ignore_errors=True)
