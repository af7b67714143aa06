"""A text in no layout whose lines are a kernel console's (sources/plain.py reads them as the kernel's): a serial or
netconsole capture, a panic with `printk.time=0`, a photo of a screen retyped. Read with the file's name as their
identifier, no kernel rule (each gated on `_TRANSPORT=kernel`) saw them: trial 71's 62, `Kernel panic - not syncing:
VFS: Unable to mount root fs` without printk times, had no kernel-panic card, while 61, the same panic with them, had
a critical one.

Only a head the kernel alone writes this way makes the file a console's, never one word: two of the marks below, at
a line's start, at least one of them a crash dump's own (`CPU: 0 PID: 1 Comm: swapper`, `Call Trace:`, `---[ end
trace`): git's `BUG: ...` or a program's `Oops: ...` line has none of those after it. Or a boot's first lines: the
banner (`Linux version 6.1.54 (...)`) with the command line or the firmware's memory map. Or half its lines or more
a driver's about its PCI device or DRM's (DEVICE). As for every text, the fields are only what the text claims
(Entry.from_text): nothing is acted on."""

from __future__ import annotations

import re

CRASH = re.compile(r"(?:Kernel panic - not syncing: |BUG: |Oops: |Internal error: Oops|general protection fault|"
                   r"WARNING: CPU: \d{1,5} PID: \d{1,10} at |INFO: task \S{1,64} blocked for more than |"
                   r"watchdog: BUG: soft lockup |rcu: INFO: rcu_\w{1,20} (?:self-)?detected )")
"""A crash report's first line, as the kernel prints it (kernel/panic.c's panic, lib/bug.c, x86's dumpstack.c's
`Oops: %04lx`, arm64's `Internal error: Oops`, kernel/hung_task.c, kernel/watchdog.c, kernel/rcu/tree_stall.h)."""
DUMP = re.compile(r"(?P<cpu>CPU: \d{1,5} (?:UID: \d{1,10} )?PID: \d{1,10} Comm: )|(?P<trace>Call [Tt]race:\s*$)|"
                  r"(?P<end>---\[ end (?:trace [0-9a-f]{16} |Kernel panic - not syncing: ))")
"""A crash dump's own lines (lib/dump_stack.c's dump_stack_print_info, show_stack's `Call Trace:`, arm64's `Call
trace:`, the `---[ end trace ... ]---` and `---[ end Kernel panic ...` lines that close it)."""
BOOT = re.compile(r"(?P<banner>Linux version \d{1,2}\.\d{1,3}\S{0,64} \()|(?P<cmdline>(?:Kernel c|C)ommand line: )|"
                  r"(?P<e820>BIOS-(?:e820|provided physical RAM map))|(?P<cpu0>Booting Linux on physical CPU )")
"""A boot's first lines: init/version.c's banner, the command line (arch/x86/kernel/setup.c, init/main.c), x86's
firmware memory map (arch/x86/kernel/e820.c), arm's first line (arch/arm64/kernel/setup.c)."""
DEVICE = re.compile(r"[a-z][\w-]{0,30} [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]: |"
                    r"\[drm(?::\w{1,64}(?: \[\w{1,32}\])?)?\] ")
"""A driver's line about its PCI device (drivers/base/core.c's dev_printk: the driver's name, the device's
`domain:bus:slot.function`, `amdgpu 0000:33:00.0: amdgpu: GPU reset begin!`) or DRM's (`[drm] ...`, `[drm:func
[module]] *ERROR* ...`, include/drm/drm_print.h): a paste of a driver's lines alone (trial 71's 44, an amdgpu ring
timeout and reset) is a console's when most of its lines are such (DEVICE_LINES)."""
DEVICE_LINES = 3
"""At least this many DEVICE lines, and at least half of the head's lines, make a console's paste."""
MARKED_LINES = 60
"""How many of the head's lines are looked at."""
HEAD_BYTES = 4096
"""How much of a stream's start is looked at (sniff_text's SNIFF_BYTES; manager_paste.head_of's)."""


def kernel_console(head: bytes) -> bool:
    """Are `head`'s lines (a file's first bytes, of no layout) a kernel console's (the module's marks)?"""
    marks: set[str] = set()
    lines = devices = 0
    for raw in head.split(b"\n")[:MARKED_LINES]:
        line = raw.decode("utf-8", "replace").strip()
        lines += bool(line)
        if DEVICE.match(line):
            devices += 1
        elif CRASH.match(line):
            marks.add("crash")
        elif (dump := DUMP.match(line)) is not None:
            marks.add(str(dump.lastgroup))
        elif (boot := BOOT.match(line)) is not None:
            marks.add(str(boot.lastgroup))
    dumped = bool(marks & {"cpu", "trace", "end"})
    booted = "banner" in marks and bool(marks & {"cmdline", "e820", "cpu0"})
    return (dumped and len(marks & {"crash", "cpu", "trace", "end"}) >= 2) or booted or \
        devices >= max(DEVICE_LINES, (lines + 1) // 2)
