"""host_clocks.py's estimator on its own (pure logic, our wall clock given), and how the stale guard and the
host-silence check use it. The real service over journal-remote files: tests/test_host_clocks_service.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from logsentry.config import SiteConfig
from logsentry.engine.policy import GuardedPolicy, Limits, RestartLedger
from logsentry.host_clocks import HOLD_USEC, HostClocks
from logsentry.host_silence import MIN_GAPS, HostSilence
from logsentry.model import Entry, Incident, Severity

S = 1_000_000
WALL = 1_800_000_000 * S
HOST, LOCAL = "b2" * 16, "c3" * 16


def live(clocks: HostClocks, start: int, seconds: int, behind: int, machine: str = HOST) -> list[int]:
    """The host logs live for `seconds` (ticks every second, arrival delays 0-0.9 s): the offset after each."""
    offsets = []
    for n in range(seconds):
        wall = start + n * S
        clocks.saw(machine, wall - behind - (n % 10) * 100_000)
        clocks.tick(wall)
        offsets.append(clocks.offset(machine))
    return offsets


def test_a_steady_host_behind_is_accepted_after_it_held_30_s():
    clocks = HostClocks(LOCAL)
    offsets = live(clocks, WALL, 20, 600 * S)
    assert not clocks.settled(HOST, WALL + 19 * S)  # its silence: not judged while its offset is learnt
    offsets += live(clocks, WALL + 20 * S, 20, 600 * S)
    assert offsets[:HOLD_USEC // S] == [0] * (HOLD_USEC // S)  # our clock until it held
    assert offsets[-1] == 600 * S  # the smallest sample: its arrival delay was 0 once
    assert clocks.settled(HOST, WALL + 39 * S)
    assert clocks.offset("d4" * 16) == 0  # never read: ours; its silence judged 30 s after the start
    assert not clocks.settled("d4" * 16, WALL + 29 * S) and clocks.settled("d4" * 16, WALL + 30 * S)
    right = HostClocks(LOCAL)
    live(right, WALL, 1, 0)
    assert right.settled(HOST, WALL)  # a right clock's silence is judged at once


def test_a_backlog_catching_up_is_never_accepted():
    """After downtime, 2 h of entries read in 20 s of ticks (wall - time falls 6 min a second); and a host's
    journal upload catching up at 1.5x real time (it falls 0.5 s a second): neither is taken for a clock behind."""
    clocks = HostClocks(LOCAL)
    offsets = live(clocks, WALL, 40, 0)  # the host's clock is right
    for n in range(20 * 5):  # 5 ticks a second
        wall = WALL + 40 * S + n * 200_000
        clocks.saw(HOST, wall - 7200 * S + n * 72 * S)
        clocks.tick(wall)
        offsets.append(clocks.offset(HOST))
    start, behind = WALL + 60 * S, 300 * S
    for n in range(600):  # ten minutes of upload, 15 min of journal time
        clocks.saw(HOST, start + n * S - behind + n * S // 2)
        clocks.tick(start + n * S)
        offsets.append(clocks.offset(HOST))
        if n == 100:  # 250 s behind: its entries arrive, it is not silent
            assert not clocks.settled(HOST, start + n * S)
    assert set(offsets) == {0}
    assert clocks.settled(HOST, start + 599 * S)  # caught up: as our clock again


def test_a_clock_step_moves_the_offset_once_the_new_value_held():
    clocks = HostClocks(LOCAL)
    assert live(clocks, WALL, 40, 600 * S)[-1] == 600 * S
    fixed = live(clocks, WALL + 40 * S, 40, 0)  # NTP steps the host's clock right
    assert set(fixed[:HOLD_USEC // S]) == {600 * S} and fixed[-1] == 0
    back = live(clocks, WALL + 80 * S, 40, 1200 * S)  # and 20 min back
    assert set(back[:HOLD_USEC // S]) == {0} and back[-1] == 1200 * S
    late = live(clocks, WALL + 120 * S, 40, 1204 * S)  # a late batch within the tolerance changes nothing
    assert set(late) == {1200 * S}


def test_ahead_and_local_machines_are_judged_by_our_clock():
    clocks = HostClocks(LOCAL)
    assert live(clocks, WALL, 40, -300 * S)[-1] == 0  # ahead: ours (its stamps are clamped to ours anyway)
    assert live(clocks, WALL + 40 * S, 40, 600 * S, machine=LOCAL)[-1] == 0  # stamped by our clock
    assert LOCAL not in clocks.clocks


def incident(last_usec: int, machine: str = HOST) -> Incident:
    return Incident(rule_id="boom", severity=Severity.CRITICAL, unit="app.service", key="", first_usec=last_usec,
                    fired_usec=last_usec, last_usec=last_usec, count=1, threshold=1, within_usec=60 * S,
                    cursor="c", samples=("BOOM",), action="alert", why="", machine_id=machine, host="b")


def test_the_stale_guard_judges_by_the_hosts_clock():
    clocks = HostClocks(LOCAL)
    live(clocks, WALL, 40, 600 * S)
    now = WALL + 40 * S
    policy = GuardedPolicy(lambda unit, rule: frozenset({"alert"}), Limits(3, 3600 * S, 60 * S, "alert"),
                           RestartLedger(), lambda: now, dry_run=False, own_unit="logsentry.service",
                           local_machine=LOCAL, clock_offset=clocks.offset)
    [fresh] = policy.decide(incident(now - 600 * S - 2 * S))  # 2 s old by the host's clock
    assert fresh.kind == "alert", fresh.reason
    [old] = policy.decide(incident(now - 600 * S - 120 * S))  # 2 min old by its clock: stale still
    assert old.kind == "report" and old.reason.startswith("stale: its newest hit is 120s old by its host's clock "
                                                          "(600s behind ours)"), old.reason
    [other] = policy.decide(incident(now - 600 * S - 2 * S, machine="d4" * 16))  # a host at offset 0
    assert other.kind == "report" and "602s old, older than its window" in other.reason
    [ancient] = policy.decide(incident(now - 600 * S - 2 * 86400 * S - 90 * S, machine="d4" * 16))
    # from an hour on, in words too: "173490s" alone read as nothing (helper-124's tail: 22881717s)
    assert "its newest hit is 173490s (2d 11m) old, older than its window" in ancient.reason, ancient.reason


def test_a_host_behind_logging_steadily_is_not_silent():
    """The host-silence check by our clock paged a host 10 min behind over and over (fire, its next entry
    resolves it, fire again); by its own clock it is not silent. Its silence is judged once its offset held."""
    site = SiteConfig(path=Path("x"), journal_directory=Path("/var/log/journal/remote"), host_silent_after_usec=None)
    clocks = HostClocks(LOCAL)
    judged, unjudged = HostSilence(site, clocks), HostSilence(site)
    pages: dict[str, list[str]] = {"clocks": [], "wall": []}
    for n in range(MIN_GAPS * 3):  # one entry a second, 600 s behind
        wall = WALL + n * S
        for hosts in (judged, unjudged):
            hosts.saw(Entry(wall - 600 * S, "tick", "a.service", 6, "c", {"_MACHINE_ID": HOST, "_HOSTNAME": "b"}))
        clocks.saw(HOST, wall - 600 * S)
        clocks.tick(wall)
        pages["clocks"] += [item.payload["event"] for item in judged.check(wall)]
        pages["wall"] += [item.payload["event"] for item in unjudged.check(wall)]
    assert pages["clocks"] == []
    assert pages["wall"][:4] == ["firing", "resolved", "firing", "resolved"]  # the fault, without clocks
    stopped = WALL + MIN_GAPS * 3 * S
    assert [item.payload["event"] for item in judged.check(stopped + 299 * S)] == []
    [fired] = judged.check(stopped + 302 * S)  # it stops: silent after its threshold, by its own clock
    assert fired.payload["event"] == "firing" and fired.payload["why"].startswith("no journal entry for 5m 3s")


def test_a_stale_reason_does_not_call_an_arrival_delay_a_clock_behind_ours():
    """A host read 0.3 s after it writes (a collector's usual delay) is in step: its stale reason named
    "(0s behind ours)" (helper F5, as `logsentry hosts` did)."""
    clocks = HostClocks(LOCAL)
    live(clocks, WALL, 40, 300_000)  # 0.3 s
    now = WALL + 40 * S
    assert clocks.offset(HOST) == 300_000
    policy = GuardedPolicy(lambda unit, rule: frozenset({"alert"}), Limits(3, 3600 * S, 60 * S, "alert"),
                           RestartLedger(), lambda: now, dry_run=False, own_unit="logsentry.service",
                           local_machine=LOCAL, clock_offset=clocks.offset)
    [old] = policy.decide(incident(now - 120 * S))
    assert old.kind == "report" and "behind ours" not in old.reason and "by its host's clock" not in old.reason, \
        old.reason


def test_the_hold_is_the_configs_clock_hold():
    """`[hosts] clock_hold` sets how long an offset must hold (30 s by default, 1 s to 1 min: an incident waits
    for its host's clock 2 min at most), and the estimator, the host's silence included, keeps to it."""
    from logsentry.config_parse import ConfigError, parse_config

    assert parse_config({}, Path("x")).host_clock_hold_usec == HOLD_USEC == 30 * S
    site = parse_config({"hosts": {"clock_hold": "10s"}}, Path("x"))
    assert site.host_clock_hold_usec == 10 * S
    for wrong in ("0s", "2min", 10):
        with pytest.raises(ConfigError, match=r"hosts\.clock_hold"):
            parse_config({"hosts": {"clock_hold": wrong}}, Path("x"))
    clocks = HostClocks(LOCAL, site.host_clock_hold_usec)
    offsets = live(clocks, WALL, 12, 600 * S)
    assert offsets[:10] == [0] * 10 and offsets[10:] == [600 * S] * 2  # held 10 s: accepted
    assert not clocks.settled("d4" * 16, WALL + 9 * S) and clocks.settled("d4" * 16, WALL + 10 * S)
