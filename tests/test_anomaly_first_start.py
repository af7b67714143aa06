"""A failure that begins while the service learns the history at its first start is alerted.

At the first start the service follows the journal from its end at once and learns the last 14 days in a
thread, up to the journal's end; until it has adopted them every unit is cold, so the live path judges nothing.
Lines written in between were read by the learner as history: before, its anomaly hits on them were dropped
like those of any anomalous stretch of history and the failure was never alerted (an operator trial lost a
MySQL replica's two [ERROR] lines written one second after the start, 2 runs of 2). The learner's hits on lines
written since the start are now handed to the service's pipeline when it adopts the baselines.

Here the lines are written after the service started and before the learner reads (the test-only
LOGSENTRY_TEST_LEARN_DELAY_S holds it back 3 s), so the learner reads them with the history while the live path
reads them cold. (An earlier version placed them before the start, stamped 5 s ahead of the clock: since the
hand-over is per host by the entry the live reader started after, not by the wall clock, those are history.)
The hand-over's other cases: tests/test_first_start_handover.py.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from conftest import LiveJournal
from test_baseline_service import alerts_of, config, write_history
from test_restart_systemd import wait_until
from test_service import RunningService

from logsentry.handover import LEARN_DELAY_ENV


def _service(live_journal: LiveJournal, tmp_path: Path) -> tuple[RunningService, Path]:
    """The service, its learner held back 3 s (LEARN_DELAY_ENV), and the file its alerts go to."""
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py"))
    running.env = {**os.environ, LEARN_DELAY_ENV: "3"}
    return running, alerts


def test_a_failure_written_during_the_first_start_learning_is_alerted(live_journal: LiveJournal, tmp_path: Path):
    write_history(live_journal, 800)  # 67 minutes of api.service and db.service, ending a minute ago: warm
    live_journal.wait_written()
    running, alerts = _service(live_journal, tmp_path)
    try:
        running.start()
        live_journal.write("GET /api/items/5 200 9ms", unit="api.service")  # normal: no hit
        for n in range(4):
            live_journal.write(f"payment backend refused order {n}: circuit open", unit="api.service", priority=3)
        live_journal.wait_written()
        running.wait_log("learnt baselines from", timeout=30)
        wait_until(lambda: alerts_of(alerts), 30, "the anomaly alert")
        [alert] = [a for a in alerts_of(alerts) if a["rule"] == "new-error-template"]
        assert alert["unit"] == "api.service"
        assert alert["template"] == "payment backend refused order <NUM>: circuit open"
        assert "never logged" in alert["why"]
        log = running.log()
        assert re.search(r"INFO \d+ anomaly hits on lines written since the start, found by the history learner", log)
        assert "incident new-error-template on api.service: 4 hits" in log, log
        assert "judged at the hand-over" not in log, log  # the learner read them all
        assert not [a for a in alerts_of(alerts) if a["rule"] != "new-error-template"], alerts_of(alerts)
    finally:
        running.stop()


def test_a_fatal_line_read_live_while_the_history_is_learnt_is_judged_against_it(live_journal: LiveJournal,
                                                                                tmp_path: Path):
    """new-fatal-template's lines read live while the first start's learner reads the history are judged against
    that history, once: a fatal line api.service logged every 10 minutes of it is not new, and a new one pages
    once (by the learner, at the hand-over). Only text is judged cold (AnomalySpec.excerpts), never a journal."""
    write_history(live_journal, 800)
    now = time.time_ns() // 1000
    for n in range(6):  # api.service's known fatal line, in its history
        live_journal.write(f"FATAL: cache shard {n} lost its lease, restarting it", unit="api.service", priority=2,
                           __REALTIME_TIMESTAMP=now - 3_600_000_000 + n * 600_000_000)
    live_journal.wait_written()
    running, alerts = _service(live_journal, tmp_path)
    try:
        running.start()
        live_journal.write("FATAL: cache shard 7 lost its lease, restarting it", unit="api.service", priority=2)
        live_journal.write("FATAL: disk quota of /var/lib/api exceeded, exiting", unit="db.service", priority=2)
        live_journal.wait_written()
        running.wait_log("learnt baselines from", timeout=30)
        wait_until(lambda: alerts_of(alerts), 30, "the anomaly alert")
        time.sleep(2)  # a second alert, if any, comes at once
        fatal = [a for a in alerts_of(alerts) if a["rule"] == "new-fatal-template"]
        assert [(a["unit"], a["template"]) for a in fatal] == [
            ("db.service", "FATAL: disk quota of <PATH> exceeded, exiting")], alerts_of(alerts)
    finally:
        running.stop()
