"""Resolves held back: a failure that needs a restart is not over because its signature stopped.

A rule whose action is `restart` names a failure that does not heal itself (a deadlock, a hung service). When its
incident ends only because no new hit came within its window, and its unit has logged nothing at all since its last
hit, the unit is as likely hung and silent as well. helper-129's trial on a real systemd: a GHC deadlock came back
after logsentry's restart ("came back after restart ...; not restarting again"), and 60 s later its alert resolved
"no new hit for 60s" while the unit was still hung. Such an incident's alert now stays firing (reminders,
Alertmanager re-sends) until its unit logs again, or a new invocation of it does (a restart by hand), and its
resolve says which (service_alerts.ServiceAlerts._logs_again).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .engine.window import incident_from_json, incident_json
from .model import Incident, host_unit, incident_label

MAX_HELD = 1000
"""Incidents held at most; past it the one held longest is resolved (its alert says it is no longer followed)."""


def unit_key(incident: Incident) -> str:
    """The incident's unit as the service keys a unit's lines (host_unit: per machine)."""
    return host_unit(incident.machine_id, incident.unit)


class HeldResolves:
    """Incidents whose resolve waits for their unit's next line, by incident id (actions.runner.incident_id), the
    longest held first."""

    def __init__(self, held: Iterable[tuple[str, Incident]] = ()):
        self._by_id: OrderedDict[str, Incident] = OrderedDict(held)
        self.version = 0
        """Bumped by every change: the service saves them only when it moved (1,000 held incidents with their
        samples are megabytes of JSON, serialised at every commit, about every second, to find them unchanged)."""
        self._units: dict[str, set[str]] = {}
        for incident_id, incident in self._by_id.items():
            self._units.setdefault(unit_key(incident), set()).add(incident_id)

    def __bool__(self) -> bool:
        return bool(self._by_id)

    def __contains__(self, key: object) -> bool:
        """Is an incident of the unit key (host_unit) held?"""
        return key in self._units

    def holds(self, incident_id: str) -> bool:
        return incident_id in self._by_id

    def hold(self, incident_id: str, incident: Incident) -> list[tuple[str, Incident]]:
        """Hold the incident's resolve; the ones let go to stay within MAX_HELD (to be resolved now)."""
        self._by_id[incident_id] = incident
        self.version += 1
        self._units.setdefault(unit_key(incident), set()).add(incident_id)
        let_go = []
        while len(self._by_id) > MAX_HELD:
            gone_id, gone = self._by_id.popitem(last=False)
            self._drop(gone_id, gone)
            let_go.append((gone_id, gone))
        return let_go

    def logged(self, key: str, at_usec: int, closes: Callable[[Incident], bool] | None = None
               ) -> list[tuple[str, Incident]]:
        """The unit (host_unit key) logged a line at `at_usec` (µs of journal time): its held incidents whose last
        hit came before it, let go, but those the line only `closes` (systemd's closing line of their run)."""
        ids = self._units.get(key)
        if not ids:
            return []
        released = [(incident_id, self._by_id[incident_id]) for incident_id in sorted(ids)
                    if self._by_id[incident_id].last_usec < at_usec
                    and not (closes is not None and closes(self._by_id[incident_id]))]
        for incident_id, incident in released:
            del self._by_id[incident_id]
            self._drop(incident_id, incident)
        self.version += bool(released)
        return released

    def release(self, incident_id: str) -> Incident | None:
        """Let the incident go (resolved by hand, or its rule no longer holds it); None when it is not held."""
        incident = self._by_id.pop(incident_id, None)
        if incident is not None:
            self._drop(incident_id, incident)
            self.version += 1
        return incident

    def labelled(self, label: str) -> tuple[str, Incident] | None:
        """The held incident whose alerts' `incident` label (model.incident_label: what `logsentry incidents`
        shows) is `label`, with its id; None when none is held."""
        for incident_id, incident in self._by_id.items():
            if incident_label(incident) == label:
                return incident_id, incident
        return None

    def _drop(self, incident_id: str, incident: Incident) -> None:
        key = unit_key(incident)
        ids = self._units.get(key)
        if ids is not None:
            ids.discard(incident_id)
            if not ids:
                del self._units[key]

    def items(self) -> list[tuple[str, Incident]]:
        """(incident id, incident) of the held ones, the longest held first."""
        return list(self._by_id.items())

    def incidents(self) -> list[Incident]:
        """The held incidents, the longest held first: still firing (reminders, Alertmanager re-sends)."""
        return list(self._by_id.values())

    def saved(self) -> list[dict[str, Any]]:
        """As saved with the service's state (restore() takes it back)."""
        return [{"id": ident, "incident": incident_json(incident)} for ident, incident in self._by_id.items()]

    @classmethod
    def restore(cls, data: Iterable[Mapping[str, Any]] | None) -> HeldResolves:
        return cls((item["id"], incident_from_json(item["incident"])) for item in data or ())
