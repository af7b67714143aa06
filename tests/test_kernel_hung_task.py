"""One khungtaskd pass is one incident: it reports every task stuck on the same I/O within milliseconds (trial 71's
SONiC switch dmesg: kworker, ntpd, snmpd, zebra and fpmsyncd blocked in one pass were five cards and five alerts,
grouped by command). A real dmesg paste read by `scan --file`."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import json_events, of_type, run_cli

TASKS = ["kworker/2:1:5747", "ntpd:11794", "snmpd:12767", "zebra:13083", "fpmsyncd:13094"]


def dmesg(tmp_path: Path) -> Path:
    lines = ["[    0.000000] Linux version 4.19.0-6-amd64 (debian-kernel@lists.debian.org) (gcc version 8.3.0 "
             "(Debian 8.3.0-6)) #1 SMP Debian 4.19.67-2+deb10u2 (2019-11-11)"]
    for n, task in enumerate(TASKS):
        at = 26825.855448 + n * 0.018
        lines += [f"[{at:12.6f}] INFO: task {task} blocked for more than 120 seconds.",
                  f"[{at + 0.005:12.6f}]       Tainted: G        W   E     4.19.0-6-amd64 #1 Debian 4.19.67-2+deb10u2",
                  f'[{at + 0.01:12.6f}] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.']
    path = tmp_path / "dmesg.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_one_pass_of_hung_tasks_is_one_incident_naming_them(tmp_path: Path) -> None:
    events = json_events(run_cli("scan", "--file", str(dmesg(tmp_path)), "-o", "json"))
    hung = [event for event in of_type(events, "incident") if event["rule"] == "kernel-hung-task"]
    assert len(hung) == 1, json.dumps(hung, indent=1)
    matches = [event for event in of_type(events, "match") if event["rule"] == "kernel-hung-task"]
    assert [event["message"].split()[2] for event in matches] == TASKS
