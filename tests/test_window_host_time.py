"""engine/window.py's burst windows of a collector's hosts while their clocks' offsets are learnt (pure logic; the
host clocks of host_clocks.py fed by hand, our wall clock given): a window ends by its host's own journal time then,
never by our clock alone. The real service: tests/test_host_clock_learning.py."""

from __future__ import annotations

from pathlib import Path

from logsentry.engine.window import RECHECK_USEC, BurstTracker
from logsentry.host_clocks import LATE_QUIET_USEC, HostClocks, HostWindows
from logsentry.model import Entry, Hit, Incident, Severity
from logsentry.rules.rule import parse_rule

S = 1_000_000
WALL = 1_800_000_000 * S
LOCAL, HOST = "c3" * 16, "b2" * 16


def tracker(clocks: HostClocks, wall: list[int], count: int = 1, host_time: bool = True) -> BurstTracker:
    """A 10-s window rule of `count` hits; judged by `clocks` as the service does (`host_time` False: by their
    offsets alone, as before)."""
    rule = parse_rule({"id": "r", "title": "t", "severity": "error", "action": "alert",
                       "match": {"message": "BOOM"}, "trigger": {"count": count, "within": "10s"}}, Path("r.toml"))
    made = BurstTracker([rule])
    made.clock_offset = clocks.offset
    if host_time:  # (service_reload.py)
        HostWindows(clocks, lambda machine: machine == LOCAL or clocks.settled(machine, wall[0])).attach(made)
    return made


def hit(at: int, machine: str = HOST) -> Hit:
    entry = Entry(realtime_usec=at, message="BOOM", unit="api.service", priority=3, cursor=f"c{at}",
                  fields={"_MACHINE_ID": machine})
    return Hit("r", Severity.ERROR, entry, {}, "")


def logs(clocks: HostClocks, wall: list[int], at: int, machine: str = HOST) -> None:
    """The host's entry stamped `at` read, and the reader caught up at our clock `wall[0]` (the service's tick)."""
    clocks.saw(machine, at)
    clocks.tick(wall[0])


def test_a_late_hosts_burst_while_its_clock_is_learnt_is_one_incident_ended_by_its_own_clock():
    """10 min behind, in the first seconds after a start: by our clock its window ended at our first look (its
    deadline 10 min past), and the second line 1 s later fired a second incident."""
    wall = [WALL]
    clocks = HostClocks(LOCAL)
    windows = tracker(clocks, wall)
    host_now = WALL - 600 * S
    logs(clocks, wall, host_now)
    _, fired = windows.add(hit(host_now))
    assert fired is not None
    assert windows.expire(WALL) == []  # our look: not past by its own clock (nor by ours before, then: ended)
    wall[0] += S
    logs(clocks, wall, host_now + S)
    assert windows.add(hit(host_now + S)) == (None, None)  # the same burst: the same incident
    ended_at = {}
    for second in range(2, 20):  # it logs on; its window (10 s after its last hit) passes by its own clock
        wall[0] = WALL + second * S
        logs(clocks, wall, host_now + second * S)
        ended_at.update((second, incident) for incident in windows.expire(wall[0]))
    [(second, incident)] = ended_at.items()
    assert 12 <= second <= 12 + RECHECK_USEC // S  # its own clock past 11 s: looked at again at most that late
    assert (incident.count, incident.first_usec, incident.last_usec) == (2, host_now, host_now + S)


def test_a_quiet_host_whose_clock_is_learnt_ends_its_windows_once_the_clock_is_judged():
    """It logged its line and nothing since: its own time stands still, its window waits, until the host is judged
    (no sample for the hold: host_clocks.settled) by its offset then, not for ever. Judged, its line came 10 min
    behind that offset (0): a late clock or a backlog's chunk, which look alike; the window waits for the backlog's
    next chunk until 5 min after its line came (HostWindows; test_backlog_windows.py), then ends."""
    wall = [WALL]
    clocks = HostClocks(LOCAL)
    windows = tracker(clocks, wall)
    logs(clocks, wall, WALL - 600 * S)
    windows.add(hit(WALL - 600 * S))
    wall[0] = WALL + 29 * S
    assert windows.expire(wall[0]) == []
    wall[0] = WALL + 30 * S
    assert clocks.settled(HOST, wall[0]) and windows.expire(wall[0] + RECHECK_USEC) == []
    wall[0] = WALL + LATE_QUIET_USEC - S
    assert windows.expire(wall[0]) == []
    wall[0] = WALL + LATE_QUIET_USEC + S
    [ended] = windows.expire(wall[0])
    assert isinstance(ended, Incident)


def replay(host_time: bool, machine: str, skew: int) -> list[tuple[int, int]]:
    """A host `skew` µs off ours (at most 60 s ahead: the service takes a later stamp as our clock's time) logs a
    line a second and two bursts of three BOOMs (a 3-hit rule): (second, count) of each incident ended, by a hit
    after it or at one of our looks."""
    wall = [WALL]
    clocks = HostClocks(LOCAL)
    windows = tracker(clocks, wall, count=3, host_time=host_time)
    said = []
    for second in range(60):
        wall[0] = WALL + second * S
        at = wall[0] + skew
        logs(clocks, wall, at, machine)
        if second in (5, 8, 12, 30, 33, 35):
            ended, _ = windows.add(hit(at, machine))
            said += [(second, ended.count)] if ended is not None else []
        said += [(second, incident.count) for incident in windows.expire(wall[0])]
    return said


def test_a_host_in_step_or_ahead_ends_its_windows_as_before():
    """In step with ours, or 30 s ahead (counted as 0: judged by our clock, host_clocks.py), with the learner's
    clocks and without host_time: the same incidents end at the same looks."""
    for machine, skew in ((HOST, 0), (HOST, -300_000), (HOST, 30 * S), (LOCAL, 0)):
        before = replay(False, machine, skew)
        assert before and before == replay(True, machine, skew), (machine, skew)
    assert replay(False, HOST, -600 * S) != replay(True, HOST, -600 * S)  # (one whose clock is learnt does not)
