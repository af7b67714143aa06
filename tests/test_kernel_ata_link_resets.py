"""libata's link resets (rules/kernel/kernel-ata-link-reset.toml): in a failure kernel-ata-error names they are lines
of its chain, a link reset again and again with no failed command is a warning of its own, and one reset (a
hot-plug) is nothing. Trial 71's 59 carded the failed command with its `ata1: hard resetting link` on no incident
and in no chain. dmesg pastes through the real CLI, the lines libata writes (drivers/ata/libata-eh.c ata_eh_reset,
ata_eh_link_report; libata-sata.c sata_link_hardreset)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import json_events, of_type, run_cli

FAILED = [
    (6411193.033913, "ata1.00: exception Emask 0x0 SAct 0x1 SErr 0x0 action 0x6 frozen"),
    (6411193.033963, "ata1.00: failed command: READ FPDMA QUEUED"),
    (6411193.033994, "ata1.00: cmd 60/08:00:00:e1:59/00:00:a2:00:00/40 tag 0 ncq 4096 in"),
    (6411193.034081, "ata1.00: status: { DRDY }"),
    (6411193.034110, "ata1: hard resetting link"),
    (6411196.492118, "ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)"),
    (6411196.495338, "ata1.00: configured for UDMA/133"),
    (6411196.495349, "ata1: EH complete"),
]


def flap(port: str, at: float, times: int) -> list[tuple[float, str]]:
    """A link that drops and comes back `times` times, a minute apart: the port's own exception, no failed command."""
    lines = []
    for n in range(times):
        start = at + 60 * n
        lines += [(start, f"{port}: exception Emask 0x10 SAct 0x0 SErr 0x4050002 action 0xe frozen"),
                  (start + 0.0001, f"{port}: irq_stat 0x00400040, connection status changed"),
                  (start + 0.0002, f"{port}: SError: {{ RecovComm PHYRdyChg CommWake DevExch }}"),
                  (start + 0.001, f"{port}: hard resetting link"),
                  (start + 1.2, f"{port}: SATA link up 3.0 Gbps (SStatus 123 SControl 300)"),
                  (start + 1.21, f"{port}: EH complete")]
    return lines


def ends(tmp_path: Path, records: list[tuple[float, str]]) -> list[dict[str, Any]]:
    paste = tmp_path / "dmesg.txt"
    paste.write_text("".join(f"[{seconds:14.6f}] {text}\n" for seconds, text in records))
    result = run_cli("scan", "--file", str(paste), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident_end")


def test_a_failed_commands_link_reset_is_in_its_chain(tmp_path: Path) -> None:
    [end] = ends(tmp_path, FAILED)
    assert (end["rule"], end["key"]) == ("kernel-ata-error", "ata1"), end
    assert [(link["rule"], link["message"]) for link in end["chain"]][-1] == (
        "kernel-ata-link-reset", "ata1: hard resetting link"), end["chain"]


def test_a_link_reset_again_and_again_is_a_warning(tmp_path: Path) -> None:
    [end] = ends(tmp_path, flap("ata2", 100.0, 3))
    assert (end["rule"], end["severity"], end["key"], end["count"]) == ("kernel-ata-link-reset", "warning", "ata2", 3)


def test_one_reset_is_a_hot_plug(tmp_path: Path) -> None:
    assert ends(tmp_path, flap("ata2", 100.0, 1)) == []
