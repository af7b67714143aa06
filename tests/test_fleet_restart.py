"""Fleet (issue 17): logsentry restarts only units of its own machine. A real systemd (the sandbox) runs
mvar.service; another host's journal (built with systemd-journal-remote: its own _MACHINE_ID and _HOSTNAME,
the same unit name) appears in the directory logsentry follows and logs the MVar deadlock: nothing is
restarted, an alert names the host to restart and the watch's command hook gets the incident. Then the
sandbox's own mvar.service deadlocks and is restarted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from conftest import entry
from sandbox import Sandbox
from test_restart_systemd import alert_reasons, wait_until

from logsentry.sources.journal_files import build_journal, export_bytes

REMOTE = "feedfacefeedfacefeedfacefeedface"
MVAR = "mvar-app: thread blocked indefinitely in an MVar operation"
# Deadlocks once the host creates $SANDBOX_DIR/share/go (the sandbox sees it as /share/go).
WAITING_UNIT = f"""[Unit]
Description=a GHC service that deadlocks when told to
DefaultDependencies=no
[Service]
ExecStart=/bin/sh -c 'echo "worker started"; while [ ! -e /share/go ]; do sleep 0.1; done; \\
    echo "{MVAR}"; exec sleep infinity'
"""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox({"mvar.service": WAITING_UNIT})
    try:
        yield box
    finally:
        box.close()


def sandbox_machine_ids(box: Sandbox) -> set[str]:
    done = subprocess.run(["journalctl", "-D", str(box.journal), "-o", "json", "--no-pager", "-q"],
                          capture_output=True, text=True, check=False)
    return {json.loads(line).get("_MACHINE_ID", "") for line in done.stdout.splitlines() if line.strip()}


def test_remote_hosts_deadlock_is_alerted_and_hooked_never_restarted_locally_a_local_one_is(sandbox, tmp_path):
    [local] = sandbox_machine_ids(sandbox)  # what the sandbox's journald writes (its /etc/machine-id)
    assert local and local != REMOTE
    alerts, hooked = tmp_path / "alerts.jsonl", tmp_path / "hooked.jsonl"
    for path, name in ((alerts, "receive.py"), (hooked, "hook.py")):
        (tmp_path / name).write_text(f"import sys\nopen({str(path)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    config = tmp_path / "logsentry.toml"
    config.write_text(f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{sandbox.journal}"

[[watch]]
units = ["mvar"]
actions = ["restart", "alert"]
command = ["{sys.executable}", "{tmp_path / 'hook.py'}"]

[restart]
systemctl = {json.dumps(list(sandbox.systemctl))}
machine_id = "{local}"

[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{tmp_path / 'receive.py'}"]
''')
    log = tmp_path / "logsentry.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(config)], stdout=out, stderr=out)
    try:
        wait_until(lambda: "ready: watching" in log.read_text(), 15, "logsentry ready")
        before = sandbox.show("mvar.service", "InvocationID")
        # web-7's journal, as journal-remote writes it, appears beside the sandbox's while logsentry follows.
        now = time.time() - 1_767_225_600  # conftest.entry's `at` is seconds after its BASE_USEC
        remote = [entry(MVAR, unit="mvar.service", at=now + i / 10, _MACHINE_ID=REMOTE, _HOSTNAME="web-7",
                        _PID="4242", _UID="1000", _SYSTEMD_INVOCATION_ID="ab" * 16) for i in range(3)]
        built = build_journal(export_bytes(remote), sandbox.dir / "remote-web7.journal")
        os.rename(built, sandbox.journal / built.name)
        wait_until(lambda: hooked.exists() and hooked.read_text().strip(), 20, "the command hook")
        [hook_payload] = [json.loads(line) for line in hooked.read_text().splitlines() if line.strip()]
        assert (hook_payload["machine_id"], hook_payload["host"], hook_payload["unit"], hook_payload["event"]) == \
            (REMOTE, "web-7", "mvar.service", "restart_needed")
        wait_until(lambda: any("on host web-7" in r for r in alert_reasons(alerts)), 20, "the remote host's alert")
        [remote_alert] = [json.loads(line) for line in alerts.read_text().splitlines() if line.strip()]
        assert remote_alert["reason"].startswith(f"restart mvar.service on host web-7 (machine {REMOTE})")
        assert (remote_alert["machine_id"], remote_alert["host"]) == (REMOTE, "web-7")
        time.sleep(1)  # a wrong local restart would have shown by now
        assert sandbox.show("mvar.service", "InvocationID") == before
        assert "restarted mvar.service" not in log.read_text()

        (sandbox.dir / "share" / "go").touch()  # now the sandbox's own mvar.service deadlocks: restarted
        wait_until(lambda: sandbox.show("mvar.service", "InvocationID") != before, 20, "the local restart")
        wait_until(lambda: "restarted mvar.service" in log.read_text(), 10, "the restart logged")
        wait_until(lambda: len(alert_reasons(alerts)) >= 2, 25, "the local incident's alert")
        local_alerts = [json.loads(line) for line in alerts.read_text().splitlines() if line.strip()][1:]
        assert "restarted mvar.service" in local_alerts[0]["reason"]
        assert local_alerts and all(a["machine_id"] == local for a in local_alerts)
        assert len(hooked.read_text().splitlines()) == 1  # the hook is for other hosts only
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
