"""kernel-gpu-hang, kernel-gpu-lost, kernel-ata-error, kernel-btrfs-checksum-error and ext4's failed writeback in
kernel-block-io-error: kernel failures held-out trial 71 found unseen (its F1, F2, F5). The lines are the trial's
own, pasted as they were collected (dmesg, dmesg -T in zh_CN, syslog) or, where the paste had no layout logsentry
reads as the kernel's, as journald stores the kernel's message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import entry, json_events, of_type, run_cli

from logsentry.rules.loader import load_rules, shipped_rules_dir

NEW = ("kernel-gpu-hang", "kernel-gpu-lost", "kernel-ata-error", "kernel-btrfs-checksum-error",
       "kernel-block-io-error", "kernel-btrfs-error")

I915_56 = """\
[  172.095092] i915 0000:00:02.0: [drm] GPU HANG: ecode 4:1:9fe7fbfd, in Xorg [996]
[  172.387108] i915 0000:00:02.0: [drm] Resetting chip for stopped heartbeat on rcs0
[  172.489745] i915 0000:00:02.0: [drm] Xorg[996] context reset due to GPU hang
[  186.946894] i915 0000:00:02.0: [drm] GPU HANG: ecode 4:1:9fe7fbfd, in Xorg [996]
[  187.247018] i915 0000:00:02.0: [drm] Resetting chip for stopped heartbeat on rcs0
[  187.349679] i915 0000:00:02.0: [drm] Xorg[996] context reset due to GPU hang
"""
I915_58 = """\
[三 9月  6 11:00:27 2017] [drm] GPU HANG: ecode 9:0:0x85dffffb, in chameleon [1296], reason: Hang on render ring, \
action: reset
[三 9月  6 11:00:27 2017] [drm] GPU hangs can indicate a bug anywhere in the entire gfx stack, including userspace.
[三 9月  6 11:00:27 2017] [drm] GPU crash dump saved to /sys/class/drm/card0/error
[三 9月  6 11:00:27 2017] drm/i915: Resetting chip after gpu hang
[三 9月  6 11:00:27 2017] [drm] RC6 on
"""
AMDGPU_43 = """\
[  312.518980] amdgpu 0000:28:00.0: Dumping IP State
[  312.522692] amdgpu 0000:28:00.0: ring gfx_0.0.0 timeout, signaled seq=57638, emitted seq=57641
[  312.522700] amdgpu 0000:28:00.0:  Process cosmic-comp pid 2288 thread cosmic-com:cs0 pid 2316
[  312.522706] amdgpu 0000:28:00.0: Starting gfx_0.0.0 ring reset
[  312.774528] amdgpu 0000:28:00.0: Ring gfx_0.0.0 reset failed
[  312.774536] amdgpu 0000:28:00.0: GPU reset begin!. Source:  1
[  316.082456] amdgpu 0000:28:00.0: GPU reset succeeded, trying to resume
[  316.082669] amdgpu 0000:28:00.0: VRAM is lost due to GPU reset!
"""
NVIDIA_48 = """\
[   49.261458] NVRM: GPU at 0000:01:00.0 has fallen off the bus.
[   49.261465] NVRM: os_pci_init_handle: invalid context!
[   49.261472] NVRM: GPU at 0000:01:00.0 has fallen off the bus.
"""
NVIDIA_49 = """\
[ 1843.308145] NVRM: The NVIDIA GPU 0000:b3:00.0
               NVRM: (PCI ID: 10de:26b5) installed in this system has
               NVRM: fallen off the bus and is not responding to commands.
