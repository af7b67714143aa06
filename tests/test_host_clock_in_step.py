"""`logsentry hosts` for a collector's host whose clock is right: the service reads its entries a little after
they are written (systemd-journal-remote, the reader's look), so its steady offset is a fraction of a second;
within the tolerance the clocks already allow (host_clocks.TOLERANCE_USEC) it is in step with ours and is not
shown as "its clock 0.3s behind ours" (a fresh operator's find, helper F4). A host 10 min behind still is. A real
`logsentry run` over journal files written live by systemd-journal-remote (one per host, from a FIFO)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from test_first_start_handover import Collector, Host
from test_host_clocks_service import BEHIND, MINUTE, Ticking, collector, wait_clock_line
from test_service import RunningService, receiver  # noqa: F401  (fixture)

IN_STEP = "c3" * 16


def test_a_host_whose_clock_is_right_is_not_shown_behind(receiver, tmp_path: Path) -> None:  # noqa: F811
    where = Collector(tmp_path)
    right = Host(tmp_path, where.directory, "right", IN_STEP, 0)
    late = Host(tmp_path, where.directory, "late", BEHIND, -10 * MINUTE)
    running = RunningService(tmp_path, collector(tmp_path, where.directory, receiver().url))
    tickers: list[Ticking] = []
    try:
        for host in (right, late):
            host.write("GET /health 0 200", host.now())
            host.wait_written()
        tickers = [Ticking(right), Ticking(late)]
        running.start()
        # both hosts are sampled from the same ticks: once the late one's offset held, the right one's did
        wait_clock_line(running, "late")
        assert "the clock of host right" not in running.log()  # the service never took it for behind
        assert running.stop() == 0  # the hosts, with their offsets, saved at the stop
    finally:
        for ticker in tickers:
            ticker.close()
        for host in (right, late):
            host.close()
        if running.proc is not None:
            running.stop()
    config = str(tmp_path / "logsentry.toml")
    shown = run_cli("hosts", "-c", config)
    assert shown.exit_code == 0, shown.output
    (in_step,) = [line for line in shown.output.splitlines() if IN_STEP in line]
    assert in_step.startswith(f"right (machine {IN_STEP}): newest entry ") and "behind" not in in_step, in_step
    (behind,) = [line for line in shown.output.splitlines() if BEHIND in line]
    assert behind.endswith("; its clock 10m behind ours (judged by its own)"), behind
    saved = {record["host"]: record for record in map(json.loads, run_cli("hosts", "-c", config, "-o", "json")
                                                       .output.splitlines())}
    assert saved["right"]["clock_offset_usec"] == 0, saved
    assert 595_000_000 <= saved["late"]["clock_offset_usec"] <= 605_000_000, saved
