"""A failure's lead-in: the hits its unit made just before it that joined no failure, taken into its chain.

A crashing program writes its own account first, then PID 1 reports the exit: a Python traceback, then "Main
process exited" and "Failed with result". The traceback's hits (error-burst, python-traceback-burst, below their
triggers) came while no failure of the unit was open, so they were evidence of none, and the incident PID 1's
line fired carried no line of the crash it reports (a fresh user's paste, /var/tmp/newuser2: pyjournal2.txt; a
journal gives them in the same order). FailureGroups (engine/failures.py) keeps them here a short while, and a
failure that begins takes those of its own unit, machine and run into its chain (`LeadIns.take`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from ..model import Hit, Link
from .window import MAX_SAMPLE_CHARS, invocation_of

LEAD_IN_USEC = 10_000_000
"""How long (µs of journal time) before a failure's first hit a line of its unit still leads up to it. A program
writes its crash just before it ends (an uncaught exception's stack trace in Python, Java or Node.js, a Go or Rust
panic, a FATAL line, then exit) and PID 1 reports the exit within milliseconds of reaping it; a process that dumps
core is reaped once systemd-coredump has read its core, seconds for a large one. 10 s holds those. A unit's errors a
minute or more before (a request that failed, a retry) are its past, not this crash, and are left out: a busy
unit's every failure would otherwise carry the unrelated error lines of the minutes before it."""
MAX_LEAD_UNITS = 10_000
"""Units whose recent hits are kept (the least recently hit go first)."""
STALE_LEAD_USEC = 3_600_000_000
"""A unit whose newest kept hit is this much older than LEAD_IN_USEC before another unit's new one (µs of journal
time, an hour: a collector's hosts' clocks may differ by minutes) is dropped: its lines lead up to no failure any
more. Without it a unit that logged one error and never again kept its lines until MAX_LEAD_UNITS others pushed
it out, and the memory bench's never-again units filled the table over some 24M entries (bench/memory.py)."""
MAX_LEAD_LINES = 32
"""Lines kept per unit (each the newest of its rule and template, run and process, within LEAD_IN_USEC); the
oldest go first. A failure's chain takes at most MAX_SEEN of all its rules that did not fire anyway."""

Seen = tuple[str, str]
"""(rule, template: "" but for a new-template rule's line): a link's place in Failure.seen."""


@dataclass(frozen=True)
class LeadIn:
    """One hit that joined no failure: its link as a chain would show it, and the run and process that wrote it."""

    seen: Seen
    link: Link
    invocation: str
    pid: str


def lead_of(hit: Hit, seen: Seen, count: int = 1, invocation: str | None = None, joined: bool = False) -> LeadIn:
    """The hit as a link its failure's chain shows, in its place `seen`, standing for `count` hits (`invocation`:
    its entry's, when the caller has it already; `joined`: Link.joined)."""
    entry = hit.entry
    return LeadIn(seen, Link(hit.rule_id, hit.severity, entry.realtime_usec, count,
                             entry.message[:MAX_SAMPLE_CHARS], entry.cursor, fired=False, joined=joined),
                  invocation_of(entry.fields) if invocation is None else invocation, entry.fields.get("_PID", ""))


class LeadIns:
    """Per (machine, unit as failures join it), the hits of the last LEAD_IN_USEC that joined no failure."""

    def __init__(self) -> None:
        self._units: OrderedDict[tuple[str, str], OrderedDict[tuple[Seen, str, str], LeadIn]] = OrderedDict()

    def note(self, unit: tuple[str, str], hit: Hit, seen: Seen) -> None:
        """Keep the hit for the unit's next failure: the newest of its rule, template, run and process, with how many
    there were (a crash writes its account top down: `Traceback (most recent call last):` first, the exception
    that says what failed last; a Java service's `ERROR ...` before its `Caused by:`)."""
        entry = hit.entry
        since = entry.realtime_usec - LEAD_IN_USEC
        units = self._units
        lines = units.pop(unit, None)
        while units:  # the least recently hit first: those whose newest hit is stale go
            oldest = next(iter(units.values()))
            if oldest and next(reversed(oldest.values())).link.first_usec >= since - STALE_LEAD_USEC:
                break
            units.popitem(last=False)
        if lines is None:
            lines = OrderedDict()
            if len(units) >= MAX_LEAD_UNITS:
                units.popitem(last=False)
        units[unit] = lines
        while lines and next(iter(lines.values())).link.first_usec < since:
            lines.popitem(last=False)
        invocation = invocation_of(entry.fields)
        key = (seen, invocation, entry.fields.get("_PID", ""))
        before = lines.pop(key, None)
        # its newest line, counted: a traceback's exception line says more than its header
        lines[key] = lead_of(hit, seen, 1 if before is None else before.link.count + 1, invocation)
        if len(lines) > MAX_LEAD_LINES:
            lines.popitem(last=False)

    def take(self, unit: tuple[str, str], invocation: str, first_usec: int, until_usec: int) -> list[LeadIn]:
        """The lines a failure of the unit whose first hit is at `first_usec` takes (µs), given out of here: those
        from LEAD_IN_USEC before it to `until_usec` (when it fired: a count's hits before that are its lines too) of
        its run where both say one (`invocation`). A text line names no run but its process (`pid`): then those of
        the process that wrote last before the failure (the one that failed: a restarted unit's earlier process is
        another run), and lines naming none or PID 1 (systemd's own about the unit)."""
        lines = self._units.get(unit)
        if not lines:
            return []
        since = first_usec - LEAD_IN_USEC
        taken = [lead for lead in lines.values() if since <= lead.link.first_usec <= until_usec
                 and (not invocation or not lead.invocation or lead.invocation == invocation)]
        if not invocation and (pids := [lead.pid for lead in taken if lead.pid not in ("", "1")]):
            taken = [lead for lead in taken if lead.pid in ("", "1", pids[-1])]
        for lead in taken:
            del lines[(lead.seen, lead.invocation, lead.pid)]
        if not lines:
            del self._units[unit]
        return taken
