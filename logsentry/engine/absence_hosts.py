"""Each host's newest entry, as the silence tracker sees them: for a scan of several hosts' journals, whose one host's
journal may end earlier than the others' (copied sooner, its uplink lost). Its units went quiet with it: each was
paged silent (helper-166's trial, F6); the service folds such units into their host's silence (host_silence.py), a
scan holds them (`hold`): a unit is silent when its host logged on without it."""

from __future__ import annotations

from ..model import ScreenedRun, split_host_unit

RECHECK_USEC = 60_000_000
"""A unit held for its quiet host is looked at again this much later (µs of journal time)."""


class HostsSeen:
    """Per host (the machine part of a unit's key, model.host_unit), the time of its newest entry seen (µs)."""

    def __init__(self) -> None:
        self.latest: dict[str, int] = {}

    def saw(self, machine: str, usec: int) -> None:
        if usec > self.latest.get(machine, -1):
            self.latest[machine] = usec

    def saw_run(self, run: ScreenedRun) -> None:
        """A run folded without its entries: each span's last time (model.UnitSpan)."""
        latest = self.latest
        for key, span in zip(run.units, run.spans, strict=True):
            if span[3] > latest.get(machine := split_host_unit(key)[0], -1):
                latest[machine] = span[3]

    def stepped_back(self, delta_usec: int, machine: str = "") -> None:
        """A machine's clock (every machine's: "") stepped back by -`delta_usec` µs: its newest line moves with it."""
        for host in [machine] if machine else list(self.latest):
            if host in self.latest:
                self.latest[host] += delta_usec

    def hold(self, machine: str, last_usec: int, now_usec: int, due_usec: int) -> int:
        """SilenceTracker.hold for a scan: 0 (fire) when the unit's host logged on up to the unit's deadline
        (`due_usec`, on that host's clock), or when the input is one host's (a `journalctl -u api` export is all of
        api's host there is: its silence, ended by its own next line or not, is told as before), else when to look
        again. On the host's own clock: a host whose clock runs behind the others' (set back, or wrong) has its
        lines stamped earlier than the time they are read at, and measured against that time (as "it logged in the
        later half of the silence so far") its unit's silence waited for the clocks' difference (helper-169's E9:
        2 h late, or never)."""
        if len(self.latest) < 2:
            return 0
        latest = self.latest.get(machine)
        return 0 if latest is None or latest >= due_usec else now_usec + RECHECK_USEC

    def end_of(self, machine: str, end_usec: int) -> int:
        """Where a host's input ends (µs): its newest line when several hosts were read (another host's later
        stamps say nothing of it: a clock behind made its silence that much longer, helper-169's E10), else
        `end_usec`."""
        if len(self.latest) < 2:
            return end_usec
        return min(end_usec, self.latest.get(machine, end_usec))
