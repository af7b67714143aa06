"""A dry run's "would restart" is no restart: the live service after it (a reload that reads `dry_run = true` gone,
or a start without `--dry-run` on the same state) must not count it for budget, cooldown or "came back after
restart". It did: the dry run's decision went into the saved restart ledger, so a new user's first live run
answered an operator's restart with "restart cooldown: last restart 27s ago; not restarting" for a restart that
never happened (or "came back after restart": not restarted). Real parts: a real systemd (the sandbox) running the
deadlocking unit, `logsentry run` on its journal, a command channel."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sandbox import Sandbox
from test_restart_systemd import MVAR_UNIT, alert_reasons, wait_until


def test_a_dry_runs_would_restart_is_not_counted_once_the_service_is_live(tmp_path: Path) -> None:
    box = Sandbox({"mvar.service": MVAR_UNIT})
    proc = None
    try:
        alerts = tmp_path / "alerts.jsonl"
        receiver = tmp_path / "receive.py"
        receiver.write_text(f"import json, sys\ndata = json.dumps(json.loads(sys.stdin.read()))\n"
                            f"open({str(alerts)!r}, 'a').write(data + '\\n')\n")
        systemctl = [shutil.which(box.systemctl[0]) or box.systemctl[0], *box.systemctl[1:]]  # an absolute path
        live = f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{box.journal}"
commit_every = 5
[[watch]]
units = ["mvar"]
actions = ["restart", "alert"]
[restart]
systemctl = {json.dumps(systemctl)}
timeout = "20s"
cooldown = "1h"
[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{receiver}"]
'''
        config = tmp_path / "logsentry.toml"
        config.write_text(live.replace("commit_every = 5", "commit_every = 5\ndry_run = true"))
        log = tmp_path / "logsentry.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(config)], stdout=out,
                                    stderr=out)
        wait_until(lambda: "ready: watching" in log.read_text(), 30, "logsentry ready")
        box.run("restart", "mvar.service")  # deadlocks a second later: the dry run would restart it
        wait_until(lambda: "would restart mvar.service" in log.read_text(), 20, "the dry run's would-restart")
        deadlocked = box.show("mvar.service", "InvocationID")
        config.write_text(live)
        proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "reloaded:" in log.read_text(), 20, "the reload")
        reloaded = log.read_text().index("reloaded:")
        restarted = "restarted mvar.service (ghc-mvar-deadlock): restarted"  # (logged once systemctl is done)
        time.sleep(1.5)  # the reload reads again the lines since the last commit: the deadlock still going there is
        # the live service's to restart at once (an operator's restart now raced it: the full suite at load 6)
        if "queueing restart of mvar.service" in log.read_text()[reloaded:]:
            before = deadlocked  # the live service restarts the dry run's deadlocked invocation itself
        else:
            box.run("restart", "mvar.service")  # the operator's restart: a fresh start, whose deadlock is restarted
            before = box.show("mvar.service", "InvocationID")
        deadline = time.monotonic() + 30  # a restart, or a refusal (before: neither, for 30 min)
        while restarted not in (text := log.read_text()[reloaded:]) and "not restarting" not in text \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "restart cooldown" not in text and "came back after restart" not in text, text
        assert restarted in text and box.show("mvar.service", "InvocationID") != before, text
        wait_until(lambda: any("restarted mvar.service at" in r for r in alert_reasons(alerts)), 20, "its alert")
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        box.close()
