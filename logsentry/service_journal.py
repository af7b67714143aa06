"""The service's side of the journal: where it reads from, what it reads, and the bookkeeping of each entry
read (figures, clamped times, metrics, the canary coming back), in full or summarised by the scanner
(ScreenedRuns). ServiceReading is Service's base: the loop in service.py hands it what the follower yields.

The service reads through the C scanner in follow mode (sources/follow.py): entries some rule may match
come in full, the rest as runs, so a busy host costs a few µs of CPU an entry instead of about 10.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, replace

from .config import SiteConfig
from .engine.clock_jumps import ClockWatch
from .engine.detector import Detector
from .engine.quarantine import MAX_LINE_CHARS, cut_long_lines
from .engine.second_look import StaleReports
from .engine.window import invocation_of
from .host_clocks import HostClocks
from .metrics import Metrics
from .model import Action, Entry, Hit, ScreenedRun, host_unit
from .pipeline import ActionEvent, EndedEvent, Event, IncidentEvent, MatchEvent, QuarantineEvent
from .screened_lines import lines_up_to, needs_entries, remember_recent
from .service_alerts import MAX_CONTEXT_UNITS, UNIT_FILE_NOTES, split_at_hit
from .service_resolve import HeldReleasing
from .service_stall import JournalStalls
from .sources.fanin import FanInFollower
from .sources.follow import ScanningFollower
from .sources.journal import CANARY_FIELD, JournalLocation, StartAt, send_canary
from .sources.selection import Selection
from .sources.unit_file_notes import unit_file_note
from .timespec import format_duration, format_usec, wall_usec
from .wording import plural

log = logging.getLogger("logsentry")

# Journal time more than this ahead of the wall clock is clamped to the clock for windows, silences and
# cooldowns (and reported): one entry stamped a day ahead must not move logsentry's time.
MAX_AHEAD_USEC = 60 * 1_000_000
# ... and an entry this far behind its host's newest one is taken as at that newest (a clock set back).
MAX_BEHIND_USEC = 3600 * 1_000_000
CANARY_LITERAL = "logsentry canary "
"""The start of every canary message (journal.send_canary): such entries always come in full."""


def follower_for(config: SiteConfig, detector: Detector, cursor: str | None,
                 positions: dict[str, str] | None = None, vouch_for: str = "",
                 running_in: str | None = None) -> ScanningFollower | FanInFollower:
    """The watched units (and our own, for the canary: `own_unit` and `running_in`, the unit this process runs
    in when that is another, running_unit.py) after `cursor` (else from now), screened by the
    detector's rules; the canary's literal is added so its entry comes with its LOGSENTRY_CANARY field.
    A journal_directory is read host by host from `positions` (sources/fanin.py: one merged reader passes by
    entries that reach a host's file stamped before one read from another's), where only `vouch_for`'s own
    journald's files vouch for its _MACHINE_ID (RestartLimits.vouch_for; FanInFollower's local_machine)."""
    units = config.watched_units()
    own = (config.own_unit,) if running_in is None or running_in == config.own_unit else (config.own_unit, running_in)
    selection = Selection(units=(*units, *own), container_scopes=True) if units else Selection()
    screen = detector.screen()
    screen = replace(screen, literals=(*screen.literals, (CANARY_LITERAL, None)))
    fields = (*detector.needed_fields, CANARY_FIELD)  # _HOSTNAME is among DEFAULT_FIELDS
    if config.journal_directory is not None and positions is not None:
        return FanInFollower(config.journal_directory, selection, screen, fields, positions, wait_s=1.0,
                             local_machine=vouch_for)
    start = StartAt(cursor=cursor) if cursor else StartAt()
    return ScanningFollower(JournalLocation(directory=config.journal_directory), selection, screen, fields, start,
                            wait_s=1.0)


MAX_AHEAD_HOSTS = 10_000


@dataclass
class Canary:
    """The self-check in flight: its token, when it was written, whether its loss was alerted."""

    token: str = ""
    sent_usec: int = 0
    alerted: bool = False
    seen: int = 0
    blind_since_usec: int = 0
    """When the canary whose loss was alerted was written (0: none alerted): while blind a fresh one is written each
    interval, and the recovery is told from the first."""


class ServiceReading(HeldReleasing):
    """Service's handling of each entry read and of the events it causes; attributes set by Service.__init__."""

    canary: Canary
    running_in: str | None
    """The unit this process runs in (running_unit.py), None when it runs in none or /proc/self/cgroup is unreadable:
    its canary entries come under it."""
    canary_unreadable: str
    """Why the canary cannot be read back ("" when it can): this process runs in no systemd unit."""
    stalls: JournalStalls
    """How far the local journal is known written (service_stall.py)."""
    clocks: HostClocks
    stale: StaleReports
    metrics: Metrics | None
    _host_names: dict[str, str]
    _ahead_reported: float
    clock_watch: ClockWatch
    _feeding: ScreenedRun | None = None
    """The run being fed to the pipeline, while it is, and the index of its entry that was hit last."""
    _feeding_at: int = 0

    def _watch_clock(self) -> None:
        """Our clock jumped (a suspend, a step: engine/clock_jumps.py): the time it jumped is no unit's silence;
        after a step back, entries are no longer 'behind the newest', which was stamped on the clock as it was.
        Called before each item and each round, so before any time the jump moved is looked at."""
        jumped = self.clock_watch.jumped()
        if jumped is None:
            return
        at, delta = jumped
        if self.pipeline.silence:
            self.pipeline.silence.clock_jumped(at, delta)
        if delta < 0:
            self.figures.last_entry_usec = min(self.figures.last_entry_usec, at + delta)
        log.info("the clock jumped %s by %s at %s (a suspend, or a step): units' silences count without it",
                 "ahead" if delta > 0 else "back", format_duration(abs(delta)), format_usec(at))

    def _entry(self, entry: Entry) -> None:
        """One entry: in full, or screened out (no rule can match it; it comes without cursor or fields). Its fields
        and key are looked up once, and handed on (~12% of a busy journal's entries come in full)."""
        self._watch_clock()
        figures = self.figures
        figures.entries += 1
        entry = self._clamped(entry)
        at = entry.realtime_usec
        if at > figures.last_entry_usec:
            figures.last_entry_usec = at
        if at > self.stalls.known_usec or self.stalls.since_usec:
            self._written(at)
        if entry.cursor:
            self.cursor = entry.cursor  # a screened one moves the cursor with its batch's ReadUpTo
        self.uncommitted += 1
        unit, fields = entry.unit, entry.fields
        if unit == self.config.own_unit or unit == self.running_in:
            if fields.get(CANARY_FIELD) == self.canary.token:
                self._canary_seen(entry)
            return  # never feed on our own output (or our actions' output, which runs under our unit)
        if len(entry.message) > MAX_LINE_CHARS:
            entry = cut_long_lines(entry)
        machine = entry.machine_id
        self.hosts.saw(entry)
        self.clocks.saw(machine, at)
        if self.metrics is not None:  # host names are for the metrics' host label only
            if entry.host and machine and len(self._host_names) < MAX_CONTEXT_UNITS:
                self._host_names[machine] = entry.host
            self.metrics.entries.inc()
            self.metrics.saw_host(self._host_of(machine, entry.host), at, machine)
        self._entry_now = at
        invocation = self._entry_invocation = invocation_of(fields)
        key, pid1, note = host_unit(machine, unit), fields.get("_PID") == "1", unit_file_note(fields)
        self._remember_entry(key, at, entry.message, pid1, UNIT_FILE_NOTES if note else invocation)  # (before its hits)
        for event in self.pipeline.feed(entry):
            self._handle(event)
        if self.held and key in self.held and not note:  # (PID 1 on its file is no run: sources/unit_file_notes.py)
            self._logs_again(key, at, self._entry_invocation, pid1)  # (service_held.py)

    def _own_units(self) -> tuple[str, ...]:
        """`own_unit`, and the unit this process runs in when that is another (running_unit.py)."""
        own, running = self.config.own_unit, self.running_in
        return (own,) if running is None or running == own else (own, running)

    def _host_of(self, machine_id: str, host: str = "") -> str:
        """The host's name for metrics: the entry's (or its span's) `_HOSTNAME`, else its name when an entry of
        that machine named it, else the machine id."""
        return host or self._host_names.get(machine_id) or machine_id or self.config.hostname

    def _screened(self, run: ScreenedRun) -> None:
        """Entries no rule can match, summarised: what _entry does for each, from the summary (entry by
        entry when the run holds our own lines or a time to clamp)."""
        figures = self.figures
        newest = max(self._newest_of(span[6]) for span in run.spans) if run.spans else figures.last_entry_usec
        if needs_entries(run, self._own_units(), wall_usec(), newest, MAX_AHEAD_USEC, MAX_BEHIND_USEC):
            for entry in run.entries():
                self._entry(entry)
            return
        figures.entries += run.count
        figures.last_entry_usec = max(figures.last_entry_usec, run.peak_usec)
        if run.peak_usec > self.stalls.known_usec or self.stalls.since_usec:
            self._written(run.first_usec)
            self._written(run.peak_usec)
        self.uncommitted += run.count
        self.hosts.saw_run(run)
        self.clocks.saw_run(run)
        if self.metrics is not None:
            self.metrics.entries.inc(run.count)
            for span in run.spans:
                self.metrics.saw_host(self._host_of(span[6], span[7]), span[3], span[6])
        self._entry_now, self._entry_invocation = run.peak_usec, ""
        self._feeding, self._feeding_at = run, 0  # a hit on one of its entries takes its lines from it (_hit_lines)
        try:
            for event in self.pipeline.feed(run):
                self._handle(event)
        finally:
            self._feeding = None
        lines = self.config.alerts.context_lines
        remember_recent(run, self.context, lines, lines, MAX_CONTEXT_UNITS)  # (context.add of recent_lines)
        if self.held:
            for key, span in zip(run.units, run.spans, strict=True):
                if key in self.held:
                    self._logs_again(key, span[3])  # (service_held.py; a span's last entry)

    def _hit_lines(self, hit: Hit) -> None:
        """Keep the hit's unit's last lines up to and including the hit, for the alert made when its incident
        is given out (a failure waits up to 2 s for its chain, while more lines are read). A hit on an entry of
        the run being fed takes the run's lines up to it (the run's lines are kept once it has been fed)."""
        entry = hit.entry
        key = host_unit(entry.machine_id, entry.unit)
        lines = list(self.context.get(key, ()))
        in_run: list[tuple[int, str]] = []
        if self._feeding is not None:
            in_run, self._feeding_at = lines_up_to(self._feeding, key, entry.realtime_usec, entry.message,
                                                   self.config.alerts.context_lines, self._feeding_at)
        if in_run:
            lines += in_run
        else:
            del lines[split_at_hit(lines, entry.realtime_usec, entry.message):]
        self._remember_hit(key, entry.realtime_usec, entry.message, lines)

    def _newest_of(self, machine: str) -> int:
        """The journal time of the newest entry read of the machine's (µs; 0: none): of any host's for our own (its
        journal is stamped by our clock), else of its own (HostClocks.own_time). A collector's host an hour behind
        another is no clock set back: its backlog (journal-upload catching up) was taken as the newest entry's time,
        its whole outage at one instant, and paged as new (its clamped hits within their window by our clock)."""
        if not machine or machine == self.clocks.local:
            return self.figures.last_entry_usec
        return self.clocks.own_time(machine)

    def _clamped(self, entry: Entry) -> Entry:
        """The entry with its journal time clamped: not ahead of the wall clock by more than MAX_AHEAD_USEC,
        not behind its host's newest entry by more than MAX_BEHIND_USEC (reported, at most once a minute)."""
        at = entry.realtime_usec
        now = wall_usec()
        if at > now + MAX_AHEAD_USEC:
            clamped, why = now, "ahead of the clock"
            if entry.machine_id:  # its alerts' journalctl commands look that much later (alert.journalctl_command)
                self.ahead[entry.machine_id] = at - now
                if len(self.ahead) > MAX_AHEAD_HOSTS:
                    del self.ahead[next(iter(self.ahead))]
        elif (newest := self._newest_of(entry.machine_id)) and at < newest - MAX_BEHIND_USEC:
            clamped, why = newest, "behind its host's newest entry"
        else:
            if self.ahead and entry.machine_id in self.ahead:
                del self.ahead[entry.machine_id]  # its clock is right again
            return entry
        self.figures.clamped += 1
        if time.monotonic() - self._ahead_reported >= 60:
            self._ahead_reported = time.monotonic()
            log.warning("journal time of an entry of %s is %s by %s (%s): taken as %s for windows, silences "
                        "and cooldowns (%d such entries so far)", entry.unit, why, format_duration(abs(at - clamped)),
                        format_usec(at), format_usec(clamped), self.figures.clamped)
        return replace(entry, realtime_usec=clamped)

    def _act(self, action: Action) -> None:
        """Take an action decided outside the pipeline's own events (a second look, a dry run's end) as the
        pipeline takes its own: executed, then handled as its ActionEvent."""
        self._handle(ActionEvent(self.pipeline.execute(action)))

    def _handle(self, event: Event) -> None:
        if self.metrics is not None:
            self._count(event)
        match event:
            case MatchEvent(hit, fires):
                self.figures.matches += 1
                if fires:  # the lines an alert quotes are the firing hit's (_context_of): kept for it alone
                    self._hit_lines(hit)
            case IncidentEvent(incident):
                self.figures.incidents += 1
                if self._is_silence(incident):  # no hits to count: how long it has been quiet (a new user's trial)
                    log.warning("incident %s on %s%s: silent since %s: %s", incident.rule_id, incident.unit,
                                self._of_host(incident), format_usec(incident.first_usec), incident.why)
                else:
                    log.warning("incident %s on %s%s: %s since %s", incident.rule_id, incident.unit,
                                self._of_host(incident), plural(incident.count, "hit"),
                                format_usec(incident.first_usec))
            case ActionEvent(action):
                self.stale.note(action, wall_usec())  # looked at again (service._caught_up)
                self._queue(action)
            case EndedEvent(incident):
                self._ended(incident)
            case QuarantineEvent(quarantine):
                if self.pipeline.detector.quarantined.get(quarantine.rule_id) is not quarantine:
                    log.warning("rule %s timed out: %s, on entry %s", quarantine.rule_id, quarantine.reason,
                                quarantine.cursor)
                    return
                reason = (f"rule {quarantine.rule_id} quarantined: {quarantine.reason}; last on entry "
                          f"{quarantine.cursor}")
                log.error("%s", reason)
                self._queue_service_alert("rule_quarantined", reason,
                                          f"{quarantine.rule_id}:{quarantine.realtime_usec}:{quarantine.cursor}")

    def _count(self, event: Event) -> None:
        metrics = self.metrics
        assert metrics is not None
        match event:
            case MatchEvent(hit):
                metrics.matches.labels(rule=hit.rule_id).inc()
            case IncidentEvent(incident):
                metrics.incidents.labels(rule=incident.rule_id, severity=incident.severity.label).inc()
            case ActionEvent(action):
                result = "logged" if action.kind == "report" else "dry_run" if action.dry_run else "queued"
                metrics.actions.labels(action=action.kind, result=result).inc()

    def _written(self, at: int) -> None:
        """The journal holds an entry stamped `at` (µs): it is known written up to it, and a stall it stood still in
        ends (service_stall.py). Every entry counts, a collector's other hosts' too (they come through the same
        reader; telling them apart would cost each screened run a walk over its spans)."""
        if (ended := self.stalls.saw(at)) is not None and self._canary_on():
            since, stood = ended
            self.pipeline.journal_stalled(self.local_machine, since, stood)
            log.warning("the journal wrote again at %s after standing still since %s: those %s are no incident's "
                        "quiet and no unit's silence", format_usec(at), format_usec(since), format_duration(stood))

    def _canary_on(self) -> bool:
        """Can a canary be written and read back? Only the local journal's, and only from a unit."""
        config = self.config
        return bool(config.canary_usec) and config.journal_directory is None and not self.canary_unreadable

    def _write_canary(self, now: int) -> None:
        canary = self.canary
        canary.token, canary.sent_usec = uuid.uuid4().hex, now
        try:
            send_canary(canary.token)
        except OSError as error:
            log.error("cannot write the canary entry: %s", error)

    def _tick_to(self, now: int) -> int:
        """How far the work by the clock goes (µs): `now`, or only as far as the local journal is known written
        when something comes due beyond it (a probe written to learn more: service_stall.py)."""
        if not self._canary_on():
            return now
        to, probe = self.stalls.tick_to(now, self.pipeline.due(now), bool(self.canary.token))
        if probe:
            self._write_canary(wall_usec())
        return to

    def _check_canary(self, now: int) -> None:
        """Self-check: a unique entry written to the journal must come back through our own reader."""
        config, canary = self.config, self.canary
        if not self._canary_on():
            return  # only the local journal can be written to and read back, and only from a unit
        if (since := self.stalls.overdue(canary.sent_usec if canary.token else None, now)) is not None:
            log.warning("the journal has not written the canary written at %s yet: no incident ends and no silence "
                        "fires by the clock after %s until it writes again", format_usec(canary.sent_usec),
                        format_usec(since))
        if canary.token and not canary.alerted and now - canary.sent_usec > config.canary_timeout_usec:
            canary.alerted = True
            reason = (f"logsentry cannot see the journal: its canary written at {format_usec(canary.sent_usec)} "
                      f"was not read back within {config.canary_timeout_usec // 1_000_000}s")
            log.error("%s", reason)
            self._queue_service_alert("journal_blind", reason, canary.token)
            canary.blind_since_usec = canary.sent_usec
        # A new canary once the last came back; while blind, a fresh one each interval to notice recovery.
        if now - canary.sent_usec >= config.canary_usec and (not canary.token or canary.alerted):
            self._write_canary(now)

    def _canary_seen(self, entry: Entry) -> None:
        if self.canary.alerted and self.canary.blind_since_usec:
            # Said from the first canary lost (while blind a fresh one is written each interval: "back after
            # 11.1s" was the latest one's), and resolved for on-call, who had an open CRITICAL and no all-clear.
            since = self.canary.blind_since_usec
            reason = (f"the journal is readable again: a canary written at {format_usec(since)} was not read back; "
                      f"one came back {format_duration(max(wall_usec() - since, 0))} after it")
            log.warning("%s", reason)
            self._resolve_service_alert("journal_blind", reason, since)
            self.canary.blind_since_usec = 0
        self.canary.alerted = False
        self.canary.token = ""
        self.canary.seen += 1
