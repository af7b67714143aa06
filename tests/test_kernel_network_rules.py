"""kernel-conntrack-table-full, kernel-nfs-server-not-responding and kernel-netdev-watchdog: outages the kernel
reports only below error-burst's level (KERN_WARNING, KERN_NOTICE, or a WARN splat) while the services' own logs
stay quiet. Real journal files, and
the kernel buffer as the real util-linux dmesg prints it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli

RULES = ("kernel-conntrack-table-full", "kernel-netdev-watchdog", "kernel-nfs-server-not-responding")


def _kernel(at: float, text: str, priority: int) -> dict:  # type: ignore[type-arg]
    return entry(text, unit=None, at=at, priority=priority, SYSLOG_IDENTIFIER="kernel", _TRANSPORT="kernel")


def _incidents(path: Path) -> list[tuple[str, str]]:
    result = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return sorted((i["rule"], i["key"]) for i in of_type(json_events(result), "incident") if i["rule"] in RULES)


def test_the_kernels_lines_are_error_incidents(make_journal) -> None:  # type: ignore[no-untyped-def]
    """Minutes apart, so that each is its own failure of the kernel (engine/failures.py joins a unit's incidents
    within 30 s)."""
    lines = [_kernel(0, "nf_conntrack: nf_conntrack: table full, dropping packet", 4),
             _kernel(1, "net_ratelimit: 3939 callbacks suppressed", 4),
             _kernel(2, "nf_conntrack: nf_conntrack: table full, dropping packet", 4),
             _kernel(600, "nfs: server nas01 not responding, still trying", 5),
             _kernel(660, "nfs: server nas01 OK", 5),
             _kernel(1200, "nfs: server 10.0.0.9 not responding, timed out", 5),
             _kernel(1800, "------------[ cut here ]------------", 4),
             _kernel(1800.001, "NETDEV WATCHDOG: enp2s0 (r8169): transmit queue 0 timed out 5440 ms", 4),
             _kernel(2400, "igb 0000:01:00.0 eno1: NETDEV WATCHDOG: CPU: 3: transmit queue 2 timed out 5120 ms", 2)]
    assert _incidents(make_journal(lines)) == [("kernel-conntrack-table-full", ""),
                                               ("kernel-netdev-watchdog", "eno1"),
                                               ("kernel-netdev-watchdog", "enp2s0"),
                                               ("kernel-nfs-server-not-responding", "10.0.0.9"),
                                               ("kernel-nfs-server-not-responding", "nas01")]


def test_a_process_saying_the_words_is_no_kernel_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [entry("nf_conntrack: table full, dropping packet", unit="chat.service", at=0),
             entry("nfs: server nas01 not responding, still trying", unit="chat.service", at=1),
             _kernel(2, "nfs: server nas01 OK", 5)]
    assert _incidents(make_journal(lines)) == []


def test_dmesg_without_levels_keeps_them_under_p_err(tmp_path: Path) -> None:
    """`dmesg` prints no level: -p err keeps these lines by their rules' (error), as for the hung task."""
    raw = tmp_path / "kmsg.raw"
    raw.write_text("<4>[104235.156774] nf_conntrack: nf_conntrack: table full, dropping packet\n"
                   "<4>[104243.800401] net_ratelimit: 3939 callbacks suppressed\n"
                   "<5>[104300.000001] nfs: server nas01 not responding, still trying\n"
                   "<4>[104400.000001] NETDEV WATCHDOG: eth0 (e1000e): transmit queue 0 timed out\n")
    printed = subprocess.run([shutil.which("dmesg") or "/usr/bin/dmesg", "-F", str(raw)], capture_output=True,
                             text=True, check=True).stdout
    paste = tmp_path / "dmesg.txt"
    paste.write_text(printed)
    result = run_cli("scan", "--file", str(paste), "-p", "err", "-o", "json")
    assert result.exit_code == 0, result.output
    assert sorted(m["rule"] for m in of_type(json_events(result), "match")) == list(RULES)
