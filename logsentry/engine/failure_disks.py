"""Which disk a kernel incident is about, so that one failing disk is one failure and two failing disks are two.

The kernel's rules key their windows by the name the line gives: a controller (`nvme0`, kernel-nvme-timeout), a
namespace or partition (`nvme0n1`, `nvme0n1p2`, `sda1`: kernel-block-io-error, ext4's writeback). An NVMe
controller timing out, then the block layer's `I/O error, dev nvme0n1` and ext4's and the buffer cache's lines on
`nvme0n1p2` in the same second are one failure; keyed apart, the partition's incident (a rule already in the
controller's failure) made a second card of it (a new user's trial, nu240's 4). Another disk's errors at the same
moment are a failure of their own: an operator replaces each disk on its own.

Only names that say their disk are read: sd/hd/vd/xvd (`sda1` is `sda`'s), nvme (`nvme0n1p2` is `nvme0`'s, and
`nvme1c0n1`, native multipath's path to subsystem 1's namespace through controller 0, `nvme0`'s), mmcblk
(`mmcblk0p2`). A device-mapper, md, loop or
network device (`dm-1`, `md0`, `loop3`, `nbd0`) sits on disks its name does not tell: it is no disk here, and joins
as any kernel line does. The names come from log text: a name read wrong joins or parts two cards, nothing more.
"""

from __future__ import annotations

import re

from ..model import Incident
from .failure_model import Failure

_DISK = re.compile(r"(?P<sd>sd[a-z]{1,4}|hd[a-t]|x?vd[a-z]{1,3})\d{0,3}"
                   r"|nvme(?P<subsystem>\d{1,4})(?:c(?P<controller>\d{1,4}))?(?:n\d{1,4}(?:p\d{1,3})?)?"
                   r"|(?P<mmc>mmcblk\d{1,3})(?:p\d{1,3})?")


def disk_of(key: str) -> str | None:
    """The disk a device name is on (`nvme0n1p2`: `nvme0`, `sda1`: `sda`), None when the name tells none."""
    found = _DISK.fullmatch(key)
    if found is None:
        return None
    if found["sd"] or found["mmc"]:
        return found["sd"] or found["mmc"]
    return f"nvme{found['controller'] or found['subsystem']}"


def _disks(failure: Failure, unit: str, open_only: bool) -> set[str]:
    """The disks the failure's members of `unit` are about (its open members' only: `open_only`)."""
    return {disk for member_id, member in failure.members.items()
            if member.unit == unit and (not open_only or member_id in failure.open)
            and (disk := disk_of(member.key)) is not None}


def same_disk(failure: Failure, incident: Incident) -> bool:
    """Is the incident about a disk an open member of the failure is about (its unit's)? Then it is that disk's
    failure going on, however long after the failure began, while that member's window is open."""
    disk = disk_of(incident.key)
    return disk is not None and disk in _disks(failure, incident.unit, True)


def other_disk(failure: Failure, incident: Incident) -> bool:
    """Is the incident about a disk, and the failure about other disks only (of its members naming one)?"""
    disk = disk_of(incident.key)
    if disk is None:
        return False
    disks = _disks(failure, incident.unit, False)
    return bool(disks) and disk not in disks
