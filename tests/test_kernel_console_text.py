"""A text in no layout whose lines are a kernel console's (sources/kernel_console.py) is read as the kernel's, so the
kernel rules (gated on `_TRANSPORT=kernel`) judge it: trial 71's 62, a serial console's panic without printk times,
had no kernel-panic card. One crash word in a program's log makes no kernel of it. And `22:39:31 kernel: ...` (a time
of day, the kernel's tag, no date, no host: trial 71's 57) is the kernel's line (sources/plain.py)."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

from logsentry.sources import Selection, open_entries
from logsentry.sources.kernel_console import kernel_console

PANIC = """9pnet_virtio: no channels available for device /dev/root
VFS: Cannot open root device "(null)" or unknown-block(0,0): error -2
Please append a correct "root=" boot option; here are the available partitions:
Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)
CPU: 0 PID: 1 Comm: swapper Not tainted 6.1.54 #4
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.15.0-1 04/01/2014
Call Trace:
 <TASK>
 dump_stack_lvl+0x2c/0x3b
 panic+0x20e/0x41c
 mount_block_root+0x1c5/0x282
 </TASK>
Kernel Offset: disabled
---[ end Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) ]---
"""


def scanned(path: Path) -> tuple[list[str], str]:
    result = run_cli("scan", "--file", str(path), "-o", "json")
    return [incident["rule"] for incident in of_type(json_events(result), "incident")], result.stderr


def test_a_serial_consoles_panic_without_printk_times_is_the_kernels(tmp_path: Path) -> None:
    path = tmp_path / "console.txt"
    path.write_text(PANIC)
    entries = list(open_entries(Selection(), files=[path]))
    assert {entry.unit for entry in entries} == {"kernel"}
    assert all(entry.fields.get("_TRANSPORT") == "kernel" and entry.from_text for entry in entries)
    rules, stderr = scanned(path)
    assert rules == ["kernel-panic"]
    assert "the kernel's lines without printk times" in stderr
    # systemd's own line on the console (written to /dev/kmsg) is its, as dmesg.py reads it
    path.write_text(PANIC + "systemd[1]: Failed to mount sysroot.mount - /sysroot.\n")
    assert [entry.unit for entry in open_entries(Selection(), files=[path])][-1] != "kernel"


def test_a_boots_console_from_its_banner_is_the_kernels() -> None:
    boot = (b"Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1\n"
            b"Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64 root=/dev/sda1 ro console=ttyS0\n"
            b"BIOS-provided physical RAM map:\n")
    assert kernel_console(boot)
    assert not kernel_console(boot.split(b"\n", 1)[0])  # the banner alone: a line someone quoted


def test_one_crash_word_in_a_programs_log_is_no_kernel(tmp_path: Path) -> None:
    """git's `BUG: ` (usage.c's BUG_fl), an `Oops: ` of a program's own, a `Call Trace:` quoted alone: each one mark;
    a crash dump is two of them, one its own (`CPU: ... PID: ... Comm:`, `Call Trace:`, `---[ end trace`)."""
    for text in ("fetching origin\nBUG: refs.c:1234: unexpected ref state\nerror: aborting\n",
                 "starting worker\nOops: could not reach the queue, retrying\nBUG: retry count below zero\n",
                 "Call Trace:\n  at worker.run (worker.js:10)\n",
                 "this kernel bug report: Kernel panic - not syncing: ...\nCall Trace: see the attachment\n"):
        assert not kernel_console(text.encode()), text
        path = tmp_path / "app.log"
        path.write_text(text)
        assert "kernel" not in {entry.unit for entry in open_entries(Selection(), files=[path])}, text


def test_a_time_of_day_before_the_kernels_tag_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "gpu.txt"
    path.write_text("22:39:31 kernel: i915 0000:00:02.0: [drm] GT0: GUC: SLPC enabled\n"
                    "22:39:31 kernel: i915 0000:00:02.0: [drm] GPU HANG: ecode 12:1:0020fffe, in Xorg [1676]\n"
                    "22:39:32 app: kernel: not the kernel's\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [(entry.unit, entry.message) for entry in entries[:2]] == [
        ("kernel", "i915 0000:00:02.0: [drm] GT0: GUC: SLPC enabled"),
        ("kernel", "i915 0000:00:02.0: [drm] GPU HANG: ecode 12:1:0020fffe, in Xorg [1676]")]
    assert entries[2].unit != "kernel"
    _, stderr = scanned(path)
    assert "a time of day without a date" in stderr


AMDGPU = """[drm:amdgpu_job_timedout [amdgpu]] *ERROR* ring sdma0 timeout, signaled seq=121570, emitted seq=121572
[drm:amdgpu_job_timedout [amdgpu]] *ERROR* Process information: process  pid 0 thread  pid 0
amdgpu 0000:33:00.0: amdgpu: GPU reset begin!
amdgpu 0000:33:00.0: amdgpu: MODE2 reset
amdgpu 0000:33:00.0: amdgpu: GPU reset succeeded, trying to resume
[drm] PCIE GART of 1024M enabled (table at 0x000000F47FC00000).
[drm] PSP is resuming...
"""


def test_a_drivers_lines_alone_are_the_kernels(tmp_path: Path) -> None:
    """trial 71's 44: an amdgpu ring timeout and reset pasted without times, every line a driver's about its PCI
    device (dev_printk) or DRM's. A program's log that quotes one or two of them, or lspci's listing, is no kernel's."""
    assert kernel_console(AMDGPU.encode())
    path = tmp_path / "gpu.txt"
    path.write_text(AMDGPU)
    assert {entry.unit for entry in open_entries(Selection(), files=[path])} == {"kernel"}
    quoted = ("starting the game\nloading shaders\nrenderer: Vulkan\nframe time 16 ms\n"
              "amdgpu 0000:33:00.0: amdgpu: GPU reset begin!\n[drm] PSP is resuming...\nreconnecting\n")
    lspci = ("0000:00:00.0 Host bridge: Advanced Micro Devices, Inc. [AMD] Starship/Matisse Root Complex\n"
             "0000:33:00.0 VGA compatible controller: Advanced Micro Devices, Inc. [AMD/ATI] Navi 21\n"
             "0000:33:00.1 Audio device: Advanced Micro Devices, Inc. [AMD/ATI] Navi 21 HDMI Audio\n")
    for text in (quoted, lspci):
        assert not kernel_console(text.encode()), text
