"""A collector's host whose clock runs 10 min behind ours, on a real `logsentry run` over journal files written
live by systemd-journal-remote (from a FIFO), stopped and started again: the line "the clock of host late ... is
10m behind ours" was logged again after every restart (its offset learnt anew from 0, 30 s judged by our clock
meanwhile; a fresh operator's find, helper F4). Its saved offset is restored: said once, judged by it at once."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import run_cli
from test_first_start_handover import Collector, Host
from test_host_clocks_service import BEHIND, HOLD_S, MINUTE, Ticking, collector, wait_clock_line
from test_service import RunningService, receiver  # noqa: F401  (fixture)


def test_the_clock_line_is_said_once_across_a_restart(receiver, tmp_path: Path) -> None:  # noqa: F811
    where = Collector(tmp_path)
    late = Host(tmp_path, where.directory, "late", BEHIND, -10 * MINUTE)
    running = RunningService(tmp_path, collector(tmp_path, where.directory, receiver().url))
    ticking = None
    try:
        late.write("GET /health 0 200", late.now())
        late.wait_written()
        ticking = Ticking(late)
        running.start()
        said = wait_clock_line(running, "late")
        assert running.stop() == 0  # its hosts, offsets with them, saved at the stop
        running.start()
        time.sleep(2)  # saved again meanwhile (a host read again): the offset is kept
        shown = run_cli("hosts", "-c", str(running.config_path)).stdout  # (stderr: when they were saved)
        assert shown.rstrip().endswith("; its clock 10m behind ours (judged by its own)"), shown
        time.sleep(HOLD_S + 3)  # its samples held the hold again: nothing changed, nothing to say
        assert running.log().count(said) == 1, running.log()
        assert running.stop() == 0
    finally:
        if ticking is not None:
            ticking.close()
        late.close()
        if running.proc is not None:
            running.stop()
