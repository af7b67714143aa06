"""A suspend in a text log (journalctl or syslog output), told by systemd-sleep's own lines: text has no monotonic
time, so the jump a journal shows in its boot's __REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP
(sources/boot_clocks.py, _journalscan.c note_clock) can only be read from what the host said before it slept
(helper-168 §6: a laptop's 3 h suspend paged each of its steady units, with nothing said why).

systemd-sleep logs its start line just before it writes /sys/power/state (src/sleep/sleep.c): "Performing sleep
operation 'suspend'..." (systemd 256+), "Entering sleep state 'suspend'..." (239-255), "Suspending system..."
(older, and elogind's, under its own name or the kernel's); then "System returned from sleep operation
'suspend'.", "System returned from sleep state.", "System resumed.", or on a failure "Failed to put system to
sleep. System resumed again: ..." ("Failed to suspend system. ..." before). Between a start line and its end
line, each of the host's lines that comes a second or more after the host's newest line carries a jump
(Entry.clock_jump): from that newest line to it, when that line came within FREEZE_USEC of the start line. The
credit is never more than pauses in which the whole host said nothing, begun within a minute of a start line; in
a text log any program can write a start line, and as well lines under the unit's own name (SECURITY.md)."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

from ..engine.clock_jumps import JUMP_USEC
from ..model import Entry
from .text_line import TextLine

IDENTIFIERS = frozenset({"systemd-sleep", "elogind-daemon", "elogind"})
"""Who writes the start and end lines: systemd-sleep, or elogind (systemd's logind for hosts without systemd, its
sleep code systemd's of 2017: "Suspending system...", "System resumed.")."""
_KMSG = re.compile(r"elogind(?:-daemon)?\[\d+\]: ")
"""elogind on a host without journald writes to the kernel's log: a syslog file shows `kernel: elogind-daemon[1422]:
Suspending system...`."""
_START = re.compile(r"Performing sleep operation '[\w-]+'\.\.\.|Entering sleep state '[\w-]+'\.\.\.|"
                    r"Suspending system\.\.\.")
_END = re.compile(r"System returned from sleep (?:operation '[\w-]+'|state)\.|System resumed\.|"
                  r"Failed to (?:put system to sleep|suspend system)\. System resumed again: .*")
FREEZE_USEC = 60_000_000
"""A pause of the host's lines is taken as a sleep only when it began this soon (µs) after a start line: the kernel
freezes every task within 20 s of systemd-sleep writing /sys/power/state, which it does right after its start line
(a start line credited every pause up to its end line: one forged line held a hang's page back 20 minutes,
helper-169's E12)."""
MAX_HOSTS = 4096
"""Hosts kept (the one seen least recently that is not asleep dropped: a central syslog file names many, and a
laptop asleep among them was dropped for 4,100 hosts' one line each, helper-169's E21)."""


class SleepLines:
    """Per host (its name as the text gives it): its newest line's time, whether it said it goes to sleep, and a
    jump not handed over yet (its carrier left out by the selection)."""

    def __init__(self) -> None:
        self._hosts: dict[str, list[int]] = {}  # host -> [newest µs, asleep until µs (0: awake), jump at, jump µs]

    def note(self, host: str, identifier: str | None, message: str, usec: int) -> tuple[int, int] | None:
        """A record of the host (`usec`: its time, µs): the jump it carries ((the old clock's time, µs; µs), as
        Entry.clock_jump), or None. Each pause of a second or more that begins within FREEZE_USEC of a start line,
        before its end line, is one: the kernel's and NetworkManager's lines of the sleep come a second after the
        start line as often as not (helper-169's E1: the first pause taken alone was that second, the hours asleep
        after it not)."""
        known = self._hosts.pop(host, None)  # (put back last: the hosts seen least recently go first)
        if known is not None:
            self._hosts[host] = known
        kmsg = _KMSG.match(message) if identifier == "kernel" else None
        first = message.partition("\n")[0].rstrip() if identifier in IDENTIFIERS else \
            message[kmsg.end():].partition("\n")[0].rstrip() if kmsg is not None else ""  # (a syslog's trailing blank)
        if known is None:
            known = self._hosts[host] = [usec, 0, 0, 0]
            if len(self._hosts) > MAX_HOSTS:  # the least recently seen that is not asleep (of the first 64)
                awake = (name for name, (_, asleep, _, jump) in itertools.islice(self._hosts.items(), 64)
                         if not asleep and not jump)
                del self._hosts[next(awake, next(iter(self._hosts)))]
        elif known[1] and known[0] >= known[1]:
            known[1] = 0  # (no pause began soon enough after the start line: no sleep)
        elif known[1] and usec - known[0] >= JUMP_USEC and not first.startswith("Failed to "):  # (failed: no sleep)
            if not known[3]:
                known[2] = known[0] + 1  # (a unit whose last line is the newest one is credited too)
            known[3] += usec - known[0]
        if first:
            if _START.fullmatch(first):
                known[1] = usec + FREEZE_USEC
            elif _END.fullmatch(first):
                known[1] = 0
        known[0] = max(known[0], usec)
        if not known[3]:
            return None
        jump = (known[2], known[3])
        known[3] = 0
        return jump

    def put_back(self, host: str, jump: tuple[int, int]) -> None:
        """A jump whose record the selection left out: the host's next record carries it."""
        known = self._hosts.get(host)
        if known is not None:
            if not known[3]:
                known[2] = jump[0]
            known[3] += jump[1]

    def carried(self, line: TextLine, entry: Entry | None) -> Entry | None:
        """The entry made of a record (None: the selection left it out) with the jump it carries (note)."""
        fields = line.fields
        host = fields.get("_HOSTNAME", "")
        jump = self.note(host, fields.get("SYSLOG_IDENTIFIER"), fields.get("MESSAGE", ""), line.usec)
        if jump is None:
            return entry
        if entry is None:
            self.put_back(host, jump)
            return None
        return replace(entry, clock_jump=jump)
