"""A collector's host 10 min behind our clock, in the first seconds after a start while its clock's offset is
learnt (host_clocks.py), logs a burst of two MVar deadlock lines 1 s apart: one incident, paged once the clock is
known, never a lost one. A real `logsentry run` follows journal files written live by systemd-journal-remote (one
per host, from a FIFO), alerts go to a webhook on 127.0.0.1.

Before (helper-149's find): the late host's window ended by OUR clock (10 min past its deadline) at the next look,
so the second line opened a second incident; both were held for the clock (stale-looking, clock unknown) under one
(rule, machine, unit, key), the second overwrote the first, and only the second line's was ever alerted."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_first_start_handover import Collector, Host
from test_host_clocks_service import BEHIND, HOLD_S, MINUTE, Ticking, titles
from test_host_clocks_service import collector as boom_collector
from test_host_stale import alerts, collector_config, wait_until
from test_service import RunningService, receiver  # noqa: F401  (fixture)

from logsentry.timespec import format_usec

IN_STEP = "c3" * 16
LINE = "cachix-server: thread blocked indefinitely in an MVar operation"
"""What GHC's top-level handler prints (the shipped rule ghc-mvar-deadlock: one hit fires, a 60-s window)."""
TITLE = "CRITICAL api.service: GHC: thread blocked indefinitely in an MVar operation (ghc-mvar-deadlock)"


def collector(root: Path, directory: Path, hook_url: str) -> str:
    # a hold of 20 s: the burst is read (2 s after the start) well before the offset is accepted
    return collector_config(root, directory, hook_url, hosts=f'clock_hold = "{2 * HOLD_S}s"')


@pytest.mark.parametrize("neighbour", [False, True], ids=["alone", "with-a-host-in-step"])
def test_a_burst_while_the_clock_is_learnt_is_one_incident_paged_once(receiver, tmp_path, neighbour):  # noqa: F811
    """Alone, the late host's window was ended by the service's look at our clock when it caught up; with a host in
    step with ours in the same directory, by that host's newer entries read after the burst's first line. Either
    way the first line's incident was lost. Now the window ends by the late host's own journal time while its clock
    is learnt: one incident of 2 hits from the first line, alerted once the clock is known, and still open (its
    1-min window has not passed by the host's clock: before, it was resolved at once, ended by ours)."""
    where = Collector(tmp_path)
    late = Host(tmp_path, where.directory, "late", BEHIND, -10 * MINUTE)
    step = Host(tmp_path, where.directory, "step", IN_STEP, 0) if neighbour else None
    hook = receiver()
    running = RunningService(tmp_path, collector(tmp_path, where.directory, hook.url))
    tickers: list[Ticking] = []
    try:
        for host in filter(None, (late, step)):
            host.write("GET /health 0 200", host.now())
            host.wait_written()
        running.start()
        tickers = [Ticking(host) for host in filter(None, (late, step))]
        time.sleep(2)
        first = late.now()
        late.write(LINE, first, priority=3)
        running.wait_log("held: its newest hit is", timeout=15)  # the clock is not known: held, not stale
        time.sleep(1)
        late.write(LINE, late.now(), priority=3)
        time.sleep(1)
        assert "the clock of " not in running.log()  # the offset did not hold yet: both lines came while it was learnt
        wait_until(lambda: titles(hook, "MVar"), 45, "the MVar alert once the clock is known")
        time.sleep(3)  # anything more (another incident's page, a resolve) would come now
        said = [a for a in alerts(hook) if "MVar" in a["title"]]
        assert [a["title"] for a in said] == [f"[logsentry late] {TITLE}"], said  # one burst, one page; open
        assert f"2 hits from {format_usec(first)} " in said[0]["message"], said[0]["message"]
        log = running.log()
        said_clock = f"the clock of host late (machine {BEHIND}) is 10m behind ours"
        assert log.index(said_clock) < log.index("decided by that clock")
        assert "stale: its newest hit" not in log
        assert running.stop() == 0
    finally:
        for ticker in tickers:
            ticker.close()
        for host in filter(None, (late, step)):
            host.close()
        if running.proc is not None:
            running.stop()


def test_two_bursts_while_the_clock_is_learnt_are_two_incidents_both_paged(receiver, tmp_path):  # noqa: F811
    """Two BOOM lines 8 s apart by the late host's clock, a 5-s window: two incidents (the first ended by the host's
    own clock before the second), both held while the clock is learnt under one (rule, machine, unit, key). The
    second overwrote the first (second_look.StaleReports); both are paged now, and both resolved (each ended)."""
    where = Collector(tmp_path)
    late = Host(tmp_path, where.directory, "late", BEHIND, -10 * MINUTE)
    hook = receiver()
    running = RunningService(tmp_path, boom_collector(tmp_path, where.directory, hook.url, hold_s=2 * HOLD_S,
                                                      boom_within="5s"))
    ticker = None
    try:
        late.write("GET /health 0 200", late.now())
        late.wait_written()
        running.start()
        ticker = Ticking(late)
        time.sleep(2)
        first = late.now()
        late.write("BOOM disk-full", first, priority=3)
        time.sleep(8)
        second = late.now()
        late.write("BOOM disk-full", second, priority=3)
        time.sleep(1)
        assert "the clock of " not in running.log()  # the offset did not hold yet: both came while it was learnt
        wait_until(lambda: len(titles(hook, "boom")) >= 4, 45, "both BOOM alerts and their resolves")
        time.sleep(2)
        said = [a for a in alerts(hook) if "boom" in a["title"]]
        firing = [a["message"] for a in said if "RESOLVED" not in a["title"]]
        assert len(firing) == 2 and len(said) == 4, [a["title"] for a in said]
        assert sorted(f"1 hit from {format_usec(at)} " in message for message in firing for at in (first, second)) \
            == [False, False, True, True], firing
        assert "stale: its newest hit" not in running.log()
        assert running.stop() == 0
    finally:
        if ticker is not None:
            ticker.close()
        late.close()
        if running.proc is not None:
            running.stop()
