"""A host's backlog (entries hours older than our clock: journal-upload catching up after an outage) appended by
systemd-journal-remote in chunks: its windows end by its own journal time, not each time the reader catches up
with the chunk written so far (host_clocks.py HostWindows). Found by a new user's try: `tail -D --since` over one
host's outage appended in 3 chunks gave 16 INCIDENT/ENDED pairs, a 10-minute window "ENDED ... over 3.9s" with
the next hit 1 s later by the entries' own time. A host logging in step still has its incident ended by its clock
once it goes quiet. Real parts: journal-remote fed from a FIFO (test_host_stale.HostFeed), `logsentry tail` and
`logsentry run` as processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import entry
from test_first_start_handover import Collector, Host
from test_host_clocks_service import collector, titles
from test_host_stale import ALPHA, WEB7, HostFeed
from test_service import RunningService, receiver  # noqa: F401  (fixture)

from logsentry.engine.window import BurstTracker
from logsentry.host_clocks import HostClocks, HostWindows
from logsentry.model import Entry, Hit, Severity
from logsentry.rules.loader import load_rules
from logsentry.sources.journal_files import export_entry

RULE = '''id = "boom"
title = "boom"
severity = "error"
action = "alert"
[match]
message = '^BOOM \\S+$'
[trigger]
count = 3
within = "20s"
'''
SEC = 1_000_000
BACKLOG_S = 3 * 3600
"""How far behind our clock the backlog's entries are stamped."""


def stamped(feed: HostFeed, message: str, at_usec: int) -> None:
    """An entry of the feed's host stamped `at_usec` by its own clock (error level)."""
    record = entry(message, unit="api.service", priority=3, _MACHINE_ID=feed.machine, _HOSTNAME=feed.host,
                   __REALTIME_TIMESTAMP=at_usec)
    record["__MONOTONIC_TIMESTAMP"] = at_usec
    os.write(feed._fd, export_entry(record))


def marks(out: str, host: str) -> list[str]:
    """The INCIDENT/ENDED words of tail's --plain lines of `host` (date, time, host, unit, rule, severity, word)."""
    return [words[6] for line in out.splitlines() if len(words := line.split()) > 6 and words[2] == host
            and words[4] == "boom" and words[6] in ("INCIDENT", "ENDED")]


