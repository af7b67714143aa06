"""A dump's clock jumps (export and JSON: sources/dump.py), found as the scanner finds a journal's: each boot's
__REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP moves by a second or more at a suspend or a step of its host's
clock (engine/clock_jumps.py, Entry.clock_jump)."""

from __future__ import annotations

from ..engine.clock_jumps import JUMP_USEC

N_BOOTS = 16
"""Boots whose offset is kept (the oldest dropped), as _journalscan.c's N_BOOTS."""


class BootClocks:
    """Each boot's __REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP, as the scanner keeps them (_journalscan.c
    note_clock), for the dumps read in Python (sources/dump.py): a jump is carried by the next entry taken, one
    left out by the selection passing it on."""

    def __init__(self) -> None:
        self._offsets: dict[str, int] = {}
        self._at, self._delta = 0, 0

    def note(self, realtime_usec: int, monotonic_usec: int, boot: str) -> None:
        """An entry's timestamps (µs) and boot id."""
        offset = realtime_usec - monotonic_usec
        before = self._offsets.pop(boot, None)
        self._offsets[boot] = offset
        if len(self._offsets) > N_BOOTS:
            del self._offsets[next(iter(self._offsets))]
        if before is not None and not -JUMP_USEC < offset - before < JUMP_USEC:
            if not self._delta:
                self._at = before + monotonic_usec  # the old clock's time at this entry
            self._delta += offset - before

    def put_back(self, at_usec: int, delta_usec: int) -> None:
        """A jump taken for an entry the selection then left out: the next entry taken carries it."""
        if not self._delta:
            self._at = at_usec
        self._delta += delta_usec

    def take(self) -> tuple[int, int] | None:
        """(the old clock's time, µs; the jump, µs) not handed over yet, for the entry taken now; or None."""
        if not self._delta:
            return None
        jump, self._delta = (self._at, self._delta), 0
        return jump
