"""A local user cannot get another unit restarted by naming it in fields of its own log lines.

journald keeps every field a client sends (COREDUMP_UNIT=, UNIT=, OBJECT_SYSTEMD_UNIT=, MESSAGE_ID=,
SYSLOG_IDENTIFIER=) as written; only the `_`-fields are its own. In a real systemd with a real journald, an
unprivileged service sends a restart signature carrying every unit-naming field set to a watched unit: the
watched unit must not be restarted, and the line counts for the sender's own unit.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from sandbox import Sandbox
from test_restart_systemd import start_logsentry, wait_until

from logsentry.sources.selection import subject_unit

VICTIM = """[Unit]
DefaultDependencies=no
[Service]
ExecStart=/bin/sh -c 'echo "victim up"; exec sleep infinity'
"""

FORGER = """[Unit]
DefaultDependencies=no
ConditionPathExists=/share/forge.py
[Service]
User=nobody
ExecStart=/usr/bin/python3 /share/forge.py
"""

# journald's native protocol, as sd_journal_send and `logger --journald` speak it: any client may set these.
FORGE = """import socket, time
fields = {
    "MESSAGE": "victim: thread blocked indefinitely in an MVar operation",
    "PRIORITY": "2",
    "COREDUMP_UNIT": "victim.service",
    "MESSAGE_ID": "fc2e22bc6ee647b6b90729ab34a250b1",
    "UNIT": "victim.service",
    "OBJECT_SYSTEMD_UNIT": "victim.service",
    "SYSLOG_IDENTIFIER": "victim.service",
    "_SYSTEMD_UNIT": "victim.service",
    "_PID": "1",
    "_UID": "0",
}
data = "".join(f"{name}={value}\\n" for name, value in fields.items()).encode()
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(data, "/run/systemd/journal/socket")
time.sleep(60)  # alive while journald reads its cgroup, so the entry gets the sender's _SYSTEMD_UNIT
"""


def test_forged_unit_fields_restart_nothing(tmp_path: Path):
    box = Sandbox({"victim.service": VICTIM, "forger.service": FORGER})
    proc = None
    try:
        proc, alerts, log = start_logsentry(box, tmp_path, "", units=("victim", "forger"))
        victim = box.show("victim.service", "InvocationID")
        (box.dir / "share" / "forge.py").write_text(FORGE)
        box.run("start", "--no-block", "forger.service")
        # The forged line is seen, and taken for what it is: the forger's own line (an alert about it).
        wait_until(lambda: alerts.exists() and "forger.service" in alerts.read_text(), 20,
                   "the alert about forger.service")
        assert box.show("victim.service", "InvocationID") == victim
        text = log.read_text()
        assert "restarted victim.service" not in text, text
        assert "victim.service" not in alerts.read_text()

        # The journal holds the forged fields as sent, and journald's own ones beside them.
        scan = subprocess.run([sys.executable, "-m", "logsentry", "scan", "-D", str(box.journal), "-o", "json"],
                              capture_output=True, text=True, check=True, timeout=60)
        matches = [json.loads(line) for line in scan.stdout.splitlines()
                   if '"match"' in line and "MVar" in line]
        assert matches and {m["unit"] for m in matches} == {"forger.service"}
        for unit in ("victim", "forger"):
            shown = subprocess.run(["journalctl", "-D", str(box.journal), "-u", unit, "-o", "cat"],
                                   capture_output=True, text=True, check=False).stdout
            assert ("MVar" in shown) == (unit == "forger"), (unit, shown)
        victims = subprocess.run([sys.executable, "-m", "logsentry", "scan", "-D", str(box.journal), "-u", "victim",
                                  "-o", "json"], capture_output=True, text=True, check=True, timeout=60).stdout
        assert "MVar" not in victims
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
        box.close()


def test_untrusted_identifier_is_never_a_unit_name():
    """No _SYSTEMD_UNIT (a sender that exited before journald read its cgroup, a dump from elsewhere):
    the entry is grouped under its SYSLOG_IDENTIFIER in parentheses, which no unit name contains."""
    def fields(**values: str):  # type: ignore[no-untyped-def]
        return values.get

    assert subject_unit(fields(SYSLOG_IDENTIFIER="nginx.service")) == "(nginx.service)"
    assert subject_unit(fields(SYSLOG_IDENTIFIER="x", _TRANSPORT="kernel")) == "kernel"
    assert subject_unit(fields(SYSLOG_IDENTIFIER="x", _SYSTEMD_UNIT="own.service", _PID="7",
                               UNIT="victim.service")) == "own.service"
    assert subject_unit(fields(_SYSTEMD_UNIT="own.service", _UID="1000",
                               OBJECT_SYSTEMD_UNIT="victim.service")) == "own.service"
    assert subject_unit(fields(_SYSTEMD_UNIT="own.service", _UID="0", COREDUMP_UNIT="victim.service")) \
        == "own.service"
    assert subject_unit(fields(_SYSTEMD_UNIT="own.service", _UID="0", COREDUMP_UNIT="victim.service",
                               MESSAGE_ID="fc2e22bc6ee647b6b90729ab34a250b1")) == "victim.service"


def test_policy_never_restarts_an_invalid_unit_name():
    from logsentry.engine.policy import Policy
    policy = Policy(dry_run=True)
    assert policy.restartable("api.service")
    for name in ("(api.service)", "api\n.service", "x y.service", "a/b.service", "", "é.service"):
        assert not policy.restartable(name), name


def test_a_user_service_never_gets_its_users_manager_restarted(make_journal) -> None:  # type: ignore[no-untyped-def]
    """Any user's own service (systemd --user, a rootless container) logs under _SYSTEMD_UNIT=user@UID.service, its
    own name in _SYSTEMD_USER_UNIT: its restart signature would restart the user's manager and stop all of that
    user's services. A real journal file scanned as the service decides (dry run): alerted, not restarted, and a
    system service's same line still is."""
    from conftest import entry, json_events, run_cli
    line = "cachix-server: thread blocked indefinitely in an MVar operation"
    journal = make_journal([
        entry(line, unit="user@1000.service", at=1.0, priority=3, _SYSTEMD_USER_UNIT="app.service", _UID="1000",
              _COMM="app"),
        entry(line, unit="cachix-server.service", at=2.0, priority=3, _COMM="cachix-server"),
        entry(line, unit="user@1000.service", at=3.0, priority=3, _SYSTEMD_USER_UNIT="init.scope", _UID="1000",
              _COMM="systemd")])  # the manager's own line
    result = run_cli("scan", "--file", str(journal), "-o", "json")
    assert result.exit_code == 0, result.output
    actions = [event for event in json_events(result) if event["type"] == "action"]
    assert [a["action"] for a in actions if a["unit"] == "cachix-server.service"] == ["restart", "alert"]
    [user] = [a for a in actions if a["unit"] == "user@1000.service/app.service"]  # (its own unit: test_user_units)
    assert user["action"] == "alert" and "a user's own service" in user["reason"] and "not restarted" in \
        user["reason"], user
    [own] = [a for a in actions if a["unit"] == "user@1000.service"]
    assert own["action"] == "alert" and "user's service manager" in own["reason"] and "not restarted" in \
        own["reason"], own
