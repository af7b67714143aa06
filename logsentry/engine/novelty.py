"""Why a line's template is new to a new-template rule (engine/anomaly.py), in words that stay true: "never logged"
for the line that first showed it, or a burst's later lines within its window; "had not logged ... when first seen
T, D before this line" for a template seen before."""

from __future__ import annotations

from ..rules.rule import Rule
from ..timespec import format_duration, format_usec
from ..wording import plural
from .baseline import TemplateStats

LEARNT_SIGHTINGS = 10
"""While its unit stays anomalous, a new template stays new until it was learnt this many times: an outage
longer than `novel_for` stays one incident."""
GOING_ON_USEC = 86_400_000_000
"""...but for a day of journal time after its first sighting at most: a template that appeared with an anomaly
and has been logged steadily for a day is the unit's new normal. Else a benign novelty logged every few
minutes kept its unit anomalous for good, its incident open, and a real failure later on joined it unpaged
(helper T: a kubelet line, new at midnight, held its unit for 3.6 days and swallowed a containerd outage)."""

KNOWN_NORMAL_USEC = 3_600_000_000
"""A unit with less history than this (the anomaly rules' default warm_after, µs) has no known normal: a rule
that judges it anyway (new-fatal-template judges a pasted log or a program's log file from its unit's first
line: AnomalySpec.excerpts) says so, and a template new in it is new for `novel_for` only, never "while the
anomaly it came in goes on": with no normal, every line would be that anomaly (a gunicorn `[CRITICAL] WORKER
TIMEOUT` logged every few minutes, first seen in the unit's second second, paged again for 9 h)."""


def new_why(rule: Rule, stats: TemplateStats, usec: int, hot_since: int | None, excerpt: bool = False,
            of_line: bool = False) -> str | None:
    """Why the line of this template at `usec` is new to the rule, or None. `excerpt`: it was read from text
    and the rule judges excerpts (AnomalySpec.excerpts), so the unit's warm-up does not apply. `of_line`: said of
    the line alone (another rule's incident that begins at it carries it), not of the rule's burst."""
    spec = rule.anomaly
    assert spec is not None
    # New for `novel_for` after its first sighting; longer while the anomaly it appeared in goes on
    # (an outage longer than novel_for stays one incident), unless it became part of the normal since.
    # A flood's lines were learnt until it fired, but the anomaly that began while it was new is its own.
    going_on = (hot_since is not None and usec - stats.first_usec <= GOING_ON_USEC
                and stats.unit_age_usec >= KNOWN_NORMAL_USEC
                and ((stats.first_usec >= hot_since and stats.count < LEARNT_SIGHTINGS)
                     or (spec.flood and hot_since - stats.first_usec <= spec.novel_for_usec)))
    if stats.accepted or (usec - stats.first_usec > spec.novel_for_usec and not going_on):
        return None
    cold = stats.unit_age_usec < spec.warm_after_usec or stats.unit_entries < spec.warm_entries
    if spec.excerpts_only:  # an excerpt's: a unit with an hour of history, or warm_entries lines, before it is past
        # its excerpt (a long log's quiet program, 150 lines in 12 hours, was judged as a paste's all along: trial 68)
        cold = stats.unit_age_usec < spec.warm_after_usec and stats.unit_entries < spec.warm_entries
    if cold if not excerpt else spec.excerpts_only and not cold:
        return None  # it appeared while the unit's normal was still being learnt: part of that normal; or, to a
        # rule that judges excerpts only, once it was learnt: the rules that judge a normal judge it
    # its lines before, and over how long where that is a second or more (a paste's few lines within a second:
    # "0.0s (1 entries) of history" read as a fault, helper-124); "never logged in 2 entries of history" read as
    # logsentry's words, not an operator's (rough edge 65's 8). The count is of the unit's lines learnt into its
    # baseline before the template first came (TemplateStats.unit_entries), not of the lines before it in the input:
    # "its 969 earlier lines" under a line 968 lines into a log, "its 1 earlier line" under one 10 lines into a
    # paste (lines in an anomaly, or before a stream's learning, are not learnt) read as a miscount (newuser76's 5)
    learnt = f"the {plural(stats.unit_entries, 'line', separated=False)} of it learnt"
    over = f" (over {format_duration(stats.unit_age_usec)})" if stats.unit_age_usec >= 1_000_000 else ""
    history = f"{learnt} before{over}"
    if stats.unit_entries == 0:  # its first line, read from text (new-fatal-template)
        history = (f"its history (none: {'this is' if usec == stats.first_usec else 'it was'} its first line), "
                   "before its normal was learnt")
    elif stats.unit_age_usec < KNOWN_NORMAL_USEC:  # read from text, judged cold (new-fatal-template)
        history = f"{learnt}{over}, before its normal was learnt"
    # Seen before this incident's window (paged then, maybe): "never logged" would read as false (helper F2);
    # and for a rule one hit fires, seen before this line: its incident began with that line, or another
    # failure's has this one (a second Go panic 10 min after the first, within the window, said "never logged").
    if spec.flood or usec == stats.first_usec or (
            not of_line and rule.trigger.count > 1 and usec - stats.first_usec <= rule.trigger.within_usec):
        return f"a template this unit never logged in {history}, first seen {format_usec(stats.first_usec)}"
    still = (f"new for {format_duration(spec.novel_for_usec)} after that" if not going_on
             or usec - stats.first_usec <= spec.novel_for_usec else "new while the anomaly it came in goes on")
    history += "," if stats.unit_age_usec < KNOWN_NORMAL_USEC else ""  # "..., before its normal was learnt,"
    return (f"a template this unit had not logged in {history} when first seen {format_usec(stats.first_usec)}, "
            f"{format_duration(usec - stats.first_usec)} before this line: not learnt as normal since, {still}")
