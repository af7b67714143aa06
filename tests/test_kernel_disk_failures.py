"""One failing disk is one card, two failing disks are two (engine/failure_disks.py), in a dmesg paste.

The lines are the kernel's own wordings: drivers/nvme/host/pci.c nvme_timeout's `I/O %d QID %d timeout, aborting`
and `..., reset controller` after the `nvme nvmeN: ` device prefix, block/blk-mq.c blk_print_req_error's `I/O error,
dev %s, sector %llu op 0x%x:(%s) flags 0x%x phys_seg %u prio class %u`, fs/buffer.c buffer_io_error's `Buffer I/O
error on dev %pg, logical block %llu%s` and fs/ext4/page-io.c ext4_end_bio's warning. A new user's NVMe failure
(nu240's 4) was a card keyed `nvme0` and a second keyed `nvme0n1p2` for the same second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import json_events, of_type, run_cli

BOOT = [
    (1.419, "Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) #49-Ubuntu SMP PREEMPT_DYNAMIC"),
    (1.902, "nvme nvme0: pci function 0000:02:00.0"),
    (2.114, "nvme nvme0: 8/0/0 default/read/poll queues"),
    (2.120, " nvme0n1: p1 p2"),
    (2.300, "sd 1:0:0:0: [sdb] 3907029168 512-byte logical blocks: (2.00 TB/1.82 TiB)"),
    (18.0, "ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PC00.LPCB.HEC.ECAV], AE_NOT_FOUND"),
]
TIMEOUTS = [
    (1843.202, "nvme nvme0: I/O 421 QID 3 timeout, aborting"),
    (1843.205, "nvme nvme0: I/O 422 QID 3 timeout, aborting"),
    (1873.710, "nvme nvme0: I/O 421 QID 3 timeout, reset controller"),
    (2204.552, "nvme nvme0: I/O 88 QID 1 timeout, reset controller"),
]


def io_errors(at: float, disk: str, partition: str) -> list[tuple[float, str]]:
    """The block layer's, ext4's and the buffer cache's lines of a write that failed on `partition` of `disk`."""
    return [
        (at, f"I/O error, dev {disk}, sector 104857600 op 0x1:(WRITE) flags 0x9800 phys_seg 1 prio class 2"),
        (at + 0.001, f"EXT4-fs warning (device {partition}): ext4_end_bio:343: I/O error 10 writing to inode 3146123 "
                     "starting block 13107200)"),
        (at + 0.002, f"Buffer I/O error on dev {partition}, logical block 12582912, lost async page write"),
    ]


def scan(tmp_path: Path, records: list[tuple[float, str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`scan --file` of the records as dmesg prints them: (the incidents' ends, the matches)."""
    paste = tmp_path / "dmesg.txt"
    paste.write_text("".join(f"[{seconds:12.6f}] {text}\n" for seconds, text in sorted(BOOT + records)))
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    assert result.exit_code == 0, result.output
    events = json_events(result)
    return of_type(events, "incident_end"), of_type(events, "match")


def test_a_partitions_errors_join_its_controllers_failure(tmp_path: Path) -> None:
    ended, matches = scan(tmp_path, TIMEOUTS + io_errors(2204.862, "nvme0n1", "nvme0n1p2"))
    assert [m["rule"] for m in matches].count("kernel-block-io-error") == 3
    assert [(i["rule"], i["key"]) for i in ended] == [("kernel-nvme-timeout", "nvme0")]
    links = [link["rule"] for link in ended[0]["chain"]]
    assert "kernel-block-io-error" in links


def test_a_partitions_errors_minutes_after_the_timeouts_join_while_they_are_open(tmp_path: Path) -> None:
    # 5 minutes after the last timeout: kernel-nvme-timeout's window (30 min) is open, the disk is the same
    ended, _ = scan(tmp_path, TIMEOUTS + io_errors(2504.0, "nvme0n1", "nvme0n1p2"))
    assert [(i["rule"], i["key"]) for i in ended] == [("kernel-nvme-timeout", "nvme0")]


def test_another_disks_errors_at_the_same_moment_are_another_failure(tmp_path: Path) -> None:
    ended, _ = scan(tmp_path, TIMEOUTS + io_errors(2204.862, "sdb", "sdb1"))
    assert sorted((i["rule"], i["key"]) for i in ended) == [("kernel-block-io-error", "sdb"),
                                                              ("kernel-nvme-timeout", "nvme0")]
    sdb = next(i for i in ended if i["key"] == "sdb")
    assert not any("nvme" in link["message"] for link in sdb["chain"])


def test_a_cards_disk_and_its_partition_are_one_card_without_a_controller_rule(tmp_path: Path) -> None:
    # an SD card: the block layer names the disk, ext4 and the buffer cache its partition; one rule, two keys
    ended, _ = scan(tmp_path, io_errors(900.0, "mmcblk0", "mmcblk0p2"))
    assert [(i["rule"], i["key"]) for i in ended] == [("kernel-block-io-error", "mmcblk0")]


def test_only_names_that_say_their_disk_are_disks() -> None:
    """A key of another kind (a NIC, a connector, a stacked device whose disks its name does not tell) is no disk:
    it neither joins nor parts kernel cards by disk."""
    from logsentry.engine.failure_disks import disk_of

    assert [disk_of(name) for name in ("nvme0", "nvme0n1", "nvme0n1p2", "nvme1c0n1", "sda1", "sdaa3", "hdb2", "vda1",
                                       "xvdf", "mmcblk0p2")] == [
        "nvme0", "nvme0", "nvme0", "nvme0", "sda", "sdaa", "hdb", "vda", "xvdf", "mmcblk0"]
    assert [disk_of(name) for name in ("dm-1", "md0", "loop3", "nbd0", "ata1", "eth0", "hdmi", "")] == [None] * 8
