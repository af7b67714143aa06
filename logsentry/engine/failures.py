"""One incident per failure: the signature incidents that describe one failure of one unit become one.

One OOM kill raises kernel-oom-kill, kernel-memcg-oom, systemd-unit-oom-killed, systemd-main-process-killed
and systemd-unit-failed: five rules, one event. Incidents of signature rules join one *failure* when they are
about the same unit of the same machine, in the same invocation where the journal says which, within
SPAN_USEC of journal time of the failure's latest hit, and never two incidents of one rule (a rule's windows
per key keep its incidents apart on purpose). But systemd saying the unit failed again in its next run (an outcome
or generic rule's incident of another invocation within SPAN_USEC) is the same failure: a crash loop is one page,
not one per run (a rule naming a cause, or a restart's decision, is still a failure of its own). A generic rule
(error-burst) joins a failure of its unit while any incident of that failure is open, however late it fires.
Hits that joined none lead in the unit's failure that begins soon after (engine/failure_lead.py), and a line that
began a failure is that failure's, never another's going on.

Only trusted fields join (sources/selection.py, SECURITY.md): the unit is `subject_unit`'s, the invocation is
`invocation_of`'s (`_SYSTEMD_INVOCATION_ID`; `INVOCATION_ID`/`USER_INVOCATION_ID` only on PID 1's lines;
`OBJECT_SYSTEMD_INVOCATION_ID` only on root's), and a kernel line (`_TRANSPORT=kernel`) joins a unit only
through the PID the kernel wrote, looked up among the PIDs journald stamped (`_PID`) on that unit's own
entries (`_SYSTEMD_UNIT`). Log text never names the unit or the invocation.

The failure's incident is given out once: at once when a member suggests a restart (the restart is not
delayed), else SETTLE_USEC of journal time after its first member fired, so the rest of the chain (PID 1's
lines come within milliseconds of the kernel's) can join and the most specific rule lead it. Members joining
later are evidence in its chain (its end record, views and reminders), never a second page or restart.

Most specific (`rank`): a rule naming the cause (kernel OOM kill, watchdog timeout, start-limit hit, a
runtime's own fatal line) before one reporting how systemd saw the unit end (OUTCOME_RULES), before a generic
one; then a rule suggesting a restart; then higher severity; then the earlier. The failure's severity is its
members' highest, and that of a rule one hit fires in its chain (failure_model.failure_view).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..model import Incident
from ..sources.selection import is_untrusted_source
from .failure_disks import other_disk, same_disk
from .failure_evidence import MAX_SEEN, SPAN_USEC
from .failure_hits import FailureHits
from .failure_likeness import ANOTHER_FAILURE_USEC
from .failure_model import (
    LIMIT_RULES,
    Failure,
    began,
    failure_view,
    member_id,
    near_open,
    service_stem,
    socket_service,
)
from .failure_oom import KERNEL_OOM_RULES, UNIT_OOM_RULES, absorb, settling_crash, settling_header, settling_kill
from .failure_runs import (
    escalates,
    fold,
    in_run,
    inherit,
    other_cause,
    own_cause,
    reruns,
    restarted,
    text_raises,
)
from .failure_saved import failure_from_json, snapshot_of
from .failure_subjects import other_subject

SETTLE_USEC = 2_000_000
"""Journal time (µs) an alert-only failure waits for the rest of its chain before it is given out (none when
its first rule's window is shorter than 4 times this: the policy would take it for stale)."""


APART_RULES = frozenset({"journald-suppressed"})
"""Rules about the journal rather than the unit (lines lost to the rate limit): always an incident of their own."""
MAX_FAILURES = 10_000

class FailureGroups(FailureHits):
    """Joins a unit's signature incidents into one failure and gives the failure out once (the module's docstring)."""

    def fired(self, incident: Incident, apart: bool = False, from_text: bool = False) -> list[Incident]:
        """A signature incident fired: the failure incidents to give out now (none while it settles). `apart`:
        an anomaly incident of another failure (`another_failure`) joins no open failure only for being open.
        A rule that names a cause (not an outcome, not a generic count) firing ANOTHER_FAILURE_USEC or more after
        a failure began is another failure however recent that one's last hit (the service's STATUS keeps a last
        hit current: a disk filling up two hours into a hang joined the hang's failure, never paged). An incident
        more severe than a failure given out already is its own page (`escalates`: a ZFS vdev FAULTED after its
        checksum errors' page; a crash loop's start limit), with that failure's chain (`inherit`).

        `from_text`: it fired on a line read from text (`scan --file` of a paste or a program's own log file),
        which no service pages as it is read: a failure an anomaly rule began there settles for SPAN_USEC, not
        SETTLE_USEC, so that a signature naming its cause that fires later in the same failure leads it (`rank`).
        Three error lines of a paste fired new-error-template 29 s before odoo-database-connect-failed's second
        line, which only showed in its chain. A journal's failures settle as the service's: scan shows its pages."""
        if incident.rule_id in APART_RULES:
            return [incident]
        self.changed = True
        unit, invocation = self._owners.subject(incident)
        if socket := (service := socket_service(unit)) is not None and (incident.rule_id in LIMIT_RULES or near_open(
                self._by_unit.get(self._services.key(incident.machine_id, service), ()), incident.first_usec,
                self._live_last, SPAN_USEC)):  # (its service's failure: the socket's run is none of the service's)
            unit, invocation = service, ""
            if len(self._sockets) < MAX_FAILURES:
                self._sockets[(incident.machine_id, incident.unit)] = service
        tier, restart = self._tier.get(incident.rule_id, 0), incident.action == "restart"

        def joins(f: Failure) -> bool:
            same = not invocation or not f.invocation or invocation == f.invocation
            within = incident.first_usec <= self._live_last(f) + SPAN_USEC or (not same and f is last and reruns(
                f, incident, invocation, self.starts)) or (socket and bool(f.open))  # (a socket's: while it's open)
            own = tier == 0 and own_cause(f, incident)  # (its own cause again is the loop, however long)
            again = within and not restart and not apart and (tier > 0 or own) and not restarted(f)
            disk = same_disk(f, incident)  # (a partition of a controller whose incident is open: its failure's)
            return ((same or again) and (within or disk or (tier == 2 and bool(f.open) and not apart))
                    and not (((tier == 0 and not (again and own)) or apart) and not disk
                             and incident.first_usec - began(f) >= ANOTHER_FAILURE_USEC)
                    and not (restart and f.given is not None and f.given.action != "restart")
                    and (socket or disk or not in_run(f, incident.rule_id, invocation))
                    and not other_disk(f, incident)
                    and not self._owners.other_process(incident, f.members.values())
                    and not (tier == 0 and other_cause(f, incident.rule_id, invocation, self._causes))
                    and not other_subject(f, incident, self._causes, self._anomaly))

        units = self._by_unit.get(self._services.key(incident.machine_id, unit), [])
        last = units[-1] if units else None
        near = [f for f in reversed(units) if joins(f)]
        # (a text's failure pages no one as it is read: a more severe incident raises its one card, `text_raises`)
        raises = text_raises(incident, from_text, self._anomaly)
        failure = next((f for f in near if raises or not escalates(incident, f)), None)
        if failure is not None and escalates(incident, failure):
            failure.raised = True
        given = []
        if failure is not None and invocation and failure.invocation != invocation:
            # The unit failed again in its next run within SPAN_USEC, of no new cause (a crash loop): the same
            # failure, which follows it into that run (5 runs of one loop paged 6 times)
            failure.invocation = invocation
            self._lead_into(failure, incident, unit, invocation)
        if failure is None:
            if len(self._failures) >= MAX_FAILURES:  # the oldest are given out (if not yet) and forgotten
                for old in self._failures[: MAX_FAILURES // 10]:
                    if old.given is None:
                        given.append(self._give(old))
                    for member in old.members:
                        self._by_member.pop(member, None)
                    self._drop(old)
            # Not for a rule with a short window: the policy takes an incident older than its window for stale.
            settle = SETTLE_USEC if incident.within_usec >= 4 * SETTLE_USEC else 0
            if from_text and incident.rule_id in self._anomaly and not restart:
                settle = SPAN_USEC
            failure = Failure(incident.machine_id, unit, invocation, incident.fired_usec + settle,
                               incident.last_usec)
            self._add(failure)
            self._begun = (incident.fired_usec, failure)
            self._lead_into(failure, incident, unit, invocation)
            if near:  # it escalates the unit's failure paged already: that page's chain is its cause too
                self._current(near[0])
                inherit(failure, near[0], MAX_SEEN)
            if self._earliest is None or failure.settle_usec < self._earliest:
                self._earliest = failure.settle_usec
        failure.invocation = failure.invocation or invocation
        self._update(failure, incident)
        failure.open.add(member_id(incident))
        self._by_member[member_id(incident)] = failure
        kernel = self._by_unit.get((failure.machine, "kernel"), ())
        if not kernel:
            kill = None
        elif incident.rule_id in UNIT_OOM_RULES:
            kill = settling_kill(kernel, incident, SETTLE_USEC)
        elif incident.rule_id in KERNEL_OOM_RULES and unit != "kernel":  # a kill joined to its unit by its PID
            kill = settling_header(kernel, incident, SETTLE_USEC, self._generic)
        else:
            kill = settling_crash(kernel, incident, SETTLE_USEC, service_stem(unit))
        if kill is not None:
            self._drop(kill)  # the kernel's kill or segfault PID 1 reports joins its unit's failure (failure_oom.py)
            absorb(failure, kill)
            self._by_member.update((member, failure) for member in kill.open)
        # A name lines give themselves ("(java)": a text's) is never restarted, so its failure settles too: PID 1's
        # lines about its service, a second on, join it and it shows under the service's name, not the program's.
        if failure.given is None and ((restart and not is_untrusted_source(failure.unit))
                                      or failure.settle_usec == incident.fired_usec):
            given.append(self._give(failure))
        return given

    def _lead_into(self, failure: Failure, incident: Incident, unit: str, invocation: str) -> None:  # its lead-in
        for lead in self._lead_ins.take(self._services.key(incident.machine_id, unit), invocation, incident.first_usec,
                                        incident.fired_usec):
            if lead.seen not in failure.seen and len(failure.seen) < MAX_SEEN:
                failure.seen[lead.seen] = lead.link

    def _add(self, failure: Failure) -> None:
        self._failures.append(failure)
        self._by_unit.setdefault(self._services.key(failure.machine, failure.unit), []).append(failure)

    def _drop(self, failure: Failure) -> None:
        self._failures.remove(failure)
        key = self._services.key(failure.machine, failure.unit)
        (same := self._by_unit[key]).remove(failure)
        if not same:
            del self._by_unit[key]

    def _update(self, failure: Failure, incident: Incident) -> None:
        failure.members[member_id(incident)] = incident
        failure.last_usec = max(failure.last_usec, incident.last_usec)

    def due(self, now_usec: int) -> bool:
        """Would settle(now_usec) give anything out? (O(1): it runs for every entry.)"""
        return self._earliest is not None and self._earliest < now_usec

    def settle(self, now_usec: int) -> list[Incident]:
        """Failures whose settling time passed before `now_usec`, given out now."""
        if not self.due(now_usec):
            return []
        given = [self._give(f) for f in self._failures if f.given is None and f.settle_usec < now_usec]
        self._earliest = min((f.settle_usec for f in self._failures if f.given is None), default=None)
        self.changed = True
        return given

    def ended(self, incident: Incident) -> tuple[list[Incident], Incident | None]:
        """A member's incident ended: (the failure's incident if it had still to be given out, the failure's
        final incident when this was its last open member). One its rule's next incident replaced (the unit's next
        run failed too: a crash loop) leaves it settling: given out early, its start limit paged again."""
        failure = self._by_member.pop(member_id(incident), None)
        if failure is None:
            return [], incident
        self.changed = True
        self._update(failure, incident)
        failure.open.discard(member_id(incident))
        again = any(member[0] == incident.rule_id for member in failure.open)
        first = [self._give(failure)] if failure.given is None and not again else []
        if failure.open:
            fold(failure, incident)  # (a crash loop's runs: one member per rule)
            return first, None
        self._drop(failure)
        return first, self.view(failure)

    def _give(self, failure: Failure) -> Incident:
        """Given out with its open members' latest versions (`live`, the tracker's): a member's hits after it
        joined count, whenever the failure is given (at its settling time live, at the input's end in scan),
        not only as far as the last refresh() took them."""
        self.changed = True
        self._current(failure)
        failure.unit = self._services.name(failure.machine, failure.unit)  # (its key: unit_key joins both names)
        failure.given = self.view(failure)
        return failure.given

    def _current(self, failure: Failure) -> None:  # its open members as the tracker has them now (`live`)
        live = self.live or (lambda *member: None)
        for member in failure.open:
            if (version := live(member[0], member[1], member[2], member[3])) and member_id(version) == member:
                self._update(failure, version)

    def rank(self, incident: Incident) -> tuple[int, int, int, int]:
        return (self._tier.get(incident.rule_id, 0), incident.action != "restart", -incident.severity,
                incident.first_usec)

    def view(self, failure: Failure) -> Incident:
        """The failure as one incident: its leader's (or, once given out, the given one's) with the chain."""
        return failure_view(failure, self.rank, self._one_hit)

    @staticmethod
    def _composite(failure: Failure) -> bool:
        """More than its one incident: joined, with evidence, or a kernel line moved to its unit."""
        return len(failure.members) > 1 or bool(failure.seen) or any(m[2] != failure.unit for m in failure.members)

    def grouped(self, incident: Incident) -> bool:
        """Is this tracker incident part of a failure shown through the failure's incident? (A failure of one
        incident is that incident itself.)"""
        failure = self._by_member.get(member_id(incident))
        return failure is not None and self._composite(failure)

    def open_failures(self, live: Iterable[Incident] = ()) -> list[Incident]:
        """The open failures that are more than one incident (the others are their tracker incident). `live`:
        the tracker's open incidents, whose counts and last hits have moved on since they joined."""
        self.refresh(live)
        return [self.view(f) for f in self._failures if self._composite(f)]

    def refresh(self, live: Iterable[Incident]) -> None:
        """Bring the failures' members up to their live versions (the tracker's open incidents). This decides
        the count a failure still settling is given out with, so it runs as often as before (STATUS)."""
        for incident in live:
            if (failure := self._by_member.get(member_id(incident))) is not None:
                self._update(failure, incident)

    def open_heads(self) -> list[tuple[str, str, int]]:
        """(rule, unit, first_usec) of what open_failures() gives, in its order, without making the incidents
        (their chains): STATUS names only the oldest. Call refresh() first, as open_failures() does."""
        heads = []
        for failure in self._failures:
            if not self._composite(failure):
                continue
            if failure.given is None:
                lead = min(failure.members.values(), key=self.rank)
                heads.append((lead.rule_id, failure.unit, lead.first_usec))
            else:
                heads.append((failure.given.rule_id, failure.given.unit, failure.given.first_usec))
        return heads

    def snapshot(self) -> list[dict[str, Any]]:
        """JSON-ready state, saved with the service's: the failures a crash would lose (one still settling, not
        alerted yet) or split (joined ones); a given-out failure of one incident is its tracker window
        (failure_saved.snapshot_of: what the last snapshot wrote is not made again)."""
        self.changed = False
        items, self._saved_last = snapshot_of([f for f in self._failures if f.given is None or self._composite(f)],
                                              self._saved_last)
        return items

    def restore(self, items: Sequence[Mapping[str, Any]] | None) -> None:
        for item in items or []:
            failure = failure_from_json(item)
            self._add(failure)
            self._by_member.update((member, failure) for member in failure.open)
        self._earliest = min((f.settle_usec for f in self._failures if f.given is None), default=None)
        self.changed = True
