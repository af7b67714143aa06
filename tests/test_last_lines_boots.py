"""A card's lines (its program's last lines before it, its lines after) are of its failure's boot: a two-boot kern.log
carded the new boot's ext4 error with the boot before's OOM kill, its `reboot: Restarting system` and the new boot's
banner as the kernel's last lines before it (helper-223). A text tells a boot by the kernel's banner (`Linux version
...`, engine/host_boots.py), an export or JSON input by its entries' _BOOT_ID. Real files through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import json_events, of_type, run_cli

BANNER = ("Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP "
          "PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)")
KERN = f"""\
Dec  6 22:10:01 nas kernel: [ 8000.100000] usb 1-1: USB disconnect, device number 2
Dec  6 22:14:09 nas kernel: [ 8248.234000] java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE), order=0
Dec  6 22:14:09 nas kernel: [ 8248.235000] Out of memory: Killed process 2231 (java) total-vm:8123456kB, \
anon-rss:6123456kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:12345kB oom_score_adj:0
Dec  6 22:20:00 nas kernel: [ 8599.000000] reboot: Restarting system
Dec  6 22:21:12 nas kernel: [    0.000000] {BANNER}
Dec  6 22:21:13 nas kernel: [    1.234000] EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.
Dec  6 22:30:13 nas kernel: [  541.000000] EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: \
reading directory lblock 0
"""


def _ends(path: Path) -> list[dict[str, Any]]:
    done = run_cli("scan", "--file", str(path), "-o", "json")
    assert done.exit_code == 0, done.output
    return of_type(json_events(done), "incident_end")


def _said(end: dict[str, Any], what: str) -> list[str]:
    return [line["message"] for line in end.get(what, ())]


def test_a_kern_logs_card_after_a_reboot_quotes_its_boots_lines_alone(tmp_path: Path) -> None:
    path = tmp_path / "kern.log"
    path.write_text(KERN)
    [end] = [end for end in _ends(path) if end["rule"] == "kernel-ext4-error"]
    # (the new boot's banner, 9 min before and of no device of the card's, is no kernel line near it: last_lines.py
    # kernel_near; sda1's mount is, by its name)
    assert _said(end, "last_lines") == ["EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota "
                                        "mode: none."], end


def test_lines_after_a_failure_stop_at_the_next_boot(tmp_path: Path) -> None:
    path = tmp_path / "kern.log"
    segfault = ("Dec  6 22:19:58 nas kernel: [ 8597.000000] myapp[4242]: segfault at 0 ip 000055d0c0a1b2c3 sp "
                "00007ffd4c3b2a10 error 4 in myapp[55d0c0a00000+20000]\n"
                "Dec  6 22:19:58 nas kernel: [ 8597.000011] Code: 48 8b 45 f8 48 89 c7 e8 5c fe ff ff <8b> 00 89 c6\n")
    path.write_text(KERN.replace("Dec  6 22:20:00", segfault + "Dec  6 22:20:00"))
    [end] = [end for end in _ends(path) if end["rule"] == "kernel-segfault"]
    assert _said(end, "lines_after") == ["Code: 48 8b 45 f8 48 89 c7 e8 5c fe ff ff <8b> 00 89 c6",
                                         "reboot: Restarting system"], end


def test_a_failure_systemd_told_after_a_reboot_quotes_its_boots_lines_alone(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text("Dec  6 22:00:00 nas myapp[100]: connected to the database\n"
                    "Dec  6 22:05:00 nas myapp[100]: the boot before's last word\n"
                    "Dec  6 22:20:00 nas kernel: [ 8599.000000] reboot: Restarting system\n"
                    f"Dec  6 22:21:12 nas kernel: [    0.000000] {BANNER}\n"
                    "Dec  6 22:21:20 nas myapp[200]: starting with /etc/myapp.conf\n"
                    "Dec  6 22:21:20 nas systemd[1]: myapp.service: Main process exited, code=exited, "
                    "status=1/FAILURE\n"
                    "Dec  6 22:21:20 nas systemd[1]: myapp.service: Failed with result 'exit-code'.\n")
    [end] = [end for end in _ends(path) if end["rule"] == "systemd-unit-failed"]
    assert _said(end, "last_lines") == ["starting with /etc/myapp.conf"], end


def test_a_json_inputs_boot_is_its_boot_id(tmp_path: Path) -> None:
    def line(second: int, boot: str, message: str, pid: str = "100") -> str:
        fields = {"__REALTIME_TIMESTAMP": str(1765058400_000000 + second * 1_000_000 + int(pid == "1")),
                  "_BOOT_ID": boot * 32, "MESSAGE": message, "PRIORITY": "6", "_HOSTNAME": "nas",
                  "_MACHINE_ID": "a" * 32, "_PID": pid, "SYSLOG_IDENTIFIER": "systemd" if pid == "1" else "myapp",
                  "_SYSTEMD_UNIT": "init.scope" if pid == "1" else "myapp.service",
                  **({"UNIT": "myapp.service"} if pid == "1" else {})}
        return json.dumps(fields) + "\n"

    path = tmp_path / "journal.json"
    path.write_text(line(0, "1", "connected to the database") + line(300, "1", "the boot before's last word")
                    + line(1300, "2", "starting with /etc/myapp.conf", "200")
                    + line(1301, "2", "myapp.service: Main process exited, code=exited, status=1/FAILURE", "1")
                    + line(1301, "2", "myapp.service: Failed with result 'exit-code'.", "1"))
    [end] = [end for end in _ends(path) if end["rule"] == "systemd-unit-failed"]
    assert _said(end, "last_lines") == ["starting with /etc/myapp.conf"], end
