"""A failure that begins while the service learns the history at its first start is alerted.

At the first start the service follows the journal from its end at once and learns the last 14 days in a
thread, up to the journal's end; until it has adopted them every unit is cold, so the live path judges nothing.
Lines written in between were read by the learner as history: before, its anomaly hits on them were dropped
like those of any anomalous stretch of history and the failure was never alerted (an operator trial lost a
MySQL replica's two [ERROR] lines written one second after the start, 2 runs of 2). The learner's hits on lines
written since the start are now handed to the service's pipeline when it adopts the baselines.

Here the lines "written since the start" are placed deterministically: they carry journal times 5 s ahead
(systemd-journal-remote keeps the writer's __REALTIME_TIMESTAMP), so they sit at the journal's end when the
service starts (the live path, starting after them, never reads them) and after the service's start in
journal time (the learner judges them). The incident is given out once the service's clock passes them (a
failure settles 2 s of journal time for its chain).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from conftest import LiveJournal
from test_baseline_service import alerts_of, config, write_history
from test_restart_systemd import wait_until
from test_service import RunningService


def test_a_failure_written_during_the_first_start_learning_is_alerted(live_journal: LiveJournal, tmp_path: Path):
    write_history(live_journal, 800)  # 67 minutes of api.service and db.service, ending a minute ago: warm
    ahead = time.time_ns() // 1000 + 5_000_000
    live_journal.write("GET /api/items/5 200 9ms", unit="api.service", __REALTIME_TIMESTAMP=ahead)  # normal: no hit
    for n in range(4):
        live_journal.write(f"payment backend refused order {n}: circuit open", unit="api.service", priority=3,
                           __REALTIME_TIMESTAMP=ahead + 1_000_000 * (n + 1))
    live_journal.wait_written()
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py"))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        wait_until(lambda: alerts_of(alerts), 30, "the anomaly alert")
        [alert] = [a for a in alerts_of(alerts) if a["rule"] == "new-error-template"]
        assert alert["unit"] == "api.service"
        assert alert["template"] == "payment backend refused order <NUM>: circuit open"
        assert "never logged" in alert["why"]
        log = running.log()
        assert re.search(r"INFO \d+ anomaly hits on lines written since the start, found by the history learner", log)
        assert "incident new-error-template on api.service: 4 hits" in log, log
        assert not [a for a in alerts_of(alerts) if a["rule"] != "new-error-template"], alerts_of(alerts)
    finally:
        running.stop()
