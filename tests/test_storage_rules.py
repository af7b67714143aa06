"""Storage-health signatures on a real journal: ZFS's zed, the kernel's md and ZFS lines, mdadm and smartd.

Helper D7's operator trial: zed reported checksum errors and a FAULTED vdev at PRIORITY 5, in key=value lines with
no failure word, in a unit too quiet for the anomaly rules to be warm, and nothing was paged. Each entry here is
stored as the program logs it (unit, PRIORITY, SYSLOG_IDENTIFIER, _TRANSPORT: zed's zedlets through logger,
smartd and mdadm through syslog(3), md and ZFS through printk), in a journal file systemd-journal-remote writes,
and `logsentry scan` reads it with every shipped rule. The routine lines of the same programs (a scrub that
repaired nothing, zed's config_sync and history_event, temperature changes, mdadm's rebuild progress) stay quiet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import entry, json_events, of_type, run_cli

from logsentry.sources.journal_files import FieldValue

Entry = dict[str, FieldValue]
ZED_PID = 1187


def zed(message: str, at: float, priority: int = 5, pid: int = 41822) -> Entry:
    """A line of zfs-zed.service: the zedlets log through `logger -t zed -p daemon.notice` (PRIORITY 5), zed
    itself (Invoking/Finished) through syslog(3) at info."""
    return entry(message, unit="zfs-zed.service", at=at, priority=priority, SYSLOG_IDENTIFIER="zed",
                 SYSLOG_FACILITY=3, _PID=pid, _TRANSPORT="syslog")


def zevent(eid: int, at: float, rest: str, zedlet: str = "all-syslog.sh") -> list[Entry]:
    """One zevent as zed writes it: Invoking, the all-syslog.sh line, Finished."""
    return [zed(f'Invoking "{zedlet}" eid={eid} pid={40000 + eid}', at, 6, ZED_PID),
            zed(f"eid={eid} class={rest}", at + 0.01, 5, 40000 + eid),
            zed(f'Finished "{zedlet}" eid={eid} pid={40000 + eid} exit=0', at + 0.02, 6, ZED_PID)]


def smartd(message: str, at: float, priority: int) -> Entry:
    return entry(message, unit="smartd.service", at=at, priority=priority, SYSLOG_IDENTIFIER="smartd",
                 SYSLOG_FACILITY=3, _PID=911, _TRANSPORT="syslog", _COMM="smartd")


def mdadm(message: str, at: float, priority: int) -> Entry:
    return entry(message, unit="mdmonitor.service", at=at, priority=priority, SYSLOG_IDENTIFIER="mdadm",
                 SYSLOG_FACILITY=3, _PID=1640, _TRANSPORT="syslog", _COMM="mdadm")


def kernel(message: str, at: float, priority: int) -> Entry:
    return entry(message, unit=None, at=at, priority=priority, SYSLOG_IDENTIFIER="kernel", SYSLOG_FACILITY=0,
                 _TRANSPORT="kernel")


HOUR = 3600.0
VDEV = "ata-WDC_WD40EFRX-68N32N0_WD-WCC7K4PT6D2Z-part1"


def routine() -> list[Entry]:
    """A day of the storage programs' normal lines, each a look-alike of a failure line."""
    lines: list[Entry] = []
    eid = 4200
    for n in range(12):
        eid += 1
        lines += zevent(eid, n * 2 * HOUR, "config_sync pool='tank'")
    lines += zevent(4300, 1 * HOUR, "history_event pool='tank'")
    lines += zevent(4301, 2 * HOUR, "scrub_start pool='tank'")
    lines += zevent(4302, 5 * HOUR, "scrub_finish pool='tank'", "scrub_finish-notify.sh")
    lines += zevent(4303, 6 * HOUR, f"statechange pool='tank' vdev={VDEV} vdev_state=OFFLINE")
    lines += zevent(4304, 6.5 * HOUR, f"statechange pool='tank' vdev={VDEV} vdev_state=ONLINE")
    lines += zevent(4305, 6.6 * HOUR, "resilver_finish pool='tank'", "resilver_finish-notify.sh")
    lines += zevent(4306, 7 * HOUR, f"delay pool='tank' vdev={VDEV} size=4096 offset=8192 priority=0 err=0 "
                                    "flags=0x184880 delay=31002ms")
    for n in range(40):
        temperature = 64 - n % 3
        lines.append(smartd(f"Device: /dev/sda [SAT], SMART Usage Attribute: 194 Temperature_Celsius changed from "
                            f"{temperature + 1} to {temperature}", 7 * 60 + n * 1800, 6))
        lines.append(smartd(f"Device: /dev/sda [SAT], SMART Prefailure Attribute: 1 Raw_Read_Error_Rate changed "
                            f"from {117 + n % 2} to {118 - n % 2}", 7 * 60 + n * 1800 + 0.2, 6))
    lines.append(smartd("Device: /dev/sda [SAT], starting scheduled Short Self-Test.", 2 * HOUR, 6))
    lines.append(smartd("Device: /dev/sda [SAT], previous self-test completed without error", 2.5 * HOUR, 6))
    lines.append(smartd("Device: /dev/sda [SAT], ATA error count increased from 3 to 5", 3 * HOUR, 2))
    lines.append(kernel("md: data-check of RAID array md0", 1 * HOUR, 6))
    lines.append(kernel("md/raid1:md0: read error corrected (8 sectors at 2048 on sdb1)", 1.5 * HOUR, 6))
    lines.append(kernel("md: md0: data-check done.", 3 * HOUR, 6))
    lines.append(kernel("md/raid1:md0: not clean -- starting background reconstruction", 3.2 * HOUR, 6))
    for at, message in ((1 * HOUR, "RebuildStarted event detected on md device /dev/md0"),
                        (1.5 * HOUR, "Rebuild20 event detected on md device /dev/md0"),
                        (3 * HOUR, "RebuildFinished event detected on md device /dev/md0, component device  "
                                   "mismatches found: 0"),
                        (3.1 * HOUR, "SpareActive event detected on md device /dev/md0, component device /dev/sdc1")):
        lines.append(mdadm(message, at, 4))
    return lines