[ 1843.439662] NVRM: The NVIDIA probe routine failed for 1 device(s).
"""
ATA_59 = """\
[6411193.033913] ata1.00: exception Emask 0x0 SAct 0x1 SErr 0x0 action 0x6 frozen
[6411193.033963] ata1.00: failed command: READ FPDMA QUEUED
[6411193.033994] ata1.00: cmd 60/08:00:00:e1:59/00:00:a2:00:00/40 tag 0 ncq 4096 in
[6411193.033995] res 40/00:10:d0:5d:a8/00:00:b2:00:00/40 Emask 0x4 (timeout)
[6411193.034081] ata1.00: status: { DRDY }
[6411193.034110] ata1: hard resetting link
[6411196.492118] ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)
[6411196.495338] ata1.00: configured for UDMA/133
[6411196.495349] ata1: EH complete
[6417117.985396] ata1.00: exception Emask 0x0 SAct 0xf SErr 0x0 action 0x6 frozen
[6417117.985445] ata1.00: failed command: WRITE FPDMA QUEUED
[6417117.985476] ata1.00: cmd 61/00:00:00:fc:bd/04:00:7f:00:00/40 tag 0 ncq 524288 out
[6417117.985478] res 40/00:08:d8:74:d8/00:00:af:00:00/40 Emask 0x4 (timeout)
"""
ATA_60 = """\
Mar  7 08:24:28 bnibws03 kernel: [  375.143184] ata1.00: failed command: WRITE FPDMA QUEUED
Mar  7 08:24:28 bnibws03 kernel: [  375.143186] ata1.00: cmd 61/08:88:90:89:4c/00:00:0e:00:00/40 tag 17 ncq 4096 out
Mar  7 08:24:28 bnibws03 kernel: [  375.143186]          res 40/00:00:00:00:00/00:00:00:00:00/00 Emask 0x4 (timeout)
Mar  7 08:24:28 bnibws03 kernel: [  375.143187] ata1.00: status: { DRDY }
Mar  7 08:24:28 bnibws03 kernel: [  375.143188] ata1.00: failed command: WRITE FPDMA QUEUED
"""
EXT4_03 = """\
Nov 22 17:46:20 sentinel.donadio.be kernel: EXT4-fs warning (device dm-1): ext4_end_bio:316: I/O error -19 writing \
to inode 10223621 (offset 50331648 size 6148096 starting block 14409150)
Nov 22 17:46:20 sentinel.donadio.be kernel: EXT4-fs warning (device dm-1): ext4_end_bio:316: I/O error -19 writing \
to inode 10223621 (offset 50331648 size 6270976 starting block 14409180)
"""
BTRFS_20 = """\
[    5.412738] BTRFS info (device sda2): disk space caching is enabled
[    5.919140] BTRFS warning (device sda2): failed to load free space cache for block group 4194304, rebuilding it now
[    7.051770] BTRFS warning (device sda2): csum failed root 257 ino 4115546 off 0 csum 0x3e8d9c48 expected csum \
0x12711c61 mirror 1
[    7.662830] BTRFS warning (device sda2): csum failed root 257 ino 248728 off 28672 csum 0x137053c8 expected csum \
0x7dff8390 mirror 1
"""
BTRFS_42 = """\
[ 1125.529032] BTRFS error (device dm-15): fixed up error at logical 124463056945152 on dev /dev/dm-10 physical \
408018681856
[ 1125.529056] BTRFS error (device dm-15): fixed up error at logical 124463056945152 on dev /dev/dm-10 physical \
408018681856
[ 1125.529121] BTRFS error (device dm-15): bdev /dev/dm-10 errs: wr 0, rd 0, flush 0, corrupt 1, gen 0
[ 1125.529132] BTRFS error (device dm-15): bdev /dev/dm-10 errs: wr 0, rd 0, flush 0, corrupt 2, gen 0
"""


def _scan(path: Path) -> list[dict]:  # type: ignore[type-arg]
    result = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


def _incidents(path: Path) -> list[tuple[str, str, str]]:
    return sorted((i["rule"], i["severity"], i["key"]) for i in _scan(path) if i["rule"] in NEW)


def _paste(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "expected"), [
    (I915_56, [("kernel-gpu-hang", "error", "")]),
    (I915_58, [("kernel-gpu-hang", "error", "")]),
    (AMDGPU_43, [("kernel-gpu-hang", "error", "")]),
    (NVIDIA_48, [("kernel-gpu-lost", "critical", "")]),
    (NVIDIA_49, [("kernel-gpu-lost", "critical", "")]),
    (ATA_59, [("kernel-ata-error", "error", "ata1"), ("kernel-ata-error", "error", "ata1")]),
    (ATA_60, [("kernel-ata-error", "error", "ata1")]),
    (EXT4_03, [("kernel-block-io-error", "error", "dm-1")]),
    (BTRFS_20, [("kernel-btrfs-checksum-error", "error", "sda2")]),
], ids=["i915-56", "i915-dmesgT-zh-58", "amdgpu-43", "nvidia-48", "nvidia-multiline-49", "ata-59", "ata-syslog-60",
        "ext4-end-bio-03", "btrfs-csum-20"])
def test_the_trials_pasted_kernel_lines_are_incidents(tmp_path: Path, text: str,
                                                      expected: list[tuple[str, str, str]]) -> None:
    """One incident per failure: 56's three hangs in 15 s are one, 59's two bursts 98 min apart are two."""
    assert _incidents(_paste(tmp_path, "kern.log", text)) == expected


def test_a_hang_reports_its_count_and_the_link_reset_after_it(tmp_path: Path) -> None:
    [hang] = [i for i in _scan(_paste(tmp_path, "i915.log", I915_56)) if i["rule"] == "kernel-gpu-hang"]
    assert hang["message"] == "i915 0000:00:02.0: [drm] GPU HANG: ecode 4:1:9fe7fbfd, in Xorg [996]"
    first_ata = next(i for i in _scan(_paste(tmp_path, "ata.log", ATA_59)) if i["rule"] == "kernel-ata-error")
    assert first_ata["message"] == "ata1.00: exception Emask 0x0 SAct 0x1 SErr 0x0 action 0x6 frozen"


def test_scrubs_repair_is_an_error_and_the_device_counters_stay_critical(tmp_path: Path) -> None:
    """42: the counters ("errs: ... corrupt N") keep kernel-btrfs-error's critical incident, the repairs join its
    chain; the repairs alone are kernel-btrfs-checksum-error's error, no longer critical."""
    incidents = _scan(_paste(tmp_path, "scrub.log", BTRFS_42))
    assert [(i["rule"], i["severity"], i["key"]) for i in incidents] == [("kernel-btrfs-error", "critical", "dm-15")]
    assert [link["rule"] for link in incidents[0]["chain"]] == ["kernel-btrfs-checksum-error", "kernel-btrfs-error"]
    repairs = "".join(line + "\n" for line in BTRFS_42.splitlines() if "fixed up" in line)
    assert _incidents(_paste(tmp_path, "repairs.log", repairs)) == [("kernel-btrfs-checksum-error", "error", "dm-15")]


