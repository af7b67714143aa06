"""What the anomaly rules find on one line, as the pipeline takes it: each hit kept is a failure of its own, one
that belongs to a failure already open is evidence in its chain (engine/owners.py), a planned stop's shutdown lines
are never paged (engine/stop_windows.py), and an error line of an open anomaly incident's template says that failure
goes on.

Kept apart from the pipeline (pipeline.py), which turns the hits into events: this only judges the line. Every mode
runs it per entry in full, per screened-out entry, and per entry the counted path (engine/runstep.py) lets through.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Entry, Hit, Incident, host_unit
from .anomaly import AnomalyDetector
from .failures import FailureGroups
from .novelty import GOING_ON_USEC
from .owners import Owners
from .runstep import RunStep
from .runstep_limits import Single
from .stop_windows import StopWindows
from .window import BurstTracker, invocation_of

WentOn = tuple[str, str, Incident, Incident]
"""(rule, key, before, after) of an open anomaly incident a line said goes on (AnomalyStep._goes_on)."""


class AnomalyStep:
    """The anomaly step over the pipeline's windows, failures, owners and planned stops (it holds them, it does
    not own them)."""

    def __init__(self, anomaly: AnomalyDetector, owners: Owners, stops: StopWindows, tracker: BurstTracker,
                 failures: FailureGroups):
        self.anomaly = anomaly
        self.owners = owners
        self.stops = stops
        self.tracker = tracker
        self.failures = failures

    def find(self, entry: Entry, runstep: RunStep | None, single: Single | None = None, learn: bool = True,
             noted: list[Hit] | None = None, went_on: list[WentOn] | None = None) -> list[Hit]:
        """The anomaly hits on an entry (it is learnt unless `learn` is False); while a signature incident is open
        on its unit, only another failure's (engine/owners.py): the signature, which says what the failure is,
        keeps the incident. `runstep`: the pipeline's counted path, if it has one. `single`: the entry came from
        the RunStep (in its place among the counted ones), with its template when it found it. `noted`, `went_on`:
        its evidence and what it said goes on, for Pipeline._line."""
        if single is not None:
            found = self.anomaly.observe(entry, single.template)
            self._goes_on(entry, went_on, found)
        elif runstep is None:
            found = self.anomaly.observe(entry, learn=learn)
            self._goes_on(entry, went_on, found)
        else:  # an entry in full: counted with its unit's others, or after them
            found = []
            for each in runstep.entry(entry, learn):
                hits = self.anomaly.observe(each.entry, each.template, learn or each.entry is not entry)
                self._goes_on(each.entry, went_on if each.entry is entry else None, hits)
                found += hits
        if not found:  # (most lines: nothing to sort, filter or keep)
            return found
        if len(found) > 1:  # the most severe rule on the line leads its incident; the others are evidence in it
            found.sort(key=lambda hit: -hit.severity)
        if self.stops.active:  # a planned stop's shutdown lines (engine/stop_windows.py): never paged
            found = [hit for hit in found if not self.stops.covers(hit.entry)]
        kept = self.owners.kept(found)
        if len(kept) < len(found):  # the open signature failure's, seen again: evidence in its chain, as in _hits
            for hit in found:
                if all(hit is not other for other in kept):
                    if noted is None:
                        self.failures.note_evidence(hit, joined=True)
                    else:
                        noted.append(hit)
        return kept

    def _goes_on(self, entry: Entry, went_on: list[WentOn] | None = None, hits: Sequence[Hit] = ()) -> None:
        """The entry just observed is a line of an open anomaly incident's template, at error level: that
        failure goes on (Owners.going_on), its incident with it, for a day at most (GOING_ON_USEC: as long as
        the template stays new while an anomaly goes on; a benign new line logged ever after must not keep an
        incident open for good, a later failure in its window). `went_on`: each before and after, for
        Pipeline._line. `hits`: the entry's own hits: a line its incident's rule hits is one of its lines, not
        a line besides them (helper-170's trial: "241 matching lines in all and 238 more lines of its failure"
        for 241 lines)."""
        if self.owners.going and (template := self.anomaly.last_template) is not None:
            stats = self.anomaly.baselines.templates.get(host_unit(entry.machine_id, entry.unit), {}).get(template.id)
            tracker, machine, unit = self.tracker, entry.machine_id, entry.unit
            for rule_id, key in self.owners.going_on(entry, template.text,
                                                     stats.first_usec if stats is not None else None):
                if any(hit.rule_id == rule_id for hit in hits):
                    continue
                before = tracker.incident_of(rule_id, machine, unit, key)
                tracker.goes_on(rule_id, machine, unit, entry.realtime_usec, invocation_of(entry.fields),
                                GOING_ON_USEC, key)
                if went_on is not None and before is not None and \
                        (after := tracker.incident_of(rule_id, machine, unit, key)) is not None and after is not before:
                    went_on.append((rule_id, key, before, after))
