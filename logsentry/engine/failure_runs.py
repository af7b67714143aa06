"""A failure across its unit's runs and pages: a crash loop is one failure, a run that dies of something new is
another, and a page more severe than the failure's escalates it with its chain (engine/failures.py decides when)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from ..model import Incident
from .failure_model import Failure, began, member_id, member_links
from .failure_starts import RunStarts

RESTART_RULE = "systemd-restart-loop"
"""Its every line is PID 1's "Scheduled restart job" (or older wordings): systemd restarts the unit itself."""
RERUN_USEC = 600_000_000
"""How long after systemd scheduled a unit's restart (µs of journal time) its next run failing is still the loop:
a run may work for a while before it fails again (helper-129's 40 s runs paged every run, 30 s apart at most)."""


def reruns(failure: Failure, incident: Incident, invocation: str, starts: RunStarts) -> bool:
    """Is the incident (of another run, `invocation`) the run systemd restarted the unit into after the failure,
    failing before it had recovered (failure_starts.py)? Not a run begun after that one (the next boot's), nor
    one that served for minutes: a recurring crash is a page each time, not a reminder's count (trial 73, D4)."""
    return 0 <= failure.rerun_usec <= incident.first_usec <= failure.rerun_usec + RERUN_USEC and \
        starts.restarted_into(failure.machine, failure.unit, failure.rerun_usec, invocation, incident.first_usec)


def in_run(failure: Failure, rule_id: str, invocation: str) -> bool:
    """Has the rule an incident in the failure from the same run (invocation; "" on either side: any run)? Never
    two of one rule in one run: its windows keep them apart on purpose."""
    return any(m.rule_id == rule_id and (not invocation or not m.invocation or m.invocation == invocation)
               for m in failure.members.values())


def own_cause(failure: Failure, incident: Incident) -> bool:
    """Is the incident's rule (one naming a cause) the failure's own cause again: a member of another run, or its
    line in the chain (`seen`: below its trigger there) among the hits that fired it? A Rust service that panicked
    at one place run after run (rust-panic fires at its third) paged a second time at the third run."""
    rule = incident.rule_id
    return in_run(failure, rule, "") or any(
        key[0] == rule and incident.first_usec <= link.first_usec <= incident.fired_usec
        for key, link in failure.seen.items())


def restarted(failure: Failure) -> bool:
    """Did the failure decide a restart (logsentry's own)? The unit's next run is that restart's outcome: its
    failing is news (the restart did not help), never the failure going on."""
    return any(m.action == "restart" for m in failure.members.values())


def other_cause(failure: Failure, rule_id: str, invocation: str, causes: Collection[str]) -> bool:
    """Has the failure a cause (a rule of `causes`) other than `rule_id` from another run? A crash loop's run that
    dies of something new is another failure, paged (in the bench journal a Go service died of a nil pointer, then
    of a concurrent map write: the second joined the first's loop, unpaged)."""
    return bool(invocation) and any(m.rule_id in causes and m.rule_id != rule_id and m.invocation
                                    and m.invocation != invocation for m in failure.members.values())


def fold(failure: Failure, ended: Incident) -> None:
    """A run's incident that ended, of a rule an earlier run's ended incident in the failure has too (a crash loop's
    next run): its hits go to that one's, so a loop keeps a member per rule, not one per run (16,000 runs of one
    loop: each run's incident looked through them all, 15 s of scan for 4 s at 4,000, and a service saved them all).
    Not the failure's given incident, which stays its identity."""
    given, mid, same = failure.given, member_id(ended), (ended.rule_id, ended.unit, ended.key, ended.template)
    if given is not None and (given.rule_id, given.key, given.first_usec) == (ended.rule_id, ended.key,
                                                                              ended.first_usec):
        return
    into = next((m for k, m in failure.members.items() if k != mid and k not in failure.open
                 and (m.rule_id, m.unit, m.key, m.template) == same), None)
    if into is not None:
        failure.members[member_id(into)] = replace(into, count=into.count + ended.count,
                                                   last_usec=max(into.last_usec, ended.last_usec),
                                                   severity=max(into.severity, ended.severity))
        del failure.members[mid]


def escalates(incident: Incident, failure: Failure) -> bool:
    """Is the incident more severe than the unit's failure as paged already? Then it is a page of its own
    (its route may be another: Alertmanager routes by severity), not a link in that failure's chain."""
    return failure.given is not None and incident.severity > failure.given.severity


def text_raises(incident: Incident, from_text: bool, anomaly: Collection[str]) -> bool:
    """May the incident, when more severe than the failure given out already (`escalates`), join it and raise its
    severity instead? Only an anomaly rule's (a template, no cause named: a signature naming one still leads a card
    of its own) on lines read from text: a paste or a program's own log is read after the fact and pages no one, so
    its failure is one card at its worst severity (a new user's API outage: an ERROR card of new-error-template,
    then a CRITICAL one of new-fatal-template 64 s later with the same chain). A journal's escalation stays its own
    page, as the service sends it (Alertmanager routes by severity)."""
    return from_text and incident.rule_id in anomaly


def inherit(failure: Failure, paged: Failure, limit: int) -> None:
    """Give a failure that escalates `paged` (`escalates`) that failure's chain as evidence, up to `limit` links:
    a crash loop's start-limit-hit page said only that systemd gave up, while the crash's own line (the
    cause) was in the first page's chain only. The links keep their rule's first line and count as paged
    (failure_model.member_links: a loop's runs of one rule are one link). It began when `paged` did."""
    failure.since_usec = began(paged)
    for key, link in [*member_links(paged.members.values()).items(), *paged.seen.items()]:
        if len(failure.seen) >= limit:
            return
        if key not in failure.seen and (key[0], "") not in failure.seen:
            failure.seen[key] = link
