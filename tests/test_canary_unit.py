"""The canary is read back from the unit `logsentry run` really runs in (logsentry/running_unit.py), in a real
systemd (the sandbox) on its own local journal.

helper-143's trial: `logsentry run` started any other way than as logsentry.service (from a shell: session-N.scope;
a unit named otherwise; `nsenter` into the sandbox: no unit at all) wrote its canary under that unit, its reader
(the watched units and `own_unit`) never read it back, and a minute after the start a false "logsentry cannot see
the journal" alert went out. Both sandbox tests fail before running_unit.py."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from sandbox import Sandbox, VisibleCheckout
from test_restart_systemd import inner_config, logsentry_inside, wait_until

from logsentry.running_unit import cgroup_path, running_unit, unit_of_cgroup

CANARY = '[canary]\ninterval = "1s"\ntimeout = "3s"\n[[watch]]\nunits = ["nothing-here"]\n'
BLIND = "cannot see the journal"


def test_the_unit_of_a_cgroup_is_its_first_component_below_the_slices() -> None:
    assert unit_of_cgroup("/system.slice/logsentry.service") == "logsentry.service"
    assert unit_of_cgroup("/user.slice/user-0.slice/session-3.scope") == "session-3.scope"
    assert unit_of_cgroup("/user.slice/user-1000.slice/user@1000.service/app.slice/x.service") == "user@1000.service"
    assert unit_of_cgroup("/system.slice/system-logsentry.slice/logsentry@a.service") == "logsentry@a.service"
    for none in ("/", "/..", "", "/system.slice", "/machine/qemu-1"):
        assert unit_of_cgroup(none) is None, none


def test_the_systemd_hierarchy_is_read_from_proc_cgroup(tmp_path: Path) -> None:
    hybrid = "9:name=systemd:/system.slice/a.service\n4:memory:/system.slice/b.service\n0::/system.slice/c.service\n"
    assert cgroup_path(hybrid) == "/system.slice/a.service"
    assert cgroup_path("0::/user.slice/user-0.slice/session-3.scope\n") == "/user.slice/user-0.slice/session-3.scope"
    assert cgroup_path("4:memory:/x\n") is None
    (tmp_path / "cgroup").write_text("9:name=systemd:/..\n0::/..\n")
    assert running_unit(tmp_path / "cgroup") == (True, None)  # outside systemd's tree: no unit
    assert running_unit(tmp_path / "missing") == (False, None)  # unreadable: keep to own_unit


def test_a_service_named_otherwise_reads_its_canary_back() -> None:
    """logsentry as `logsentry-trial.service` (own_unit left at logsentry.service): its canaries come back, so no
    alert; freezing journald still makes it blind and alerted, so the check is on, not skipped."""
    with logsentry_inside(CANARY, name="logsentry-trial.service") as (box, alerts):
        time.sleep(6)  # the first canary is 3 s overdue by then: before, the false alert had gone out
        assert not alerts.exists() or BLIND not in alerts.read_text(), alerts.read_text()
        said = subprocess.run(["journalctl", "-D", str(box.journal), "-u", "logsentry-trial.service", "-o", "cat",
                               "--no-pager"], capture_output=True, text=True, check=False).stdout
        assert "running in logsentry-trial.service, not own_unit logsentry.service" in said, said
        box.run("kill", "--signal=SIGSTOP", "systemd-journald.service")
        wait_until(lambda: alerts.exists() and BLIND in alerts.read_text(), 20, "the journal_blind alert")
        box.run("kill", "--signal=SIGCONT", "systemd-journald.service")


def test_a_process_in_no_unit_says_its_canary_is_off_and_sends_no_false_alert() -> None:
    """`logsentry run` entered into the sandbox with nsenter runs in no unit of its systemd (cgroup `/..`): its
    canary entry has no _SYSTEMD_UNIT, which no unit selection reads. It says so at start, and alerts nothing."""
    work = Path(tempfile.mkdtemp(prefix="logsentry-canary-", dir="/var/tmp"))
    checkout = VisibleCheckout()
    config = inner_config(work, checkout, CANARY)
    box = Sandbox({})
    log = box.dir / "share" / "run.log"
    service = None
    try:
        with log.open("wb") as out:
            command = f"cd {checkout.root} && exec {checkout.python} -m logsentry run -c {config}"
            service = subprocess.Popen(["nsenter", "-t", str(box.pid), "-a", "sh", "-c", command],
                                       stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: "ready: watching" in log.read_text(), 15, "logsentry ready")
        time.sleep(6)
        alerts = box.dir / "share" / "alerts.jsonl"
        assert not alerts.exists() or BLIND not in alerts.read_text(), alerts.read_text()
        assert "self-check off: this process runs in no systemd unit" in log.read_text(), log.read_text()
    finally:
        if service is not None:  # nsenter forks into the namespace: its child is logsentry, stopped so
            for child in Path(f"/proc/{service.pid}/task/{service.pid}/children").read_text().split():
                os.kill(int(child), signal.SIGTERM)
            service.wait(timeout=15)
        box.close()
        checkout.close()
        shutil.rmtree(work, ignore_errors=True)
