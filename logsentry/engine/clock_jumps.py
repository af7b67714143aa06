"""Our clock jumped: a suspend (CLOCK_MONOTONIC stops, CLOCK_REALTIME goes on) or a step (an NTP client's first
sync, `date -s`, chronyd's makestep) moved the wall clock against the monotonic one. A silence is time a unit
was running and said nothing; the hours a laptop slept, or the two hours a clock was put forward, are not. So
a unit whose last entry came before a jump is due that much later (earlier for a step back), as if its clock had
been the new one all along; an entry stamped before the jump but read after it counts from its own time, credit
and all, so the order in which the service notices the jump and reads such entries does not matter.

Kept by the silence tracker (engine/absence.py) and fed by the service (ClockWatch, which samples both clocks
before each item and each round). A scan has no such feed: journal time is its clock, and a step back shows in
the entries themselves (SilenceTracker.observe).
"""

from __future__ import annotations

import time

JUMP_USEC = 1_000_000
"""Moves of the wall clock against the monotonic one smaller than this (µs) are not jumps: an NTP client slews
at most 500 ppm, 0.5 ms a second, and the samples are taken every round, at least once a second."""
MAX_JUMPS = 16
"""Jumps kept (the oldest dropped): a unit whose last entry predates 16 jumps has been silent for longer than any
of them."""


class ClockJumps:
    """The jumps of our clock, oldest first, as (the old clock's time at the jump, µs; how far it jumped, µs)."""

    def __init__(self) -> None:
        self.jumps: list[tuple[int, int]] = []

    def __bool__(self) -> bool:
        return bool(self.jumps)

    def add(self, at_usec: int, delta_usec: int) -> None:
        """The clock jumped by `delta_usec` (µs, negative: back) when the old one said `at_usec`."""
        self.jumps.append((at_usec, delta_usec))
        del self.jumps[:-MAX_JUMPS]

    def credit(self, last_usec: int) -> int:
        """µs to add to a deadline reckoned from an entry at `last_usec`: the jumps since."""
        return sum(delta for at, delta in self.jumps if at > last_usec)


class ClockWatch:
    """This host's wall clock against its monotonic clock, sampled by the caller (two vDSO reads, ~0.1 µs)."""

    def __init__(self) -> None:
        self._offset = _offset_usec()

    def jumped(self) -> tuple[int, int] | None:
        """(the old clock's time at the jump, µs; the jump, µs) when the clock jumped by JUMP_USEC or more since the
        last call, else None."""
        offset = _offset_usec()
        delta, self._offset = offset - self._offset, offset
        if -JUMP_USEC < delta < JUMP_USEC:
            return None
        return time.clock_gettime_ns(time.CLOCK_REALTIME) // 1000 - delta, delta


def _offset_usec() -> int:
    """CLOCK_REALTIME less CLOCK_MONOTONIC (µs): constant while the clock only runs (and slews)."""
    return (time.clock_gettime_ns(time.CLOCK_REALTIME) - time.clock_gettime_ns(time.CLOCK_MONOTONIC)) // 1000
