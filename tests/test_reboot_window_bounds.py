"""A planned reboot's window (engine/stop_windows.py) covers the kernel's lines of the shutdown and of the one boot
after it, and no more: a boot whose startup never finishes (a unit left 'activating': `systemd-analyze` says
"Bootup is not yet finished"), which never writes PID 1's "Startup finished", must not hide the kernel's new
errors for days, nor may a crash of that boot hide the next boot's. The kernel errors of another host, and a
"Reached target shutdown.target" from any process but PID 1, open no window. Real journal files from
systemd-journal-remote, scanned with the anomaly rules (test_reboot_window's history: a kernel that logged
only its firewall's lines)."""

from __future__ import annotations

from conftest import entry
from test_reboot_window import AFTER, BOOT, HISTORY, SHUTDOWN, incidents, kernel, pid1

from logsentry.engine.absence_stops import UNIT_STARTED
from logsentry.engine.stop_windows import STARTUP_FINISHED

T = 26 * 3600.0
NEXT_BOOT = "1b3f0e2a9c8d4e5fa6b7c8d9e0f1a2b3"
THIRD_BOOT = "2c4e6a8b0d1f4a3c9e7b5d3f1a2c4e6b"
OTHER_HOST = "7f3c1d9e5b2a48c6a0e4f8b2d6c1a9e3"


def boot_of(records: list[dict], boot: str) -> list[dict]:
    return [{**record, "_BOOT_ID": boot} for record in records]


NEXT_BOOT_LINES = boot_of([*(line for line in BOOT if line.get("MESSAGE_ID") != STARTUP_FINISHED),
                           pid1(T + 71, "Reached target sysinit.target - System Initialization.",
                                UNIT="sysinit.target", MESSAGE_ID=UNIT_STARTED)], NEXT_BOOT)
"""The next boot's kernel lines and a line of its PID 1, without "Startup finished"."""


def ext4(at: float) -> list[dict]:
    """A failing disk: four lines of a kernel error template never seen, 20 s apart (new-error-template)."""
    return [kernel(at + 20 * n, "EXT4-fs error (device sda1): ext4_lookup:1855: inode #2: comm systemd: deleted "
                                f"inode referenced: {524318 + n}", 3) for n in range(4)]


def test_a_boot_whose_startup_never_finishes_hides_no_later_kernel_error(make_journal) -> None:  # type: ignore[no-untyped-def]
    found = incidents(make_journal, [*SHUTDOWN, *NEXT_BOOT_LINES, *boot_of([*AFTER, *ext4(T + 3 * 3600.0)], NEXT_BOOT)])
    assert [(rule, unit) for rule, unit, _ in found] == [("new-error-template", "kernel")], found
    assert "EXT4-fs error" in found[0][2]


def test_a_crash_of_the_boot_after_a_reboot_is_judged_as_any(make_journal) -> None:  # type: ignore[no-untyped-def]
    found = incidents(make_journal, [*SHUTDOWN, *NEXT_BOOT_LINES, *boot_of(ext4(T + 400), THIRD_BOOT)])
    assert [unit for _, unit, _ in found] == ["kernel"], found
    assert "EXT4-fs error" in found[0][2]


def test_one_hosts_reboot_hides_no_other_hosts_kernel(make_journal) -> None:  # type: ignore[no-untyped-def]
    other = [{**line, "_MACHINE_ID": OTHER_HOST, "_HOSTNAME": "db2"} for line in [*HISTORY, *BOOT[1:3]]]
    found = incidents(make_journal, [*SHUTDOWN, *other])
    assert [unit for _, unit, _ in found] == ["kernel"], found
    assert "RETBleed" in found[0][2]


def test_a_shutdown_line_from_another_process_opens_no_window(make_journal) -> None:  # type: ignore[no-untyped-def]
    forged = [entry("Reached target shutdown.target - System Shutdown.", unit="app.service", at=T, _PID="4242",
                    _UID="1000", UNIT="shutdown.target", MESSAGE_ID=UNIT_STARTED, SYSLOG_IDENTIFIER="systemd")]
    found = incidents(make_journal, [*forged, *boot_of([*BOOT, *AFTER], NEXT_BOOT)])
    assert [(rule, unit) for rule, unit, _ in found] == [("first-error-template", "kernel")], found


def test_a_reboot_down_for_hours_pages_no_boot_line(make_journal) -> None:  # type: ignore[no-untyped-def]
    """The window's common path with real boot ids: the host stays down 3 h, its next boot's kernel lines come
    before its PID 1's (journald reads the kernel's buffer as it starts), then "Startup finished"; a kernel error
    once the boot is over still pages."""
    down = 3 * 3600.0

    def later(records: list[dict]) -> list[dict]:
        return [{**record, "__REALTIME_TIMESTAMP": int(record["__REALTIME_TIMESTAMP"]) + int(down * 1_000_000)}
                for record in records]

    found = incidents(make_journal, [*SHUTDOWN, *boot_of(later([*BOOT, *AFTER, *ext4(T + 1800)]), NEXT_BOOT)])
    assert [(rule, unit) for rule, unit, _ in found] == [("new-error-template", "kernel")], found
    assert "EXT4-fs error" in found[0][2]
