"""A USB disk pulled out: its reads that fail as it goes are no disk failure.

When a USB stick or disk is unplugged while mounted, the reads in flight fail at once: the kernel writes "usb 2-2:
USB disconnect, device number 2" (drivers/usb/core/hub.c usb_disconnect), then the block layer's "I/O error, dev
sda, sector 11535200 op 0x0:(READ) ..." and the buffer cache's "Buffer I/O error on dev sda1, logical block N, async
page read" for the disk that went (trial 71's 65: a Kingston stick, carded as kernel-block-io-error beside its
disconnect). Those reads are no disk failing: kernel-block-io-error's hits on them are dropped (Pipeline.process),
as a skipped run's start limit is (engine/skipped_runs.py). A write that fails so is kept: its data is lost (trial
71's 03, ext4's writeback to a USB disk gone, -19), and so is any I/O error not within REMOVED_USEC after a USB
disconnect on that machine, or on a disk not attached through USB. So are the reads of a port that drops its device
within NEW_USEC of finding it, or again within FLAP_USEC of its last disconnect: no hand unplugs a stick a second
after plugging it in, a stick or a contact that resets itself is failing (trial 68's 01 and trial 71's 65, one
kern.log: a Kingston stick found at 37.1 s after boot dropped at 38.8 s with its reads failing, found again at
39.1 s, dropped at 42.0 s; the two trials' judges read it two ways, a pull and a failing stick).

A disk is a USB one when the kernel attached it (drivers/scsi/sd.c sd_probe: "sd 5:0:0:0: [sda] Attached SCSI
removable disk", or "... disk") on a SCSI host usb-storage or uas registered ("scsi host5: usb-storage 2-2:1.0",
"scsi host6: uas": scsi_add_host's line). Only the kernel's own lines count (`_TRANSPORT=kernel`, which journald
sets and no process can); the journal scanner passes them in full (CONTEXT_LITERALS, Detector.screen).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TypeVar

from ..model import Entry, Hit
from .failure_disks import disk_of

BLOCK_RULE = "kernel-block-io-error"
CONTEXT_LITERALS = ("USB disconnect", "Attached SCSI", "scsi host", "USB device number")
"""What the lines this module reads say (the journal scanner passes an entry holding one in full)."""
REMOVED_USEC = 30_000_000
"""How long after a USB disconnect (µs) a USB disk's failed reads are its going: the commands in flight fail at
once, those the SCSI layer waits on within its command timer (30 s by default)."""
FLAP_USEC = 600_000_000
"""A port whose device is dropped again within this long (µs) of its last disconnect is failing, not unplugged."""
NEW_USEC = 10_000_000
"""... and one whose device is dropped within this long (µs) of the hub finding it."""
MAX_MACHINES = 4096
MAX_KNOWN = 256
"""USB hosts and disks kept per machine: a host's number grows at each plug, so the oldest are let go."""

_DISCONNECT = re.compile(r"usb (?P<port>\d{1,3}-[\d.]{1,32}): USB disconnect, device number \d{1,4}")
_NEW = re.compile(r"usb (?P<port>\d{1,3}-[\d.]{1,32}): new [\w-]{1,24}(?: [\w-]{1,24})? USB device number \d{1,4} "
                  r"using \S{1,40}")
"""drivers/usb/core/hub.c hub_port_init: "usb 2-2: new SuperSpeed USB device number 2 using xhci_hcd" (full-speed,
high-speed, low-speed, SuperSpeed, SuperSpeed Plus Gen 2x1, ...)."""
_HOST = re.compile(r"scsi host(?P<host>\d{1,6}): (?P<usb>usb-storage|uas)\b")
_ATTACHED = re.compile(r"sd (?P<host>\d{1,6}):\d{1,6}:\d{1,6}:\d{1,20}: \[(?P<disk>sd[a-z]{1,4})\] "
                       r"Attached SCSI (?:removable )?disk")
