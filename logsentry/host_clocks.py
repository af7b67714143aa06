"""Each collector host's clock against ours: its incidents, windows and silence are judged by its own clock.

A collector reads journals stamped by their hosts' clocks (journal time, `__REALTIME_TIMESTAMP`). The stale guard
(engine/policy.py), the end of burst windows (engine/window.py, at the service's look) and the host-went-silent
check (host_silence.py) compared those stamps with OUR wall clock: a host whose clock runs 10 min behind had every
incident of a rule with a shorter window taken for stale (never alerted, a log line only), its windows dropped
before a second hit, and looked silent for 10 min all the time. So each machine (`_MACHINE_ID`) gets an offset,
the µs our clock is ahead of its clock, and those checks use `wall - offset` as the host's "now".

How it is estimated, and why a backlog is never taken for a clock that runs behind:
- A sample is taken when the reader has caught up (the service's caught-up step, `tick`), one per host that
  logged since the last one: our wall clock then minus the journal time of the newest entry read of that host.
  It is the host's clock offset plus that entry's arrival delay (shipping, reading), which is never negative:
  the smallest value of a steady stretch is the estimate.
- An offset is accepted only after its samples held within TOLERANCE_USEC of each other over the hold (HOLD_USEC,
  30 s, or `[hosts] clock_hold`) of our wall clock. A host whose clock is behind sends new entries with old
  stamps: wall - time stays constant while it logs. A backlog (after logsentry's downtime, or a host's journal
  upload catching up after a network outage) is read faster than it was written: wall - time falls by more than
  TOLERANCE_USEC within the hold (unless it arrives at under 1 + 5/30 times the speed it was written, with the
  30-s hold), so it is never accepted and the stale guard keeps judging it by the offset held before it (0 after
  a start: our clock). A step of the host's clock (NTP coming back, an operator's `date -s`) moves the offset
  once the new value has held as long.
- Every host starts at 0 (our clock, as before); the local machine is always 0 (its journal is stamped by our
  clock). A host's accepted offset is saved with the hosts (host_silence.py's snapshot); `restore` takes it
  back at a start: it judges the host from the start (a backlog read after the restart included) and its line
  is not logged again; new samples that differ replace it as any change does (its line then says the change).
- A host AHEAD of our clock counts as 0: its entries more than service_journal.MAX_AHEAD_USEC (60 s) ahead are
  already taken as our clock's time for windows, silences and cooldowns, so its stamps are never far ahead of
  our clock; judging by ours errs towards acting, never towards hiding.
- While a host's offset is learnt (not `settled`), its burst windows end by its own time (`own_time`: the journal
  time of its newest entry read; engine/window.py `host_time`), not by our clock less an offset not known yet:
  that ended every window of a host 10 min behind at our first look, and a burst of two lines made two incidents.
  So while its entries come late (`late`: a backlog read faster than it was written, whose every catch-up is hours
  past its windows by our clock), up to LATE_QUIET_USEC after the last came (HostWindows).
- `settled` says whether a host's silence may be judged: not while its entries arrive at another offset than
  the accepted one that has not held yet (they arrive: it is not silent, its clock may be behind), nor, for a
  host not read since the start, in the first hold after it (the reader may not have reached its entries
  yet). A host that sends nothing is judged by its offset as it was; one whose samples agree with its offset
  (a right clock, the common case) at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import ScreenedRun
from .sources._runs import clocks_saw
from .timespec import format_duration
from .views.escape import visible

if TYPE_CHECKING:
    from .engine.window import BurstTracker

log = logging.getLogger("logsentry.hosts")

HOLD_USEC = 30 * 1_000_000
"""How long (µs of our wall clock) an offset's samples must hold steady before it is accepted, by default
(`[hosts] clock_hold`): a backlog read at under 1 + TOLERANCE_USEC / hold times the speed it was written passes
for a clock, so a shorter hold takes more backlogs for clocks."""
MAX_CLOCK_HOLD_USEC = 60 * 1_000_000
"""The longest hold `[hosts] clock_hold` may set: an incident held for its host's clock is decided after
engine/policy.py's MAX_HELD_USEC (2 min) whether the clock is known or not."""
TOLERANCE_USEC = 5 * 1_000_000
"""How far apart (µs) the samples of a steady stretch may be: arrival jitter (shipping, batching, reading)."""
LATE_QUIET_USEC = 300 * 1_000_000
"""How long (µs of our clock) a host whose entries came late may send nothing before its windows end by our clock
(HostWindows), at the least: a backlog's next chunk comes sooner; host_silence.py's floor, the same 5 min, leaves
room for journal-upload's delay."""
MAX_HOSTS = 10_000
"""Machines tracked at most (the oldest forgotten first): entries' machine ids are the senders' words."""


