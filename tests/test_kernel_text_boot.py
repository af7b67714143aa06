"""A pasted kernel log judged as boot text (trial 71's F4): a dmesg that does not start at its banner (`dmesg | tail -n
500`, a wrapped ring buffer) still holds printk times, and a line whose own time is within the boot window is a
boot's (engine/excerpts.py), so excerpt-failure-template leaves the boot's vocabulary ("unavailable", "could not be
reserved", "Cannot allocate") alone; the same lines later in the boot are judged. Real files read by `scan --file`."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES

BOOT_CHATTER = ["On node 0, zone DMA32: 1026 pages in unavailable ranges",
                "system 00:03: [mem 0xfec00000-0xfec00fff] could not be reserved",
                "platform eisa.0: Cannot allocate resource for EISA slot 1",
                "platform eisa.0: Cannot allocate resource for EISA slot 2",
                "pcie_mp2_amd: probe of 0000:05:00.7 failed with error -95"]


def incidents(path: Path, shipped: bool = False) -> list[str]:
    rules = () if shipped else ("--no-shipped-rules", "--rules", str(ANOMALY_RULES))
    events = json_events(run_cli("scan", "--file", str(path), *rules, "-o", "json"))
    return [incident["rule"] for incident in of_type(events, "incident")]


def dmesg(tmp_path: Path, seconds: float, lines: list[str]) -> Path:
    """A dmesg cut after its banner: memory map lines at 0.005 s, then `lines` from `seconds` on."""
    path = tmp_path / "dmesg.txt"
    head = [f"[    0.0051{n:02d}]   node   0: [mem 0x{n:09x}000-0x{n:09x}fff]" for n in range(5)]
    path.write_text("\n".join(head + [f"[{seconds + n / 1000:12.6f}] {line}" for n, line in enumerate(lines)])
                    + "\n")
    return path


def test_a_dmesg_without_its_banner_is_a_boot_by_its_printk_times(tmp_path: Path) -> None:
    assert incidents(dmesg(tmp_path, 0.2, BOOT_CHATTER)) == []
    assert incidents(dmesg(tmp_path, 40.0, BOOT_CHATTER)) == []
    # past the window (two minutes after the boot): judged
    assert incidents(dmesg(tmp_path, 600.0, BOOT_CHATTER)) == ["excerpt-failure-template"]


def test_journalctls_short_monotonic_kernel_lines_without_a_banner_are_a_boot(tmp_path: Path) -> None:
    """`journalctl -k -o short-monotonic | tail`: its time is the kernel's own time since boot, as dmesg's."""
    path = tmp_path / "kernel.txt"
    for seconds, expected in ((0.2, []), (600.0, ["excerpt-failure-template"])):
        path.write_text("".join(f"[{seconds + n / 1000:12.6f}] pve kernel: {line}\n"
                                for n, line in enumerate(BOOT_CHATTER)))
        assert incidents(path) == expected, seconds


def test_a_dmesg_without_its_banner_still_tells_a_panic_at_boot(tmp_path: Path) -> None:
    """The signature rules judge a boot's failures: a panic 2 s in, with no banner, is kernel-panic's."""
    panic = ["VFS: Cannot open root device \"(null)\" or unknown-block(0,0): error -2",
             "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"]
    assert "kernel-panic" in incidents(dmesg(tmp_path, 2.0, panic), shipped=True)


def test_acpicas_firmware_complaints_are_no_failure(tmp_path: Path) -> None:
    """trial 71's 34: a journal's kernel lines (no printk time, no banner) of the BIOS's ACPI tables, at every boot of
    such a machine. Only ACPICA's own prefixes at the line's start: the same words after another's are judged."""
    acpi = ["ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PCI0], AE_NOT_FOUND (20230628/dswload2-162)",
            "ACPI Error: AE_NOT_FOUND, During name lookup/catalog (20230628/psobject-220)",
            "ACPI BIOS Error (bug): Failure creating [\\_GPE._HID], AE_ALREADY_EXISTS (20180313/dswload2-316)",
            "ACPI Error: Ignore error and continue table load (20180313/psobject-604)",
            "ACPI Exception: AE_NOT_FOUND, Evaluating _PRS (20160930/pci_link-189)"]
    path = tmp_path / "kernel.log"
    path.write_text("".join(f"Sep 03 13:04:{28 + n % 2:02d} bazzite kernel: {line}\n" for n, line in enumerate(acpi)))
    assert incidents(path) == []
    path.write_text("".join(f"Sep 03 13:04:28 bazzite kernel: firmware says: {line}\n" for line in acpi))
    assert incidents(path) == ["excerpt-failure-template"]


def test_the_suspend_freezers_oom_killer_lines_are_no_failure(tmp_path: Path) -> None:
    """trial 71's F7: each suspend prints `OOM killer disabled.`, each resume `OOM killer enabled.`
    (kernel/power/process.c): a laptop suspended three times in ten minutes says "oom" six times and stays quiet."""
    lines = []
    for n in range(3):
        at = 3000.0 + 180 * n
        lines += [f"[{at:12.6f}] PM: suspend entry (s2idle)",
                  f"[{at + 0.01:12.6f}] Freezing user space processes ... (elapsed 0.001 seconds) done.",
                  f"[{at + 0.02:12.6f}] OOM killer disabled.",
                  f"[{at + 5:12.6f}] OOM killer enabled.",
                  f"[{at + 5.01:12.6f}] Restarting tasks ... done.",
                  f"[{at + 5.02:12.6f}] PM: suspend exit"]
    path = tmp_path / "dmesg.txt"
    path.write_text("\n".join(lines) + "\n")
    assert incidents(path) == []
    assert incidents(path, shipped=True) == []
