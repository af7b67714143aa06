"""Xorg's log file times (sources/xorg_times.py, read by sources/applog.py): `[%10.3f] `, CLOCK_MONOTONIC's seconds
(xorg-server 1.8 to 21), from the banner's `(==) Log file: "...", Time: <ctime>` line.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from test_applog_input import _local, _utc, _write

from logsentry.sources import Selection, open_entries

XORG_LOG = [
    "[    23.456] ",
    "X.Org X Server 1.21.1.4",
    "X Protocol Version 11, Revision 0",
    "[    23.456] Current Operating System: Linux host 6.8.0-49-generic x86_64",
    "[    23.457] Markers: (--) probed, (**) from config file, (==) default setting,",
    "\t(++) from command line, (!!) notice, (II) informational,",
    "\t(WW) warning, (EE) error, (NI) not implemented, (??) unknown.",
    '[    23.457] (==) Log file: "/var/log/Xorg.0.log", Time: Sat Dec  5 10:05:40 2026',
    "[    23.460] (II) Loader magic: 0x55d1a2c0",
    '[    24.100] (EE) Failed to load module "nvidia" (module does not exist, 0)',
    "[  1024.200] (EE) no screens found(EE)",
]


def test_xorgs_seconds_since_boot_are_read_from_its_start_lines_time(tmp_path: Path) -> None:
    """Xorg's log (xorg-server 1.8 to 21) stamps each line with `[%10.3f] `, CLOCK_MONOTONIC's seconds: no time of
    day. Its `(==) Log file: "...", Time: <ctime>` line gives one, and each line is that time plus its seconds
    since; the banner before it takes its time. Before, the file was lines of no time, all at the file's time."""
    path = _write(tmp_path, "Xorg.0.log", XORG_LOG)
    entries = list(open_entries(Selection(), files=[path]))
    start = _local(2026, 12, 5, 10, 5, 40)
    assert [(e.message, e.realtime_usec) for e in entries[-4:]] == [
        (XORG_LOG[7], start), (XORG_LOG[8], start + 3_000), (XORG_LOG[9], start + 643_000),
        (XORG_LOG[10], start + 1000 * 1_000_000 + 743_000)]
    assert {e.realtime_usec for e in entries[:-4]} == {start}  # the banner, before the time is known
    assert [e.effective_priority for e in entries[-2:]] == [3, 3]
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output
    assert "no line carries a time" not in result.stderr
    assert "read as this machine's local time" in result.stderr  # ctime's time


def test_brackets_of_seconds_without_xorgs_start_line_are_no_times(tmp_path: Path) -> None:
    """Without Xorg's line with the wall time, `[    24.100] ` is no time of day: the lines are read as before, none
    skipped, at the file's time."""
    lines = [line for line in XORG_LOG if "Log file" not in line]
    path = _write(tmp_path, "Xorg.0.log", lines)
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.message for e in entries if not e.message.startswith("\t")] == [
        line for line in lines if not line.startswith("\t")]
    assert {e.realtime_usec for e in entries} == {_utc(2026, 11, 30, 0, 0, 0)}
