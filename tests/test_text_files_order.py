"""Several text (or export, JSON) files are read interleaved by time, as journalctl reads journal files: a rotated
log named newest first (`--file syslog --file syslog.1`) was read in that order, and a hang in the newer file went
unseen behind the older one's day of learning (helper-169's E17)."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import json_events, of_type, run_cli

START = 1_796_000_000
DAY = 26 * 3600


def line(at: int, ident: str, message: str) -> str:
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S+0000', time.gmtime(START + at))} lap1 {ident}[100]: {message}"


def test_a_rotated_log_named_newest_first_is_read_in_time_order(tmp_path: Path) -> None:
    lines = []
    for i in range((DAY + 3 * 3600) // 20):
        if i * 20 < DAY:
            lines.append(line(i * 20 + 1, "api", f"api tick {i} ok"))  # api hangs after a day
        lines.append(line(i * 20 + 3, "worker", f"worker tick {i} ok"))
    older, newer = tmp_path / "syslog.1", tmp_path / "syslog"
    older.write_text("\n".join(lines[:9000]) + "\n")
    newer.write_text("\n".join(lines[9000:]) + "\n")
    for files in ((newer, older), (older, newer)):
        events = json_events(run_cli("scan", *(arg for path in files for arg in ("--file", str(path))), "-o", "json"))
        incidents = of_type(events, "incident")
        assert [i["unit"] for i in incidents] == ["(api)"], (files, incidents)
        assert incidents[0]["first_usec"] == (START + DAY - 20 + 1) * 1_000_000


def test_a_line_two_files_hold_is_read_once_and_a_files_own_repeats_are_kept(tmp_path: Path) -> None:
    """helper-170's trial: Debian's rsyslog writes a daemon's lines to both syslog and daemon.log; given both, each
    failed login counted twice and two hosts' six attempts each paged a brute force. A file's own repeats (two
    failed logins in one second) are both lines."""
    lines = [line(k * 5, "sshd", f"Failed password for root from 198.51.100.9 port {40000 + k} ssh2").replace(
        " lap1 ", f" web0{host} ") for k in range(6) for host in (1, 2)]
    lines.append(lines[-1])  # (the same line twice in one file: both are read)
    syslog, daemon = tmp_path / "syslog", tmp_path / "daemon.log"
    syslog.write_text("\n".join(lines) + "\n")
    daemon.write_text("\n".join(lines[:-1]) + "\n")
    one = run_cli("scan", "--file", str(syslog), "-o", "json")
    both = run_cli("scan", "--file", str(syslog), "--file", str(daemon), "-o", "json")
    assert [r for r in json_events(both) if r["type"] != "summary"] == \
        [r for r in json_events(one) if r["type"] != "summary"]
    assert of_type(json_events(both), "summary")[0]["entries"] == 13
    assert "daemon.log: 12 line(s) were in a file given before it too" in both.stderr


def test_a_block_of_nuls_a_crash_left_in_a_syslog_file_is_a_line_break(tmp_path: Path) -> None:
    """helper-170's trial: rsyslog's file after a crash holds a block of NULs where its last lines were, and the
    next line written after the restart follows it on the same line: that line was read as the one before's
    continuation (an MVar deadlock line lost in another's message)."""
    mvar = "cachix-server: thread blocked indefinitely in an MVar operation"
    log = tmp_path / "syslog"
    log.write_bytes(line(0, "app", "started").encode() + b"\n" + line(1, "app", "writing").encode()[:30] +
                    b"\0" * 4096 + line(60, "cachix-server", mvar).encode() + b"\n")
    done = run_cli("scan", "--file", str(log), "-o", "json")
    matches = of_type(json_events(done), "match")
    assert [(m["rule"], m["message"]) for m in matches] == [("ghc-mvar-deadlock", mvar)], matches
    assert "NUL bytes (a crash leaves them in a log file) taken as a line break" in done.stderr