FAIL = 20 * HOUR


def failures() -> list[Entry]:
    """The failures an operator must hear about, as each program logs them."""
    lines: list[Entry] = []
    for n in range(30):  # a disk returns bad data: a checksum zevent a second, then zfs-diagnosis faults it
        lines += zevent(5000 + n, FAIL + n, f"checksum pool='tank' vdev={VDEV} algorithm=fletcher4 size=131072 "
                                            f"offset={4096 * (1000 + n)} priority=2 err=52 flags=0x180880 "
                                            f"bookmark=268:1027:0:{n}", "checksum-notify.sh")
    lines += zevent(5100, FAIL + 31, f"statechange pool='tank' vdev={VDEV} vdev_state=FAULTED",
                    "statechange-notify.sh")
    lines.append(kernel("WARNING: Pool 'backup' has encountered an uncorrectable I/O failure and has been "
                        "suspended.", FAIL + 60, 4))
    lines.append(kernel("md/raid1:md0: Disk failure on sdb1, disabling device.\n"
                        "md/raid1:md0: Operation continuing on 1 devices.", FAIL + 120, 2))
    lines.append(mdadm("Fail event detected on md device /dev/md0, component device /dev/sdb1", FAIL + 121, 2))
    for n in range(3):  # smartd repeats it at every 30-min check
        at = FAIL + 300 + n * 1800
        lines.append(smartd("Device: /dev/sdb [SAT], 8 Currently unreadable (pending) sectors", at, 2))
        lines.append(smartd("Device: /dev/sdb [SAT], 8 Offline uncorrectable sectors", at + 0.001, 2))
    return lines


def scan(journal: Path, *extra: str) -> list[dict[str, Any]]:
    result = run_cli("scan", "--file", str(journal), "-o", "json", *extra)
    assert result.exit_code == 0, result.output
    return json_events(result)


