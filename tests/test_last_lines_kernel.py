"""A kernel card's lines before and after it are the kernel's near it, or of its device (sources/last_lines.py
kernel_near): the kernel is one "program" for every driver, and a new user's NVMe timeout card quoted ACPI's boot
errors from 30 minutes before as its lead-in (nu240's 5). A dmesg paste through the real CLI; the NVMe lines are
drivers/nvme/host/pci.c's (`nvme nvme0: I/O %d QID %d timeout, aborting`, nvme_pci_enable's queue count)."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

RECORDS = [
    (1.419, "Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) #49-Ubuntu SMP PREEMPT_DYNAMIC"),
    (1.902, "nvme nvme0: pci function 0000:02:00.0"),
    (18.0, "ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PC00.LPCB.HEC.ECAV], AE_NOT_FOUND "
           "(20230628/psargs-330)"),
    (18.003, "ACPI Error: Aborting method \\_TZ.ETMD due to previous error (AE_NOT_FOUND) (20230628/psparse-529)"),
    (38.003, "usb 3-2: new high-speed USB device number 3 using xhci_hcd"),
    (1825.0, "pcieport 0000:00:1c.4: AER: Corrected error received: 0000:02:00.0"),
    (1843.202, "nvme nvme0: I/O 421 QID 3 timeout, aborting"),
    (1873.7105, "nvme nvme0: I/O 421 QID 3 timeout, reset controller"),
    (1873.9325, "nvme nvme0: 8/0/0 default/read/poll queues"),
    (2244.8645, "wlp0s20f3: deauthenticating from 3c:84:6a:11:22:33 by local choice (Reason: 3=DEAUTH_LEAVING)"),
]


def test_a_kernel_cards_lines_are_near_it_or_its_devices(tmp_path: Path) -> None:
    paste = tmp_path / "dmesg.txt"
    paste.write_text("".join(f"[{seconds:12.6f}] {text}\n" for seconds, text in RECORDS))
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    assert result.exit_code == 0, result.output
    [end] = [end for end in of_type(json_events(result), "incident_end") if end["rule"] == "kernel-nvme-timeout"]
    before = [line["message"] for line in end.get("last_lines", ())]
    after = [line["message"] for line in end.get("lines_after", ())]
    # its controller's own line (named: nvme0) and the PCIe error 18 s before; not ACPI's or USB's from boot
    assert before == [RECORDS[1][1], RECORDS[5][1]], before
    # the reset's queues; not Wi-Fi's line 6 min on
    assert after == [RECORDS[8][1]], after
    shown = run_cli("scan", "--file", str(paste)).output
    assert "ACPI" not in shown and "pcieport" in shown
