"""Incidents the service looks at again: those the stale guard reported (a backlog, or a late host clock), those
held while their host's clock was learnt, and those waiting for an earlier restart's outcome (engine/policy.py
decides them; service.py asks here which are due)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from ..model import Action, Incident
from ..timespec import format_usec
from .window import incident_from_json, incident_json

log = logging.getLogger("logsentry.service")

STALE = "stale: "
"""How the stale guard's report begins (StaleReports looks for it)."""
HELD = "held: "
"""How the guard's report begins when it cannot tell yet (its host's clock offset is being learnt)."""
AWAITING = "awaiting: "
"""How the guard's report begins when a restart of the unit decided earlier has no outcome yet (StaleReports)."""
MAX_AWAITED_USEC = 120_000_000
"""The longest (µs of our wall clock) an incident waits for an earlier restart's outcome once that restart is no
longer queued nor running in the outbox (its outcome is then being read); then decided as if it was carried out."""
MAX_QUEUED_USEC = 30 * 60_000_000
"""The longest an incident waits while the earlier restart is still queued or running (its command's deadline is
restart.timeout, 90 s by default, and the outbox runs 8 at once: a restart may wait behind others for minutes)."""
MAX_STALE_REPORTED = 10_000
MAX_HELD_USEC = 120_000_000
"""The longest (µs of our wall clock) an incident is held for its host's clock (host_clocks.HOLD_USEC is 30 s)."""

Ident = tuple[str, str, str, str]
"""(rule, machine id, unit, key): a burst window's incident."""
Waiting = tuple[Ident, int]
"""A burst window's incident and its first hit (µs): each waiting or held incident of one window is kept (a unit's
third invocation's hit ends the second's incident and fires its own, both waiting for the same restart's outcome;
a late host's two bursts, apart by more than their window by its clock, both held while that clock is learnt)."""


