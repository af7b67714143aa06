"""Trial 63's reader gaps, through the CLI on small text files (and the readers behind it): levels behind a program's
own prefix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import run_cli

from logsentry.sources import Selection, open_entries


def _records(path: Path, *args: str) -> list[dict[str, Any]]:
    done = run_cli("scan", "--file", str(path), "-o", "json", *args)
    return [json.loads(line) for line in done.stdout.splitlines()]


def _summary(path: Path, *args: str) -> dict[str, Any]:
    return next(record for record in _records(path, "--no-anomalies", *args) if record["type"] == "summary")


def _err_entries(path: Path) -> int:
    return int(_summary(path, "-p", "err")["entries"])


def _incidents(path: Path) -> list[tuple[str, str]]:
    return sorted((record["rule"], record["unit"]) for record in _records(path) if record["type"] == "incident")


def _read(tmp_path: Path, name: str, text: str) -> list[tuple[int, str, int | None, dict[str, str]]]:
    path = tmp_path / name
    path.write_text(text)
    return [(entry.realtime_usec, entry.message, entry.effective_priority, dict(entry.fields))
            for entry in open_entries(Selection(), files=[path])]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_lldpd_fatal_is_crit_and_pages(tmp_path: Path) -> None:
    """lldpd's `[CRIT/fatal] giving up` (src/log.c: translate()'s code, `/`, the token) had no level, so the one rule
    that judges a paste, new-fatal-template, could not fire (trial 63's 29); its bare `CRIT` did."""
    path = _write(tmp_path, "lldpd.log",
                  "2014-11-13T21:02:01 [ DBG/main] lldpd starting...\n"
                  "2014-11-13T21:02:01 [WARN/main] unable to create control socket: No such file or directory\n"
                  "2014-11-13T21:02:01 [CRIT/fatal] giving up\n")
    assert _incidents(path) == [("new-fatal-template", "(lldpd)")]
    assert [priority for _, _, priority, _ in _read(tmp_path, "l2.log", path.read_text())] == [7, 4, 2]


def test_open_vswitch_vlog_levels(tmp_path: Path) -> None:
    """Open vSwitch's `time|seq|module|LEVEL|` (vlog.h): EMER is alert, as VLOG_LEVELS sends it to syslog, and pages;
    a level word in the message after INFO is not the line's."""
    path = _write(tmp_path, "ovs.log",
                  "2022-11-17T02:48:25Z|00187|jsonrpc|WARN|unix#11: receive error: Connection reset by peer\n"
                  "2022-11-17T02:48:26Z|00188|bridge|ERR|could not open network device br0 (No such device)\n"
                  "2022-11-17T02:48:26.500Z|00189|reconnect|INFO|db.sock: ERROR in peer's words\n"
                  "2022-11-17T02:48:27Z|00190|vswitchd|EMER|fatal error\n")
    assert [priority for _, _, priority, _ in _read(tmp_path, "o2.log", path.read_text())] == [4, 3, 5, 1]
    assert _err_entries(path) == 2
    assert _incidents(path) == [("new-fatal-template", "(ovs)")]


def test_gpsd_minidlna_bareos_levels_in_syslog(tmp_path: Path) -> None:
    """Each writes its level behind its own prefix inside the syslog message: gpsd's `gpsd:ERROR: `, MiniDLNA's
    `file.c:line: error: `, Bareos's `time name JobId n: Fatal error: `; none was read (trial 63's 04, 21, 22, 03).
    The same words later in a message are no level."""
    path = _write(tmp_path, "syslog",
                  "Apr  1 10:56:23 tocktick gpsd[657]: gpsd:ERROR: /dev/ttyAMA0: device activation failed.\n"
                  "Apr  1 10:56:24 tocktick gpsd[657]: gpsd:PROG: switch_driver(u-blox) called...\n"
                  "Apr  1 10:56:25 tocktick gpsd[657]: client said gpsd:ERROR: x\n"
                  "Nov  3 23:30:05 omv minidlnad[45464]: minidlna.c:166: error: accept(http): Too many open files\n"
                  "Nov  3 23:30:06 omv minidlnad[45464]: [2021/11/03 23:30:06] scanner.c:730: warn: x\n"
                  "Oct 24 06:14:58 db1 bareos-fd[38746]: 24-Oct 06:14 db1 JobId 31956: Fatal error: bpipe-fd: Error "
                  "closing stream for pseudo file /var/lib/pgsql/backups/db.tar: 268435457\n"
                  "Oct 24 06:14:59 db1 bareos-dir[100]: 24-Oct 06:14 bareos-dir JobId 31956: Warning: x\n"
                  "Oct 24 06:15:00 db1 bareos-dir[100]: the log said JobId 31956: Fatal error: x\n")
    assert [priority for _, _, priority, _ in _read(tmp_path, "s2", path.read_text())] \
        == [3, 5, None, 3, 4, 3, 4, None]
    assert _err_entries(path) == 3


def test_minidlna_fatal_pages(tmp_path: Path) -> None:
    """MiniDLNA's E_FATAL (log.c: log_err, then exit(-1)) is crit: its `fatal: Failed to open log file` is the
    program's last word."""
    path = _write(tmp_path, "minidlna.log",
                  "minidlna.c:1028: fatal: Failed to open log file '/var/log/minidlna.log': Permission denied\n")
    assert _incidents(path) == [("new-fatal-template", "(minidlna)")]
