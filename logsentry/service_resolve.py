"""Held alerts the service lets go other than by their unit's next line: an operator's `logsentry incidents resolve`
(resolve_requests.py), and a reload after which no rule of the incident holds it any more (its rule now says
`resolve = "quiet"`, or was removed or disabled).

A held alert (service_held.py) fires until its unit logs again; a unit left failed on purpose (`systemctl
reset-failed` logs nothing), a oneshot whose timer was disabled or a collector's host that is gone never does, and
its alert fired, with reminders, for ever. Kept apart from service_alerts.py (what is queued) as the operator's side
of it; HeldReleasing is a base of Service.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from .actions.alert import clean
from .model import Incident, incident_id, incident_label
from .resolve_requests import REFUSED, RESOLVED, ResolveRequest, pending
from .service_alerts import ServiceAlerts, rule_ids
from .timespec import format_duration, format_usec, wall_usec

log = logging.getLogger("logsentry")

REQUESTS_EVERY_S = 1.0
"""The state's requests are looked at this often when caught up (and at the first catch-up after a start)."""
RESOLVED_KEPT = 256
"""Incidents resolved by hand remembered (HeldReleasing.resolved_by_hand): far more than operators resolve at once."""
BY_HAND = "resolved by hand with `logsentry incidents resolve`"
"""How a resolve by hand begins, in its alert and the service's log."""


class HeldReleasing(ServiceAlerts):
    """Service's resolves of held alerts by hand and at a reload; the attributes are set by Service.__init__."""

    answers: list[tuple[int, str, str]]
    """Requests answered since the last commit (id, status, answer): they go with it (StateSaving._commit)."""
    answered: set[int]
    """Their ids, not taken again until that commit has saved their answers."""
    resolved_by_hand: dict[str, str]
    """The incidents resolved by hand since the start (label -> the answer given), the latest RESOLVED_KEPT: two
    operators' requests for one incident, made at once, are two rows; the second is told it was done, not refused
    as if the unit had logged again."""
    _requests_checked: float

    def _take_resolve_requests(self) -> None:
        """Answer the operators' requests (at most every REQUESTS_EVERY_S): resolve each held incident asked for."""
        if time.monotonic() - self._requests_checked < REQUESTS_EVERY_S:
            return
        self._requests_checked = time.monotonic()
        try:
            requests = pending(self.state, self.answered)
        except sqlite3.Error as error:  # tried again in a minute, and said again then
            log.error("cannot read the resolve requests in %s: %s; trying again in a minute", self.state.path, error)
            self._requests_checked = time.monotonic() + 60 - REQUESTS_EVERY_S
            return
        for request in requests:
            status, answer = self._resolve_by_hand(request)
            self.answers.append((request.id, status, answer))
            self.answered.add(request.id)

    def _resolve_by_hand(self, request: ResolveRequest) -> tuple[str, str]:
        """Resolve the held incident the request names; (RESOLVED or REFUSED, what was done or why not)."""
        label = request.incident
        found = self.held.labelled(label)
        if found is None and label in self.resolved_by_hand:
            return RESOLVED, f"{self.resolved_by_hand[label]}: this request changes nothing"
        if found is None:
            open_now = [incident for incident in self.pipeline.open_incidents() if incident_label(incident) == label]
            if open_now:
                incident = open_now[0]
                return REFUSED, (f"incident {label} ({self._named_as(incident)}) is open, not held: its alert "
                                 f"resolves by itself once no hit comes within its rule's window "
                                 f"({format_duration(incident.within_usec)})")
            return REFUSED, (f"no incident {label} is held: it may have resolved meanwhile (its unit logged again); "
                             "`logsentry incidents` lists the open and held ones")
        ident, incident = found
        self.held.release(ident)
        by = clean(request.requested_by, 64) or "?"
        note = f": {clean(request.note, 200)}" if request.note else ""
        reason = (f"{BY_HAND} (by {by}{note}); {incident.unit} had logged nothing since its last hit at "
                  f"{format_usec(incident.last_usec)}")
        log.warning("incident %s on %s%s resolved: %s", incident.rule_id, incident.unit, self._of_host(incident),
                    reason)
        sent = self.config.alerts.resolve and incident_id(incident) in self.alerting
        self._resolve(incident, reason, wall_usec())
        outcome = "its resolve goes out through the alert channels" if sent else \
            "no resolve message is sent ([alerts] resolve = false, or it was never paged: a dry run)"
        self.resolved_by_hand[label] = (f"incident {label} ({self._named_as(incident)}) was resolved by hand by an "
                                        f"earlier request (by {by}{note}) at {format_usec(wall_usec())}")
        while len(self.resolved_by_hand) > RESOLVED_KEPT:
            del self.resolved_by_hand[next(iter(self.resolved_by_hand))]
        return RESOLVED, f"incident {label} ({self._named_as(incident)}) resolved: {outcome}"

    def _named_as(self, incident: Incident) -> str:
        return f"{incident.rule_id} on {incident.unit}{self._of_host(incident)}"

    def _release_unheld(self) -> None:
        """After a reload: resolve the held incidents no rule of which still says `resolve = "unit-logs-again"`
        (changed to "quiet", removed or disabled), saying so."""
        rules = self.pipeline.detector.rules
        for ident, incident in self.held.items():
            said = {rule_id: rules.get(rule_id) for rule_id in rule_ids(incident)}
            if any(rule is not None and rule.resolve == "unit-logs-again" for rule in said.values()):
                continue
            why = "; ".join(f"rule {rule_id} now says resolve = \"{rule.resolve}\"" if rule is not None else
                            f"rule {rule_id} is no longer loaded: removed or disabled"
                            for rule_id, rule in said.items())
            reason = (f"no longer held at a reload ({why}); {incident.unit} had logged nothing since its last hit "
                      f"at {format_usec(incident.last_usec)}")
            self.held.release(ident)
            log.warning("incident %s on %s%s resolved: %s", incident.rule_id, incident.unit, self._of_host(incident),
                        reason)
            self._resolve(incident, reason, wall_usec())

    def _log_restored_held(self) -> None:
        """At start: which held alerts were restored from the state (they fire until their units log again)."""
        held = self.held.incidents()
        if not held:
            return
        shown = [f"{incident.unit}{self._of_host(incident)} ({incident.rule_id}, incident {incident_label(incident)})"
                 for incident in held[:10]]
        more = f" and {len(held) - 10} more" if len(held) > 10 else ""
        log.info("restored %d held alert%s, firing until their units log again (`logsentry incidents resolve ID` "
                 "ends one by hand): %s%s", len(held), "" if len(held) == 1 else "s", ", ".join(shown), more)
