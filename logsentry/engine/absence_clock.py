"""The silence tracker's part about clock jumps (engine/clock_jumps.py): a jump ahead is a credit, a step back moves
the units' latest signs of life back with the clock (SilenceTracker's, apart from its watching)."""

from __future__ import annotations

from ..model import split_host_unit
from .absence_hosts import HostsSeen
from .absence_seen import Seen
from .clock_jumps import ClockJumps


class ClockSteps:
    """A mixin of SilenceTracker: its state, declared here, is made there."""

    _seen: dict[str, dict[str, Seen]]
    _latest: int
    jumps: ClockJumps
    own_machine: str | None
    own_since: int
    hosts_seen: HostsSeen | None

    def _arm(self, rule_id: str, key: str, seen: Seen) -> None:
        raise NotImplementedError  # (SilenceTracker's)

    def clock_jumped(self, at_usec: int, delta_usec: int, machine_id: str = "") -> None:
        """A clock jumped by `delta_usec` (µs; a suspend, a step) when it said `at_usec`: ours ("", every host's
        units) or a machine's (its entries said so; not own_machine's, whose jumps ours are). Ahead: each unit's
        silence comes due that much later (a credit for its entries before `at_usec`: found when its deadline
        pops); back: each unit's latest sign of life moves back with the clock, less the jumps ahead the step undoes
        that came after it (its line was stamped by the clock as it now is), engine/clock_jumps.py. A machine's steps
        back past MAX_STEPS_BACK are left to observe (each walks every unit: a sender making each line one)."""
        if machine_id and machine_id == self.own_machine and at_usec >= self.own_since:
            return  # (one before our clock was watched, in a backlog read at a start, is taken from the entries)
        if delta_usec > 0:
            self.jumps.add(at_usec, delta_usec, machine_id)
            return
        if (taken := self.jumps.stepped_back(delta_usec, machine_id)) is None:
            return
        undone, rest = taken
        self._latest += delta_usec
        if self.hosts_seen is not None:  # its host's newest line too (helper-167's F4)
            self.hosts_seen.stepped_back(delta_usec, machine_id)
        for rule_id, units in self._seen.items():
            for key, seen in units.items():
                if seen.last_usec < 0 or (machine_id and split_host_unit(key)[0] != machine_id):
                    continue
                back = rest + sum(part for at, part in undone if seen.last_usec >= at)
                seen.last_usec = max(0, seen.last_usec - back)
                if seen.threshold and not seen.quiet:
                    self._arm(rule_id, key, seen)

    @property
    def latest_usec(self) -> int:
        """The latest journal time seen (µs), since the last step back of a clock."""
        return self._latest
