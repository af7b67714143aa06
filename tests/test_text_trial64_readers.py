"""Trial 64's reader gaps, through the CLI on small text files (and the readers behind it): a paste that opens with a
program's untimed stderr above its journal lines, and times in programs' own layouts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import run_cli

from logsentry.sources import Selection, open_entries
from logsentry.sources.text_sniff import sniff_text


def _records(path: Path, *args: str) -> list[dict[str, Any]]:
    done = run_cli("scan", "--file", str(path), "-o", "json", *args)
    return [json.loads(line) for line in done.stdout.splitlines()]


def _incidents(path: Path) -> list[tuple[str, str, list[str]]]:
    """Each incident's rule, unit and the rules of its chain."""
    return sorted((record["rule"], record["unit"], [link["rule"] for link in record.get("chain", [])])
                  for record in _records(path) if record["type"] == "incident")


def _read(path: Path) -> list[tuple[int, str, str, int | None]]:
    return [(entry.realtime_usec, entry.unit, entry.message, entry.effective_priority)
            for entry in open_entries(Selection(), files=[path])]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


_GERBERA = (  # trial 64's 26 (gerbera/gerbera's issue), its nine stderr lines then PID 1's
    "debug: [server.cc:119] run(): Initialising libupnp with interface: 'lo', port: 49452\n"
    "error: [main.cc:332] main(): LibUPnP error code: -121\n"
    "debug: [server.cc:262] emptyBookmark(): Clearing bookmark file at: /var/lib/gerbera/.config/gerbera/gerbera.html\n"
    "debug: [server.cc:278] shutdown(): Server shutting down\n"
    "error: [server.cc:282] shutdown(): UpnpUnRegisterClient failed (-116)\n"
    "error: [server.cc:287] shutdown(): UpnpUnRegisterRootDevice failed (-116)\n"
    "debug: [server.cc:294] shutdown(): now calling upnp finish\n"
    "debug: [content_manager.cc:332] shutdown(): start\n"
    "debug: [content_manager.cc:334] shutdown(): updating last_modified data for autoscan in database...\n"
    "May 15 22:22:39 pot systemd[1]: gerbera.service: Main process exited, code=killed, status=11/SEGV\n"
    "May 15 22:22:39 pot systemd[1]: gerbera.service: Failed with result 'signal'.\n")


def test_untimed_stderr_above_journal_lines_keeps_their_times_and_units(tmp_path: Path) -> None:
    """Nine untimed lines over two journal lines were judged plain text for the whole file: PID 1's SEGV line had no
    time, host or unit, and no systemd rule saw it (trial 64's 26). The untimed head stays the file's lines, at the
    first time, their levels read as before."""
    path = _write(tmp_path, "gerbera.log", _GERBERA)
    assert sniff_text(path.read_bytes()) == "text"
    read = _read(path)
    assert [unit for _, unit, _, _ in read] == ["(gerbera)"] * 9 + ["(gerbera.service)"] * 2
    assert {usec for usec, _, _, _ in read} == {read[-1][0]}
    assert [priority for _, _, _, priority in read[:3]] == [7, 3, 7]
    assert read[0][2] == "debug: [server.cc:119] run(): Initialising libupnp with interface: 'lo', port: 49452"
    assert ("systemd-unit-failed", "(gerbera.service)", ["systemd-main-process-killed", "systemd-unit-failed"]) \
        in _incidents(path)


def test_untimed_lines_with_one_journal_line_among_them_stay_plain(tmp_path: Path) -> None:
    """Only an untimed head is passed over: a program's output with a syslog-looking line in its middle and more
    untimed lines after it is still the program's (plain), its lines at the file's time."""
    lines = _GERBERA.splitlines(keepends=True)
    path = _write(tmp_path, "mixed.log", "".join(lines[:4] + lines[9:10] + lines[4:9]))
    assert sniff_text(path.read_bytes()) is None
    head = _write(tmp_path, "timed-head.log", "2025-06-17 10:00:01 gerbera: started\n" + _GERBERA)
    assert sniff_text(head.read_bytes()) != "text"  # (a head with a time is no untimed one)


def test_fatal_lines_behind_programs_own_prefixes_page(tmp_path: Path) -> None:
    """tarantool's `F>` (trial 64's 16), TeamSpeak's `|CRITICAL|` (23, its halt at start) and Privoxy's `Fatal
    error:` (24) had no level, so new-fatal-template, the one rule that judges such a paste, could not fire; tarantool's
    banner at `C>` (N6, a plain start) is no critical line (engine/app_levels.py)."""
    tarantool = _write(tmp_path, "tarantool.log",
                       "2016-11-09 13:42:56.828 [25078] wal/101/main fio.c:132 !> writev, []: No such file or "
                       "directory\n"
                       "2016-11-09 13:42:56.828 [25078] wal/101/main F> failed to get xlog position: No such file or "
                       "directory\n")
    teamspeak = _write(tmp_path, "ts3server.log",
                       "2014-10-28 20:20:16.707575|CRITICAL|DatabaseQuery |   | unable to load database plugin library "
                       '"libts3db_mysql.so", halting!\n')
    privoxy = _write(tmp_path, "privoxy.log",
                     "2016-05-18 15:05:47.713 b6fa6390 Fatal error: can't bind to ::1:8118: There may be another "
                     "Privoxy or some other proxy running on port 8118\n")
    for path in (tarantool, teamspeak, privoxy):
        assert [rule for rule, _, _ in _incidents(path)] == ["new-fatal-template"], path.name
    banner = _write(tmp_path, "shard.log",
                    "2019-11-25 12:53:57.413 [5405] main/101/tarantool_totem_shard6 C> Tarantool 1.10.4-22-ge3b974b\n"
                    "2019-11-25 12:53:57.413 [5405] main/101/tarantool_totem_shard6 C> log level 5\n"
                    "2019-11-25 12:53:57.438 [5405] main/101/tarantool_totem_shard6 I> mapping 134217728 bytes for "
                    "vinyl tuple arena...\n")
    assert _incidents(banner) == []
    assert [priority for _, _, _, priority in _read(tarantool)] == [3, 2]
