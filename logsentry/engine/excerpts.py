"""Which lines read from text the rules that judge excerpts (AnomalySpec.excerpts) judge from their unit's first
line: a pasted log or a program's own log file was cut out to show a failure and has no history to learn a normal
from, so its lines are not made to wait for a warm-up as a journal's are. Not every line of a text, though: some
are no program's own account of itself (below)."""

from __future__ import annotations

from ..model import Entry
from .access_levels import NOT_ACCESS, access_level
from .host_boots import TEXT_BOOT

BOOT_USEC = 120_000_000
"""A text's lines within this long (µs) after a kernel's banner (`Linux version ...`) are a boot's, of every unit:
device enumeration, firmware loading and the services' and a desktop session's start-up, which on a healthy machine
say "failed", "can't", "unavailable" at info level, a line per disk or plugin (the kernel's "pages in unavailable
ranges", "Direct firmware load ... failed", udev's `snap auto-import ... failed with exit code 1` for each of 28 disks,
smartd's `can't monitor`, bluetoothd's `Failed (0x03)`, networkd-dispatcher's `ERROR:Unknown state for interface`).
Normal `dmesg` and `journalctl -b` pastes had excerpt-failure-template fire on them (trial 66: 15 of its 18 false
alarms). A boot's failures are the signature rules' (systemd's `Failed to start X`, a disk's, a panic), which this
leaves alone; an excerpt cut out of a bug report holds no banner. Any host's: a boot's host name changes as it goes
(an initramfs's `archlinux`, then the machine's own)."""


def excerpt_line(entry: Entry) -> bool:
    """Is this line read from text judged as an excerpt's? Not systemd's as PID 1 (a container's PID 1,
    `dnsmasq[1]:`, is judged): its lines about a unit are the systemd rules' (one for each way a unit ends), and
    new-failure-template's hit on `Failed with result 'exit-code'.` put "saying "Failed"" in the why of every
    systemd-unit-failed card of a paste. Nor an access log's: a 5xx is one request's failure, and three in ten
    minutes are a busy site's normal; the share of them is the signal (error-share-jump judges it)."""
    fields = entry.fields
    message = entry.message
    end = message.find("\n")
    return entry.from_text and not (fields.get("_PID") == "1" and fields.get("SYSLOG_IDENTIFIER") == "systemd") \
        and access_level(message if end < 0 else message[:end]) == NOT_ACCESS


class Excerpts:
    """excerpt_line, and not a text's boot (BOOT_USEC): the latest kernel banner's time, as read."""

    def __init__(self) -> None:
        self._booted: int | None = None
        """The latest kernel banner's time read from text (µs)."""

    def judged(self, entry: Entry, note: bool = True) -> bool:
        """Is the entry judged as an excerpt's line? `note`: a banner seen here is kept (asked once per line as it is
        observed; not when a line is asked about again later)."""
        if not entry.from_text:
            return False
        usec = entry.realtime_usec
        if note and entry.unit == "kernel" and TEXT_BOOT.match(entry.message):
            self._booted = usec
        booted = self._booted
        if booted is not None and booted <= usec < booted + BOOT_USEC:
            return False
        return excerpt_line(entry)