def _kernel(at: float, text: str, priority: int = 3) -> dict:  # type: ignore[type-arg]
    return entry(text, unit=None, at=at, priority=priority, SYSLOG_IDENTIFIER="kernel", _TRANSPORT="kernel")


def test_the_journals_kernel_lines_and_a_programs_words(make_journal) -> None:  # type: ignore[no-untyped-def]
    """44's DRM_ERROR form and 57's i915 lines as journald keeps the kernel's messages (their pastes had no layout
    logsentry reads as the kernel's: trial 71's F3); 49's three lines as one entry; the near-misses beside them
    (a soft-recovered ring, an empty port at boot, a hot-plug's port exception) and a program printing the same
    words fire nothing."""
    lines = [_kernel(0, "[drm:amdgpu_job_timedout [amdgpu]] *ERROR* ring sdma0 timeout, signaled seq=121570, "
                        "emitted seq=121572"),
             _kernel(0.1, "amdgpu 0000:33:00.0: amdgpu: GPU reset begin!", 6),
             _kernel(3600, "i915 0000:00:02.0: [drm] *ERROR* rcs0 reset request timed out: {request: 00000001, "
                           "RESET_CTL: 00000001}"),
             _kernel(3600.1, "i915 0000:00:02.0: [drm] GPU HANG: ecode 12:1:0020fffe, in xdg-desktop-por [1676]", 6),
             _kernel(7200, "NVRM: The NVIDIA GPU 0000:b3:00.0\nNVRM: (PCI ID: 10de:26b5) installed in this system "
                           "has\nNVRM: fallen off the bus and is not responding to commands."),
             _kernel(10800, "amdgpu 0000:07:00.0: ring gfx_0.0.0 timeout, but soft recovered"),
             _kernel(10801, "ata5: SATA link down (SStatus 0 SControl 300)", 6),
             _kernel(10802, "ata5: exception Emask 0x10 SAct 0x0 SErr 0x4050000 action 0xe frozen"),
             _kernel(10803, "ata5: hard resetting link", 6),
             entry("i915 0000:00:02.0: [drm] GPU HANG: ecode 4:1:9fe7fbfd, in Xorg [996]", unit="chat.service",
                   at=14400),
             entry("NVRM: GPU at 0000:01:00.0 has fallen off the bus.", unit="chat.service", at=14401),
             entry("ata1.00: failed command: READ FPDMA QUEUED", unit="chat.service", at=14402),
             entry("BTRFS warning (device sda2): csum failed root 257 ino 4115546 off 0 csum 0x3e8d9c48 expected "
                   "csum 0x12711c61 mirror 1", unit="chat.service", at=14403)]
    incidents = _scan(make_journal(lines))
    assert sorted((i["rule"], i["unit"], i["message"].split("\n")[0]) for i in incidents if i["rule"] in NEW) == [
        ("kernel-gpu-hang", "kernel", "[drm:amdgpu_job_timedout [amdgpu]] *ERROR* ring sdma0 timeout, signaled "
                                      "seq=121570, emitted seq=121572"),
        ("kernel-gpu-hang", "kernel", "i915 0000:00:02.0: [drm] GPU HANG: ecode 12:1:0020fffe, in xdg-desktop-por "
                                      "[1676]"),
        ("kernel-gpu-lost", "kernel", "NVRM: The NVIDIA GPU 0000:b3:00.0")]


