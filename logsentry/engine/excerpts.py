"""Which lines read from text the rules that judge excerpts (AnomalySpec.excerpts) judge from their unit's first
line: a pasted log or a program's own log file was cut out to show a failure and has no history to learn a normal
from, so its lines are not made to wait for a warm-up as a journal's are. Not every line of a text, though: some
are no program's own account of itself (below)."""

from __future__ import annotations

from ..model import Entry
from .access_levels import NOT_ACCESS, access_level
from .host_boots import TEXT_BOOT

BOOT_USEC = 60_000_000
"""The kernel's lines within this long (µs) after its banner (`Linux version ...`) are its boot: device
enumeration and firmware loading, which on a healthy machine say "unavailable ranges", "Stack Overflow" (a
vulnerability's name), "ACPI BIOS Error", "Direct firmware load ... failed" (a Wi-Fi driver trying its firmware
versions) within seconds. A paste of a normal `dmesg` had excerpt-failure-template fire on them; the kernel's
signature rules judge its boot's failures (a disk, a panic)."""
MAX_HOSTS = 4096


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
    """excerpt_line, and not the kernel's boot (BOOT_USEC): the banner's time per host's kernel unit, as read."""

    def __init__(self) -> None:
        self._booted: dict[str, int] = {}
        """A text's kernel unit key (host/kernel) -> its latest banner's time (µs)."""

    def judged(self, entry: Entry, unit_key: str, note: bool = True) -> bool:
        """Is the entry (of `unit_key`) judged as an excerpt's line? `note`: a banner seen here is kept (asked once
        per line as it is observed; not when a line is asked about again later)."""
        if not entry.from_text:
            return False
        if entry.unit == "kernel":
            usec = entry.realtime_usec
            if note and TEXT_BOOT.match(entry.message):
                if len(self._booted) >= MAX_HOSTS:
                    self._booted.clear()
                self._booted[unit_key] = usec
            booted = self._booted.get(unit_key)
            if booted is not None and booted <= usec < booted + BOOT_USEC:
                return False
        return excerpt_line(entry)
