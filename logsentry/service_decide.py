"""Incidents the service decides again where its reader caught up (engine/second_look.py's StaleReports keeps
them): held while their host's clock was learnt, going on after they were reported stale, or waiting for an
earlier restart's outcome. Kept apart from the read loop (service.py), which says when; this says what."""

from __future__ import annotations

import logging

from .service_reload import ServiceConfiguring
from .timespec import format_usec, wall_usec

log = logging.getLogger("logsentry")


class SecondLooks(ServiceConfiguring):
    """Service's second looks; the attributes are set by Service.__init__."""

    def _decide_held(self) -> None:
        """Incidents held while their host's clock was learnt, decided by that clock as of when they were held;
        incidents reported stale whose hits go on, decided again."""
        for incident, held_at, still in self.stale.clock_known(self._clock_settled, self.pipeline.tracker.incident_of,
                                                               wall_usec()):
            log.info("incident %s on %s%s (held while its host's clock was learnt): decided by that clock as of "
                     "when it was held", incident.rule_id, incident.unit, self._of_host(incident))
            for action in self.policy.decide(incident, held_at):
                self._act(action)
            if not still:  # it ended meanwhile (its end was logged, nothing to resolve then): resolved now
                self._resolve(incident)
        for incident in self.stale.going_on(self.pipeline.tracker.incident_of, self.policy.fresh):
            log.info("incident %s on %s%s goes on (its newest hit %s): decided again", incident.rule_id,
                     incident.unit, self._of_host(incident), format_usec(incident.last_usec))
            for action in self.policy.decide(incident):
                self._act(action)

    def _decide_awaited(self) -> None:
        """Incidents that waited for an earlier restart's outcome (or their longest), decided now that it is known
        (after the restarts' outcomes were refreshed)."""
        queued = lambda incident: self.state.restart_queued(incident.unit)  # noqa: E731
        for incident, held_at, still in self.stale.outcome_known(self.policy.awaits, queued,
                                                                 self.pipeline.tracker.incident_of, wall_usec()):
            log.info("incident %s on %s%s (waiting for an earlier restart's outcome): decided now", incident.rule_id,
                     incident.unit, self._of_host(incident))
            for action in self.policy.decide(incident, held_at, waited=self.policy.awaits(incident)):
                self._act(action)
            if not still:
                self._resolve(incident)
