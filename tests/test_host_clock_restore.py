"""host_clocks.py's clock line is said once per change of how a host is judged: a collector's service logged
"the clock of host H is 10m behind ours" again after every restart (the offset learnt anew from 0), and "not
behind ours: judged by ours" for a host ahead of ours although it was judged by ours all along (a fresh
operator's find, helper F4). Pure logic, our wall clock given, as tests/test_host_clocks.py; `restore` takes the
offset the service saved with its hosts."""

from __future__ import annotations

import logging

import pytest
from test_host_clocks import HOST, LOCAL, WALL, S, live

from logsentry.host_clocks import HOLD_USEC, HostClocks


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("the clock of ")]


def test_a_restored_offset_is_not_said_again_and_judges_at_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="logsentry.hosts")
    first = HostClocks(LOCAL)
    live(first, WALL, 40, 600 * S)
    assert said(caplog) == [f"the clock of machine {HOST} is 10m behind ours: its incidents and silence are judged "
                            "by its own clock (steady for 30s)"]
    saved = first.offset(HOST)
    caplog.clear()
    restarted = HostClocks(LOCAL)  # the service's next start
    restarted.restore(HOST, saved)
    assert restarted.offset(HOST) == saved  # judged by its clock from the start (a backlog read after it too)
    restarted.tick(WALL + 100 * S)  # caught up before any of its entries was read
    assert not restarted.settled(HOST, WALL + 129 * S) and restarted.settled(HOST, WALL + 130 * S)
    offsets = live(restarted, WALL + 130 * S, 40, 600 * S)
    assert set(offsets) == {saved} and said(caplog) == []  # the same clock: nothing to say
    live(restarted, WALL + 170 * S, 40, 0)  # its clock set right while it logs: a change, said once
    assert said(caplog) == [f"the clock of machine {HOST} is not behind ours: judged by ours (steady for 30s)"]
    assert restarted.offset(HOST) == 0
    restarted.restore(HOST, saved)  # (only a start's: a known host keeps what it learnt)
    assert restarted.offset(HOST) == 0


def test_a_host_ahead_of_ours_is_judged_by_ours_without_a_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="logsentry.hosts")
    clocks = HostClocks(LOCAL)
    assert set(live(clocks, WALL, HOLD_USEC // S + 10, -45 * S)) == {0}
    assert said(caplog) == []
    clocks.restore(LOCAL, 600 * S)  # the local machine is ours, always
    assert clocks.offset(LOCAL) == 0
