"""One failure of one unit as FailureGroups (engine/failures.py) keeps it, and its members' identity."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Incident, Link

MemberId = tuple[str, str, str, str, int]
"""(rule, machine, unit, key, first_usec): a tracker incident's identity (its versions share it)."""


def member_id(incident: Incident) -> MemberId:
    return (incident.rule_id, incident.machine_id, incident.unit, incident.key, incident.first_usec)


@dataclass
class Failure:
    """Mutable state owned by FailureGroups: one failure of one unit."""

    machine: str
    unit: str
    invocation: str
    settle_usec: int
    last_usec: int
    members: dict[MemberId, Incident] = field(default_factory=dict)
    """Every member's latest version, in the order they fired."""
    open: set[MemberId] = field(default_factory=set)
    given: Incident | None = None
    """The failure's incident as given out (its identity for alerts and resolves); None while it settles."""
    seen: dict[tuple[str, str], Link] = field(default_factory=dict)
    """Per (rule, template: "" but for a new-template rule's lines), rules that matched the unit during the failure
    without firing (a first "Scheduled restart job" of systemd-restart-loop's three; each other new error line):
    their first line, as evidence in the chain."""


def began(failure: Failure) -> int:
    """The failure's first hit (µs of journal time)."""
    return min((member.first_usec for member in failure.members.values()), default=failure.last_usec)
