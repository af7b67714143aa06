"""A suspend in a text log (journalctl or syslog output), told by systemd-sleep's own lines: text has no monotonic
time, so the jump a journal shows in its boot's __REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP
(sources/boot_clocks.py, _journalscan.c note_clock) can only be read from what the host said before it slept
(helper-168 §6: a laptop's 3 h suspend paged each of its steady units, with nothing said why).

systemd-sleep logs its start line just before it writes /sys/power/state (src/sleep/sleep.c): "Performing sleep
operation 'suspend'..." (systemd 256+), "Entering sleep state 'suspend'..." (239-255), "Suspending system..."
(older, and elogind's); then "System returned from sleep operation 'suspend'.", "System returned from sleep
state.", "System resumed.", or on a failure "Failed to put system to sleep. System resumed again: ..." ("Failed
to suspend system. ..." before). Between a start line and its end line, each of the host's lines that comes a
second or more after the host's newest line carries a jump (Entry.clock_jump): from that newest line to it, so the
credit is never more than stretches in which the whole host said nothing (a forged start line hides no line's
absence but those, up to MAX_ASLEEP_LINES of the host's lines)."""

from __future__ import annotations

import re
from dataclasses import replace

from ..engine.clock_jumps import JUMP_USEC
from ..model import Entry
from .text_line import TextLine

IDENTIFIER = "systemd-sleep"
_START = re.compile(r"Performing sleep operation '[\w-]+'\.\.\.|Entering sleep state '[\w-]+'\.\.\.|"
                       r"Suspending system\.\.\.")
_END = re.compile(r"System returned from sleep (?:operation '[\w-]+'|state)\.|System resumed\.|"
                     r"Failed to (?:put system to sleep|suspend system)\. System resumed again: .*")
MAX_ASLEEP_LINES = 1000
"""A host's lines after a start line that may carry a pause as a jump, when no end line comes first (a start line
with none after it, forged or cut off, does not credit the host's pauses for ever): a laptop's suspend and resume
write a few hundred (the kernel's per device)."""
MAX_HOSTS = 4096
"""Hosts kept (the first seen dropped): a central syslog file names many."""


class SleepLines:
    """Per host (its name as the text gives it): its newest line's time, whether it said it goes to sleep, and a
    jump not handed over yet (its carrier left out by the selection)."""

    def __init__(self) -> None:
        self._hosts: dict[str, list[int]] = {}  # host -> [newest µs, lines left asleep (0: awake), jump at, jump µs]

    def note(self, host: str, identifier: str | None, message: str, usec: int) -> tuple[int, int] | None:
        """A record of the host (`usec`: its time, µs): the jump it carries ((the old clock's time, µs; µs), as
        Entry.clock_jump), or None. Every pause of a second or more between a start line and its end line is one:
        the kernel's and NetworkManager's lines of the sleep come a second after the start line as often as not
        (helper-169's E1: the first pause taken alone was that second, the hours asleep after it not)."""
        known = self._hosts.get(host)
        first = message.partition("\n")[0] if identifier == IDENTIFIER else ""
        if known is None:
            known = self._hosts[host] = [usec, 0, 0, 0]
            if len(self._hosts) > MAX_HOSTS:
                del self._hosts[next(iter(self._hosts))]
        elif known[1]:
            if usec - known[0] >= JUMP_USEC and not first.startswith("Failed to "):  # (no sleep: no credit)
                if not known[3]:
                    known[2] = known[0] + 1  # (a unit whose last line is the newest one is credited too)
                known[3] += usec - known[0]
            known[1] -= 1
        if first:
            if _START.fullmatch(first):
                known[1] = MAX_ASLEEP_LINES
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
