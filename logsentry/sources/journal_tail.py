"""What a scan narrowed by -u did not read of its hosts: their clocks' jumps (tail_jumps) and boots (tail_boots).

The scanner hands each boot's first selected entry over in full, so a reboot after which the selected unit logged
again is seen (engine/host_boots.py). A unit that never came back (it died with the crash, or hung before it) has
no line of the next boot: the scan saw no reboot, told no host incident, and judged the unit's silence inside the
host's downtime (helper-174: `scan -u metrics` of a crash said "counted as silent after 31s", a moment the host was
down). tail_boots reads, per machine, whether the journal's newest entry is of a later boot than the newest
selected one, and if so the host's last entry of that boot (any unit's: a unit that hung hours before the crash is
not credited those hours) and the next boot's first entry, and whether PID 1 reached shutdown.target in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from systemd import journal

from ..engine.clock_jumps import JUMP_USEC
from ..engine.stop_windows import BOOT_FIELD, SHUTDOWN_TARGET, reached_shutdown
from ..model import Entry
from .journal import JournalLocation, apply_selection, entry_from_fields, onto_newest
from .selection import Selection
from .values import decode

MAX_TAIL_MACHINES = 1024
"""Machines whose last lines tail_jumps compares (a collector's journal of more has the rest left out)."""


def machine_readers(location: JournalLocation, selection: Selection) -> Iterator[tuple[str, journal._Reader,
                                                                                    journal._Reader]]:
    """Per machine of the journal (of -M, else the first MAX_TAIL_MACHINES): its id, a reader matched to its entries
    and one matched to them and the selection's units (-u), for tail_jumps and tail_boots. Ends early
    when the journal cannot be read; the readers are closed after."""
    try:
        whole, narrowed = location.open(), location.open()
    except OSError:
        return
    units = replace(selection, machines=(), hosts=())
    try:
        for machine in list(whole.query_unique("_MACHINE_ID"))[:MAX_TAIL_MACHINES]:
            name = decode(machine)
            if selection.machines and name not in selection.machines:
                continue
            whole.flush_matches()
            whole.add_match(f"_MACHINE_ID={name}")
            narrowed.flush_matches()
            if not apply_selection(narrowed, units):
                return
            narrowed.add_conjunction()
            narrowed.add_match(f"_MACHINE_ID={name}")
            yield name, whole, narrowed
    except OSError:
        return
    finally:
        whole.close()
        narrowed.close()


def tail_jumps(location: JournalLocation, selection: Selection) -> list[tuple[int, int, str]]:
    """The clock jumps (as Entry.clock_jump, with the machine id) a scan narrowed by -u did not read: per machine, its
    newest selected entry's __REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP against its newest entry's (at or before
    --until), when both are of one boot and differ by a second or more (engine/clock_jumps.py). The scanner sees a
    jump only in the entries it reads; a unit that hung before a suspend logs none after it, and the hours asleep
    were its silence at the input's end (helper-167's F10, helper-168 §4). [] when the journal cannot be read."""
    out = []
    try:
        for name, whole, narrowed in machine_readers(location, selection):
            ends = [_offset(reader) for reader in (whole, narrowed) if onto_newest(reader, selection.until_usec)]
            if len(ends) == 2 and ends[0][2] == ends[1][2] and abs(ends[0][1] - ends[1][1]) >= JUMP_USEC:
                out.append((ends[1][0] + 1, ends[0][1] - ends[1][1], name))
    except OSError:
        return []
    return out


def _offset(reader: journal._Reader) -> tuple[int, int, bytes]:
    """The reader's entry's __REALTIME_TIMESTAMP, it less its __MONOTONIC_TIMESTAMP (µs), and its boot id."""
    realtime = int(reader._get_realtime())
    monotonic, boot = reader._get_monotonic()
    return realtime, realtime - int(monotonic), bytes(boot)


MAX_BOOTS = 64
"""A machine's boots looked at for the one after the selected unit's (a journal of years has hundreds)."""
_WANTED = frozenset({BOOT_FIELD, "_PID", "_HOSTNAME", "_MACHINE_ID", "UNIT", "MESSAGE_ID"})


@dataclass(frozen=True)
class TailBoot:
    """A machine's boot change after the selected units' last entry: the host's last entry of the boot before (any
    unit's), the next boot's first entry, and whether PID 1 reached shutdown.target in the boot before."""

    last: Entry
    first: Entry
    shut_down: bool


def tail_boots(location: JournalLocation, selection: Selection) -> list[TailBoot]:
    """Per machine (machine_readers'), its boot change after the newest selected entry (at or before
    --until), when there is one. [] when the journal cannot be read (the scan's own reader says why)."""
    out = []
    try:
        for machine, whole, narrowed in machine_readers(location, selection):
            if not onto_newest(whole, selection.until_usec) or not onto_newest(narrowed, selection.until_usec):
                continue
            newest, selected = _entry(whole), _entry(narrowed)
            old = selected.fields.get(BOOT_FIELD, "")
            if old and newest.fields.get(BOOT_FIELD, "") != old:
                tail = _boot_change(whole, machine, old, selection.until_usec)
                if tail is not None:
                    out.append(tail)
    except OSError:
        return []
    return out


def _boot_change(reader: journal._Reader, machine: str, old: str, until_usec: int | None) -> TailBoot | None:
    """The host's last entry of boot `old`, the first entry of the boot after it, whether `old` shut down."""
    reader.flush_matches()
    reader.add_match(f"_MACHINE_ID={machine}")
    reader.add_match(f"{BOOT_FIELD}={old}")
    reader.seek_tail()
    if not reader._previous():
        return None
    last = _entry(reader)
    first = None
    for raw in list(reader.query_unique(BOOT_FIELD))[:MAX_BOOTS]:
        boot = decode(raw)
        if boot == old:
            continue
        reader.flush_matches()
        reader.add_match(f"_MACHINE_ID={machine}")
        reader.add_match(f"{BOOT_FIELD}={boot}")
        reader.seek_head()
        if reader._next():
            head = _entry(reader)
            if last.realtime_usec < head.realtime_usec and (until_usec is None or head.realtime_usec <= until_usec) \
                    and (first is None or head.realtime_usec < first.realtime_usec):
                first = head
    if first is None:
        return None
    reader.flush_matches()
    for match in (f"_MACHINE_ID={machine}", f"{BOOT_FIELD}={old}", "_PID=1", f"UNIT={SHUTDOWN_TARGET}"):
        reader.add_match(match)
    reader.seek_head()
    shut_down = False
    while reader._next():
        stop = _entry(reader)
        if reached_shutdown(stop.fields, stop.message):
            shut_down = True
            break
    return TailBoot(last, first, shut_down)


def _entry(reader: journal._Reader) -> Entry:
    return entry_from_fields(reader._get_all(), reader._get_realtime(), reader._get_cursor(), _WANTED)
