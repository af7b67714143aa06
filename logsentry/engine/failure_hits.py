"""The open failures of each unit, and the hits that are evidence in their chains (engine/failures.py joins the
incidents into them): which unit owns a kernel line's PID, a hit's place in a failure's chain (`seen`), and the
hits that joined no failure kept to lead in the one their unit may have soon after (engine/failure_lead.py).
FailureHits holds the state FailureGroups joins incidents with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..model import Entry, Hit, Incident, ScreenedRun
from ..rules.pattern import LateRegexError
from ..rules.rule import Rule
from .failure_evidence import MAX_SEEN, adds_nothing, evidence_among
from .failure_lead import LeadIns, lead_of
from .failure_model import Failure, MemberId, TextServices, member_id
from .failure_pids import PidOwners
from .failure_runs import RESTART_RULE
from .failure_saved import Saved
from .failure_starts import RunStarts
from .prefilter import required_literals
from .window import invocation_of

OUTCOME_RULES = frozenset({"systemd-main-process-killed", "systemd-unit-failed", "systemd-restart-loop",
                           "systemd-user-unit-failure", "systemd-job-failed"})
"""Rules that say how systemd saw a unit end, not why: they lead a failure only when no cause was seen."""

def is_generic(rule: Rule) -> bool:
    """A rule whose regex matches the empty line names nothing: it counts levels (error-burst). A regex every match
    of which holds a literal (the prefilter's, 3 characters or more) cannot: told without compiling it (the
    shipped regexes are compiled when first used: rules/pattern.py)."""
    if rule.message is None:
        return True
    try:
        return required_literals(rule.message.pattern) is None and rule.message.search("") is not None
    except LateRegexError:  # (a shipped rule file edited since it was checked: the detector quarantines it)
        return False


class FailureHits:
    """What FailureGroups keeps of the open failures, and the hits it takes as their evidence or lead-ins."""

    def __init__(self, rules: Iterable[Rule]):
        rules = list(rules)
        self._tier = {rule.id: 2 if is_generic(rule) else 1 if rule.id in OUTCOME_RULES else 0 for rule in rules}
        self._causes = frozenset(rule.id for rule in rules if rule.anomaly is None and self._tier[rule.id] == 0)
        """Signature rules naming a cause: their hit 30 min or more into a failure is no evidence of it (anomaly
        rules' hits are placed before they get here: engine/owners.py)."""
        self._new_template = frozenset(rule.id for rule in rules
                                       if rule.anomaly is not None and rule.anomaly.kind == "new-template")
        """Rules whose each distinct template is its own evidence in a chain (`seen`): each new line is news."""
        self._generic = frozenset(rule.id for rule in rules if rule.anomaly is None and self._tier[rule.id] == 2)
        """Signature rules that count levels (error-burst): their link is one of the failure's other lines."""
        self._anomaly = frozenset(rule.id for rule in rules if rule.anomaly is not None)
        self._one_hit = frozenset(rule.id for rule in rules if rule.trigger.count == 1)
        """Rules one hit fires: one's link met its trigger, and its failure is as severe as it (`view`)."""
        self._lead_ins = LeadIns()  # hits that joined no failure, for their unit's beginning within LEAD_IN_USEC
        self._begun: tuple[int, Failure] | None = None
        """The failure that began last and when the incident that began it fired (µs): that line is its own."""
        self._failures: list[Failure] = []
        """Open failures, oldest first."""
        self._by_unit: dict[tuple[str, str], list[Failure]] = {}
        """The same per (machine, unit): a hit or incident looks at its own unit's only."""
        self._by_member: dict[MemberId, Failure] = {}
        self._owners = PidOwners()  # which unit a kernel line is about (engine/failure_pids.py)
        self.starts = RunStarts()  # its units' runs as they start (fed by the pipeline): failure_runs.reruns
        self._services = TextServices()  # text programs PID 1's lines named as services: a failure's name
        self._sockets: dict[tuple[str, str], str] = {}  # (machine, socket) whose failure joined its service's
        self.changed = False
        """Has anything to save changed since the last snapshot()?"""
        self._earliest: int | None = None
        """The earliest settling time of a failure not given out yet (None: none settles)."""
        self._saved_last: Saved = {}  # what the last snapshot() wrote (failure_saved.Saved)
        self.live: Callable[[str, str, str, str], Incident | None] | None = None
        """(rule, machine, unit, key) -> that window's open incident: set by the pipeline (BurstTracker.incident_of)."""
        self.known_evidence = True
        """Let a hit that adds nothing to the open failures of its unit go at once (`_says_nothing_new`); tests turn
        it off to compare with the full path."""

    def learn(self, entry: Entry) -> None:
        """Note which unit owns the entry's `_PID` (journald's, so trusted; never from text input)."""
        self._owners.learn(entry)
        if entry.from_text:
            if entry.fields.get("_PID") == "1":
                self._services.note(entry.machine_id, entry.unit)
            else:
                self._services.saw(entry.machine_id, entry.unit)

    def learn_run(self, run: ScreenedRun) -> None:
        """`learn` for a run of screened-out entries (journal entries only: a text line is never screened out)."""
        if run.pids:
            self._owners.learn_run(run)

    def joined(self, machine: str, unit: str) -> str:
        """The unit as failures are joined by (TextServices.key): a text service's as its program's name, a socket's
        whose failure joined its service's as that service's."""
        return self._services.key(machine, self._sockets.get((machine, unit), unit))[1]

    def note_evidence(self, hit: Hit, joined: bool = False) -> None:
        """A hit on a unit with a failure open is evidence in that failure's chain (`_evidence_of`); else it may
        lead in the failure that begins soon after it (`lead_in`). A hit that adds nothing (`_says_nothing_new`)
        is let go at once: most are of a failure going on (an ssh brute force's every attempt, a crash loop's
        errors), ~5 µs a hit spared picking the failure (more on a unit with many failures open). `joined`: an
        anomaly rule's hit that its unit's open incident took (Link.joined)."""
        same = self._open_of(hit.entry)
        if same:
            self._tally(hit, same)
        if self.known_evidence and self._says_nothing_new(hit, same):
            return
        failure = self._evidence_of(hit, same)
        if failure is None:
            if not same:  # (with a failure of its unit and run open, lead_in keeps nothing)
                self.lead_in(hit)
            return
        if hit.rule_id == RESTART_RULE:  # systemd restarts the unit itself: its next run failing is this loop's
            failure.rerun_usec = max(failure.rerun_usec, hit.entry.realtime_usec)
        seen, line = self._seen(hit), (hit.entry.realtime_usec, hit.entry.cursor)
        if seen in failure.seen or len(failure.seen) >= MAX_SEEN or (hit.rule_id in self._generic and any(
                (member.fired_usec, member.cursor) == line for member in failure.members.values())):
            return  # (a generic rule's hit on a line that fired a member says nothing more: a later line will)
        self.changed = True
        failure.seen[seen] = lead_of(hit, seen, joined=joined).link

    def _tally(self, hit: Hit, same: list[Failure]) -> None:
        """Count the hit in each open failure of its unit and run whose chain has its rule's place (`seen`) already:
        that link's count is then its rule's lines in the failure (Failure.tallies), as the scan's table of matches
        counts them, not only those up to the link's line. A count alone asks for no save (`changed`): a brute
        force's every line would; the next change saves it."""
        place, at = self._seen(hit), hit.entry.realtime_usec
        for failure in same:
            if place in failure.seen:
                tally = failure.tallies.get(place)
                if tally is None:
                    failure.tallies[place] = [1, at]
                else:
                    tally[0] += 1
                    tally[1] = max(tally[1], at)

    def _says_nothing_new(self, hit: Hit, same: list[Failure]) -> bool:
        """Would note_evidence leave everything as it is (failure_evidence.adds_nothing)? Never for a hit of
        RESTART_RULE: it moves its failure's rerun time on."""
        return hit.rule_id != RESTART_RULE and adds_nothing(self._seen(hit), same)

    def lead_in(self, hit: Hit) -> None:
        """Keep a hit that joined no failure (a signature's or an anomaly rule's below its trigger) for the failure
        its unit may have within LEAD_IN_USEC (engine/failure_lead.py: a crash's traceback before PID 1's lines).
        Not a line of an open incident (its window holds one), nor while a failure of its unit (and run) is open:
        its rules keep such a line apart (a cause 30 min in: R4's upstream line 2.5 s before the disk filled up)."""
        entry, live = hit.entry, self.live
        if live is not None and live(hit.rule_id, entry.machine_id, entry.unit, hit.key) is not None:
            return
        if (unit := self._services.key(entry.machine_id, entry.unit)) not in self._by_unit or not self._open_of(entry):
            self._lead_ins.note(unit, hit, self._seen(hit))

    def _seen(self, hit: Hit) -> tuple[str, str]:
        """The hit's place in a chain (Failure.seen): its rule, and its template for a new-template rule's."""
        return hit.rule_id, hit.template if hit.rule_id in self._new_template else ""

    def _open_of(self, entry: Entry) -> list[Failure]:
        """The open failures of the entry's unit in its invocation where both say one, the latest first."""
        failures = self._by_unit.get(self._services.key(entry.machine_id, entry.unit))
        if failures is None:
            return []
        invocation = invocation_of(entry.fields)
        return [failure for failure in reversed(failures)
                if failure.open and (not invocation or not failure.invocation or invocation == failure.invocation)]

    def note_pid(self, hit: Hit) -> None:
        """Remember the PID a kernel line named, for the incident the hit may fire (before it is added)."""
        self._owners.note(hit)

    def _evidence_of(self, hit: Hit, same: list[Failure] | None = None) -> Failure | None:
        """The open failure of the hit's unit (same invocation where both say) whose evidence the hit is
        (failure_evidence.evidence_among), else None. `same`: `_open_of(hit.entry)`, when the caller has it."""
        if same is None:
            same = self._open_of(hit.entry)
        if not same:
            return None
        return evidence_among(hit, same, self.begun_by(hit.entry), hit.rule_id in self._causes, self._live_last)

    def begun_by(self, entry: Entry) -> Failure | None:
        """The failure the line began (an incident it fired joined no open failure), else None."""
        begun = self._begun
        if begun is None or begun[0] != entry.realtime_usec \
                or self._services.key(begun[1].machine, begun[1].unit) != self._services.key(entry.machine_id,
                                                                                             entry.unit):
            return None
        return begun[1]

    def goes_on(self, incident: Incident, entry: Entry) -> bool:
        """May the line be taken as the open (anomaly) `incident` going on? Not when it began another failure of
        the unit: it is that failure's line (a text log's second identical Go panic, 10 min after the first, kept
        the first's new-fatal-template incident open and became that failure's last line)."""
        begun = self.begun_by(entry)
        return begun is None or self._by_member.get(member_id(incident)) is begun

    def _live_last(self, failure: Failure) -> int:
        """The latest hit of the failure's open members as the tracker has them now (`live`): scan never refreshes
        its failures, so their own last hit may be minutes old (the service's STATUS keeps it current)."""
        live = self.live
        if live is None:
            return failure.last_usec
        versions = (live(member[0], member[1], member[2], member[3]) for member in failure.open)
        return max([failure.last_usec, *(version.last_usec for version in versions
                                         if version is not None and member_id(version) in failure.open)])