_READ = re.compile(r"\bop 0x[0-9a-f]{1,8}:\(READ\)|, async page read$")
"""A read that failed: blk_print_req_error's op (`op 0x0:(READ)`), fs/buffer.c's async read."""


@dataclass
class _Machine:
    """Mutable, owned by UsbDisks: one machine's USB SCSI hosts, USB disks and latest USB disconnect (µs)."""

    hosts: OrderedDict[str, None] = field(default_factory=OrderedDict)
    disks: OrderedDict[str, None] = field(default_factory=OrderedDict)
    disconnected: int | None = None
    ports: OrderedDict[str, int] = field(default_factory=OrderedDict)
    """Each port's latest disconnect (µs)."""
    found: OrderedDict[str, int] = field(default_factory=OrderedDict)
    """Each port's latest device found (µs)."""
    flapping: bool = False
    """The latest disconnect's port found its device within NEW_USEC before it, or dropped one within FLAP_USEC."""


_V = TypeVar("_V")


def _keep(known: OrderedDict[str, _V], name: str, value: _V) -> None:
    """`name` (with its value) as the most recent of `known`, the oldest let go past MAX_KNOWN."""
    known.pop(name, None)
    known[name] = value
    if len(known) > MAX_KNOWN:
        known.popitem(last=False)


class UsbDisks:
    """Per machine, what the kernel said of its USB disks and disconnects (see the module's docstring)."""

    def __init__(self) -> None:
        self._machines: OrderedDict[str, _Machine] = OrderedDict()

    def note(self, entry: Entry) -> None:
        """Learn from a kernel line (any other entry is ignored)."""
        message = entry.message
        if entry.fields.get("_TRANSPORT") != "kernel" or not any(literal in message for literal in CONTEXT_LITERALS):
            return
        if (disconnect := _DISCONNECT.fullmatch(message)) is not None:
            machine, usec, port = self._of(entry.machine_id), entry.realtime_usec, disconnect["port"]
            before, found = machine.ports.get(port), machine.found.get(port)
            machine.flapping = (before is not None and 0 <= usec - before <= FLAP_USEC) or (
                found is not None and 0 <= usec - found <= NEW_USEC)
            machine.disconnected = usec
            _keep(machine.ports, port, usec)
        elif (new := _NEW.fullmatch(message)) is not None:
            _keep(self._of(entry.machine_id).found, new["port"], entry.realtime_usec)
        elif (host := _HOST.match(message)) is not None:
            _keep(self._of(entry.machine_id).hosts, host["host"], None)
        elif (attached := _ATTACHED.fullmatch(message)) is not None:
            machine = self._of(entry.machine_id)
            if attached["host"] in machine.hosts:
                _keep(machine.disks, attached["disk"], None)
            else:  # (a name the kernel gave a USB disk before, now a disk of another bus)
                machine.disks.pop(attached["disk"], None)

    def _of(self, machine_id: str) -> _Machine:
        machine = self._machines.get(machine_id)
        if machine is None:
            machine = self._machines[machine_id] = _Machine()
            if len(self._machines) > MAX_MACHINES:
                self._machines.popitem(last=False)
        return machine

    def kept(self, hits: list[Hit]) -> list[Hit]:
        """The hits but kernel-block-io-error's on a failed read of a USB disk within REMOVED_USEC after a USB
        disconnect on its machine (all of one entry's: Detector.detect's)."""
        if not self._machines:
            return hits
        return [hit for hit in hits if not self._pulled(hit)]

    def _pulled(self, hit: Hit) -> bool:
        entry = hit.entry
        if hit.rule_id != BLOCK_RULE or entry.fields.get("_TRANSPORT") != "kernel":
            return False
        machine = self._machines.get(entry.machine_id)
        if machine is None or machine.disconnected is None or machine.flapping \
                or not 0 <= entry.realtime_usec - machine.disconnected <= REMOVED_USEC:
            return False
        disk = disk_of(hit.key)
        return disk is not None and disk in machine.disks and _READ.search(entry.message) is not None
