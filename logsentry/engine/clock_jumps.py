"""A clock jumped: a suspend (CLOCK_MONOTONIC stops, CLOCK_REALTIME goes on) or a step (an NTP client's first
sync, `date -s`, chronyd's makestep) moved the wall clock against the monotonic one. A silence is time a unit
was running and said nothing; the hours a laptop slept, or the two hours a clock was put forward, are not. So
a unit whose last entry came before a jump ahead is due that much later: a credit, kept here, for entries
stamped before the jump (one read after it counts from its own time, credit and all, so the order in which the
service notices the jump and reads such entries does not matter). A step back moves the units' latest signs of
life back with it instead (SilenceTracker.clock_jumped), less what it undoes of the jumps ahead before it: times
after it overlap those before, and no credit can tell which clock stamped an entry.

Kept by the silence tracker (engine/absence.py), per host: our own clock's jumps, which the service and tail
see (ClockWatch samples both clocks before each item and each round) and which count for every host (a unit of a
collector's host is judged by our clock too), and each host's, which the scanner sees in its entries (a boot's
__REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP moves: Entry.clock_jump), as `scan` reads them. Where both are
seen (the service's own host, since its ClockWatch began), our clock's count, not its entries'
(SilenceTracker.own_machine, own_since).
"""

from __future__ import annotations

import time

JUMP_USEC = 1_000_000
"""Moves of the wall clock against the monotonic one smaller than this (µs) are not jumps: an NTP client slews
at most 500 ppm, 0.5 ms a second, and the samples are taken every round, at least once a second."""
MAX_JUMPS = 64
"""Jumps kept per machine; past it the two oldest are kept as one, at the older one's time: a unit whose last line
came between them (quiet through 63 jumps since, paged already unless its threshold is long) loses the second one's
credit, every other unit keeps its whole credit. helper-167's F2: the oldest dropped, 17 jumps after an 8 h sleep
paged every steady unit; F9: joined at the later one's time, an 8 h sleep was credited to a hang after it;
helper-168: the smallest joined with the next, at the next's time, compounded over a laptop's 180 short sleeps
(10 min awake, 20 min asleep) and booked awake time as sleep, a hang paged late or missed."""
MAX_MACHINES = 4096
"""Machines whose jumps are kept (the first seen dropped)."""
MAX_STEPS_BACK = 64
"""Steps back of less than BIG_STEP_USEC taken per machine (each moves every unit's latest sign of life); past it a
unit's line stamped earlier than its last is still its latest (SilenceTracker.observe), one unit at a time: late by
such a step at most (helper-167's F6: a stream whose every line was a step made a scan 7x slower)."""
BIG_STEP_USEC = 60_000_000
"""A step back this large (µs) or more counts against MAX_BIG_STEPS_BACK instead: taken however many small ones came
before (helper-167's F11: after 64 small ones, a 1 h step was left and the hang at it missed)."""
MAX_BIG_STEPS_BACK = 1024
"""Steps back of BIG_STEP_USEC or more taken per machine (a sender that makes every line one costs 1,024 walks)."""


class ClockJumps:
    """Clock jumps ahead per machine id ("" for our clock, which counts for every machine), each as (the old
    clock's time at the jump, µs; how far it jumped, µs), oldest first."""

    def __init__(self) -> None:
        self.jumps: dict[str, list[tuple[int, int]]] = {}
        self._newest = -(2**63)
        self._steps_back: dict[str, int] = {}

    def __bool__(self) -> bool:
        return bool(self.jumps)

    def add(self, at_usec: int, delta_usec: int, machine_id: str = "") -> None:
        """The clock jumped by `delta_usec` (µs, ahead) when the old one said `at_usec`."""
        mine = self.jumps.setdefault(machine_id, [])
        mine.append((at_usec, delta_usec))
        if len(mine) > MAX_JUMPS:  # the second oldest joins the oldest, at its time: a unit quiet since between
            mine[0:2] = [(mine[0][0], mine[0][1] + mine[1][1])]  # them (through 63 jumps since) loses that one
        self._newest = max(self._newest, at_usec)
        if len(self.jumps) > MAX_MACHINES:
            del self.jumps[next(iter(self.jumps))]

    @property
    def newest(self) -> int:
        """The latest jump's time (µs; before any time when none): a unit whose last line came before it learns its
        next gap less the jump (SilenceTracker.observe), not folded in C with it (sources/runs_fold.c fold_plan)."""
        return self._newest

    def stepped_back(self, delta_usec: int, machine_id: str = "") -> tuple[list[tuple[int, int]], int] | None:
        """The machine's clock (ours: "") stepped back by -`delta_usec` µs: first it undoes the machine's jumps ahead,
        newest first (a boot stamped ahead until chronyd stepped it back, a resume's clock put right): how far a
        unit's latest sign of life moves back depends on which of them came before it. Returns (the jumps undone,
        each as (its time, µs undone): units whose line came at or after it move back that much; µs every unit moves
        back besides), or None past MAX_STEPS_BACK small ones (MAX_BIG_STEPS_BACK big ones) of the machine: the step
        is not taken. helper-168: moving every unit back by the whole step and keeping the jumps (helper-167's F5)
        came due alike, but told a silence begun before the jump ahead as 2 h longer, 2 h of it "a jump", 2 h "set
        back"."""
        big = delta_usec <= -BIG_STEP_USEC
        key = f"{machine_id}/big" if big else machine_id  # (no machine id holds a slash)
        taken = self._steps_back.get(key, 0)
        if taken >= (MAX_BIG_STEPS_BACK if big else MAX_STEPS_BACK):
            return None
        self._steps_back[key] = taken + 1
        if len(self._steps_back) > MAX_MACHINES:
            del self._steps_back[next(iter(self._steps_back))]
        back, undone = -delta_usec, []
        mine = self.jumps.get(machine_id, [])
        while back > 0 and mine:
            at, ahead = mine[-1]
            part = min(ahead, back)
            undone.append((at, part))
            back -= part
            if part == ahead:
                mine.pop()
            else:
                mine[-1] = (at, ahead - part)
        if not mine:
            self.jumps.pop(machine_id, None)
        return undone, back

    def credit(self, last_usec: int, machine_id: str) -> int:
        """µs to add to a deadline of the machine's unit reckoned from its entry at `last_usec`: the jumps since (0
        at once for a line after every jump, as most are)."""
        if last_usec >= self._newest:
            return 0
        return sum(delta for key in (("", machine_id) if machine_id else ("",))
                   for at, delta in self.jumps.get(key, ()) if at > last_usec)


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
