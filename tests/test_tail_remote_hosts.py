"""`logsentry tail -D` on a collector's directory reads each host's file from its own position, as `logsentry run`
does (sources/fanin.py): a host whose entries are stamped behind those already shown (a late clock, a late upload)
is shown too. One merged reader, as `journalctl -f -D` reads, passes such a host by (systemd#359): found trying the
collector, a host 10 minutes behind failed as another host did; the service alerted both, tail showed one. With
-n (lines back across hosts) tail still reads through one merged reader and says so on stderr. Real parts: two
hosts' files written live by systemd-journal-remote (test_host_stale.HostFeed), `logsentry tail` as a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import entry
from test_fleet_follow import MVAR
from test_host_stale import ALPHA, WEB7, HostFeed

from logsentry.sources.journal_files import export_entry

NOTE = "through one merged reader, as journalctl -f -D does"


def late_write(feed: HostFeed, message: str, behind_s: float) -> None:
    """An entry of a host whose clock runs `behind_s` behind ours."""
    at = time.time_ns() // 1000 - int(behind_s * 1_000_000)
    record = entry(message, unit="api.service", _MACHINE_ID=feed.machine, _HOSTNAME=feed.host, __REALTIME_TIMESTAMP=at)
    record["__MONOTONIC_TIMESTAMP"] = at
    os.write(feed._fd, export_entry(record))


def shown(out: str) -> list[str]:
    """The hosts of the MVar lines tail's --plain stream gave (its lines: time, host, unit, rule, ...)."""
    return [line.split()[2] for line in out.splitlines() if line.endswith(MVAR)]


def journals_open(pid: int, directory: Path) -> int:
    """How many of the directory's journal files the process holds open."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        count += target.startswith(str(directory)) and ".journal" in target
    return count


def tail_while(directory: Path, during: list[tuple[HostFeed, float]], *extra: str, expect: int) -> tuple[str, str]:
    """`logsentry tail -D directory --plain` while each feed logs MVAR (`behind` seconds late); its stdout, stderr
    once `expect` MVAR lines were shown (and a second more: one too many would show too), or after 30 s."""
    out_path, err_path = directory.parent / "tail.out", directory.parent / "tail.err"
    with open(out_path, "w") as out_file, open(err_path, "w") as err_file:
        tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(directory), "--plain", *extra],
                                stdout=out_file, stderr=err_file, text=True)
    try:
        deadline = time.monotonic() + 30  # a loaded machine starts slowly
        files = len(list(directory.glob("*.journal")))
        while journals_open(tail.pid, directory) < files and time.monotonic() < deadline and tail.poll() is None:
            time.sleep(0.05)  # following: it holds the hosts' files
        time.sleep(0.5)
        for feed, behind in during:
            late_write(feed, MVAR, behind)
        while len(shown(out_path.read_text())) < expect and time.monotonic() < deadline and tail.poll() is None:
            time.sleep(0.05)
        time.sleep(1)
    finally:
        tail.send_signal(signal.SIGTERM)
        tail.wait(timeout=20)
    return out_path.read_text(), err_path.read_text()


def two_hosts(directory: Path) -> tuple[HostFeed, HostFeed]:
    """web-7 (our clock) and late-1 (10 minutes behind), each with a line written."""
    web7, late = HostFeed(directory, "web-7", WEB7), HostFeed(directory, "late-1", ALPHA)
    web7.write("api starting", "api.service")
    late_write(late, "api starting", 600)
    time.sleep(0.5)  # journal-remote made both files
    return web7, late


def test_tail_of_a_collectors_directory_shows_a_late_hosts_failure(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    web7, late = two_hosts(directory)
    try:
        out, err = tail_while(directory, [(web7, 0), (late, 600)], expect=2)
    finally:
        web7.close()
        late.close()
    assert NOTE not in err, err
    assert sorted(shown(out)) == ["late-1", "web-7"], out  # (the merged reader showed web-7 only)


def test_tail_since_reads_each_hosts_lines_from_that_time(tmp_path: Path) -> None:
    """--since: each host's lines stamped at or after it, the late host's too, then both live."""
    directory = tmp_path / "remote"
    directory.mkdir()
    web7, late = HostFeed(directory, "web-7", WEB7), HostFeed(directory, "late-1", ALPHA)
    try:
        late_write(late, "older " + MVAR, 1500)  # 25 min ago, before --since -15min: not shown
        late_write(late, MVAR, 660)  # 11 min ago: shown
        web7.write("api starting", "api.service")
        time.sleep(0.5)
        out, err = tail_while(directory, [(web7, 0), (late, 600)], "--since", "-15min", expect=3)
    finally:
        web7.close()
        late.close()
    assert NOTE not in err, err
    assert sorted(shown(out)) == ["late-1", "late-1", "web-7"], out
    assert "older" not in out, out


def test_tail_n_says_its_merged_reader_passes_late_hosts_by(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    web7, late = two_hosts(directory)
    try:
        out, err = tail_while(directory, [(web7, 0), (late, 600)], "-n", "5", expect=1)
    finally:
        web7.close()
        late.close()
    assert f"logsentry: with -n, tail follows the 2 journal-remote files of {directory} {NOTE}" in err, err
    assert shown(out) == ["web-7"], (out, err)  # what the note says: should -n read host by host one day, it goes


def test_tail_of_one_hosts_file_says_nothing_of_it(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    web7 = HostFeed(directory, "web-7", WEB7)
    try:
        web7.write("api starting", "api.service")
        time.sleep(0.5)
        out, err = tail_while(directory, [(web7, 0)], expect=1)
    finally:
        web7.close()
    assert NOTE not in err, err
    assert shown(out) == ["web-7"], out
