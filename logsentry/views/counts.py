"""An incident's counts told the same way in every view, with the names `-o json` gives them: the rule's
trigger (`threshold` hits within `within_usec`), the hits when it fired (its `threshold`: a trigger fires at
that hit), when it was reported (the `incident` record's `count`: a failure waits 2 s of journal time for its
chain, so more may have come) and at its end (`incident_end`'s `count`)."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Incident
from ..timespec import format_duration, format_usec
from ..wording import plural


def trigger_text(incident: Incident) -> str:
    """"trigger: 10 hits within 10m"."""
    return f"trigger: {plural(incident.threshold, 'hit')} within {format_duration(incident.within_usec)}"


def fired_at(incident: Incident) -> str:
    """"at its first hit", "at hit 10": a trigger fires at its `threshold`-th hit."""
    return "at its first hit" if incident.threshold == 1 else f"at hit {incident.threshold:,}"


def count_story(incident: Incident, reported: int | None = None,
                clock: Callable[[int], str] = format_usec) -> str:
    """"first hit T; fired T at hit 10 (trigger: 10 hits within 10m), reported at 12 hits; last hit T: 14 hits
    in all over 6.5s": `incident` is the incident at its end, `reported` the count of its `incident` record."""
    told = (f", reported at {plural(reported, 'hit')}"
            if reported is not None and reported != incident.threshold else "")
    lower = "at least " if incident.dropped else ""
    span = incident.last_usec - incident.first_usec
    over = f" over {format_duration(span)}" if span else ""
    return (f"first hit {format_usec(incident.first_usec)}; fired {clock(incident.fired_usec)} {fired_at(incident)} "
            f"({trigger_text(incident)}){told}; last hit {clock(incident.last_usec)}: "
            f"{lower}{plural(incident.count, 'hit')} in all{over}")
