"""Other incidents cover a unit's silence: a unit that goes quiet while another of its incidents is open, or within
that incident's window after its last hit (a unit that stops logging right after an error run), is not paged as
silent too: the error incident covers it (engine/absence.py, fed by the pipeline)."""

from __future__ import annotations

from .absence_saved import MAX_UNITS


class Covered:
    """Per unit key (model.host_unit): how many of its other incidents are open, and until when (µs of journal time)
    an ended one covers a silence; at most MAX_UNITS ended ones, the oldest dropped."""

    def __init__(self) -> None:
        self._open: dict[str, int] = {}
        self._until: dict[str, int] = {}

    def opened(self, key: str) -> None:
        self._open[key] = self._open.get(key, 0) + 1

    def ended(self, key: str, covers_until_usec: int) -> None:
        left = self._open.get(key, 0) - 1
        if left > 0:
            self._open[key] = left
        else:
            self._open.pop(key, None)
        until = self._until
        if covers_until_usec > until.get(key, -1):
            until.pop(key, None)
            until[key] = covers_until_usec
            if len(until) > MAX_UNITS:
                del until[next(iter(until))]

    def covers(self, key: str, since_usec: int) -> bool:
        """Is a silence of the unit that began at `since_usec` covered by another incident of it?"""
        return key in self._open or self._until.get(key, -1) >= since_usec
