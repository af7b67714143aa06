"""A stop while the first start learns the history does not lose it for good.

The first start saves the journal's end as its cursor at once and learns the last 14 days in a thread; a stop
before the service adopted them (a `systemctl restart` right after installing, an edited config) left a state
with a cursor and no baselines, so every later start resumed after the cursor and never learnt the history:
the units learnt from live lines only, cold (quiet) for hours. The history is learnt again at the next start
until it was adopted (baseline_keeper.HISTORY_KEY), and not after.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from conftest import LiveJournal
from test_baseline_service import config, write_history
from test_restart_systemd import wait_until
from test_service import RunningService

from logsentry.baseline_keeper import HISTORY_KEY
from logsentry.engine.baseline import Baselines
from logsentry.handover import LEARN_DELAY_ENV


def learnt_entries(running: RunningService) -> dict[str, int]:
    state = running.state()
    try:
        baselines = Baselines()
        state.load_baselines(baselines)
        return {unit.split("/", 1)[1]: stats.entries for unit, stats in baselines.units.items()}
    finally:
        state.close()


@pytest.mark.alone  # the stop must come while the first learning runs: a timing beside other tests moves
def test_a_stop_during_the_first_learning_learns_the_history_at_the_next_start(live_journal: LiveJournal,
                                                                              tmp_path: Path):
    write_history(live_journal, 3000)  # api.service and db.service, a line each every 5 s for 4 h
    live_journal.wait_written(timeout=60)
    running = RunningService(tmp_path, config(live_journal, tmp_path / "alerts.jsonl", tmp_path / "receive.py"))
    running.env = {**os.environ, LEARN_DELAY_ENV: "5"}  # the stop comes while the first learning runs
    running.start(wait=False)
    running.wait_log("no baselines yet: learning", timeout=20)
    running.stop(signal.SIGTERM)  # before the history was adopted (it takes a catch-up after the thread's end)
    assert "resuming after cursor" not in running.log()
    running.env = None
    running.start(wait=False)
    running.wait_log("resuming after cursor", timeout=20)
    running.wait_log("no baselines yet: learning", timeout=20, count=2)
    running.wait_log("learnt baselines from 6,000 entries", timeout=30)
    running.wait_log("ready: watching", timeout=20)
    live_journal.write("GET /api/items/x 200 4ms", unit="api.service")  # a commit, after the adoption
    wait_until(lambda: learnt_entries(running).get("db.service") == 3000, 20, "the history adopted and saved")
    running.stop()
    learnt = learnt_entries(running)
    assert learnt["db.service"] == 3000 and learnt["api.service"] >= 3000, learnt
    state = running.state()
    try:
        assert state.get(HISTORY_KEY) is True
    finally:
        state.close()
    running.start(wait=False)  # adopted: not learnt again
    running.wait_log("ready: watching", timeout=20, count=2)
    running.stop()
    assert running.log().count("no baselines yet: learning") == 2, running.log()