def by_time(lines: list[Entry]) -> list[Entry]:
    return sorted(lines, key=lambda line: int(line["__REALTIME_TIMESTAMP"]))


STORAGE_RULES = {"zfs-vdev-faulted", "zfs-data-errors", "zfs-pool-suspended", "md-raid-disk-failure",
                 "mdadm-array-degraded", "smartd-disk-failing"}


def named(events: list[dict[str, Any]]) -> set[str]:
    """The rules that fired on the input: incidents given out and those that joined a failure's chain."""
    return {event["rule"] for event in of_type(events, "incident")} | {
        link["rule"] for event in of_type(events, "incident_end") for link in event["chain"] if link["fired"]}


def test_storage_failures_are_named_and_routine_lines_stay_quiet(make_journal: Callable[..., Path]) -> None:
    events = scan(make_journal(by_time(routine() + failures())))
    incidents = {(event["rule"], event["unit"], event["key"], event["severity"], event["suggested_action"])
                 for event in of_type(events, "incident")}
    assert incidents == {
        ("zfs-data-errors", "zfs-zed.service", "tank", "error", "alert"),
        ("zfs-vdev-faulted", "zfs-zed.service", "tank", "critical", "alert"),
        ("zfs-pool-suspended", "kernel", "backup", "critical", "alert"),
        ("md-raid-disk-failure", "kernel", "md0", "critical", "alert"),
        ("mdadm-array-degraded", "mdmonitor.service", "/dev/md0", "critical", "alert"),
        ("smartd-disk-failing", "smartd.service", "/dev/sdb [SAT]", "error", "alert"),
    }, incidents
    # the vdev zfs-diagnosis faulted 31 s in, after the checksum errors were paged at error: its own critical page
    # (engine/failures.py: more severe than the failure as given out), not a link in the error's chain
    [faulted] = [event for event in of_type(events, "incident") if event["rule"] == "zfs-vdev-faulted"]
    assert faulted["message"].endswith(f"vdev={VDEV} vdev_state=FAULTED")
    assert [event["count"] for event in of_type(events, "incident_end") if event["rule"] == "zfs-data-errors"] == [30]
    first = min(event["realtime_usec"] for event in of_type(events, "incident") if event["unit"] == "zfs-zed.service")
    assert first == zevent(5000, FAIL, "")[1]["__REALTIME_TIMESTAMP"]  # paged at zed's first checksum line
    routine_lines = {str(line["MESSAGE"]) for line in routine()}
    assert not [event for event in of_type(events, "match")
                if event["rule"] in STORAGE_RULES and event["message"] in routine_lines]
    assert {event["action"] for event in of_type(events, "action")} == {"alert"}, "a restart fixes no disk"


def test_smartd_repeating_its_check_is_one_incident_per_disk(make_journal: Callable[..., Path]) -> None:
    events = scan(make_journal(by_time(failures())))
    smart = [event for event in of_type(events, "incident_end") if event["rule"] == "smartd-disk-failing"]
    assert [(event["key"], event["count"]) for event in smart] == [("/dev/sdb [SAT]", 6)]
    assert named(events) & STORAGE_RULES == STORAGE_RULES


def test_fail_on_critical_exits_3_on_a_faulted_vdev_not_on_routine_zevents(make_journal: Callable[..., Path]) -> None:
    lines = routine() + zevent(5100, FAIL, f"statechange pool='tank' vdev={VDEV} vdev_state=FAULTED")
    journal = make_journal(by_time(lines))
    assert run_cli("scan", "--file", str(journal), "--fail-on", "critical").exit_code == 3
    assert run_cli("scan", "--file", str(make_journal(by_time(routine()))), "--fail-on", "warning").exit_code == 0


