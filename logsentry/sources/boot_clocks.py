"""A dump's clock jumps (export and JSON: sources/dump.py), found as the scanner finds a journal's: each boot's
__REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP moves by a second or more at a suspend or a step of its host's
clock (engine/clock_jumps.py, Entry.clock_jump)."""

from __future__ import annotations

from ..engine.clock_jumps import JUMP_USEC

N_BOOTS = 1024
"""Boots whose offset is kept (the oldest dropped), as many as _journalscan.c keeps."""


class BootClocks:
    """Each (machine, boot)'s __REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP, as the scanner keeps them
    (_journalscan.c note_clock), for the dumps read in Python (sources/dump.py): a jump is carried by the boot's
    next entry taken, one left out by the selection passing it on. Keyed by machine too: clones of one snapshot,
    or a sender's claim, may share a boot id (one machine's clock must not move another's)."""

    def __init__(self) -> None:
        self._boots: dict[tuple[str, str], list[int]] = {}  # (machine, boot) -> [offset, jump at, jump]

    def note(self, realtime_usec: int, monotonic_usec: int, machine: str, boot: str) -> None:
        """An entry's timestamps (µs), machine and boot ids (stamps no clock can have, up longer than since 1970 or
        past journald's int64, are left out: helper-167's F7)."""
        if not 0 <= monotonic_usec <= realtime_usec < 2**63:
            return
        offset = realtime_usec - monotonic_usec
        key = (machine, boot)
        known = self._boots.get(key)
        if known is None:
            self._boots[key] = [offset, 0, 0]
            if len(self._boots) > N_BOOTS:
                del self._boots[next(iter(self._boots))]
            return
        before = known[0]
        known[0] = offset
        if not -JUMP_USEC < offset - before < JUMP_USEC:
            if not known[2]:
                known[1] = before + monotonic_usec  # the old clock's time at this entry
            known[2] += offset - before

    def take(self, machine: str, boot: str) -> tuple[int, int] | None:
        """(the old clock's time, µs; the jump, µs) of the boot not handed over yet, for its entry taken now."""
        known = self._boots.get((machine, boot))
        if known is None or not known[2]:
            return None
        jump = (known[1], known[2])
        known[2] = 0
        return jump

    def put_back(self, machine: str, boot: str, at_usec: int, delta_usec: int) -> None:
        """A jump taken for an entry the selection then left out: the boot's next entry taken carries it."""
        known = self._boots.get((machine, boot))
        if known is not None:
            if not known[2]:
                known[1] = at_usec
            known[2] += delta_usec
