"""The failure a retry announcement is about: its unit's error line just before it.

A program that retries says so on a line of its own, after the failure: Celery's `consumer: Cannot connect to
redis://localhost:6379//: ... Connection reset by peer.` then `Trying again in 4.00 seconds...`. A rule whose lines
are the announcement (excerpt-retry-loop: AnomalySpec.retries) quoted the announcement alone, and its card, alert
and JSON line never said what was retried (new-user trial 230, item 2). RetryCauses keeps each unit's latest line
at error level; the rule's hit carries it as its `cause` when the same process wrote it at most CAUSE_USEC before,
and the incident quotes it first (engine/window.py), the announcement after it, its count still the rule's.
"""

from __future__ import annotations

from collections import OrderedDict

from ..model import Entry

CAUSE_USEC = 5_000_000
"""How long (µs of journal time) before an announcement its unit's error line is the failure it retries: a program
writes the two together (the same millisecond in Celery's log); a line further back is another event."""
MAX_UNITS = 20_000
"""Units whose latest error line is kept (the least recently noted go first)."""
CAUSE = "cause"
CAUSE_CURSOR = "cause_cursor"
"""The hit's captures that carry its cause's line and journal cursor (engine/anomaly.py, engine/window.py)."""


class RetryCauses:
    """Per (machine, unit): its latest error-level line that announced no retry."""

    def __init__(self) -> None:
        self._last: OrderedDict[str, Entry] = OrderedDict()

    def note(self, unit: str, entry: Entry) -> None:
        last = self._last
        last.pop(unit, None)
        last[unit] = entry
        if len(last) > MAX_UNITS:
            last.popitem(last=False)

    def cause_of(self, unit: str, entry: Entry) -> dict[str, str]:
        """The captures a retry announcement's hit adds: its unit's error line just before it, written by the same
        process (`_PID`, journald's; a text line's, or none on both) within CAUSE_USEC; {} when there is none."""
        last = self._last.get(unit)
        if last is None or not 0 <= entry.realtime_usec - last.realtime_usec <= CAUSE_USEC \
                or last.fields.get("_PID", "") != entry.fields.get("_PID", ""):
            return {}
        return {CAUSE: last.message, CAUSE_CURSOR: last.cursor}
