"""What a stop, a reload or a crash used to lose: the lines a unit in a short anomaly holds (engine/held.py:
learnt once its anomaly ended) and a unit's pending "first silence it ended on its own" (engine/absence.py:
its second makes both its habit). A real `logsentry run` on a live journal (systemd-journal-remote through a
FIFO), stopped with SIGTERM or killed with SIGKILL, and started again."""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import LiveJournal, run_cli
from test_baseline_service import alerts_of
from test_restart_systemd import wait_until
from test_service import RunningService

from logsentry.baseline_keeper import HELD_KEY
from logsentry.engine.anomaly import AnomalyDetector
from logsentry.rules.loader import load_rules, shipped_rules_dir

ROOT = Path(__file__).resolve().parent.parent
MVAR = "api: thread blocked indefinitely in an MVar operation"
SEC = 1_000_000
MINUTE = 60 * SEC
BLIP = 30
"""Lines of the blip: one a second, a new error template (its first line makes the unit anomalous, the others
are held)."""


def config(live: LiveJournal, alerts: Path, script: Path, units: str = '"api", "db"') -> str:
    script.write_text(f"import sys\nopen({str(alerts)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    return f'''
state_dir = "{live.root / 'state'}"
journal_directory = "{live.directory}"
rules = ["{ROOT / 'rules' / 'anomaly'}"]
[[watch]]
units = [{units}]
actions = ["alert"]
[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{script}"]
'''


def saved(live: LiveJournal, key: str) -> Any:
    """A value of the service's state as last committed (read only: the service may be running)."""
    db = sqlite3.connect(f"file:{live.root / 'state' / 'state.db'}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    finally:
        db.close()
    return None if row is None else json.loads(row[0])


def held_lines(live: LiveJournal, unit: str = "api.service") -> int:
    """The lines the unit holds in the state's last commit."""
    value = saved(live, HELD_KEY)
    return sum(item[4] for item in value["held"] if item[0].endswith(unit)) if isinstance(value, dict) else 0


def template_counts(state_dir: Path, unit: str) -> dict[str, int]:
    shown = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", unit, "-o", "json")
    assert shown.exit_code == 0, shown.output
    return {r["template"]: r["count"] for r in map(json.loads, shown.stdout.splitlines()) if r["type"] == "template"}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGHUP], ids=["SIGTERM", "SIGKILL", "reload"])
def test_a_short_anomaly_held_at_a_stop_is_learnt_after_the_start(live_journal: LiveJournal, tmp_path: Path,
                                                                  sig: signal.Signals):
    """api.service's 30-s blip of a new error (29 lines held), the service stopped (or reloaded) while the unit
    is still in its anomaly (10 min after its last hit), started again; a line after the anomaly ended: the blip
    is learnt, all 30 lines (before: 1, the line before the anomaly began; the held 29 were lost at the stop)."""
    now = time.time_ns() // 1000
    for n in range(1800):  # 2.5 h of history each, one line every 5 s, ending 31 min ago
        at = now - 31 * MINUTE - (1800 - n) * 5 * SEC
        live_journal.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service", __REALTIME_TIMESTAMP=at)
        live_journal.write(f"checkpoint complete: wrote {n % 90} buffers", unit="db.service",
                           __REALTIME_TIMESTAMP=at + 1)
    live_journal.wait_written(timeout=30)
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py"))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up
        blip_at = now - 29 * MINUTE
        for k in range(BLIP):
            live_journal.write(f"worker {k} died: queue closed", unit="api.service", priority=3,
                               __REALTIME_TIMESTAMP=blip_at + k * SEC)
        running.wait_log("incident new-error-template on api.service")  # (not alerted: half an hour old)
        wait_until(lambda: held_lines(live_journal) == BLIP - 1, 15, "the held lines committed")
        if sig == signal.SIGHUP:
            assert running.proc is not None
            running.proc.send_signal(sig)
            running.wait_log("reloaded:")
        else:
            running.stop(sig)
            running.start()
        live_journal.write("GET /api/items/after 200 5ms", unit="api.service",
                           __REALTIME_TIMESTAMP=blip_at + BLIP * SEC + 11 * MINUTE)  # the anomaly ended before it
        for n in range(4):  # read after the api line: the service has taken it in once this alert comes
            live_journal.write(f"replica {n} lost: connection reset by peer", unit="db.service", priority=3)
        wait_until(lambda: any(a["unit"] == "db.service" for a in alerts_of(alerts)), 15, "the db alert")
        running.stop()
        counts = template_counts(tmp_path / "state", "api")
        assert counts["worker <NUM> died: queue closed"] == BLIP, counts
        assert held_lines(live_journal) == 0
    finally:
        if running.proc is not None:
            running.stop(signal.SIGKILL)


@pytest.mark.parametrize("saved_value", [{"held": 3}, {"held": [["u", 5, 1]]},
                                         {"held": [["u", 5, 1, 2, 1, 0, 1, 2, [1], []]]},
                                         {"held": [["u", 5, 1, 2, 1, 0, 1, 2, [], [["t", "x", 1, "3", "x", []]]]]}])
def test_malformed_held_counts_are_refused(saved_value: Any):
    detector = AnomalyDetector(load_rules([shipped_rules_dir()]).rules)
    assert not detector.restore(saved_value)
    assert detector.held_snapshot() == {"held": []}


def silence_config(live: LiveJournal, alerts: Path, tmp_path: Path) -> str:
    """unit-went-silent as shipped, but trusting a rhythm after 20 s and never silent sooner than 3 s (the rule
    file's learn_for and silent_for: a day and 5 s as shipped), so that a nightly worker's nights fit in a test;
    api and worker watched, no host silence."""
    rules = tmp_path / "rules"
    rules.mkdir()
    shipped = (ROOT / "rules" / "generic" / "unit-went-silent.toml").read_text()
    (rules / "unit-went-silent.toml").write_text(shipped.replace('learn_for = "1d"', 'learn_for = "20s"').replace(
        'silent_for = "5s"', 'silent_for = "3s"'))
    return config(live, alerts, tmp_path / "receive.py", '"api", "worker"').replace(
        str(ROOT / "rules" / "anomaly"), str(rules)) + '[hosts]\nsilent_after = "off"\n'


def silences_logged(running: RunningService) -> int:
    return running.log().count("incident unit-went-silent on worker.service:")  # fired (not "... ended after")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGHUP], ids=["SIGTERM", "SIGKILL", "reload"])
def test_a_silence_ended_on_its_own_before_a_stop_still_counts_after_it(live_journal: LiveJournal, tmp_path: Path,
                                                                         sig: signal.Signals):
    """A heartbeat every 0.5 s for 90 s (trusted), then a worker that works in bursts with 6 s of quiet between
    them (its nights, in wall-clock time). Its first silence it ends on its own; the service stops (or reloads)
    during the next burst and starts again; its second silence it ends on its own too: both gaps are its habit,
    and the quiet after the third burst pages no more. 2 silences, as reading straight through would give
    (tests/test_silence_bursts.py); before, the first was forgotten at the stop and the third quiet paged."""
    now = time.time_ns() // 1000
    for n in range(180):
        live_journal.write(f"heartbeat {n} ok", unit="worker.service", __REALTIME_TIMESTAMP=now - (180 - n) * SEC // 2)
        live_journal.write(f"GET /healthz {n} 200", unit="api.service", __REALTIME_TIMESTAMP=now - (180 - n) * SEC // 2)
    live_journal.wait_written(timeout=30)
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, silence_config(live_journal, alerts, tmp_path))

    def burst(lines: int) -> None:
        for k in range(lines):
            live_journal.write(f"job {k} synced ({k % 64} MiB)", unit="worker.service")
            live_journal.write(f"GET /healthz {k} 200", unit="api.service")
            time.sleep(0.2)

    def quiet(seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            live_journal.write("GET /healthz 200", unit="api.service")
            time.sleep(0.2)

    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up
        burst(3)  # watched from its first live entry
        quiet(6)
        burst(5)  # ends the first silence on its own
        assert silences_logged(running) == 1, running.log()
        wait_until(lambda: isinstance(value := saved(live_journal, "silence"), dict) and "/ended alone" in value, 15,
                   "the pending habit committed")
        if sig == signal.SIGHUP:
            assert running.proc is not None
            running.proc.send_signal(sig)
            running.wait_log("reloaded:")
        else:
            running.stop(sig)
            running.start()
        burst(10)
        quiet(6)
        burst(10)  # ends the second silence on its own: both are its habit now
        assert silences_logged(running) == 2, running.log()
        quiet(6)
        burst(3)
        live_journal.write(MVAR, unit="api.service", priority=3)  # read after all of it: its alert says so
        wait_until(lambda: any(a["rule"] == "ghc-mvar-deadlock" for a in alerts_of(alerts)), 15, "the MVar alert")
        assert silences_logged(running) == 2, running.log()
    finally:
        if running.proc is not None:
            running.stop(signal.SIGKILL)
