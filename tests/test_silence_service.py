"""Silence right after the service's first start: a rhythm is trusted only once it covers a day (engine/rhythm.py),
so the first start learns the units' rhythms from the journal's history with the baselines
(engine/silence_history.py), and a steady unit that hangs seconds after the start is caught at its threshold.
A real `logsentry run` on a live journal (systemd-journal-remote), wall-clock deadlines."""

from __future__ import annotations

import re
import time
from pathlib import Path

from conftest import LiveJournal
from test_baseline_service import alerts_of, config
from test_service import RunningService

SEC = 1_000_000


def test_a_steady_unit_that_hangs_right_after_the_first_start_is_caught(live_journal: LiveJournal, tmp_path: Path):
    now = time.time_ns() // 1000
    history = 26 * 3600 // 2  # api.service every 2 s for 26 hours, ending 30 s ago
    for n in range(history):
        live_journal.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service",
                           __REALTIME_TIMESTAMP=now - 30 * SEC - (history - n) * 2 * SEC)
    live_journal.wait_written(timeout=60)
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py").replace(
        f'rules = ["{Path(__file__).resolve().parent.parent / "rules" / "anomaly"}"]\n', ""))  # shipped rules
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=60)
        time.sleep(1.5)  # the service adopts what it learnt when it next catches up (within its 1 s wait)
        for n in range(3):  # three live requests, 2 s apart, then it hangs: far from the 60 entries of a rhythm
            live_journal.write(f"GET /api/items/live{n} 200 4ms", unit="api.service")
            time.sleep(2)
        hung_at = time.time() - 2
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(a["rule"] == "unit-went-silent" for a in alerts_of(alerts)):
            live_journal.write("checkpoint complete", unit="db.service")  # the host keeps logging: not a host silence
            time.sleep(0.5)
        silent = [a for a in alerts_of(alerts) if a["rule"] == "unit-went-silent"]
        assert silent, running.log()
        assert silent[0]["unit"] == "api.service" and "usually one every 2.0s" in silent[0]["why"], silent[0]
        assert time.time() - hung_at < 20, "caught at its threshold (3 x its 2 s gap), not minutes later"
        # its log line says how long it has been quiet, not "N hits since" its last entry (it had none)
        assert re.search(r"incident unit-went-silent on api\.service: silent since \S+ \S+: no entry for ",
                         running.log()), running.log()
    finally:
        running.stop()
