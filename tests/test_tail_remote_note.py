"""`logsentry tail -D` on a collector's directory says, on stderr, what its one merged reader cannot show: a host
whose entries are stamped behind those already shown (a late clock, a late upload) is passed by (systemd#359), as
`journalctl -f -D` passes it by, while `logsentry run` alerts it. Found trying the collector: a host 10 minutes
behind failed as another host did; the service alerted both, tail showed one and said nothing. Real parts: two
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


def tail_while(directory: Path, during: list[tuple[HostFeed, float]]) -> tuple[str, str]:
    """`logsentry tail -D directory --plain` while each feed logs MVAR (`behind` seconds late); its stdout, stderr."""
    tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(directory), "--plain"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)  # started and following (a loaded machine starts slowly)
        for feed, behind in during:
            late_write(feed, MVAR, behind)
        time.sleep(3)  # journal-remote wrote it, tail read it
    finally:
        tail.send_signal(signal.SIGTERM)
        out, err = tail.communicate(timeout=20)
    return out, err


def test_tail_of_a_collectors_directory_says_what_its_merged_reader_passes_by(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    web7, late = HostFeed(directory, "web-7", WEB7), HostFeed(directory, "late-1", ALPHA)
    try:
        web7.write("api starting", "api.service")
        late_write(late, "api starting", 600)
        time.sleep(0.5)  # journal-remote made both files
        out, err = tail_while(directory, [(web7, 0), (late, 600)])
    finally:
        web7.close()
        late.close()
    assert f"logsentry: tail follows the 2 journal-remote files of {directory} {NOTE}" in err, err
    assert "`logsentry run` reads them host by host" in err
    assert shown(out) == ["web-7"], out
    # What the note says: the late host's failure is passed by. Should tail read host by host one day, this
    # fails: then the note goes too.


def test_tail_of_one_hosts_file_says_nothing_of_it(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    web7 = HostFeed(directory, "web-7", WEB7)
    try:
        web7.write("api starting", "api.service")
        time.sleep(0.5)
        out, err = tail_while(directory, [(web7, 0)])
    finally:
        web7.close()
    assert NOTE not in err, err
    assert shown(out) == ["web-7"], out
