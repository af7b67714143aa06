"""journald's "Suppressed N messages from UNIT" (N_DROPPED) per unit: an incident of a unit that lost lines to the
rate limit near its time says how many (`dropped`): its counts are lower bounds (pipeline.py)."""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from .model import Entry, Incident, entry_key, host_unit

MAX_SUPPRESSED_UNITS = 10_000
MAX_SUPPRESSIONS_PER_UNIT = 64


class Suppressions:
    def __init__(self) -> None:
        self._units: dict[str, deque[tuple[int, int]]] = {}

    def note(self, entry: Entry) -> None:
        """An entry with N_DROPPED: journald dropped that many lines of its unit."""
        try:
            dropped = int(entry.fields["N_DROPPED"])
        except (KeyError, ValueError):
            return
        notes = self._units.get(entry_key(entry))
        if notes is None:
            notes = self._units[entry_key(entry)] = deque(maxlen=MAX_SUPPRESSIONS_PER_UNIT)
            if len(self._units) > MAX_SUPPRESSED_UNITS:
                self._units.pop(next(iter(self._units)))
        notes.append((entry.realtime_usec, dropped))

    def with_dropped(self, incident: Incident) -> Incident:
        """The incident with the lines its unit lost from its window before its first hit to one after its last."""
        notes = self._units.get(host_unit(incident.machine_id, incident.unit))
        if not notes:
            return incident
        since = incident.first_usec - incident.within_usec
        dropped = sum(n for at, n in notes if since <= at <= incident.last_usec + incident.within_usec)
        return replace(incident, dropped=dropped) if dropped != incident.dropped else incident
