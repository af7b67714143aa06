"""`logsentry hosts`: a collector's hosts as the service saved them, with the silence threshold each one's
gaps taught it (or not yet), so an operator can see when a host would page. Real parts: `logsentry run`
following journals that systemd-journal-remote writes from FIFOs, stopped (its state saved), then the command."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from conftest import entry, run_cli
from test_host_stale import HostFeed
from test_service import RunningService

from logsentry.sources.journal_files import export_entry

WEB7 = "f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7"
DB2 = "d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2"


def write_at(feed: HostFeed, usec: int, message: str) -> None:
    record = entry(message, unit="api.service", _MACHINE_ID=feed.machine, _HOSTNAME=feed.host,
                   __REALTIME_TIMESTAMP=usec)
    record["__MONOTONIC_TIMESTAMP"] = usec
    os.write(feed._fd, export_entry(record))


def test_hosts_shows_each_hosts_learnt_silence_threshold(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    feeds = [HostFeed(directory, "web-7", WEB7), HostFeed(directory, "db-2", DB2)]
    config = tmp_path / "logsentry.toml"
    service = RunningService(tmp_path, f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{directory}"
hostname = "collector"
[[watch]]
units = ["*"]
actions = ["alert"]
''')
    try:
        for feed in feeds:
            feed.write("starting", "api.service")
        time.sleep(0.5)  # journal-remote has made both files
        service.start()
        now = time.time_ns() // 1000
        for n in range(300):  # web-7: gaps of 2 s, read live in 3 pieces (a host's first run teaches no gap)
            write_at(feeds[0], now - (300 - n) * 2_000_000, f"GET /{n} 200")
            if n % 100 == 99:
                time.sleep(0.5)
        for n in range(5):  # db-2: too few to learn from
            write_at(feeds[1], now - (5 - n) * 2_000_000, f"checkpoint {n}")
        time.sleep(3)
        assert service.stop() == 0  # the hosts are saved with the state
    finally:
        for feed in feeds:
            feed.close()
    shown = run_cli("hosts", "-c", str(config))
    assert shown.exit_code == 0, shown.output
    web7, db2 = (next(line for line in shown.stdout.splitlines() if line.startswith(f"{name} ("))
                 for name in ("web-7", "db-2"))
    assert web7.startswith(f"web-7 (machine {WEB7}): newest entry ")
    assert re.search(r", silent after 5min \(learnt from \d+ gaps\); logging$", web7), web7  # the 300-s floor
    assert re.search(r", no silence threshold yet \([0-5] of 100 gaps learnt from the entries followed\)$", db2), db2
    listed = run_cli("hosts", "-c", str(config), "-o", "json").stdout.splitlines()
    records = {record["host"]: record for record in map(json.loads, listed)}
    assert records["web-7"]["threshold_usec"] == 300_000_000 and records["db-2"]["threshold_usec"] == 0


def test_hosts_without_a_saved_state_says_where_it_looked(tmp_path: Path) -> None:
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "nowhere"}"\n')
    done = run_cli("hosts", "-c", str(config))
    assert done.exit_code == 2
    assert f"no saved state at {tmp_path / 'nowhere' / 'state.db'}" in done.output
