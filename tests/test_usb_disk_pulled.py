"""A USB disk pulled out while mounted (engine/usb_disks.py): its reads that fail as it goes are no disk failure,
its writes that fail are (their data is lost), and so is any disk's I/O error that no USB disconnect explains.
Trial 71's 65 carded a Kingston stick's `blk_update_request: I/O error, dev sda, ... op 0x0:(READ)` after its `usb
2-2: USB disconnect` as kernel-block-io-error. The lines are the kernel's (drivers/usb/core/hub.c usb_disconnect,
drivers/scsi/hosts.c scsi_add_host, drivers/scsi/sd.c sd_probe, block/blk-mq.c blk_print_req_error, fs/buffer.c),
as a kern.log keeps them and as journald does (a journal built with systemd-journal-remote, read by the screening
scanner: the lines about the USB disk pass it in full)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import entry, json_events, of_type, run_cli

ATTACH = [
    (37.105662, "usb 2-2: new SuperSpeed USB device number 2 using xhci_hcd"),
    (37.147500, "usb-storage 2-2:1.0: USB Mass Storage device detected"),
    (37.148068, "scsi host5: usb-storage 2-2:1.0"),
    (38.172015, "sd 5:0:0:0: [sda] 60506112 512-byte logical blocks: (31.0 GB/28.9 GiB)"),
    (38.213892, "sd 5:0:0:0: [sda] Attached SCSI removable disk"),
    (39.100000, "scsi host6: ahci"),
    (39.300000, "sd 6:0:0:0: [sdb] Attached SCSI disk"),
]
UNPLUGGED = [
    (120.805640, "usb 2-2: USB disconnect, device number 2"),
    (120.805944, "sd 5:0:0:0: [sda] tag#0 FAILED Result: hostbyte=DID_ERROR driverbyte=DRIVER_OK cmd_age=0s"),
]


def io_error(at: float, disk: str, op: str) -> tuple[float, str]:
    return at, (f"blk_update_request: I/O error, dev {disk}, sector 11535200 op 0x{0 if op == 'READ' else 1}:({op}) "
                "flags 0x80700 phys_seg 2 prio class 0")


READS = [io_error(120.805965, "sda", "READ"), io_error(120.806116, "sda", "READ"),
         (120.82, "Buffer I/O error on dev sda1, logical block 32768, async page read")]


def from_text(tmp_path: Path, records: list[tuple[float, str]]) -> list[tuple[str, str]]:
    path = tmp_path / "kern.log"
    path.write_text("".join(f"Feb 15 08:{int(seconds) // 60:02d}:{int(seconds) % 60:02d} z4s kernel: "
                            f"[{seconds:12.6f}] {text}\n" for seconds, text in records))
    return incidents(run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json"))


def incidents(result: Any) -> list[tuple[str, str]]:
    assert result.exit_code == 0, result.output
    return [(i["rule"], i["key"]) for i in of_type(json_events(result), "incident_end")]


def test_a_sticks_reads_as_it_is_pulled_out_are_no_disk_failure(tmp_path: Path) -> None:
    assert from_text(tmp_path, ATTACH + UNPLUGGED + READS) == []
    matches = of_type(json_events(run_cli("scan", "--file", str(tmp_path / "kern.log"), "--no-anomalies", "-o",
                                          "json")), "match")
    assert matches == []


def test_its_writes_are_a_failure(tmp_path: Path) -> None:
    assert from_text(tmp_path, ATTACH + UNPLUGGED + [io_error(120.9, "sda", "WRITE")]) == [
        ("kernel-block-io-error", "sda")]


def test_a_sata_disks_reads_are_a_failure_whatever_usb_did(tmp_path: Path) -> None:
    assert from_text(tmp_path, ATTACH + UNPLUGGED + [io_error(120.9, "sdb", "READ")]) == [
        ("kernel-block-io-error", "sdb")]


def test_a_usb_disks_reads_with_no_disconnect_are_a_failure(tmp_path: Path) -> None:
    # a stick failing while plugged in; and the same stick's reads a minute after another device's disconnect
    assert from_text(tmp_path, ATTACH + READS) == [("kernel-block-io-error", "sda")]
    late = [(at + 60, text) for at, text in READS]
    assert from_text(tmp_path, ATTACH + UNPLUGGED + late) == [("kernel-block-io-error", "sda")]


def test_a_journals_kernel_lines_alike(make_journal: Callable[..., Path]) -> None:
    def kernel(at: float, text: str) -> dict[str, Any]:
        return entry(text, unit=None, at=at, priority=3 if "error" in text else 6, SYSLOG_IDENTIFIER="kernel",
                     _TRANSPORT="kernel")

    pulled = make_journal([kernel(at, text) for at, text in ATTACH + UNPLUGGED + READS])
    assert incidents(run_cli("scan", "--file", str(pulled), "--no-anomalies", "-o", "json")) == []
    written = make_journal([kernel(at, text) for at, text in ATTACH + UNPLUGGED + [io_error(121, "sda", "WRITE")]])
    assert incidents(run_cli("scan", "--file", str(written), "--no-anomalies", "-o", "json")) == [
        ("kernel-block-io-error", "sda")]


def test_the_journal_scanner_passes_the_usb_lines_in_full() -> None:
    """In a journal the scanner summarises what no rule can match (sources/screening.py): the attach and disconnect
    lines, at info level, must pass its screen, or a long journal's pulled stick is carded again."""
    from logsentry.engine.detector import Detector
    from logsentry.rules.loader import load_rules, shipped_rules_dir

    screen = Detector(load_rules([shipped_rules_dir()]).rules).screen()
    read = [line for _, line in ATTACH if line.startswith("scsi host") or "Attached SCSI" in line]
    assert len(read) == 4
    for line in [*read, UNPLUGGED[0][1]]:
        assert any(literal in line and limit is None for literal, limit in screen.literals), line


def test_a_stick_that_drops_itself_is_failing(tmp_path: Path) -> None:
    """No hand unplugs a stick a second after plugging it in, nor twice in three seconds: a port that drops its
    device within NEW_USEC of finding it, or again within FLAP_USEC, has a failing stick or contact (trial 68's 01 and
    trial 71's 65, one kern.log: found at 37.1 s, dropped at 38.8 s with its reads failing, found again at 39.1 s,
    dropped at 42.0 s). Its reads are carded; a stick pulled two minutes after it was found is not (above)."""
    dropped = [(38.805640, "usb 2-2: USB disconnect, device number 2"),
               io_error(38.805965, "sda", "READ"), io_error(38.806116, "sda", "READ")]
    assert from_text(tmp_path, ATTACH[:5] + dropped) == [("kernel-block-io-error", "sda")]
    again = [(39.109532, "usb 2-2: new SuperSpeed USB device number 3 using xhci_hcd"),
             *((at + 2.1, text) for at, text in ATTACH[1:5]),
             (62.045624, "usb 2-2: USB disconnect, device number 3"),
             io_error(62.046, "sda", "READ"), io_error(62.047, "sda", "READ")]
    assert from_text(tmp_path, [*ATTACH[:5], (38.9, "usb 2-2: USB disconnect, device number 2"), *again]) == [
        ("kernel-block-io-error", "sda")]
