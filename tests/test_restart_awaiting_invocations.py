"""Incidents that wait for an earlier restart's outcome (engine/second_look.py) are kept per incident, not per
window: the unit's third invocation's hit ends the second's incident and fires its own, and both wait for the
first restart's outcome. Kept per window, the third's was dropped, and when the outcome came the ended second was
decided and the open third never was: no alert, no restart (helper-119's finding). Real `logsentry run` on a live
journal-remote file; the restart command is a script that waits for the test."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conftest import appended_json, entry
from test_first_start_handover import Collector, Host
from test_host_stale import wait_until
from test_restart_failed_host import WEB7, collector_restarting

from logsentry.sources.journal_files import export_entry


class InvHost(Host):
    def write_inv(self, message: str, invocation: str, priority: int = 3) -> None:
        record = entry(message, unit="api.service", priority=priority, _MACHINE_ID=self.machine, _HOSTNAME=self.name,
                       __REALTIME_TIMESTAMP=self.now(), _SYSTEMD_INVOCATION_ID=invocation)
        record["__MONOTONIC_TIMESTAMP"] = time.monotonic_ns() // 1000
        os.write(self._fd, export_entry(record))
        self.count += 1


def test_each_incident_waiting_for_one_restart_is_decided_once_it_has_its_outcome(tmp_path: Path) -> None:
    where = Collector(tmp_path)
    host = InvHost(tmp_path, where.directory, "web-7", WEB7, 0)
    inv, go = tmp_path / "inv", tmp_path / "go"
    inv.write_text("a" * 32)
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(f"""#!/bin/sh
echo "$@" >> {tmp_path / 'calls'}
case "$1" in
  show) cat {inv}; exit 0;;
  restart) i=0; while [ ! -e {go} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; exit 0;;
  *) exit 0;;
esac
""")
    systemctl.chmod(0o755)
    running, received = collector_restarting(tmp_path, where.directory, systemctl, restart='timeout = "120s"\n')
    try:
        host.write("GET /health 0 200", host.now())
        host.wait_written()
        running.start()
        host.write_inv("BOOM first", "a" * 32)          # invocation A: restart queued, its command hangs
        running.wait_log("queueing restart of api.service", timeout=20)
        wait_until(lambda: (tmp_path / "calls").exists() and "restart" in (tmp_path / "calls").read_text(), 20,
                   "the restart command to run")
        host.write_inv("BOOM second", "b" * 32)         # invocation B: waits for the outcome
        running.wait_log("awaiting:", timeout=20)
        host.write_inv("BOOM third", "c" * 32)          # invocation C: X_B ends, X_C fires and also waits
        running.wait_log("awaiting:", timeout=20, count=2)
        inv.write_text("c" * 32)
        go.touch()                                      # the restart finishes: outcome known
        running.wait_log("decided now", timeout=30, count=2)  # the second invocation's (ended) and the third's
        wait_until(lambda: any("came back after restart" in str(a.get("reason")) and "BOOM third" in str(a)
                               for a in appended_json(received)), 30, "the third invocation's 'came back' alert")
    finally:
        host.close()
        if running.proc is not None:
            running.stop()
