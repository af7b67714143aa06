"""Baselines are per (machine, unit); `baseline show` names each machine by its host name. Learning history
keeps the `_HOSTNAME` of every machine it learnt (`baseline learn`, the service's first start), so a collector's
hosts are named even before the service saved its own list of hosts (at a stop or a silence snapshot)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from conftest import LOCAL_MACHINE, LiveJournal, entry, run_cli
from test_baseline_service import config
from test_service import RunningService

WEB1, WEB2 = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
HOSTILE = "web-2\x1b[31m.example"


def records(state: Path, *args: str) -> list[dict]:
    shown = run_cli("baseline", "show", "--state-dir", str(state), "-o", "json", *args)
    assert shown.exit_code == 0, shown.output
    return [json.loads(line) for line in shown.stdout.splitlines()]


def test_baseline_learn_keeps_the_host_names_of_the_history(make_journal, tmp_path: Path):
    lines = [entry(f"Accepted publickey for deploy port {40000 + n}", unit="sshd.service", at=n * 30.0,
                   _MACHINE_ID=machine, _HOSTNAME=name)
             for n in range(40) for machine, name in ((WEB1, "web-1.example"), (WEB2, HOSTILE))]
    journal = make_journal(lines, name="collector.journal")
    state = tmp_path / "state"
    learnt = run_cli("baseline", "learn", "--state-dir", str(state), "-D", str(journal.parent), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    hosts = {r["machine_id"]: r["host"] for r in records(state, "-u", "sshd") if r["type"] == "unit"}
    assert hosts == {WEB1: "web-1.example", WEB2: HOSTILE}
    table = run_cli("baseline", "show", "--state-dir", str(state), "-u", "sshd").stdout
    assert "templates of sshd.service on web-1.example" in table
    assert "templates of sshd.service on web-2\\x1b[31m.example" in table and "\x1b" not in table  # shown, escaped
    assert WEB1 not in table and WEB2[:12] not in table

    # Learning again (nothing new) keeps the names; the service's own saved hosts are newer and win.
    assert run_cli("baseline", "learn", "--state-dir", str(state), "-D", str(journal.parent), "--since", "@0"
                   ).exit_code == 0
    from logsentry.state import State

    saved = State(state / "state.db")
    saved.commit({"hosts": [[WEB1, 0, "web-1-renamed.example", "sshd.service", "", "", 0, 0, None]]}, [], 0)
    saved.close()
    hosts = {r["machine_id"]: r["host"] for r in records(state) if r["type"] == "unit"}
    assert hosts == {WEB1: "web-1-renamed.example", WEB2: HOSTILE}


def test_the_services_first_start_keeps_the_host_names_it_learnt(live_journal: LiveJournal, tmp_path: Path):
    """Killed right after learning (no stop, so the service never saved its hosts): the names are there."""
    now = time.time_ns() // 1000
    for n in range(300):
        live_journal.write(f"GET /api/items/{n} 200 5ms", unit="api.service", _MACHINE_ID=WEB1,
                           _HOSTNAME="web-1.example", __REALTIME_TIMESTAMP=now - (300 - n) * 5_000_000)
    live_journal.wait_written()
    running = RunningService(tmp_path, config(live_journal, tmp_path / "alerts.jsonl", tmp_path / "receive.py"))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(3)  # adopted at the next catch-up, saved at the next commit (once a second)
        running.stop(signal.SIGKILL)
    finally:
        if running.proc is not None:
            running.stop(signal.SIGKILL)
    hosts = {r["machine_id"]: r["host"] for r in records(tmp_path / "state", "-u", "api") if r["type"] == "unit"}
    assert hosts == {WEB1: "web-1.example"}, (hosts, LOCAL_MACHINE)
