"""What the pipeline (pipeline.py) yields, for each mode to show or act on, and the counters it keeps while it
runs. Times are µs of journal time."""

from __future__ import annotations

from dataclasses import dataclass

from ._slots import SlotMaker
from .engine.absence import Gap
from .engine.detector import Quarantine
from .model import Action, Hit, Incident, ScreenedRun


@dataclass(frozen=True, slots=True)
class MatchEvent:
    """A rule matched an entry. `fires`: its trigger fired an incident with it (that incident, or the failure it
    joins, is given out now or once it settles): the service keeps the unit's lines up to this hit for its alert
    (service_alerts._remember_hit), only for such hits, not for every one."""

    hit: Hit
    fires: bool = False


new_match = SlotMaker(MatchEvent, ("hit", "fires"))
"""MatchEvent(hit, fires) without the frozen __init__ (_slots.c): one per hit (pipeline._hits)."""


@dataclass(frozen=True)
class IncidentEvent:
    """An incident given out: one per failure (a signature's chain, or an anomaly or silence alone)."""

    incident: Incident


@dataclass(frozen=True)
class ActionEvent:
    """What the policy decided for an incident given out (done, dry run, or refused by its guards)."""

    action: Action


@dataclass(frozen=True)
class EndedEvent:
    """An incident whose window passed with no new hit; `open_at_end` when the input ended first."""

    incident: Incident
    open_at_end: bool = False


@dataclass(frozen=True)
class QuarantineEvent:
    """A rule ran out of time on an entry (runaway regex) and is quarantined for a while."""

    quarantine: Quarantine


@dataclass(frozen=True)
class GapEvent:
    """A silence with its real length, given when it ends (just before its EndedEvent) or when the input ends."""

    gap: Gap


Event = MatchEvent | IncidentEvent | ActionEvent | EndedEvent | QuarantineEvent | GapEvent


@dataclass
class Progress:
    """Counters the caller can read while or after the loop runs."""

    entries: int = 0
    matches: int = 0
    matched_lines: int = 0
    """The entries `matches` were on: a line often matches several rules (a PostgreSQL FATAL line its signature,
    error-burst and new-error-template), and "38 matches" of 24 entries read as a miscount (new-user trial 230)."""
    incidents: int = 0
    first_usec: int | None = None
    """The earliest journal time read (µs): entries come out of order (a lagging host, a back-dated line)."""
    last_usec: int | None = None
    """The latest journal time read (µs): the span 'from first to last' never runs backwards (helper F8)."""

    def saw(self, realtime_usec: int) -> None:
        """One more entry read, at this journal time."""
        self.entries += 1
        if self.first_usec is None or realtime_usec < self.first_usec:
            self.first_usec = realtime_usec
        if self.last_usec is None or realtime_usec > self.last_usec:
            self.last_usec = realtime_usec

    def saw_run(self, run: ScreenedRun) -> None:
        """A run of entries read (screened out, summarised): its first entry's time and its latest."""
        self.entries += run.count
        if self.first_usec is None or run.first_usec < self.first_usec:
            self.first_usec = run.first_usec
        if self.last_usec is None or run.peak_usec > self.last_usec:
            self.last_usec = run.peak_usec