class StaleReports:
    """Incidents the stale guard reported (their newest hit older than their window when they fired: read from a
    backlog after downtime, or from a host whose clock offset was still being learnt), and those it held because
    their host's clock was being learnt. One that goes on, its newest hit fresh at a later look, is a failure
    happening now: without a second look a hang that began while logsentry was down was never paged however long
    it went on. A held one is judged once its host's clock is known, by that clock at the time it fired: without
    that a late host's one-line failure in the first 30 s after a start was taken for stale and never paged. An
    awaiting one (a new invocation's restart incident while an earlier restart of its unit has no outcome) is
    decided once the outcome is known (engine/policy.py: GuardedPolicy.awaits)."""

    def __init__(self) -> None:
        self.reported: dict[Ident, tuple[Incident, int]] = {}
        """(rule, machine id, unit, key) -> the incident as reported, and our wall clock when it was (µs)."""
        self.held: dict[Waiting, tuple[Incident, int]] = {}
        """((rule, machine id, unit, key), first hit) -> the incident as held, and our wall clock when it first was
        (µs). Keyed by first hit too: by window alone a second incident of it overwrote the first, never judged
        nor alerted (an incident noted again, with its hits since, stays one)."""
        self.awaiting: dict[Waiting, tuple[Incident, int]] = {}
        """((rule, machine id, unit, key), first hit) -> an incident waiting for an earlier restart's outcome, and our
        wall clock when it began to (µs). All three are saved with the cursor (`saved`, `restore`)."""

    def note(self, action: Action, wall_usec: int) -> None:
        """An action decided at our wall clock `wall_usec`: a stale or held report is kept."""
        if action.kind != "report" or not action.reason.startswith((STALE, HELD, AWAITING)):
            return
        incident = action.incident
        ident = (incident.rule_id, incident.machine_id, incident.unit, incident.key)
        if action.reason.startswith(AWAITING):
            if (ident, incident.first_usec) not in self.awaiting:  # noted again: it waits from when it first did
                _keep(self.awaiting, (ident, incident.first_usec), (incident, wall_usec))
        elif action.reason.startswith(HELD):
            held = self.held.get((ident, incident.first_usec))  # noted again: held from when it first was
            dropped = _keep(self.held, (ident, incident.first_usec), (incident, wall_usec if held is None else held[1]))
            if dropped is not None:
                log.warning("incident %s on %s (first hit %s) held for its host's clock dropped unjudged: more than %d "
                            "held", dropped.rule_id, dropped.unit, format_usec(dropped.first_usec), MAX_STALE_REPORTED)
        else:
            _keep(self.reported, ident, (incident, wall_usec))

    def going_on(self, open_of: Callable[[str, str, str, str], Incident | None],
                 fresh: Callable[[Incident], bool]) -> list[Incident]:
        """The reported incidents still open (`open_of`: a window's open incident) whose newest hit is `fresh`
        now, each once; the ones that ended are forgotten."""
        live = []
        for ident, (reported, _) in list(self.reported.items()):
            current = open_of(*ident)
            if current is None or current.first_usec != reported.first_usec:
                del self.reported[ident]
            elif fresh(current):
                del self.reported[ident]
                live.append(current)
        return live

    def clock_known(self, settled: Callable[[str], bool], open_of: Callable[[str, str, str, str], Incident | None],
                    wall_usec: int) -> list[tuple[Incident, int, bool]]:
        """The held incidents whose host's clock is known now (`settled(machine id)`), or held MAX_HELD_USEC by
        our wall clock `wall_usec` (a host whose entries keep arriving at changing delays may never settle: judged
        by the offset it has then), each once: as they are now (`open_of`: still open, with the hits since) or
        as held, with our wall clock when they were held (µs, the time to judge them at) and whether they are
        still open (one that ended meanwhile, by our clock's look at its window, must be resolved once alerted:
        its end passed before anything was sent)."""
        return _released(self.held, lambda held, wall: settled(held.machine_id) or wall_usec - wall >= MAX_HELD_USEC,
                         open_of)

    def outcome_known(self, awaited: Callable[[Incident], bool], queued: Callable[[Incident], bool],
                      open_of: Callable[[str, str, str, str], Incident | None],
                      wall_usec: int) -> list[tuple[Incident, int, bool]]:
        """The incidents that waited for a restart's outcome and need not any more, each once, as `clock_known` gives
        them: `awaited(incident)` False, or waited MAX_AWAITED_USEC by our wall clock `wall_usec` while the earlier
        restart is not `queued` (nor running) in the outbox, or MAX_QUEUED_USEC whatever it is (helper-119: one
        queued behind 8 others past the 2 min let the incident be decided "came back" before it even ran)."""
        def ready(incident: Incident, wall: int) -> bool:
            waited = wall_usec - wall
            return not awaited(incident) or waited >= MAX_QUEUED_USEC or (
                waited >= MAX_AWAITED_USEC and not queued(incident))
        return _released(self.awaiting, ready, open_of)

    def saved(self) -> list[dict[str, object]]:
        """Every incident looked at again, by ident (`why`: "stale", "held" or "awaiting", with its first hit) with
        our wall clock when it was noted, for the state file: its hits are behind the saved cursor, so one forgotten
        at a crash was never decided (a hang reported stale that went on, a late host's held failure). A held one
        carries the incident as held too: one whose window ended meanwhile is still judged after a restart."""
        saved: list[dict[str, object]] = [{"why": "stale", "ident": list(ident), "wall_usec": wall}
                                          for ident, (_, wall) in self.reported.items()]
        saved += [{"why": "held", "ident": list(ident), "first_usec": first, "wall_usec": wall,
                   "incident": incident_json(incident)} for (ident, first), (incident, wall) in self.held.items()]
        return saved + [{"why": "awaiting", "ident": list(ident), "first_usec": first, "wall_usec": wall}
                        for (ident, first), (_, wall) in self.awaiting.items()]

    def restore(self, items: list[dict[str, Any]] | None,
                open_of: Callable[[str, str, str, str], Incident | None]) -> None:
        """Incidents as `saved`, each looked up in its restored window (gone, or another incident of it: forgotten)."""
        for item in items or []:
            parts = tuple(str(part) for part in item.get("ident", ()))
            why = str(item.get("why", "awaiting"))
            if len(parts) != 4:
                continue
            incident = open_of(*parts)
            if why == "held" and isinstance(item.get("incident"), dict) and (
                    incident is None or incident.first_usec != int(item.get("first_usec", -1))):
                incident = incident_from_json(item["incident"])  # its window ended: judged as it was held
            if incident is None:
                continue
            ident, wall = (parts[0], parts[1], parts[2], parts[3]), int(item.get("wall_usec", 0))
            if why in ("awaiting", "held") and incident.first_usec == int(item.get("first_usec", incident.first_usec)):
                (self.awaiting if why == "awaiting" else self.held)[(ident, incident.first_usec)] = (incident, wall)
            elif why == "stale":
                self.reported[ident] = (incident, wall)


K = TypeVar("K", Ident, Waiting)


def _keep(table: dict[K, tuple[Incident, int]], key: K, value: tuple[Incident, int]) -> Incident | None:
    """Set `key` in `table`, the oldest entry going past MAX_STALE_REPORTED (a service that runs for months): that
    one's incident, if any."""
    table[key] = value
    if len(table) > MAX_STALE_REPORTED:
        return table.pop(next(iter(table)))[0]
    return None


def _released(held: dict[K, tuple[Incident, int]], ready: Callable[[Incident, int], bool],
              open_of: Callable[[str, str, str, str], Incident | None]) -> list[tuple[Incident, int, bool]]:
    """Take the `ready` ones out of `held`: (the incident now, or as held when its window ended meanwhile; our
    wall clock when it was held; still open)."""
    known = []
    for key, (incident, wall) in list(held.items()):
        if ready(incident, wall):
            del held[key]
            ident = (incident.rule_id, incident.machine_id, incident.unit, incident.key)
            current = open_of(*ident)
            still = current is not None and current.first_usec == incident.first_usec
            known.append((current if still and current is not None else incident, wall, still))
    return known
