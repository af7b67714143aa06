"""Silence against a real systemd (the sandbox, see sandbox.py): a unit logging every second that is SIGSTOPped
is reported within twice its learnt gap plus 10 s; one stopped with `systemctl stop` and a oneshot unit that
finishes never are. logsentry runs as the service (`logsentry run`) on the sandbox's journal, wall-clock ticks.
The units have a day of history in the journal (an earlier boot's, in a file beside journald's): a rhythm is
trusted only once it covers a day, and the service's first start learns it from the history."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import entry
from sandbox import Sandbox
from test_restart_systemd import wait_until

from logsentry.sources.journal_files import build_journal, export_bytes

TICKER = """[Unit]
DefaultDependencies=no
[Service]
ExecStart=/bin/sh -c 'i=0; while true; do echo "{name} tick $i"; i=$((i+1)); sleep 1; done'
"""
ONESHOT = ["-p", "Type=oneshot", "-p", "DefaultDependencies=no", "/bin/sh", "-c",
           'i=0; while [ $i -lt 30 ]; do echo "job step $i"; i=$((i+1)); sleep 1; done']


def write_history(box: Sandbox, units: dict[str, str], hours: int = 25) -> None:
    """`hours` of each unit logging every second, up to a few seconds ago, as an earlier boot of the sandbox's
    machine: a journal file written by systemd-journal-remote into the sandbox machine's journal directory."""
    newest = subprocess.run(["journalctl", "-D", str(box.journal), "-o", "json", "-n", "1", "--no-pager"],
                            capture_output=True, text=True, check=True, timeout=30).stdout
    machine = json.loads(newest)["_MACHINE_ID"]
    end = time.time_ns() // 1000 - 5_000_000
    records = []
    for second in range(hours * 3600, 0, -1):
        at = end - second * 1_000_000
        records += [entry(f"{name} {hours * 3600 - second}", unit=unit, _MACHINE_ID=machine, __REALTIME_TIMESTAMP=at,
                          __MONOTONIC_TIMESTAMP=hours * 3600_000_000 - second * 1_000_000 + 1)
                    for unit, name in units.items()]
    # in the machine's own directory, where its journald keeps its files: only those vouch for its _MACHINE_ID
    # (sources/fanin_files.vouched; a file elsewhere claiming this machine is disowned)
    build_journal(export_bytes(records), box.journal / machine / "history.journal")


def test_sigstopped_unit_is_reported_and_stopped_or_finished_units_are_not(tmp_path: Path):
    box = Sandbox({"beat.service": TICKER.format(name="beat"), "stopme.service": TICKER.format(name="stopme")})
    write_history(box, {"beat.service": "beat", "stopme.service": "stopme", "job.service": "job step"})
    alerts = tmp_path / "alerts.jsonl"
    receiver = tmp_path / "receive.py"
    receiver.write_text("import json, sys, time\n"
                        f"open({str(alerts)!r}, 'a').write(json.dumps({{'at': time.time(), "
                        "'alert': json.load(sys.stdin)}) + '\\n')\n")
    config = tmp_path / "logsentry.toml"
    config.write_text(f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{box.journal}"

[[watch]]
units = ["beat", "stopme", "job"]
actions = ["alert"]

[[channel]]
type = "command"
argv = ["{sys.executable}", "{receiver}"]
''')
    log = tmp_path / "logsentry.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(config)], stdout=out, stderr=out)

    def silent_units() -> list[tuple[float, str]]:
        if not alerts.exists():
            return []
        records = [json.loads(line) for line in alerts.read_text().splitlines() if line.strip()]
        return [(r["at"], r["alert"]["unit"]) for r in records if r["alert"].get("rule") == "unit-went-silent"
                and r["alert"].get("event") == "firing"]

    try:
        wait_until(lambda: "ready: watching" in log.read_text(), 20, "logsentry ready")
        started = subprocess.run([*box.systemctl[:-1], "systemd-run", "--unit=job", "--no-block", *ONESHOT],
                                 capture_output=True, text=True, timeout=30, check=False)  # a transient oneshot
        assert started.returncode == 0, started.stderr
        wait_until(lambda: "learnt baselines from" in log.read_text(), 60, "the history learnt")
        time.sleep(25)  # the history made their rhythms (5 s thresholds): five of them pass without a silence
        assert not silent_units(), silent_units()
        box.run("stop", "stopme.service")
        box.run("kill", "--signal=SIGSTOP", "beat.service")  # hung: alive, silent
        stopped_at = time.time()
        wait_until(lambda: any(unit == "beat.service" for _, unit in silent_units()), 30, "the silence alert")
        [(alerted_at, _)] = [pair for pair in silent_units() if pair[1] == "beat.service"]
        assert alerted_at - stopped_at <= 2 * 1 + 10, alerted_at - stopped_at  # twice its 1 s gap plus 10 s
        wait_until(lambda: box.show("job.service", "ActiveState") == "inactive", 30, "the oneshot job finished")
        time.sleep(12)  # far past their thresholds (5 s); the oneshot job ran 30 s and finished
        assert [unit for _, unit in silent_units()] == ["beat.service"], silent_units()
        journal = subprocess.run(["journalctl", "-D", str(box.journal), "-o", "cat", "--no-pager", "_PID=1"],
                                 capture_output=True, text=True, check=False).stdout
        assert "stopme.service: Deactivated successfully." in journal and "Finished job.service" in journal, journal
        box.run("kill", "--signal=SIGCONT", "beat.service")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        box.close()
