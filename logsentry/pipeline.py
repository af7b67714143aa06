"""The one loop that scan, tail and the service all run: entries -> detector -> windows -> actions.

It yields events (events.py, re-exported here) rather than printing them, so each mode decides how to show or
act on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from .engine.absence import Overrides, SilenceTracker
from .engine.also_why import also_why
from .engine.anomaly import AnomalyDetector
from .engine.anomaly_step import AnomalyStep, WentOn
from .engine.detector import Detector
from .engine.failure_hits import is_generic
from .engine.failures import FailureGroups
from .engine.host_boots import RULE_ID as REBOOT_RULE
from .engine.main_exits import MainExits
from .engine.owners import Owners
from .engine.policy import Policy
from .engine.runstep import RunStep
from .engine.runstep_limits import Single, supports
from .engine.skipped_runs import SkippedRuns
from .engine.stop_windows import StopWindows
from .engine.unit_causes import UnitCauses
from .engine.unit_changes import UnitChanges
from .engine.usb_disks import UsbDisks
from .engine.window import BurstTracker
from .events import ActionEvent as ActionEvent
from .events import EndedEvent as EndedEvent
from .events import Event as Event
from .events import GapEvent as GapEvent
from .events import IncidentEvent as IncidentEvent
from .events import MatchEvent as MatchEvent
from .events import Progress as Progress
from .events import QuarantineEvent as QuarantineEvent
from .events import new_match
from .model import Action, Entry, Hit, Incident, ScreenedRun, host_unit
from .sources.selection import MANAGER_OWN
from .suppressions import Suppressions


def incident_key(incident: Incident) -> str:
    return host_unit(incident.machine_id, incident.unit)


class ActionPolicy(Protocol):
    """Decides what to do about a fired incident (Policy for scan/tail, GuardedPolicy for the service)."""

    def decide(self, incident: Incident) -> list[Action]: ...


def dry_run_executor(action: Action) -> Action:
    return action


class Pipeline:
    def __init__(
        self,
        detector: Detector,
        policy: ActionPolicy | None = None,
        execute: Callable[[Action], Action] = dry_run_executor,
        anomaly: AnomalyDetector | None = None,
        silence_overrides: Overrides | None = None,
    ):
        """`anomaly` defaults to a fresh one (empty baselines) when the detector's rules include anomaly
        rules; the service passes one with its saved baselines, `baseline learn` one that only learns.
        `silence_overrides` is the site config's word on silence per unit (SiteConfig.silence_for)."""
        self.detector = detector
        if anomaly is None and any(rule.anomaly is not None for rule in detector.rules.values()):
            anomaly = AnomalyDetector(detector.rules.values())
        self.anomaly = anomaly
        self.runstep = RunStep(anomaly) if anomaly is not None and supports(anomaly) else None
        """The anomaly step over whole ScreenedRuns (None: each entry observed; tests set it to compare)."""
        self._anomaly_rules = frozenset(rule.id for rule in detector.rules.values() if rule.anomaly is not None)
        self._signature_rules = frozenset(rule.id for rule in detector.rules.values()
                                          if rule.anomaly is None and rule.absence is None)
        self._naming_rules = self._signature_rules - {rule.id for rule in detector.rules.values() if is_generic(rule)}
        self._excerpt_rules = frozenset(rule.id for rule in detector.rules.values()
                                        if rule.anomaly is not None and rule.anomaly.excerpts)
        """Anomaly rules that judge a text's lines from its unit's first: below their triggers there, a line is no
        lead-in of a failure (any line saying "error" of a paste would be); the card's last lines show it."""
        # Anomaly incidents join failures too, ranked with the generic rules (engine/failures.py): the signature
        # that fires within the settling time leads; one that fires later is evidence in the chain, not a
        # second page for the same failure.
        self._failure_rules = self._signature_rules | {rule.id for rule in detector.rules.values()
                                                       if rule.anomaly is not None}
        self.tracker = BurstTracker(detector.rules.values())
        self.owners = Owners(self.tracker, anomaly, self._signature_rules, self._anomaly_rules)
        self.stops = StopWindows()
        """Planned stops (engine/stop_windows.py): the anomaly hits on a unit's shutdown lines are not paged."""
        """Whose an anomaly hit on a unit with incidents open is (engine/owners.py)."""
        self.failures = FailureGroups(detector.rules.values())
        """Signature and anomaly incidents joined per failure of a unit: one incident given out per failure."""
        self.failures.live = self.tracker.incident_of
        self.anomaly_step = AnomalyStep(anomaly, self.owners, self.stops, self.tracker, self.failures) \
            if anomaly is not None else None
        """What the anomaly rules find on a line (engine/anomaly_step.py)."""
        self.silence = SilenceTracker(detector.rules.values(), silence_overrides)
        self.suppressions = Suppressions()
        self.exits = MainExits(self.failures.joined)
        """How each unit's main process ended, as PID 1 said it (engine/main_exits.py): a failure's card says."""
        self.causes = UnitCauses(self.failures.joined)
        """What systemd (and systemd-oomd) said was wrong with each unit (engine/unit_causes.py): the card quotes it."""
        self.changes = UnitChanges(self.failures.joined)
        """The services PID 1 stopped or saw fail on every host (engine/unit_changes.py): what changed just
        before an incident, its card and alert say."""
        self.skips = SkippedRuns()
        self.usb = UsbDisks()  # a USB disk pulled out: its failed reads are no disk failing (engine/usb_disks.py)
        self.policy: ActionPolicy = policy or Policy()
        self.execute = execute
        self.progress = Progress()
        self._matched: Entry | None = None
        """The entry of the latest match counted (Progress.matched_lines)."""

    def process(self, entry: Entry) -> Iterator[Event]:
        """Events caused by one entry (and by the time it carries)."""
        progress, silence, detector = self.progress, self.silence, self.detector
        now = entry.realtime_usec
        progress.saw(now)
        if silence:  # its host's clock jump and its host seen: before its time is looked at
            silence.arrived(entry)
        if self.tracker.due(now) or (silence and silence.due(now)) or self.failures.due(now):
            yield from self.tick(now)
        fields = entry.fields
        self.failures.starts.saw(entry)  # (the runs a unit starts: which one systemd's restart started)
        if (pid := fields.get("_PID")) == "1":  # systemd's own line: what it says of a unit's stops and exits
            if entry.from_text:  # (a journal's PID 1 owns no unit's PID: FailureGroups.learn skips it)
                self.failures.learn(entry)
            self.stops.note(entry)
            self.exits.note(entry)
            self.causes.note(entry)
            self.skips.note(entry)
            self.changes.note(entry)
        elif pid is not None:  # (StopWindows reads PID 1's lines only; MainExits a user manager's too)
            self.failures.learn(entry)
            self.exits.note(entry)
            self.causes.note(entry)  # (a user manager's, systemd-oomd's)
            self.skips.note(entry)
        elif fields.get("_SYSTEMD_USER_UNIT") == MANAGER_OWN:  # (a user unit's status header told: status_paste.py)
            self.exits.note(entry)
        elif entry.unit == "kernel":
            self.usb.note(entry)
        if "N_DROPPED" in fields:
            self.suppressions.note(entry)  # journald's "Suppressed N messages": counts are lower bounds
        if silence:
            for incident, gap in silence.observe(entry):
                yield GapEvent(gap)
                yield EndedEvent(incident)
        hits = detector.detect(entry)
        if hits:
            hits = self.usb.kept(self.skips.kept(hits))  # a start limit of skipped runs, a USB disk pulled out
        if detector.quarantine_news:
            for quarantine in detector.take_quarantines():
                yield QuarantineEvent(quarantine)
        noted: list[Hit] = []
        went_on: list[WentOn] = []
        if self.anomaly:
            # A line of a failure a signature names (its incident open, or fired by it) is not learnt as the
            # unit's normal; a hit below its rule's trigger is ordinary traffic and is, and so is a generic
            # rule's (error-burst names nothing: a batch job's recurring burst of handled errors was never learnt,
            # and the unit's error rate paged at every batch, helper-170's trial; the anomaly rules judge it).
            found = self._anomalies(entry, learn=not hits or not any(
                hit.rule_id in self._naming_rules and self.tracker.holds(hit) for hit in hits),
                noted=noted, went_on=went_on)
            if found:
                if hits:  # the same line: a signature incident it fires carries the anomaly's reason too
                    hits = also_why(hits, found, self._signature_rules, self.anomaly.said_of_line)
                hits = hits + found if hits else found
        if hits or noted or went_on:
            yield from self._line(entry, hits, noted, went_on)

    def _line(self, entry: Entry, hits: list[Hit], noted: list[Hit], went_on: list[WentOn]) -> Iterator[Event]:
        """One line's hits (`noted`: evidence the anomaly step found); what it said goes on (AnomalyStep._goes_on) is
        undone where the line began another failure, whose line it is (a second Go panic kept the first's incident
        open)."""
        if hits or noted:
            yield from self._hits(hits, noted)
        if went_on and self.failures.begun_by(entry) is not None:
            for rule_id, key, before, after in went_on:
                if not self.failures.goes_on(after, entry):
                    self.tracker.went_back(rule_id, entry.machine_id, entry.unit, key, before, after)

    def judged_late(self, hits: Iterable[Hit]) -> Iterator[Event]:
        """Anomaly hits on lines read earlier while their units were cold here, found since by a judge that
        knew their history (the first start's learner: baseline_keeper.py), taken as if found when read. Hits
        of rules no longer loaded (a reload meanwhile) are dropped."""
        rules = self._anomaly_rules
        yield from self._hits(sorted((hit for hit in hits if hit.rule_id in rules),
                                     key=lambda hit: hit.entry.realtime_usec))

    def _hits(self, hits: list[Hit], noted: list[Hit] | None = None) -> Iterator[Event]:
        """Hits in journal order (one entry's anomaly hits most severe first: Pipeline._anomalies). A line's evidence
        (`noted` first) is noted once all its hits are in: a failure the line began has it, not one open before."""
        progress, led, notes = self.progress, None, list(noted or ())
        for hit in hits:
            if notes and notes[-1].entry is not hit.entry:
                self._note(notes)
            anomaly = hit.rule_id not in self._signature_rules and bool(hit.why)
            if anomaly and led is hit.entry and hit.entry.from_text and hit.rule_id in self._excerpt_rules:
                continue  # a paste's line another anomaly rule's incident has: a row of its own said nothing more
                # (a traceback of ten ERROR lines was ten rows, each "excerpt-failure-template (below its trigger)")
            if anomaly and (led is hit.entry or self.owners.seen_again(hit)):
                notes.append(hit)  # the failure has its incident already (a signature's, or another anomaly
                continue  # rule's): the rule's first line is evidence in its chain, not a second page
            if anomaly:
                hit = self.owners.placed(hit)  # a second failure of a rule whose incident is open has its own
            progress.matches += 1
            if hit.entry is not self._matched:
                self._matched = hit.entry
                progress.matched_lines += 1
            if hit.rule_id in self._signature_rules:
                self.failures.note_pid(hit)
                notes.append(hit)
            ended, fired = self.tracker.add(hit)
            yield new_match(hit, fired is not None)
            if ended is not None and fired is not None and ended.invocation != fired.invocation \
                    and fired.action != "restart":  # (a restart's decision waits for the run before's end)
                # the unit's next run failed too: its failure goes on (a crash loop),
                yield from self._fired(fired, hit.entry.from_text)
                fired = None  # which the run before's incident ending must not end first (engine/failures.py)
            if ended is not None:
                yield from self._ended(self.suppressions.with_dropped(ended))
            if fired is not None:
                yield from self._fired(fired, hit.entry.from_text)
            if anomaly and (fired is not None or self.tracker.incident_of(
                    hit.rule_id, hit.entry.machine_id, hit.entry.unit, hit.key) is not None):
                led = hit.entry  # the line is this rule's incident's: the other anomaly rules' hits on it are evidence
            elif anomaly and not (hit.entry.from_text and hit.rule_id in self._excerpt_rules):
                self.failures.lead_in(hit)  # below its trigger: the lead-in of a failure its unit may have next
        self._note(notes)

    def _note(self, notes: list[Hit]) -> None:
        for hit in notes:  # (an anomaly rule's: its failure's open incident took it, untested: Link.joined)
            self.failures.note_evidence(hit, joined=hit.rule_id not in self._signature_rules)
        notes.clear()

    def _ended(self, incident: Incident, open_at_end: bool = False) -> Iterator[Event]:
        key = incident_key(incident)
        if self.silence and incident.rule_id not in self.silence.rule_ids:
            self.silence.incident_ended(key, incident.last_usec + incident.within_usec)
        self.owners.ended(incident)
        if self.anomaly is not None and incident.rule_id in self._failure_rules:
            self.anomaly.forget_until(key, incident.last_usec)  # its lines count towards no other incident
        if incident.rule_id in self._failure_rules:
            first, failure = self.failures.ended(incident)
            for given in first:  # ended while it settled: given out first
                yield from self._give(given)
            if failure is None:
                return  # other incidents of the same failure are still open
            incident = self.suppressions.with_dropped(failure)
        yield EndedEvent(incident, open_at_end)

    def due(self, now_usec: int) -> bool:
        """Would tick(now_usec) end a burst, give out a settled failure or fire a silence?"""
        return self.tracker.due(now_usec) or self.failures.due(now_usec) or bool(
            self.silence and self.silence.due(now_usec))

    def journal_stalled(self, machine_id: str, at_usec: int, delta_usec: int) -> None:
        """The journal of `machine_id` (the service's own host) stood still for `delta_usec` µs from `at_usec`
        (journal time): no burst's quiet (BurstTracker.stalled) and no unit's silence (taken as a jump ahead of our
        clock, which counts for every host: engine/clock_jumps.py)."""
        self.tracker.stalled(machine_id, at_usec, delta_usec)
        if self.silence:
            self.silence.clock_jumped(at_usec, delta_usec)

    def tick(self, now_usec: int) -> Iterator[Event]:
        """Let time pass: end quiet bursts, fire silences. Live modes call it when they have caught up."""
        yield from self._end_bursts(now_usec)
        for given in self.failures.settle(now_usec):
            yield from self._give(given)
        if self.silence:
            for incident in self.silence.expire(now_usec):
                if incident.rule_id == REBOOT_RULE:  # a host's unclean reboot: whole at its next boot's first line
                    yield from self._give(incident)
                else:
                    yield from self._fired(incident)
            for incident in self.silence.reboots_ended(now_usec):
                yield EndedEvent(incident)

    def _fired(self, incident: Incident, from_text: bool = False) -> Iterator[Event]:
        """An incident fired: a signature's joins its failure (engine/failures.py), which is given out once.
        `from_text`: it fired on a line read from text (FailureGroups.fired)."""
        self._opened(incident)
        if incident.rule_id in self._failure_rules:
            for given in self.failures.fired(incident, self.owners.take_apart(incident), from_text):
                yield from self._give(given)
        else:
            yield from self._give(incident)

    def _opened(self, incident: Incident) -> None:
        """An incident is open on its unit: the unit going quiet is its doing, and while a signature's is open
        (or an anomaly rule's) the other anomaly hits on the unit are the same failure seen twice (`_hits`)."""
        key = incident_key(incident)
        if self.silence and incident.rule_id not in self.silence.rule_ids:
            self.silence.incident_opened(key)
        self.owners.opened(incident)

    def restore_windows(self, items: list[dict[str, Any]]) -> None:
        """Load the burst windows saved at a stop (or kept over a reload), and what their open incidents say
        about their units as if they had fired here: else, after a restart, an anomaly hit on a unit whose
        signature incident is open is counted and alerted (scan, reading on, drops it as the same failure)."""
        self.tracker.restore(items)
        for incident in self.tracker.open_incidents():
            self._opened(incident)

    def _give(self, incident: Incident) -> Iterator[Event]:
        """One incident given out (one per failure): counted, shown, and one decision on what to do."""
        self.progress.incidents += 1
        yield IncidentEvent(incident)
        for action in self.policy.decide(incident):
            yield ActionEvent(self.execute(action))

    def run(self, entries: Iterable[Entry | ScreenedRun],
            end_usec: int | Callable[[], int | None] | None = None) -> Iterator[Event]:
        """Process every entry, then report incidents still open when the input ended (at `end_usec`, µs of
        journal time, when given and later than the last entry: see finish).

        Screened-out entries (no rule can match them) take a short path: they only move time on and count
        as signs of life; the full path would do the same, only slower, and most entries are screened out.
        """
        for entry in entries:
            yield from self.feed(entry)
        yield from self.finish(end_usec() if callable(end_usec) else end_usec)  # (a dump's: known once read)

    def finish(self, end_usec: int | None = None) -> Iterator[Event]:
        """The input ended (or a live mode stops): failures still settling are given out, then every open
        incident and silence ends as open at the end: the latest time read, or `end_usec` (µs of journal time)
        when the input was narrowed and the journal went on later (scan -u: cli/scan.py)."""
        latest = self.progress.last_usec
        if self.silence and latest is not None:
            latest = self.silence.latest_usec  # (after a clock stepped back, on the clock as it now is)
        if end_usec is not None and latest is not None and end_usec > latest:
            yield from self.tick(end_usec)  # time passed on after the selection's last entry
        else:
            end_usec = None
        yield from self.learn_pending()
        for incident in self.tracker.open_incidents():
            yield from self._ended(self.suppressions.with_dropped(incident), open_at_end=True)
        if self.silence:  # silences that reach the input's end: their gaps run to it
            for incident, gap in self.silence.finish(end_usec):
                yield GapEvent(gap)
                yield EndedEvent(incident, open_at_end=True)
            for incident in self.silence.reboots_ended():  # (complete: their end is only an alert's)
                yield EndedEvent(incident)

    def feed(self, item: Entry | ScreenedRun) -> Iterator[Event]:
        """One item of a live source, as run() takes each (a live source has no end of input)."""
        if isinstance(item, ScreenedRun):
            return self._pass(item)
        return self._pass_one(item) if item.screened_out else self.process(item)

    def _pass_one(self, entry: Entry) -> Iterator[Event]:
        """A screened-out entry: time moves on, its unit showed life (and its host's clock jumped, if it says so)."""
        now = entry.realtime_usec
        self.progress.saw(now)
        if self.silence:
            self.silence.arrived(entry)
        if self.tracker.due(now) or (self.silence and self.silence.due(now)) or self.failures.due(now):
            yield from self.tick(now)
        if self.silence:
            for incident, gap in self.silence.observe(entry):
                yield GapEvent(gap)
                yield EndedEvent(incident)
        if self.anomaly:
            yield from self._judged(entry)

    def _judged(self, entry: Entry, single: Single | None = None) -> Iterator[Event]:
        """The anomaly step's events for a line no signature rule can match (_pass_one, a run's singles)."""
        noted: list[Hit] = []
        went_on: list[WentOn] = []
        if (found := self._anomalies(entry, single, noted=noted, went_on=went_on)) or noted or went_on:
            yield from self._line(entry, found, noted, went_on)

    def _anomalies(self, entry: Entry, single: Single | None = None, learn: bool = True,
                   noted: list[Hit] | None = None, went_on: list[WentOn] | None = None) -> list[Hit]:
        """The anomaly hits on an entry, through the counted path if there is one (AnomalyStep.find)."""
        assert self.anomaly_step is not None
        return self.anomaly_step.find(entry, self.runstep, single, learn, noted, went_on)

    def _pass(self, run: ScreenedRun) -> Iterator[Event]:
        """A run of screened-out entries, as if each went through _pass_one, but from its summary.

        Ending bursts depends only on the latest time seen (expire pops every deadline before it, in
        deadline order), so one expire at the run's peak time ends the same incidents in the same order.
        Silence tracking folds the run's per-unit spans when no silence can fire or end inside it;
        otherwise the entries are replayed one by one.
        """
        if self.failures.due(run.peak_usec) or (self.silence and not self.silence.fold(run)):
            for entry in run.entries():
                yield from self._pass_one(entry)
        else:
            self.progress.saw_run(run)
            if self.anomaly:  # every line is learnt and may be an anomaly: per entry, but nothing else is
                yield from self._pass_anomalies(run)
            yield from self._end_bursts(run.peak_usec)
            yield from self._settle(run.peak_usec)  # a failure an anomaly hit in the run fired
        # Its entries' PIDs, once it is through (a failure given out inside it is of a PID's owner before it): a
        # kernel line after it names the units that logged with them, as in a full read.
        self.failures.learn_run(run)

    def _end_bursts(self, now_usec: int) -> Iterator[Event]:
        """End the burst incidents whose window passed before `now_usec`."""
        if self.tracker.due(now_usec):
            for incident in self.tracker.expire(now_usec):
                yield from self._ended(self.suppressions.with_dropped(incident))

    def _pass_anomalies(self, run: ScreenedRun) -> Iterator[Event]:
        """The anomaly step over a run whose silence tracking was folded (so no silence fires or ends
        inside it): each entry in turn, ending the bursts due before it, as _pass_one would. With a RunStep
        (engine/runstep.py) only the entries that may matter come one by one; the rest are learnt counted."""
        singles = self.runstep.singles(run) if self.runstep is not None else \
            (Single(entry.realtime_usec, entry, None) for entry in run.entries())
        for single in singles:
            yield from self._end_bursts(single.now_usec)
            yield from self._settle(single.now_usec)
            yield from self._judged(single.entry, single)

    def _settle(self, now_usec: int) -> Iterator[Event]:
        """Give out the failures whose settling time passed before `now_usec` (tick's part for a run: a failure
        fired by an anomaly hit inside a run is given out at the next entry that matters, not at the next run's
        start: in scan's long runs that was minutes of journal time and thousands of hits late)."""
        if self.failures.due(now_usec):
            for given in self.failures.settle(now_usec):
                yield from self._give(given)

    def learn_pending(self) -> Iterator[Event]:
        """Learn the entries the anomaly step has counted but not learnt yet (engine/runstep.py holds a unit's
        counts for up to 16,384 entries or 5 min of journal time), as their unit's next entry would: before the
        baselines are saved for good (a stop, a reload) or read at the input's end."""
        if self.runstep is None:
            return
        for single in self.runstep.flush_all():
            yield from self._end_bursts(single.now_usec)
            if found := self._anomalies(single.entry, single):
                yield from self._hits(found)

    def open_incidents(self) -> list[Incident]:
        """Open incidents, one per failure: a signature incident that joined a failure is shown through it."""
        failures, live = self.failures, self.tracker.open_incidents()
        return ([incident for incident in live if not failures.grouped(incident)]
                + failures.open_failures(live) + (self.silence.open_incidents() if self.silence else []))

    def open_heads(self) -> list[tuple[str, str, int]]:
        """(rule, unit, first_usec) of each of open_incidents(), in its order and with its effect on the failures,
        without making each failure's incident: the service's STATUS, several times a second."""
        failures, live = self.failures, self.tracker.open_incidents()
        failures.refresh(live)
        return ([(incident.rule_id, incident.unit, incident.first_usec) for incident in live
                 if not failures.grouped(incident)] + failures.open_heads()
                + [(incident.rule_id, incident.unit, incident.first_usec)
                   for incident in (self.silence.open_incidents() if self.silence else [])])
