"""A planned reboot's kernel boot messages page nothing (engine/stop_windows.py): a host whose journal history holds
no boot (kept two weeks, up for months) learnt its kernel's steady lines only (a firewall's `[UFW BLOCK]` log),
and at a routine reboot first-error-template paged the kernel's `RETBleed: WARNING: Spectre v2 mitigation leaves
CPU vulnerable to RETBleed attacks, data leaks possible!` (pr_err in arch/x86/kernel/cpu/bugs.c, every boot of
such a CPU): helper D13's trial. From PID 1's "Reached target shutdown.target" to its "Startup finished" of the
next boot the kernel's anomaly hits are dropped; the same boot without a shutdown before it (a crash) still pages,
and so does a new kernel error once the boot is over. Real journal files from systemd-journal-remote, scanned with
the anomaly rules."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR

from logsentry.engine.absence_stops import UNIT_STARTED
from logsentry.engine.stop_windows import STARTUP_FINISHED

T = 26 * HOUR


def kernel(at: float, message: str, priority: int) -> dict:
    return entry(message, unit=None, at=at, priority=priority, _TRANSPORT="kernel", SYSLOG_IDENTIFIER="kernel",
                 SYSLOG_FACILITY="0")


def ufw(at: float, n: int) -> dict:
    return kernel(at, "[UFW BLOCK] IN=ens3 OUT= MAC=52:54:00:12:34:56:52:54:00:ab:cd:ef:08:00 "
                      f"SRC=198.51.100.{n % 250} DST=203.0.113.40 LEN=44 TOS=0x00 PREC=0x00 TTL=243 ID={n} "
                      f"PROTO=TCP SPT={40000 + n % 9999} DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0", 4)


def pid1(at: float, message: str, **fields: str) -> dict:
    return entry(message, unit=None, at=at, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope",
                 SYSLOG_IDENTIFIER="systemd", **fields)


HISTORY = [ufw(n * 60.0, n) for n in range(int(T / 60))]
SHUTDOWN = [pid1(T, "Reached target shutdown.target - System Shutdown.", UNIT="shutdown.target",
                 MESSAGE_ID=UNIT_STARTED)]
BOOT = [kernel(T + 70, "Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) "
                       "12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1", 5),
        kernel(T + 70.4, "RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable to RETBleed attacks, data "
                         "leaks possible!", 3),
        kernel(T + 70.9, "piix4_smbus 0000:00:01.3: SMBus Host Controller not enabled!", 3),
        pid1(T + 75, "Startup finished in 1.742s (kernel) + 3.118s (userspace) = 4.861s.",
             MESSAGE_ID=STARTUP_FINISHED)]
AFTER = [ufw(T + 80 + n * 60.0, 10_000 + n) for n in range(60)]
LATER_FAILURE = [kernel(T + 1800 + n * 20, f"igb 0000:01:00.0 eno1: Reset adapter unexpectedly (attempt {n})", 3)
                 for n in range(4)]


def incidents(make_journal, lines: list[dict]) -> list[dict]:  # type: ignore[no-untyped-def]
    records = sorted([*HISTORY, *lines], key=lambda record: int(record["__REALTIME_TIMESTAMP"]))
    result = run_cli("scan", "--file", str(make_journal(records)), "--no-shipped-rules", "--rules",
                     str(ANOMALY_RULES), "-o", "json")
    assert result.exit_code == 0, result.output
    return [(i["rule"], i["unit"], i["message"]) for i in of_type(json_events(result), "incident")]


def test_a_planned_reboots_kernel_boot_errors_page_nothing(make_journal) -> None:  # type: ignore[no-untyped-def]
    assert incidents(make_journal, [*SHUTDOWN, *BOOT, *AFTER]) == []


def test_a_boot_with_no_shutdown_before_it_still_pages(make_journal) -> None:  # type: ignore[no-untyped-def]
    found = incidents(make_journal, [*BOOT, *AFTER])
    assert [(rule, unit) for rule, unit, _ in found] == [("first-error-template", "kernel")], found
    assert "RETBleed" in found[0][2]


def test_a_new_kernel_error_after_the_boot_pages(make_journal) -> None:  # type: ignore[no-untyped-def]
    found = incidents(make_journal, [*SHUTDOWN, *BOOT, *AFTER, *LATER_FAILURE])
    assert [(rule, unit) for rule, unit, _ in found] == [("new-error-template", "kernel")], found
    assert "Reset adapter" in found[0][2]
