"""Which run of a unit systemd's scheduled restart started, and how long that run lived before it failed
(engine/failure_runs.reruns): a crash loop's runs are one failure, but a run the restart did not start (the unit's
start at the next boot, an operator's start) or a run that served for minutes before it crashed is a new failure,
paged. Trial 73 (D4): a unit that crashed again after 7 min of healthy lines, in a run the boot had started, and
again 3 min into the run the restart started, was folded into its old incident twice, no page.

A run is told by systemd's own fields only: the invocation PID 1 names (INVOCATION_ID= on its "Started UNIT" line,
journald's _SYSTEMD_INVOCATION_ID on the unit's own lines: window.invocation_of), first seen when it started."""

from __future__ import annotations

from collections import OrderedDict, deque

from ..model import Entry
from .window import invocation_of

HEALTHY_RUN_USEC = 150_000_000
"""A run that lived this long (µs of journal time from its first line, PID 1's "Started") before it failed had
recovered: its crash is news. Above the 2 min between a loop's runs that stay one failure (helper-129's runs worked
40 s; tests/test_failure_escalation.py's loop with 2 min between runs), below the 175 s run of trial 73's crash."""
RUNS_KEPT = 8
"""A unit's latest runs kept: a loop's restart and the run after it are the last two or three."""
MAX_UNITS = 4096
"""Units whose runs are kept, the least recently started forgotten first (a socket's per-connection units)."""


class RunStarts:
    def __init__(self) -> None:
        self._runs: OrderedDict[tuple[str, str], deque[tuple[int, str]]] = OrderedDict()
        """(machine, unit) -> its latest runs as (first seen, µs; invocation), oldest first."""

    def saw(self, entry: Entry) -> None:
        """Note the run the entry names, when it is one not seen yet (its start). Text input names no run."""
        invocation = invocation_of(entry.fields)
        if not invocation or entry.from_text:
            return
        key = (entry.machine_id, entry.unit)
        runs = self._runs.get(key)
        if runs is None:
            runs = self._runs[key] = deque(maxlen=RUNS_KEPT)
            if len(self._runs) > MAX_UNITS:
                self._runs.popitem(last=False)
        elif any(known == invocation for _, known in runs):
            return
        runs.append((entry.realtime_usec, invocation))
        self._runs.move_to_end(key)

    def restarted_into(self, machine: str, unit: str, since_usec: int, invocation: str, failed_usec: int) -> bool:
        """Is `invocation` the run systemd's restart scheduled at `since_usec` started (the unit's first run begun
        since), failing at `failed_usec` before it had run HEALTHY_RUN_USEC? True when the run is unknown (no
        invocation; begun before logsentry read it, or forgotten): as before, the loop's."""
        runs = self._runs.get((machine, unit), ())
        began = next((at for at, known in runs if known == invocation), None)
        if not invocation or began is None:
            return True
        first = next((known for at, known in runs if at > since_usec), None)  # (the restart line names the old run)
        return first == invocation and failed_usec - began < HEALTHY_RUN_USEC