def clock_behind(offset_usec: int) -> int:
    """µs a host's clock runs behind ours as people are told it (`logsentry hosts`): an offset within
    TOLERANCE_USEC is as much its entries' arrival delay (a collector reads them a little after they are
    written) as its clock, so it reads 0, in step, not "0.3s behind"; the service judges by the offset itself."""
    return offset_usec if offset_usec > TOLERANCE_USEC else 0


@dataclass(slots=True)
class _Clock:
    """One machine's accepted offset and the stretch of samples that may replace it (µs)."""

    offset: int = 0
    start: int = 0
    """Our wall clock at the stretch's first sample."""
    low: int = 0
    high: int = 0
    last: int = 0
    """Our wall clock at the newest sample."""
    held: bool = False
    """The stretch has held the hold: `offset` is its smallest sample."""
    newest: int = 0
    """The journal time of the newest entry read of the machine up to the last tick (µs; 0: none since the start)."""
    late: int = 0
    """µs its newest entry read at the last tick that read any came behind its clock (our clock less the accepted
    offset), when more than TOLERANCE_USEC: a backlog arriving (0: in step)."""


class HostClocks:
    """Per machine, how far our wall clock is ahead of its journal stamps (µs; 0 for the local machine)."""

    def __init__(self, local_machine: str, hold_usec: int = HOLD_USEC):
        self.local = local_machine
        self.hold = hold_usec
        """How long (µs) an offset's samples must hold steady before it is accepted (HOLD_USEC by default)."""
        self.clocks: dict[str, _Clock] = {}
        self.latest: dict[str, int] = {}
        """Per machine, the journal time of the newest entry read since the last tick (µs)."""
        self.started = 0
        """Our wall clock at the first tick (0: none yet)."""
        self.name_of: Callable[[str], str] = lambda machine: ""
        """machine id -> its host name (the `_HOSTNAME` of its newest entry; "" when unknown), for the log line:
        host_silence.HostSilence, which keeps the names, sets it."""

    def saw(self, machine: str, at_usec: int) -> None:
        """An entry of `machine` read, stamped `at_usec` (journal time as the service takes it, clamped)."""
        if machine and machine != self.local and at_usec > self.latest.get(machine, 0):
            self.latest[machine] = at_usec

    def saw_run(self, run: ScreenedRun) -> None:
        """The entries of a run the scanner summarised: each span's newest, as `saw` of each (in C:
        sources/hosts_fold.c clocks_saw; a run's spans are nearly as many as its entries on a busy host)."""
        clocks_saw(run.spans, self.latest, self.local)

    def tick(self, wall_usec: int) -> None:
        """The reader has caught up at our wall clock `wall_usec`: one sample per machine read since the last tick."""
        if not self.started:
            self.started = wall_usec
        latest, self.latest = self.latest, {}
        for machine, at in latest.items():
            self._sample(machine, wall_usec, wall_usec - at)
            if (clock := self.clocks.get(machine)) is not None:
                clock.newest = max(clock.newest, at)
                late = wall_usec - at - max(clock.offset, 0)
                clock.late = late if late > TOLERANCE_USEC else 0

    def _sample(self, machine: str, wall: int, value: int) -> None:
        clock = self.clocks.get(machine)
        if clock is None:
            clock = self.clocks[machine] = _Clock(0, wall, value, value, wall)
            if len(self.clocks) > MAX_HOSTS:
                del self.clocks[next(iter(self.clocks))]
        elif max(clock.high, value) - min(clock.low, value) <= TOLERANCE_USEC:
            clock.low, clock.high, clock.last = min(clock.low, value), max(clock.high, value), wall
        else:  # another value: a clock step, a backlog, a late batch; the accepted offset stays meanwhile
            clock.start, clock.low, clock.high, clock.last, clock.held = wall, value, value, wall, False
        if wall - clock.start >= self.hold:  # logged when how the host is judged changes (ahead counts as 0)
            if not clock.held and abs(max(clock.low, 0) - max(clock.offset, 0)) > TOLERANCE_USEC:
                said = (f"{format_duration(clock.low)} behind ours: its incidents and silence are judged by its "
                        "own clock") if clock.low > 0 else "not behind ours: judged by ours"
                name = visible(self.name_of(machine))  # (the sender's word: escaped)
                log.info("the clock of %s is %s (steady for %s)", f"host {name} (machine {machine})" if name
                         else f"machine {machine}", said, format_duration(wall - clock.start))
            clock.offset, clock.held = clock.low, True

    def restore(self, machine: str, offset_usec: int) -> None:
        """`machine`'s offset as the service last saved it (µs, > 0: behind ours), accepted as if it had held:
        the clock line said at its change is not said again after each restart. Samples since the start
        (none yet: `last` 0) decide when its silence may be judged, as for a host not read since the start."""
        if machine and machine != self.local and offset_usec > 0 and machine not in self.clocks:
            self.clocks[machine] = _Clock(offset_usec, 0, offset_usec, offset_usec, 0, True)
            if len(self.clocks) > MAX_HOSTS:
                del self.clocks[next(iter(self.clocks))]

    def offset(self, machine: str) -> int:
        """µs our clock is ahead of the machine's (0: ahead of ours, unknown, not learnt yet, or the local one)."""
        clock = self.clocks.get(machine)
        return max(clock.offset, 0) if clock is not None else 0

    def own_time(self, machine: str) -> int:
        """The journal time of the newest entry read of the machine since the start (µs; 0: none): where its own
        clock is known to have been, whatever its offset. A host's windows end by it while the offset is learnt
        (engine/window.py `host_time`): by our clock they ended 10 min early for a host 10 min behind."""
        clock = self.clocks.get(machine)
        return max(self.latest.get(machine, 0), clock.newest if clock is not None else 0)

    def late(self, machine: str) -> int:
        """µs the machine's newest entries read came behind its clock when they were read (0: in step, or none read
        since the start): its backlog, arriving. Its windows end by its own time meanwhile (HostWindows)."""
        clock = self.clocks.get(machine)
        return clock.late if clock is not None else 0

    def arrived(self, machine: str) -> int:
        """Our wall clock at the last tick that read entries of the machine (µs; 0: none since the start)."""
        clock = self.clocks.get(machine)
        return clock.last if clock is not None else 0

    def settled(self, machine: str, wall_usec: int) -> bool:
        """May the machine's silence be judged by `offset` at `wall_usec`? Not while its entries arrive at another
        offset that has not held the hold yet, nor in the first hold after the start when none was read."""
        clock = self.clocks.get(machine)
        if clock is None or not clock.last:  # (not read since the start: `restore`d only)
            return bool(self.started) and wall_usec - self.started >= self.hold
        return wall_usec - clock.last >= self.hold or (
            clock.offset - TOLERANCE_USEC <= clock.low and clock.high <= clock.offset + TOLERANCE_USEC)


