"""The real spread of an incident's hits in journal time, for `tail`'s lines.

An incident keeps its first hit's time and its latest (engine/window.py): a hit stamped before its first (a line
that came late: a host's clock stepped back, a lagging file of a collector) extends it but is in no time it carries,
so "2 hits over 0.0s" was said of hits a minute apart (F8's finding). A follower sees every hit as it is read and
the tracker's incident it went to, so it keeps each open incident's earliest and latest hit itself."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Hit, Incident

IncidentOf = Callable[[str, str, str, str], Incident | None]
"""The tracker's open incident of (rule, machine, unit, key): BurstTracker.incident_of."""
Member = tuple[str, str, str, int]
"""(rule, machine, key, first hit's µs): an incident as the tracker holds it; its unit is left out, as a failure's
incident may take its failure's unit (a kernel line's, engine/failures.py)."""
MAX_OPEN = 10_000
"""Incidents kept at most: the oldest go first (a follower that runs for months)."""


def _member(incident: Incident) -> Member:
    return incident.rule_id, incident.machine_id, incident.key, incident.first_usec


class HitSpans:
    """Each open incident's earliest and latest hit as read, by its tracker identity (Member)."""

    def __init__(self, incident_of: IncidentOf):
        self.incident_of = incident_of
        self.spans: dict[Member, tuple[int, int, int]] = {}
        """Per incident: its earliest and latest hit read, and how many hits were read since it fired."""

    def note(self, hit: Hit) -> None:
        """A hit, after the tracker took it (the pipeline's MatchEvent): its time joins its open incident's hits."""
        incident = self.incident_of(hit.rule_id, hit.entry.machine_id, hit.entry.unit, hit.key)
        if incident is None:
            return
        at, member = hit.entry.realtime_usec, _member(incident)
        low, high, seen = self.spans.pop(member, (at, at, 0))
        self.spans[member] = (min(low, at), max(high, at), seen + 1)
        if len(self.spans) > MAX_OPEN:
            del self.spans[next(iter(self.spans))]

    def span(self, incident: Incident) -> int:
        """µs from the incident's earliest hit to its latest: its first hit (the window's first, never after the
        hits before its firing), its firing time (never before them) and every hit seen since, back-dated ones
        included. A failure's incident (engine/failures.py) counts its own hits, not the other members' lines."""
        seen = self.spans.get(_member(incident))
        if seen is None:  # not seen firing here (a restored incident): what it carries
            return incident.last_usec - incident.first_usec
        return max(seen[1], incident.fired_usec) - min(seen[0], incident.first_usec)

    def last(self, incident: Incident) -> int | None:
        """The latest hit seen go to the incident (µs), None when none was seen (counts.own_last_hit) or when it
        counts hits this incident was not seen to take: a crash loop's failure counts its rule's hits of every run
        (engine/failure_model.py), each run's its own tracker incident."""
        seen = self.spans.get(_member(incident))
        if seen is None or seen[2] + incident.threshold - 1 < incident.count:
            return None
        return seen[1]

    def ended(self, incident: Incident) -> None:
        self.spans.pop(_member(incident), None)