def test_tail_reads_a_backlog_in_chunks_as_one_incident_and_ends_a_live_one(tmp_path: Path) -> None:
    """web-1's backlog: a BOOM every 2 s for 3 minutes of its time, 3 hours ago, appended in 3 chunks 3 s apart
    (tail catches up after each). Before: INCIDENT, ENDED at each chunk's end, INCIDENT again (3 of each). web-7 in
    step logs 3 BOOMs and goes quiet: its incident ends 20 s later by its clock, as before."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(RULE)
    directory = tmp_path / "remote"
    directory.mkdir()
    backlog, live = HostFeed(directory, "web-1", ALPHA), HostFeed(directory, "web-7", WEB7)
    try:
        start = time.time_ns() // 1000 - BACKLOG_S * SEC
        stamped(backlog, "api starting", start - SEC)
        stamped(live, "api starting", time.time_ns() // 1000)
        time.sleep(0.5)  # journal-remote made both files
        out_path, err_path = tmp_path / "tail.out", tmp_path / "tail.err"
        with open(out_path, "w") as out_file, open(err_path, "w") as err_file:
            tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(directory), "--plain",
                                     "--rules", str(rules), "--no-shipped-rules"], stdout=out_file, stderr=err_file)
        try:
            time.sleep(3)  # following
            for chunk in range(3):
                for n in range(30):
                    stamped(backlog, f"BOOM {chunk}-{n}", start + (chunk * 60 + n * 2) * SEC)
                time.sleep(3)  # read, and caught up: a second's tick passes
            for n in range(3):
                stamped(live, f"BOOM live-{n}", time.time_ns() // 1000)
            deadline = time.monotonic() + 60
            while marks(out_path.read_text(), "web-7") != ["INCIDENT", "ENDED"] and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            tail.send_signal(signal.SIGTERM)
            tail.wait(timeout=30)
        out = out_path.read_text()
        assert marks(out, "web-7") == ["INCIDENT", "ENDED"], out + err_path.read_text()
        assert marks(out, "web-1") == ["INCIDENT"], out  # open at the stop: its journal time never passed it
        assert "web-1 api.service boom error STILL OPEN 90 hits over 2m 58s" in out, out
    finally:
        backlog.close()
        live.close()


def _hit(tracker: BurstTracker, machine: str, at_usec: int) -> tuple[object, object]:
    fields = {"MESSAGE": "BOOM x", "_SYSTEMD_UNIT": "api.service", "_MACHINE_ID": machine}
    line = Entry(realtime_usec=at_usec, message="BOOM x", unit="api.service", priority=3, cursor="", fields=fields)
    return tracker.add(Hit(rule_id="boom", severity=Severity.ERROR, entry=line, captures={}, key=""))


def test_a_backlog_host_quiet_past_the_hold_keeps_its_window_until_its_time_passes(tmp_path: Path) -> None:
    """The service's path (HostWindows on BurstTracker, as service_reload.py attaches it): a backlog host read up
    to what is written, then quiet longer than the clock hold (its offset then judged known: 0) and than the window,
    had its windows ended by our clock at once; they stay open until its entries pass them, or it sent nothing for
    5 min (its upload stopped). A host in step that goes quiet is ended by our clock as before."""
    (tmp_path / "boom.toml").write_text(RULE)
    wall = 10_000 * 3600 * SEC
    clocks = HostClocks("local", hold_usec=30 * SEC)
    old = wall - BACKLOG_S * SEC

    def tracker() -> BurstTracker:
        made = BurstTracker(load_rules([tmp_path]).rules)
        HostWindows(clocks, lambda machine: clocks.settled(machine, wall)).attach(made)
        for n in range(3):  # the backlog's first chunk: an incident
            _hit(made, ALPHA, old + n * SEC)
            clocks.saw(ALPHA, old + n * SEC)
        return made

    chunks = tracker()
    for n in range(3):  # a host in step: an incident
        _hit(chunks, WEB7, wall - SEC + n)
        clocks.saw(WEB7, wall - SEC + n)
    clocks.tick(wall)
    start = wall
    assert chunks.expire(wall + SEC) == []
    wall += 60 * SEC  # a minute with nothing written: both offsets count as known now
    assert [incident.machine_id for incident in chunks.expire(wall)] == [WEB7]  # in step: ended by its clock
    assert chunks.expire(wall + 10 * SEC) == [], "the backlog's window was ended by our clock"
    _hit(chunks, ALPHA, old + 10 * SEC)  # the next chunk: the same incident goes on
    assert [incident.count for incident in chunks.open_incidents()] == [4]
    clocks.saw(ALPHA, old + 100 * SEC)  # its time passes the window (20 s after its last hit)
    clocks.tick(wall + 20 * SEC)
    assert [incident.count for incident in chunks.expire(wall + 22 * SEC)] == [4]

    wall, clocks = start, HostClocks("local", hold_usec=30 * SEC)
    stopped = tracker()  # its upload stops after the first chunk
    clocks.tick(wall)
    wall += 299 * SEC
    assert stopped.expire(wall) == []
    wall += 2 * SEC
    assert [incident.count for incident in stopped.expire(wall)] == [3]  # 5 min after it came: ended


@pytest.mark.parametrize("fleet", [False, True])
def test_run_reads_a_backlog_in_chunks_as_one_stale_incident(receiver, tmp_path: Path, fleet: bool) -> None:  # noqa: F811
    """`logsentry run` on a collector (its clock hold 1 s, the shortest `[hosts] clock_hold`): web-1's backlog, a
    TRIPLE every 3 s for 3 minutes of its time 3 hours ago, appended in 3 chunks 4 s apart. Each quiet between
    chunks made its offset known (0), and our clock ended the incident: 3 stale incidents, 2 of them ended, for one
    failure. With another host logging in step (`fleet`), the backlog's entries, over an hour behind that host's
    newest, were taken as at its time (the clamp for a clock set back): its second chunk's 20 hits at one instant,
    fired as new and paged. Now: one stale incident, open while the backlog's time has not passed its window."""
    where = Collector(tmp_path)
    host = Host(tmp_path, where.directory, "web-1", ALPHA, 0)
    live = Host(tmp_path, where.directory, "web-7", WEB7, 0) if fleet else None
    hook = receiver()
    running = RunningService(tmp_path, collector(tmp_path, where.directory, hook.url, hold_s=1))
    try:
        host.write("GET /health 0 200", host.now() - BACKLOG_S * SEC - 60 * SEC)
        host.wait_written()
        running.start()  # from the host's newest entry
        start = host.now() - BACKLOG_S * SEC
        for chunk in range(3):
            if live is not None:
                live.write(f"GET /health {chunk} 200", live.now())
                live.wait_written()
            for n in range(20):
                host.write(f"TRIPLE {chunk}-{n}", start + (chunk * 60 + n * 3) * SEC, priority=3)
            host.wait_written()
            time.sleep(4)  # read, caught up, and quiet past the clock hold
        running.wait_log("stale: its newest hit is", timeout=30)
        time.sleep(2)
        log = running.log()
        assert log.count("incident triple on api.service of host web-1: ") == 1, log
        assert "ended after" not in log, log
        assert log.count("stale: its newest hit is") == 1, log
        assert "behind its host's newest entry" not in log, log
        assert titles(hook, "triple") == []
        assert running.stop() == 0
    finally:
        if running.proc is not None and running.proc.poll() is None:
            running.stop()
        host.close()
        if live is not None:
            live.close()