RULES = {rule.id: rule for rule in load_rules([shipped_rules_dir()]).rules}
HOSTILE = {
    "kernel-gpu-hang": ["i915 0000:00:02.0: [drm] " + "x[1] " * 820, "amdgpu 0000:28:00.0: amdgpu: [drm] *ERROR* ring "
                        + "a" * 4060, "[drm] " + "Resetting chip for " * 210],
    "kernel-gpu-lost": ["NVRM: The NVIDIA GPU 0000:b3:00.0" + ("x" * 99 + "\nNVRM: ") * 38,
                        "NVRM: The NVIDIA GPU 0000:b3:00.0 " + "fallen off the bus " * 210,
                        "NVRM: Xid (PCI:" + "0" * 4080],
    "kernel-ata-error": ["ata1.00: failed command: " + "A " * 2030, "ata1.00: exception Emask 0x" + "0" * 4060],
    "kernel-btrfs-checksum-error": ["BTRFS error (device sda): fixed up error at logical 1" + " x" * 2020,
                                    "BTRFS warning (device sda2): csum failed root 5 ino 1 off 0 csum 0x" + "0" * 4030],
    "kernel-block-io-error": ["EXT4-fs warning (device " + "(" * 4080 + "): ext4_end_bio"],
}
REAL = {"kernel-gpu-hang": "i915 0000:00:02.0: [drm] Xorg[996] context reset due to GPU hang",
        "kernel-gpu-lost": "NVRM: Xid (PCI:0000:2b:00): 79, GPU has fallen off the bus.",
        "kernel-ata-error": "ata1.00: failed command: READ FPDMA QUEUED",
        "kernel-btrfs-checksum-error": "BTRFS warning (device sda2): csum failed root 257 ino 4115546 off 0 csum "
                                       "0x3e8d9c48 expected csum 0x12711c61 mirror 1",
        "kernel-block-io-error": "EXT4-fs warning (device dm-1): ext4_end_bio:316: I/O error -19 writing to inode "
                                 "10223621 (offset 50331648 size 6148096 starting block 14409150)"}


@pytest.mark.parametrize("rule_id", sorted(HOSTILE))
def test_a_hostile_4_kib_kernel_line_is_read_in_linear_time(rule_id: str) -> None:
    """Each regex on 4 KiB (the service's cut) built to make it backtrack: microseconds; 5 ms is the bar (the best
    of three, so a busy machine does not fail it)."""
    pattern = RULES[rule_id].message
    assert pattern is not None and pattern.search(REAL[rule_id]) is not None
    for line in HOSTILE[rule_id]:
        line = line[:4096]
        took = []
        for _ in range(3):
            began = time.perf_counter()
            pattern.search(line)
            took.append(time.perf_counter() - began)
        assert min(took) < 0.005, (rule_id, line[:60], took)
