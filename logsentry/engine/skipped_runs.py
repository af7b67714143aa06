"""A start limit hit by runs a condition skipped: no unit gave up, so no page.

systemd counts every start of a unit against StartLimitBurst=, including one whose ExecCondition= (or
Condition*=) said the unit has nothing to do here. GNOME's org.gnome.Shell@x11.service on a Wayland session is
such a unit: its ExecCondition fails by design, Restart= starts it again (systemd issue 16115), and at every login
on Ubuntu 22.04 the user manager writes three "Skipped due to 'exec-condition'." then "Start request repeated too
quickly." (trial 66: systemd-user-start-limit-hit paged it, critical). The line after it says which it was: the
service's result stays the last run's (service.c service_enter_dead sets START_LIMIT_HIT only over SUCCESS), so a
crash loop's start limit is followed by "Failed with result 'exit-code'." and a skipped unit's by "Skipped due to
'exec-condition'." again. Lines come in order, so the runs before it decide here: a start-limit line whose unit's
latest run ended in a skip (service_enter_dead's unit_log_skip, "Skipped due to '%s'.") within the start limit's
default interval, with no failure said since, is no hit, nor is the restart after such a run (systemd-restart-loop
counts them: a system unit restarted into its skip five times).

Only a service manager's own lines (selection.managers_line: PID 1's, or a user manager's from its init.scope),
which the journal scanner always gives in full; the unit is the one they name.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from ..model import Entry, Hit
from ..sources.selection import managers_line

SKIPPED = re.compile(r"(?P<unit>[^\s:]{1,255}): Skipped due to '[a-z-]{1,40}'\.")
AGAIN = re.compile(r"(?P<unit>[^\s:]{1,255}): (?:Start request repeated too quickly\.|"
                   r"Scheduled restart job, restart counter is at \d{1,10}\.)")
"""The start limit, and a restart after a run (systemd-restart-loop counts them): of skipped runs, no failure."""
ENDED = re.compile(r"(?P<unit>[^\s:]{1,255}): (?:Failed with result '|Main process exited, |Control process exited, |"
                   r"Deactivated successfully\.)")
"""A run that ended otherwise (a manager's lines reach the pipeline in full): a crash, or a run that did its work
and exited (Restart=always: its start limit is no skip's either)."""
INTERVAL_USEC = 10_000_000
"""systemd's DefaultStartLimitIntervalSec= (10 s): runs older than it count for no start limit."""
MAX_UNITS = 10_000


class SkippedRuns:
    """Per (machine, manager, unit it names): when its latest run ended in a skip (µs of journal time). The manager
    is its _PID: PID 1, or one user's manager (an unprivileged user's own unit of a system unit's name, skipped,
    says nothing of the system unit's crash loop, nor of another user's unit)."""

    def __init__(self) -> None:
        self._skipped: OrderedDict[tuple[str, str, str], int] = OrderedDict()

    def note(self, entry: Entry) -> None:
        """Learn from a service manager's line (any other entry is ignored)."""
        message = entry.message
        if (not message.endswith(".") and ", code=" not in message) or not managers_line(entry.fields):
            return
        if (found := SKIPPED.fullmatch(message)) is not None:
            key = (entry.machine_id, entry.fields.get("_PID", ""), found["unit"])
            self._skipped.pop(key, None)
            self._skipped[key] = entry.realtime_usec
            if len(self._skipped) > MAX_UNITS:
                self._skipped.popitem(last=False)
        elif self._skipped and (ended := ENDED.match(message)) is not None:
            self._skipped.pop((entry.machine_id, entry.fields.get("_PID", ""), ended["unit"]), None)

    def kept(self, hits: list[Hit]) -> list[Hit]:
        """The hits but those on a start-limit or restart line whose unit's latest run was skipped (all of one
        entry's: Detector.detect's)."""
        entry = hits[0].entry
        if not self._skipped or not managers_line(entry.fields):
            return hits
        found = AGAIN.fullmatch(entry.message)
        skipped = self._skipped.get((entry.machine_id, entry.fields.get("_PID", ""), found["unit"])) \
            if found is not None else None
        if skipped is None or entry.realtime_usec - skipped > INTERVAL_USEC:
            return hits
        return [hit for hit in hits if hit.entry is not entry]
