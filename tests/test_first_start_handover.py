"""The first start's hand-over between the history learner and the live pipeline judges every line after the
start once, per host, on a real `logsentry run` over journal files written by systemd-journal-remote.

At the first start the service follows each host from its newest entry at once, every unit cold, while a thread
learns the last 14 days up to the journal's end; the learner's hits on lines after the start are handed to the
pipeline when the service adopts the baselines (baseline_keeper.py, handover.py).
- "After the start" is per host, by the entry the live reader started after: with the wall clock instead, a
  collector's host whose clock runs ahead had the end of its history paged as new, and one running behind had
  its failure after the start judged by neither side.
- Lines written between the learner's end and the adoption were read by nobody warm: they are read on into the
  learner at the adoption. The test-only environment variables of handover.py widen these windows.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import LiveJournal, entry, wait_journal_lines
from test_baseline_service import alerts_of, config, write_history
from test_restart_systemd import wait_until
from test_service import RunningService

from logsentry.handover import HANDOVER_DELAY_ENV, LEARN_DELAY_ENV
from logsentry.sources.journal_files import export_entry, journal_remote

MINUTE = 60_000_000
AHEAD, BEHIND = "a1" * 16, "b2" * 16


class Host:
    """One host of a collector: its own systemd-journal-remote writes `remote-NAME.journal` from a FIFO, each
    entry stamped with the host's machine id and name, and with its clock `skew_usec` off ours."""

    def __init__(self, root: Path, directory: Path, name: str, machine: str, skew_usec: int):
        self.path = directory / f"remote-{name}.journal"
        self.name, self.machine, self.skew_usec, self.count = name, machine, skew_usec, 0
        fifo = root / f"{name}.fifo"
        os.mkfifo(fifo)
        self._fd = os.open(fifo, os.O_RDWR)
        tool = journal_remote()
        assert tool, "systemd-journal-remote is required (scripts/setup installs it)"
        self.process = subprocess.Popen([tool, "-o", str(self.path), str(fifo)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    def now(self) -> int:
        """The host's clock (µs)."""
        return time.time_ns() // 1000 + self.skew_usec

    def write(self, message: str, at: int, priority: int = 6, unit: str = "api.service") -> None:
        record = entry(message, unit=unit, priority=priority, _MACHINE_ID=self.machine, _HOSTNAME=self.name,
                       __REALTIME_TIMESTAMP=at)
        record["__MONOTONIC_TIMESTAMP"] = time.monotonic_ns() // 1000
        os.write(self._fd, export_entry(record))
        self.count += 1

    def history(self, count: int, errors_at: int | None = None) -> None:
        """`count` lines of api.service, one every 5 s, ending a minute ago by the host's clock; and four lines
        of a new error at `errors_at` (µs), in their place."""
        now = self.now()
        for n in range(count):
            at = now - (count - n) * 5_000_000 - MINUTE
            if errors_at is not None and at > errors_at:
                for k in range(4):
                    self.write(f"cache shard {k} evicted: backing store unreachable", errors_at + k, priority=3)
                errors_at = None
            self.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", at)

    def wait_written(self, timeout: float = 5.0) -> None:
        wait_journal_lines(["--file", str(self.path)], self.count, timeout, f"{self.count} entries of {self.name}")

    def close(self) -> None:
        os.close(self._fd)
        self.process.terminate()
        self.process.wait(timeout=10)


class Collector:
    """A collector's journal directory (what `config` needs of a LiveJournal: root and directory)."""

    def __init__(self, root: Path):
        self.root = root
        self.directory = root / "journal"
        self.directory.mkdir()


def fired(alerts: Path, rule: str = "new-error-template") -> list[dict[str, Any]]:
    return [a for a in alerts_of(alerts) if a["rule"] == rule and a.get("event", "firing") == "firing"]


@pytest.mark.parametrize("judge", ["learner", "hand-over"])
def test_a_collectors_hosts_are_judged_from_where_each_is_read_not_by_our_clock(tmp_path: Path, judge: str):
    """A host 8 min ahead: the end of its history, stamped after our clock's start, is history (not paged).
    A host 8 min behind: its failure written after the start, stamped before our clock's start, is paged once,
    whether the learner read it with the history or the hand-over read it on from that host's file after the
    learner's end. (8, not 10: the policy takes an incident whose newest hit is older than its rule's window,
    10 min here, by our clock, for stale, and does not act on it.)"""
    collector = Collector(tmp_path)
    ahead = Host(tmp_path, collector.directory, "ahead", AHEAD, 8 * MINUTE)
    behind = Host(tmp_path, collector.directory, "behind", BEHIND, -8 * MINUTE)
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(collector, alerts, tmp_path / "receive.py"))  # type: ignore[arg-type]
    # the learner waits, then reads the failure with the history; or it reads first, then waits to hand over
    running.env = {**os.environ, LEARN_DELAY_ENV if judge == "learner" else HANDOVER_DELAY_ENV: "3"}
    try:
        # 79 and 67 minutes (warm); the ahead host's history has a new error a few seconds after our clock's start,
        # 7 min before its own last entry (a page for it would come when our clock passes it: within the test)
        errors_at = time.time_ns() // 1000 + 6_000_000
        ahead.history(950, errors_at=errors_at)
        behind.history(800)
        for host in (ahead, behind):
            host.wait_written()
        running.start()
        if judge == "hand-over":
            running.wait_log("learnt baselines from", timeout=30)
        failure = behind.now()  # after the behind host's last entry, 8 minutes before our clock
        for n in range(4):
            behind.write(f"payment backend refused order {n}: circuit open", failure + n * 1000, priority=3)
        behind.wait_written()
        running.wait_log("learnt baselines from", timeout=30)
        wait_until(lambda: fired(alerts), 15, "the behind host's alert")
        # nothing else comes: the ahead host's history is not paged (once our clock is past it), the failure once
        time.sleep(max(1.0, (errors_at + 4_000_000 - time.time_ns() // 1000) / 1e6))
        [alert] = fired(alerts)
        assert (alert["machine_id"], alert["host"], alert["unit"]) == (BEHIND, "behind", "api.service"), alert
        assert alert["template"] == "payment backend refused order <NUM>: circuit open"
        assert not [a for a in alerts_of(alerts) if a["rule"] != "new-error-template"], alerts_of(alerts)
        log = running.log()
        assert "anomaly hits on lines written since the start, found by the history learner" in log, log
        assert ("4 lines read live since the history learner stopped judged at the hand-over" in log) == (
            judge == "hand-over"), log
    finally:
        if running.proc is not None:
            running.stop()
        ahead.close()
        behind.close()


def test_a_failure_written_between_the_learners_end_and_the_adoption_is_alerted(live_journal: LiveJournal,
                                                                                  tmp_path: Path):
    """The learner has read to the journal's end and not handed over yet; the failure's lines are read live,
    every unit still cold: the hand-over reads them on into the learner and they are paged once."""
    write_history(live_journal, 800)  # 67 minutes of api.service and db.service, ending a minute ago: warm
    live_journal.wait_written()
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py"))
    running.env = {**os.environ, HANDOVER_DELAY_ENV: "5"}
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)  # the learner is at its end, not yet adopted
        for n in range(4):
            live_journal.write(f"payment backend refused order {n}: circuit open", unit="api.service", priority=3)
        live_journal.wait_written()
        wait_until(lambda: fired(alerts), 20, "the anomaly alert")
        log = running.log()
        assert "4 lines read live since the history learner stopped judged at the hand-over" in log, log
        time.sleep(1)
        [alert] = fired(alerts)
        assert alert["unit"] == "api.service" and "never logged" in alert["why"]
        assert alert["template"] == "payment backend refused order <NUM>: circuit open"
    finally:
        if running.proc is not None:
            running.stop()


def test_passed_is_per_machine_from_the_readers_own_positions(tmp_path: Path):
    """Where a reader is, per machine: of a host file holding two machines, each one's newest entry at or before
    the position (not the position's own time); a file with no position is a new host; one cursor over a journal
    also sets the default for entries of no listed machine."""
    from conftest import BASE_USEC

    from logsentry.handover import passed
    from logsentry.sources.journal_files import build_journal, export_bytes

    directory = tmp_path / "remote"
    directory.mkdir()
    lines = [entry(f"{machine} {n}", at=n + offset, _MACHINE_ID=machine)
             for n in range(10) for machine, offset in ((AHEAD, 0.0), (BEHIND, -300.5)) if machine == AHEAD or n < 6]
    for index, line in enumerate(lines):
        line["__MONOTONIC_TIMESTAMP"] = index + 1  # one boot, in the order written
    build_journal(export_bytes(lines), directory / "remote-two.journal")  # appended in this order
    build_journal(export_bytes([entry("c 0", at=1.0, _MACHINE_ID="c3" * 16)]), directory / "remote-new.journal")
    from systemd import journal

    reader = journal._Reader(flags=0, files=[str(directory / "remote-two.journal")])
    reader.seek_head()
    for _ in range(7):  # a0 b0 a1 b1 a2 b2 a3: the position is a3's entry
        reader._next()
    position = reader._get_cursor()
    reader.close()
    where = passed(directory, None, {"remote-two": position})
    assert dict(where.newest) == {AHEAD: BASE_USEC + 3_000_000, BEHIND: BASE_USEC + 2_000_000 - 300_500_000}
    assert not where.after(AHEAD, BASE_USEC + 3_000_000) and where.after(AHEAD, BASE_USEC + 3_000_001)
    assert where.after(BEHIND, BASE_USEC + 2_000_001 - 300_500_000)  # b3, appended after the position
    assert where.after("c3" * 16, 0)  # a host with no position: every line of it is new
    assert where.files == {AHEAD: (directory / "remote-two.journal",), BEHIND: (directory / "remote-two.journal",)}
    one = passed(directory, position, None)  # one reader over the directory, as for the local journal
    assert one.newest[AHEAD] == BASE_USEC + 3_000_000 and one.default_usec == BASE_USEC + 3_000_000


def test_the_test_only_delays_say_a_bad_value_and_ignore_it(monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture):
    from logsentry.handover import delay_for_tests

    monkeypatch.setenv(LEARN_DELAY_ENV, "2.5")
    assert delay_for_tests(LEARN_DELAY_ENV) == 2.5
    monkeypatch.delenv(LEARN_DELAY_ENV)
    assert delay_for_tests(LEARN_DELAY_ENV) == 0.0
    for bad in ("soon", "-1", "nan", "3600"):
        monkeypatch.setenv(HANDOVER_DELAY_ENV, bad)
        caplog.clear()
        assert delay_for_tests(HANDOVER_DELAY_ENV) == 0.0
        assert f"{HANDOVER_DELAY_ENV}={bad!r} is not a number of seconds from 0 to 60: ignored" in caplog.text
