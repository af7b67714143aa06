"""Planned stops: a service's own lines while systemd stops it are its shutdown, not a failure.

Between PID 1's "Stopping X..." and the unit's end ("Stopped X.", "X: Deactivated successfully.", then at most
GRACE_USEC more: journald may store the last stdout lines after PID 1's own) or its next start ("Starting X...",
"Started X."), many daemons log at error level: Ceph's `-1 ... *** Got signal Terminated ***`, PostgreSQL's
`FATAL:  terminating connection due to administrator command`, a JVM's interrupted threads. A planned restart or
upgrade must not page them as new errors, so the anomaly rules' hits on such lines are dropped (Pipeline
._anomalies); signature rules still fire (they name a failure, planned stop or not). A crash has no "Stopping"
line before its errors, and a stop that hangs or fails is told by systemd's own lines (systemd-stop-timeout,
systemd-unit-failed). The window is time only, not invocation: the lines the C scanner summarises carry no
invocation id, and every path must decide alike.

Only PID 1's lines count (`_PID=1`, journald's: no process can forge them), matched by MESSAGE_ID or, before
systemd 240, by their wording (engine/absence_stops.py does the same for silences).
"""

from __future__ import annotations

from collections import OrderedDict

from ..model import Entry, entry_key
from .absence_stops import UNIT_STARTED, UNIT_STOPPED, UNIT_STOPPING, UNIT_SUCCESS

UNIT_STARTING = "7d4958e842da4a758f6c1cdc7b36dcc5"  # "Starting X..."
GRACE_USEC = 5_000_000
"""How long after PID 1's "Stopped X." a line of X is still taken for its shutdown (µs of journal time)."""
MAX_STOP_USEC = 600_000_000
"""The longest stop taken for one (µs): systemd's TimeoutStopSec is 90 s by default; a window never closed
(its end not read) does not cover the unit's lines for ever."""
MAX_UNITS = 10_000
"""Windows kept (the latest per unit key); past it the oldest go."""


class StopWindows:
    """The latest planned stop of each (machine, unit): (its start, its end or -1 while it goes on)."""

    def __init__(self) -> None:
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()

    def note(self, entry: Entry) -> None:
        """Learn from one of PID 1's lines about a unit (any other entry is ignored)."""
        fields = entry.fields
        if fields.get("_PID") != "1" or entry.from_text or not fields.get("UNIT"):
            return
        message_id, message, at = fields.get("MESSAGE_ID"), entry.message, entry.realtime_usec
        key = entry_key(entry)
        if message_id == UNIT_STOPPING or (message_id is None and message.startswith("Stopping ")):
            self._windows[key] = (at, -1)
            self._windows.move_to_end(key)
            if len(self._windows) > MAX_UNITS:
                self._windows.popitem(last=False)
            return
        window = self._windows.get(key)
        if window is None:
            return
        start, end = window
        if message_id in (UNIT_STARTING, UNIT_STARTED) or (
                message_id is None and message.startswith(("Starting ", "Started "))):
            self._windows[key] = (start, min(at, end) if end >= 0 else at)  # the next run's lines are its own
        elif end < 0 and (message_id in (UNIT_STOPPED, UNIT_SUCCESS) or (message_id is None and (
                message.startswith("Stopped ") or message.endswith(": Deactivated successfully.")))):
            self._windows[key] = (start, at + GRACE_USEC)

    @property
    def active(self) -> bool:
        """Was any planned stop seen (else nothing is covered: the commonest case, decided at once)?"""
        return bool(self._windows)

    def covers(self, entry: Entry) -> bool:
        """Is the entry (a line of its unit) within a planned stop of that unit?"""
        window = self._windows.get(entry_key(entry))
        if window is None:
            return False
        start, end = window
        at = entry.realtime_usec
        return start <= at <= (end if end >= 0 else start + MAX_STOP_USEC)
