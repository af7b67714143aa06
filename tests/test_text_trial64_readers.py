"""Trial 64's reader gaps, through the CLI on small text files (and the readers behind it): a paste that opens with a
program's untimed stderr above its journal lines, and times in programs' own layouts."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
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
    for path in (tarantool, teamspeak, privoxy):  # (one incident; the program's own rule, if any, leads it: rules64)
        [(rule, _, chain)] = _incidents(path)
        assert "new-fatal-template" in [rule, *chain], (path.name, rule, chain)
    banner = _write(tmp_path, "shard.log",
                    "2019-11-25 12:53:57.413 [5405] main/101/tarantool_totem_shard6 C> Tarantool 1.10.4-22-ge3b974b\n"
                    "2019-11-25 12:53:57.413 [5405] main/101/tarantool_totem_shard6 C> log level 5\n"
                    "2019-11-25 12:53:57.438 [5405] main/101/tarantool_totem_shard6 I> mapping 134217728 bytes for "
                    "vinyl tuple arena...\n")
    assert _incidents(banner) == []
    assert [priority for _, _, _, priority in _read(tarantool)] == [3, 2]


def _utc(path: Path) -> list[str]:
    return [datetime.fromtimestamp(usec / 1e6, UTC).strftime("%Y-%m-%d %H:%M:%S") for usec, _, _, _ in _read(path)]


def test_programs_own_times_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tinyproxy's `%-9s %b %d %H:%M:%S [pid]: ` (08), MPD's `%b %d %H:%M : ` (06), murmur's `<W>time ` (02, N2's
    `<w>`) and the Erlang VM's primitive `{error_logger,{{Y,M,D},{H,M,S}},...}` (05) were all at the file's time."""
    monkeypatch.setenv("TZ", "UTC")
    files = {
        "tinyproxy.log": ("ERROR     Jan 09 04:22:25 [275293]: opensock: Could not establish a connection to x\n"
                          "INFO      Jan 09 04:22:26 [275293]: Initializing tinyproxy ...\n",
                          ["2026-01-09 04:22:25", "2026-01-09 04:22:26"]),
        "mpd.log": ('May 21 14:00 : exception: Failed to open "My ALSA Device" (alsa)\n'
                    "May 21 14:01 : player: played \"x.flac\"\n", ["2026-05-21 14:00:00", "2026-05-21 14:01:00"]),
        "murmur.log": ("<W>2023-06-21 15:02:38.594 1 => Server: TCP Listen on 0.0.0.0:64738 failed\n"
                       "<w>2014-07-04 15:39:02.622 Initializing settings from /home/m/murmur.ini\n",
                       ["2023-06-21 15:02:38", "2014-07-04 15:39:02"]),
        "couchbase.log": ('{error_logger,{{2016,3,21},{14,25,7}},"Protocol: ~tp: the name x seems to be in use by '
                          'another Erlang node",["inet_tcp"]}\n'
                          "{error_logger,{{2016,3,21},{14,25,8}},crash_report,[[{initial_call,x}]]}\n",
                          ["2016-03-21 14:25:07", "2016-03-21 14:25:08"]),
    }
    for name, (text, times) in files.items():
        path = _write(tmp_path, name, text)
        os.utime(path, (1_796_000_000, 1_796_000_000))  # 2026-11-30: the year-less ones are 2026's
        assert _utc(path) == times, name
    # look-alikes: no program's time, each line at the file's time
    for name, text in {"a.log": "ERROR     no time here [1]: x\nERROR Jan 09 04:22:25 [1]: one blank\n",
                       "b.log": "May 21 14:00 exception: no colon after the time\nMay 21 14:00 :x\n",
                       "c.log": "<Q>2023-06-21 15:02:38.594 x\nsaid <W>2023-06-21 15:02:38.594 x\n",
                       "d.log": "{error_logger,{{2016,13,21},{14,25,7}},x}\n{other,{{2016,3,21},{14,25,7}},x}\n"
                       }.items():
        path = _write(tmp_path, name, text)
        os.utime(path, (1_796_000_000, 1_796_000_000))
        assert _utc(path)[0] == "2026-11-30 00:53:20", name  # (the file's time)


def test_glogs_own_date_gives_a_syslog_line_its_year(tmp_path: Path) -> None:
    """Dragonfly's glog line behind syslog's year-less time (trial 64's 19) was read in the file's year, two years
    late, where an ISO date of the program's gave its own; glog's `F20241204 03:10:37.370811` does now. Only at the
    message's start: a client's `F20241204 ...` later is no date of the line."""
    path = _write(tmp_path, "dragonfly.log",
                  "Dec  4 03:10:37 VM-16-191-centos dragonfly[2542781]: F20241204 03:10:37.370811 2542862 "
                  "epoll_socket.cc:260] Check failed: write_context_ == NULL\n")
    os.utime(path, (1_796_000_000, 1_796_000_000))
    assert _utc(path)[0].startswith("2024-12-04")
    quoted = _write(tmp_path, "quoted.log", "Dec  4 03:10:37 host app[1]: client sent F20241204 03:10:37.370811 x\n")
    os.utime(quoted, (1_796_000_000, 1_796_000_000))
    assert _utc(quoted)[0].startswith("2025-12-04")
