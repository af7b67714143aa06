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
from test_restart_systemd import MVAR_UNIT, alert_reasons, signature_logged, wait_until


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
        # The sandbox's boot starts mvar.service, which deadlocks a second later: once that line is in the journal,
        # logsentry (which starts at the journal's end) reads only the deadlock of the restart below. Before, a
        # logsentry ready first took the boot invocation's line for the would-restart, the restart's own deadlock
        # then came to the live service after the reload, and its restart raced the operator's: "restart cooldown".
        signature_logged(box)
        with open(log, "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(config)], stdout=out,
                                    stderr=out)
        wait_until(lambda: "ready: watching" in log.read_text(), 30, "logsentry ready")
        box.run("restart", "mvar.service")  # deadlocks a second later: the dry run would restart it
        wait_until(lambda: "would restart mvar.service" in log.read_text(), 20, "the dry run's would-restart")
        config.write_text(live)
        proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "reloaded:" in log.read_text(), 20, "the reload")
        reloaded = log.read_text().index("reloaded:")
        restarted = "restarted mvar.service (ghc-mvar-deadlock): restarted"  # (logged once systemctl is done)
        # The dry run read the deadlock, so the live service has no restart of its own to do (a reload pages the
        # dry run's open incidents, restarting none): the operator's restart is a fresh start, whose deadlock the
        # live service restarts, neither in a cooldown nor "came back" for the dry run's would-restart.
        box.run("restart", "mvar.service")
        before = box.show("mvar.service", "InvocationID")
        deadline = time.monotonic() + 30  # a restart, or a refusal (before: neither, for 30 min)
        while restarted not in (text := log.read_text()[reloaded:]) and "not restarting" not in text \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        # (what came before the restart: the invocation it starts deadlocks a second later, "came back", rightly)
        decided = text[:text.index(restarted)] if restarted in text else text
        assert "restart cooldown" not in decided and "came back after restart" not in decided, text
        assert restarted in text and box.show("mvar.service", "InvocationID") != before, text
        assert decided.count("queueing restart of mvar.service") == 1, text  # the operator's invocation's only
        wait_until(lambda: any("restarted mvar.service at" in r for r in alert_reasons(alerts)), 20, "its alert")
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        box.close()
