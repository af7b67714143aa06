"""Which open failure of its unit a hit is evidence of (engine/failures.py, FailureGroups.note_evidence): with one
failure open the answer is mostly it; with several, the line's template or its rule decides."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Hit
from .failure_likeness import ANOTHER_FAILURE_USEC, LIKE_SHARE, failure_templates, template_likeness
from .failure_model import Failure, began

__all__ = ["MAX_SEEN", "SPAN_USEC", "adds_nothing", "evidence_among"]

SPAN_USEC = 30_000_000
"""Journal time (µs): an incident that starts this long after a failure's latest hit is another failure."""
MAX_SEEN = 16
"""A failure's chain (Failure.seen) holds at most this many places (rule, template)."""


def adds_nothing(seen: tuple[str, str], same: list[Failure]) -> bool:
    """Would a hit at place `seen` (rule, template) be no news to the failures open on its unit and run (`same`,
    FailureGroups._open_of's)? So when there are some and each has that place in its chain already, or a full
    chain: whichever evidence_among picks keeps nothing new, and with one open a lead-in keeps nothing."""
    return bool(same) and all(seen in failure.seen or len(failure.seen) >= MAX_SEEN for failure in same)


def evidence_among(hit: Hit, same: list[Failure], begun: Failure | None, cause: bool,
                   live_last: Callable[[Failure], int]) -> Failure | None:
    """Of the open failures of the hit's unit and run (`same`, the latest first), the one whose evidence the hit
    is: the one its line began (`begun`); with two or more open (a disk filling up hours into a database
    outage), the one whose templates its line's template shares most words with (half of them at least: F8's
    trial had each failure's chain carry the other's lines), or for a signature's line the one failure its rule
    already is in; else the latest whose latest hit (its own, or its members' now: `live_last`) is within
    SPAN_USEC, unless the hit is of a rule naming a cause (`cause`) ANOTHER_FAILURE_USEC or more after that
    failure began (the incident it may fire is another failure: its first line is no evidence of the first)."""
    if begun is not None and begun in same:
        return begun  # the line began it: its other hits are its (a second crash's, not the first's going on)
    if len(same) > 1 and hit.template:
        best, score = None, 0.0
        for failure in same:  # the latest first: it wins a tie
            likeness = template_likeness(hit.template, failure_templates(failure))
            if likeness > score:
                best, score = failure, likeness
        if best is not None and score >= LIKE_SHARE:
            return best
    elif len(same) > 1:  # a signature's line: the one failure its rule already is in
        rule, place, named = hit.rule_id, (hit.rule_id, ""), None
        for failure in same:  # (a second one named: none is the one; a brute force's many are all named)
            if place in failure.seen or any(member[0] == rule for member in failure.members):
                if named is not None:
                    break
                named = failure
        else:
            if named is not None:
                return named
    at = hit.entry.realtime_usec
    return next((failure for failure in same
                 if (at <= failure.last_usec + SPAN_USEC or at <= live_last(failure) + SPAN_USEC)
                 and not (cause and at - began(failure) >= ANOTHER_FAILURE_USEC)), None)
