"""Incident -> actions: what should be done about a fired trigger.

A restart is only proposed for something systemd can restart (a real unit, not init.scope, not the
kernel, not logsentry itself); an alert goes out for every incident so people learn of each restart.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Action, Incident

RESTARTABLE_SUFFIXES = (".service", ".socket", ".mount", ".swap", ".timer", ".path", ".target")
NEVER_RESTART = frozenset({"init.scope", "logsentry.service", "systemd-journald.service"})


@dataclass(frozen=True)
class Policy:
    dry_run: bool = True
    own_unit: str = "logsentry.service"

    def restartable(self, unit: str) -> bool:
        return unit.endswith(RESTARTABLE_SUFFIXES) and unit not in NEVER_RESTART and unit != self.own_unit

    def decide(self, incident: Incident) -> list[Action]:
        actions = []
        if incident.action == "restart":
            if self.restartable(incident.unit):
                actions.append(Action("restart", incident.unit, incident, self.dry_run, "rule suggests a restart"))
            else:
                reason = f"rule suggests a restart, but {incident.unit or 'the source'} is not a restartable unit"
                actions.append(Action("alert", incident.unit, incident, self.dry_run, reason))
                return actions
        actions.append(Action("alert", incident.unit, incident, self.dry_run, f"{incident.severity.label} incident"))
        return actions
