"""`baseline show` gives a template's last seen as the service last saw it, lines it did not learn (its unit in an
anomaly) included: a hang's lines are unlearnt, and the saved last seen stayed at the last line learnt, older than
the run the same table gives (helper F2). A real `logsentry run` on a live journal, stopped, then `baseline show`."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import LiveJournal, run_cli
from test_anomaly_persists import MINUTE, RULE, SEC, write_history
from test_anomaly_sustained import FATAL, UNIT
from test_baseline_service import alerts_of, config
from test_restart_systemd import wait_until
from test_service import RunningService


def test_last_seen_includes_the_lines_of_a_hang_not_learnt(live_journal: LiveJournal, tmp_path: Path) -> None:
    write_history(live_journal)  # 7 h of requests, a 90-s blip of the failure 5 h ago
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py", ("billing-api",)))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up
        hang = time.time_ns() // 1000 - 4 * MINUTE
        stamps = [hang + k * 8 * SEC for k in range(31)]  # a line every 8 s for 4 min, up to now
        for k, at in enumerate(stamps[:28]):  # past its bar (twice the blip's 89 s) at the 23rd line
            live_journal.write(FATAL.format(t=k), unit=UNIT, __REALTIME_TIMESTAMP=at)
        wait_until(lambda: any(a["rule"] == RULE for a in alerts_of(alerts)), 20, "the persistence alert")
        time.sleep(2)  # committed; the hang goes on, its lines now unlearnt (the unit is in an anomaly)
        for k, at in enumerate(stamps[28:], 28):
            live_journal.write(FATAL.format(t=k), unit=UNIT, __REALTIME_TIMESTAMP=at)
        time.sleep(2)  # read and committed
    finally:
        if running.proc is not None:
            running.stop()
    shown = run_cli("baseline", "show", "--state-dir", str(live_journal.root / "state"), "-u", UNIT, "-o", "json")
    assert shown.exit_code == 0, shown.output
    (failing,) = [row for row in map(json.loads, shown.stdout.splitlines())
                  if row["type"] == "template" and row["level"] == 3]
    run = failing["runs"][RULE]["run"] or failing["runs"][RULE]["ended_run"]
    assert run["last_usec"] == stamps[-1], run
    assert failing["last_usec"] == stamps[-1], (failing["last_usec"], stamps[-1])