@dataclass(frozen=True, slots=True)
class HostWindows:
    """How each host's burst windows end (engine/window.py BurstTracker's hooks), for the service and `tail`.

    By its clock (ours less its offset) while its entries arrive in step; by its own time (the journal time of its
    newest entry read) while its offset is learnt, and while its entries come late: a backlog (journal-upload
    catching up after an outage, journal-remote appending it in chunks) is read faster than it was written, and
    each time the reader caught up with it our clock was hours past its windows: one outage was ended and fired
    again at every chunk (a new user's try: 16 INCIDENT/ENDED pairs for one outage of one host). A late host that
    sends nothing more ends a window by our clock once that passed it by as much as its entries came late, and
    LATE_QUIET_USEC after the last of them came: its upload stopped (host-went-silent tells that)."""

    clocks: HostClocks
    settled: Callable[[str], bool]
    """Is the machine's offset known (HostClocks.settled at our clock; always for the local machine)?"""

    def host_time(self, machine: str) -> int | None:
        """The machine's own time while its windows end by it (µs; 0: none read since the start), else None."""
        if self.settled(machine) and not self.clocks.late(machine):
            return None
        return self.clocks.own_time(machine)

    def late_end(self, machine: str, shifted_usec: int) -> int:
        """When (µs of our clock) a window of the machine whose deadline by its clock is `shifted_usec` ends if
        its entries do not pass it first, while they come late and its offset is known (0: they come in step,
        or its offset is learnt: `host_time` alone)."""
        late = self.clocks.late(machine)
        if not late or not self.settled(machine):
            return 0
        return max(shifted_usec + late, self.clocks.arrived(machine) + LATE_QUIET_USEC)

    def attach(self, tracker: BurstTracker) -> None:
        tracker.clock_offset = self.clocks.offset
        tracker.host_time = self.host_time
        tracker.late_end = self.late_end
