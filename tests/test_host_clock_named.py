"""A collector's host whose clock runs 10 min behind ours: the log line that says so names the host, not only its
machine id, and `logsentry hosts` shows the offset the service judges it by (as the metric
logsentry_host_clock_offset_seconds does): helper F2 found neither. A real `logsentry run` over journal files written
live by systemd-journal-remote."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from test_host_clocks_service import BEHIND, behind, ticking_behind  # noqa: F401  (fixture)
from test_service import receiver  # noqa: F401  (fixture)


def test_the_clock_line_names_the_host_and_hosts_shows_its_offset(behind, receiver, tmp_path: Path):  # noqa: F811
    with ticking_behind(behind, tmp_path, receiver().url) as (running, _host, _ticking):
        assert f"the clock of host behind (machine {BEHIND}) is 10m behind ours" in running.log()
        assert running.stop() == 0  # its hosts saved at the stop
    config = str(tmp_path / "logsentry.toml")
    shown = run_cli("hosts", "-c", config)
    assert shown.exit_code == 0, shown.output
    (line,) = [line for line in shown.output.splitlines() if BEHIND in line]
    assert line.startswith(f"behind (machine {BEHIND}): newest entry ") and \
        line.endswith("; its clock 10m behind ours (judged by its own)"), line
    (saved,) = [json.loads(line) for line in run_cli("hosts", "-c", config, "-o", "json").output.splitlines()]
    assert 595_000_000 <= saved["clock_offset_usec"] <= 605_000_000, saved
