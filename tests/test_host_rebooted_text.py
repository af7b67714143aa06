"""A syslog file has no _BOOT_ID: the kernel's banner ("Linux version ...") starts a boot there, so a crash is one
host-rebooted-uncleanly incident too, not a unit-went-silent page per steady program; rsyslogd's stop ("exiting on
signal 15") before the banner makes it a planned reboot (engine/host_boots.py text_boot)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import json_events, run_cli

START = datetime(2026, 1, 1, tzinfo=UTC)
UP, DOWN = 25 * 3600, 1200
PROGRAMS = ("api", "worker", "db")
BANNER = "kernel: Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1"
STOPPED = ['systemd[1]: Stopping rsyslog.service - System Logging Service...',
           'rsyslogd: [origin software="rsyslogd" swVersion="8.2302.0" x-pid="512" x-info="https://www.rsyslog.com"] '
           'exiting on signal 15.']


def at(seconds: float, text: str) -> tuple[float, str]:
    return seconds, f"{(START + timedelta(seconds=seconds)).isoformat(timespec='microseconds')} web01 {text}"


def steady(start: float, end: float) -> list[tuple[float, str]]:
    return [at(start + n * 20 + i, f"{name}[{100 + i}]: {name} handled a request")
            for n in range(int((end - start) // 20)) for i, name in enumerate(PROGRAMS)]


def scan(tmp_path: Path, lines: list[tuple[float, str]]) -> list[dict[str, Any]]:
    path = tmp_path / "syslog"
    path.write_text("".join(f"{text}\n" for _, text in sorted(lines)))
    done = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    assert done.exit_code in (0, 3), done.output
    return [event for event in json_events(done) if event["type"] == "incident"]


def test_a_crash_in_a_syslog_file_is_one_host_incident(tmp_path: Path) -> None:
    back = UP + DOWN
    incidents = scan(tmp_path, [*steady(0, UP), at(back, BANNER), *steady(back + 5, back + 3600)])
    assert [(i["rule"], i["host"]) for i in incidents] == [("host-rebooted-uncleanly", "web01")]
    assert "down 20m 18s" in incidents[0]["message"]
    assert "((" not in incidents[0]["message"]  # a text's unit is in parentheses already (helper-174)
    assert incidents[0]["why"].endswith("the kernel booted 2026-01-02 01:20:00.000 (a text log names no boot id)")


def test_a_syslog_files_planned_reboot_pages_nothing(tmp_path: Path) -> None:
    back = UP + DOWN
    stop = [at(UP + 1 + k, line) for k, line in enumerate(STOPPED)]
    assert scan(tmp_path, [*steady(0, UP), *stop, at(back, BANNER), *steady(back + 5, back + 3600)]) == []


def test_the_lines_a_boot_logs_before_its_banner_are_that_boots(tmp_path: Path) -> None:
    """A `journalctl -b` paste or a syslog file that starts at a boot: the kernel prints `microcode: updated early`
    before its banner, at its time, and rsyslogd logs its start before the kernel lines it reads, in the same second;
    they were read as the boot before, and the host as rebooted uncleanly, "down 0.0s" (trial 66: 5 false alarms).
    A boot before the banner needs a line older than it by more than a machine could reboot in; a crash a minute
    before the banner is one still."""
    early = [at(0, "kernel: microcode: updated early: 0xde -> 0xf0, date = 2021-11-12"),
             at(0, 'rsyslogd: [origin software="rsyslogd" swVersion="8.2302.0" x-pid="512"] start')]
    assert scan(tmp_path, [*early, at(0.5, BANNER), *steady(5, 3600)]) == []
    crashed = [at(-60, "api[100]: api handled a request"), *early]
    assert [i["rule"] for i in scan(tmp_path, [*crashed, at(0.5, BANNER), *steady(5, 3600)])] \
        == ["host-rebooted-uncleanly"]


def test_a_kernel_only_logs_reboots_say_nothing_of_how_they_ended(tmp_path: Path) -> None:
    """kern.log holds the kernel's lines alone (rsyslog's kern.*): no syslog daemon's or systemd's stop can be in it,
    so each of its reboots read as one without a shutdown, an error page (trial 68: 3 of 21 normal long logs). A
    syslog file's crash is still one; and a new boot's lines before its banner (imklog's start, the kernel's
    `[    0.000000]` lines) are not the old boot's last line: a crash's card says the line before them."""
    kernel = [at(n * 60.0, f"kernel: [ {n * 60 + 5}.000000] usb 1-1: new high-speed USB device number {n}")
              for n in range(30)]
    again = [at(UP - 1, "kernel: imklog 5.8.11, log source = /proc/kmsg started."),
             at(UP - 1, "kernel: [    0.000000] Initializing cgroup subsys cpuset"), at(UP, BANNER),
             at(UP + 5, "kernel: [    5.000000] usb 1-1: new high-speed USB device number 2")]
    assert scan(tmp_path, [*kernel, *again]) == []
    crashed = scan(tmp_path, [*steady(0, 3600), *kernel, *again])
    assert [i["rule"] for i in crashed] == ["host-rebooted-uncleanly"], crashed
    said = crashed[0]["message"]
    assert "last line 2026-01-01 00:59:42.000, (db)" in said and "imklog" not in said, said


def test_the_report_header_says_the_reboot_needs_no_matching_line(tmp_path: Path) -> None:
    """A new user's sysklogd control (nu230's 9): "0 matches, 1 incident" read oddly; the header names the incident
    no match made and says its rule needs none."""
    import os
    import subprocess
    import sys

    path = tmp_path / "messages"
    path.write_text("Jul  7 06:40:01 nas /USR/SBIN/CRON[2301]: (root) CMD (/usr/local/bin/backup.sh)\n"
                    "Jul  7 06:47:41 nas syslogd 1.5.0#6.2: restart.\n"
                    f"Jul  7 06:47:41 nas {BANNER}\n")
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    report = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                            text=True, env=env, timeout=60, check=False).stdout
    said = " ".join(report.split("╭")[0].split())
    assert said.endswith("0 matches, 1 incident (host-rebooted-uncleanly, whose rule needs no matching line)"), report