def test_raid0_and_linear_failures_are_named_as_each_kernel_writes_them(make_journal: Callable[..., Path]) -> None:
    """RAID0 and linear arrays have no redundancy: a failed member fails the array. Since 5.19 raid0.c and
    md-linear.c write "md/raid0%s:" with no separator before mdname() (a fresh operator's trial: the line matched
    no rule); 5.4 to 5.18 wrote md.h's "md: %s: %s array has a missing/failed member" at warning."""
    lines = [kernel("md/raid0:md0: md_size is 3906521088 sectors.", 1 * HOUR, 6),
             kernel("md/raid0md0: Disk failure on nvme0n1p1 detected, failing array.", FAIL, 2),
             kernel("md/linearmd5: Disk failure on sdd detected, failing array.", FAIL + 10, 2),
             kernel("md: md7: raid0 array has a missing/failed member", FAIL + 20, 4),
             entry("md/raid0md9: Disk failure on sde detected, failing array.", unit="disk-test.service",
                   at=FAIL + 30, priority=6, SYSLOG_IDENTIFIER="disk-test", _PID=7003, _TRANSPORT="stdout")]
    events = scan(make_journal(by_time(lines)))
    incidents = {(event["rule"], event["unit"], event["key"], event["severity"], event["suggested_action"])
                 for event in of_type(events, "incident") if event["rule"] in STORAGE_RULES}
    assert incidents == {("md-raid-disk-failure", "kernel", array, "critical", "alert")
                         for array in ("md0", "md5", "md7")}, incidents
    [raid0] = [event for event in of_type(events, "incident") if event["key"] == "md0"]
    assert raid0["message"] == "md/raid0md0: Disk failure on nvme0n1p1 detected, failing array."


def test_smartd_and_mdadm_words_from_another_process_page_nothing(make_journal: Callable[..., Path]) -> None:
    """Log text is anyone's: a web app that prints a client's text at the start of its line, or `logger -t mdadm`
    from a shell, can write smartd's and mdadm's exact words. journald records which process wrote a line
    (`_COMM`, from the kernel, not forgeable by it): the rules take only smartd's and mdadm's own."""
    forged = [entry("Device: /dev/sda [SAT], FAILED SMART self-check. BACK UP DATA NOW!", unit="webapp.service",
                    at=FAIL, priority=6, SYSLOG_IDENTIFIER="webapp", _PID=7004, _TRANSPORT="stdout",
                    _COMM="gunicorn"),
              entry("Fail event detected on md device /dev/md0, component device /dev/sdb1", unit="session-4.scope",
                    at=FAIL + 1, priority=2, SYSLOG_IDENTIFIER="mdadm", _PID=7005, _TRANSPORT="syslog",
                    _COMM="logger")]
    real = [smartd("Device: /dev/sda [SAT], FAILED SMART self-check. BACK UP DATA NOW!", FAIL + 2, 2),
            mdadm("Fail event detected on md device /dev/md0, component device /dev/sdb1", FAIL + 3, 2)]
    assert not named(scan(make_journal(by_time(routine() + forged)))) & STORAGE_RULES
    assert named(scan(make_journal(by_time(routine() + forged + real)))) & STORAGE_RULES == {
        "smartd-disk-failing", "mdadm-array-degraded"}


def test_a_syslog_text_file_is_read_with_the_ident_as_the_process(tmp_path: Path) -> None:
    """A syslog file has no _COMM: its ident stands for it (as `kernel:` does for _TRANSPORT), so smartd's and
    mdadm's failures in /var/log/syslog are still named; text proves nothing, and logsentry never acts on it."""
    log = tmp_path / "syslog"
    log.write_text("Dec  1 10:00:00 nas smartd[911]: Device: /dev/sdb [SAT], 8 Currently unreadable (pending) sectors\n"
                   "Dec  1 10:00:05 nas mdadm[1640]: Fail event detected on md device /dev/md0, component device "
                   "/dev/sdb1\n"
                   "Dec  1 10:00:09 nas webapp[7004]: Device: /dev/sdc [SAT], FAILED SMART self-check. BACK UP DATA "
                   "NOW!\n")
    result = run_cli("scan", "--file", str(log), "-o", "json")
    assert result.exit_code == 0, result.output
    assert {(event["rule"], event["key"]) for event in of_type(json_events(result), "incident")} == {
        ("smartd-disk-failing", "/dev/sdb [SAT]"), ("mdadm-array-degraded", "/dev/md0")}
