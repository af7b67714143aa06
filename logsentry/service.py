"""`logsentry run`: follow the journal, detect, and queue actions, with systemd integration.

sd_notify: READY once reading (after the first complete read, or after a second of a backlog), STATUS with
live figures, WATCHDOG only while the read loop comes round (a stuck reader stops the pings and systemd
restarts logsentry), STOPPING on SIGTERM. WATCHDOG, STATUS, SIGTERM and SIGHUP are handled between entries
at least once a second even while a long backlog is read. SIGHUP reloads config and rules; a bad new config
or rule file is rejected, the old one kept, and STATUS says so until the next good reload.
State (cursor, changed windows, restart ledger, alerting, outbox) is committed in one transaction per batch,
and at least every COMMIT_INTERVAL_S while entries come.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import threading
import time
import urllib.request
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any

from .actions.outbox import OutboxWorker
from .actions.runner import guarded_policy
from .baseline_keeper import BaselineKeeper
from .config import ConfigError, SiteConfig, load_config
from .engine.policy import RestartLedger
from .engine.quarantine import BudgetedDetector, cut_long_lines
from .engine.window import invocation_of
from .host_silence import HostSilence
from .hosts import local_machine_id
from .metrics import Metrics
from .model import Entry, ScreenedRun, host_unit
from .pipeline import ActionEvent, EndedEvent, Event, IncidentEvent, MatchEvent, Pipeline, QuarantineEvent
from .rules.loader import RuleSet, load_rules
from .service_alerts import MAX_CONTEXT_UNITS, ServiceAlerts
from .service_journal import follower_for, needs_entries, recent_lines
from .service_state import FIGURES_KEY, Figures
from .sources.fanin import FanInFollower, tail_positions
from .sources.follow import ReadUpTo, ScanningFollower
from .sources.journal import CANARY_FIELD, CAUGHT_UP, JournalGap, JournalLocation, JournalOpenError, send_canary
from .state import OutboxItem, StateError, open_service_state, open_state_dir
from .timespec import format_duration, format_usec, wall_usec
from .trust import site_problems

log = logging.getLogger("logsentry")

PRUNE_EVERY_USEC = 3600 * 1_000_000
HOUSEKEEPING_S = 1.0  # while reading a backlog: WATCHDOG, STATUS, stop and reload this often
# Caught up: the clock's work (ticks, reminders, canary, STATUS) and the commit at most this often, or at once
# when actions wait. A busy journal is caught up after every few entries (each write wakes the reader), and
# a commit per wake-up cost more than reading the entries in between.
CAUGHT_UP_S = 0.2
# Journal time more than this ahead of the wall clock is clamped to the clock for windows, silences and
# cooldowns (and reported): one entry stamped a day ahead must not move logsentry's time.
MAX_AHEAD_USEC = 60 * 1_000_000
# ... and an entry this far behind the newest one is taken as at the newest (a clock set back).
MAX_BEHIND_USEC = 3600 * 1_000_000
KEEP_DONE_USEC = 7 * 86400 * 1_000_000  # finished outbox rows are kept a week, for `sqlite3 state.db` forensics


def sd_notify(message: str) -> None:
    """Tell systemd (when it runs us with NOTIFY_SOCKET) how we are."""
    try:
        from systemd import daemon

        daemon.notify(message)
    except (ImportError, OSError):
        pass



class ReloadRejected(Exception):
    pass


class StartError(Exception):
    """logsentry cannot start: one clear message (naming the path) instead of a traceback."""


def load_rule_set_for(config: SiteConfig) -> RuleSet:
    return load_rules(config.rule_dirs, disabled=config.disabled_rules)


@dataclass
class Canary:
    """The self-check in flight: its token, when it was written, whether its loss was alerted."""

    token: str = ""
    sent_usec: int = 0
    alerted: bool = False
    seen: int = 0


class Service(ServiceAlerts):
    def __init__(self, config: SiteConfig, notify: Any = sd_notify):
        self.config = config
        self.notify = notify
        if config.journal_directory is not None and not config.journal_directory.is_dir():
            raise StartError(f"journal_directory {config.journal_directory} is not a directory")
        try:
            self.lock = open_state_dir(config.state_dir)
            self.state, moved = open_service_state(config.state_dir / "state.db")
        except StateError as error:
            raise StartError(str(error)) from None
        self.figures = Figures()
        self.figures.restore(self.state.get(FIGURES_KEY))
        self.canary = Canary()
        self.stop = threading.Event()
        self.reload_requested = False
        self.reload_note = ""
        # Per unit, its last lines as (journal time, message): formatted only when an alert quotes them.
        self.context: OrderedDict[str, deque[tuple[int, str]]] = OrderedDict()
        self.alerting: dict[str, dict[str, int]] = self.state.get("alerting") or {}
        self.ledger = RestartLedger.restore(self.state.get("ledger"))
        self.local_machine = local_machine_id()
        self.keeper = BaselineKeeper(self.state)
        self.hosts = HostSilence(config)  # a collector's hosts whose journal stops arriving
        self.hosts.restore(self.state.get("hosts"))
        self.metrics: Metrics | None = None
        if config.metrics_listen or config.metrics_textfile:
            try:
                self.metrics = Metrics(config.metrics_listen, config.metrics_textfile)
            except OSError as error:
                raise StartError(f"cannot serve metrics on {config.metrics_listen}: {error}") from None
        self.rule_set = load_rule_set_for(config)
        for problem in self.rule_set.errors:  # `logsentry run` refuses these before it gets here
            log.error("rule file error (rule skipped): %s", problem)
        self.pipeline = self._build_pipeline(self.rule_set)
        self.pipeline.silence.restore(self.state.get("silence"))  # units' rhythms (engine/absence.py)
        self.pipeline.tracker.restore(self.state.load_windows())
        self.pipeline.failures.restore(self.state.get("failures"))  # incidents joined per failure (a settling one too)
        self.pipeline.tracker.track_changes = True
        if self.state.get("windows") is not None:
            self.state.replace_windows(self.pipeline.tracker.items())  # from the whole-snapshot format
        self.worker = OutboxWorker(self.state.path, config)
        if self.metrics is not None:
            self.worker.on_failure = self.metrics.delivery_failures.labels  # (channel=...).inc() per failure
        self.pending: list[OutboxItem] = []
        self.cursor: str | None = self.state.cursor
        # A journal_directory's position per host file (sources/fanin.py); None: the local journal, or a first start
        self.positions: dict[str, str] | None = self.state.get("cursors") if config.journal_directory else None
        self.uncommitted = 0
        self.last_commit_at = 0.0
        self.last_heartbeat = 0
        self._heartbeat_thread: threading.Thread | None = None
        self.last_prune = 0
        self.last_housekeeping = time.monotonic()
        self.last_caught_up = 0.0
        self.restarted_seen = self.state.get("restarted_seen") or 0
        self.commit_failing_since = 0.0
        self._restart_of: tuple[str, str] = ("", "")  # (incident, restart dedupe) just queued
        self._ahead_reported = 0.0
        self._last_resend = 0
        self._entry_now = 0
        self._entry_invocation = ""
        self._host_names: dict[str, str] = {}  # machine id -> _HOSTNAME, from full entries
        self.ready = False
        if moved is not None:
            reason = (f"the state file {self.state.path} was corrupt: moved aside to {moved.name}; started "
                      "afresh at the end of the journal (entries since the last saved cursor were not read, "
                      "open incidents and the restart ledger were lost)")
            log.error("%s", reason)
            self._queue_service_alert("state_corrupt", reason, moved.name)
        if self.cursor is not None and not self._cursor_usable(self.cursor):
            reason = (f"the saved journal cursor in {self.state.path} cannot be used; starting at the end of "
                      "the journal (entries since logsentry stopped were not read)")
            log.error("%s", reason)
            self._queue_service_alert("journal_gap", reason, "unusable-cursor")
            self.cursor = None

    # -- set-up -------------------------------------------------------------------------------------
    def _build_pipeline(self, rule_set: RuleSet) -> Pipeline:
        pipeline = Pipeline(BudgetedDetector(rule_set.rules), guarded_policy(self.config, self.ledger),
                            anomaly=self.keeper.build(rule_set.rules), silence_overrides=self.config.silence_for)
        pipeline.silence.hold = self.hosts.hold if self.hosts else None  # a silent host's units: one incident
        return pipeline

    def _follower(self) -> ScanningFollower | FanInFollower:
        return follower_for(self.config, self.pipeline.detector, self.cursor, self.positions)

    def install_signals(self) -> None:
        def on_stop(signum: int, frame: FrameType | None) -> None:
            self.stop.set()

        def on_reload(signum: int, frame: FrameType | None) -> None:
            self.reload_requested = True

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_reload)

    def _location(self) -> JournalLocation:
        return JournalLocation(directory=self.config.journal_directory)

    @staticmethod
    def _probe_journal(config: SiteConfig) -> None:
        """Can the journal be opened at all? (No readable journal file is an error, not "nothing found".)"""
        location = JournalLocation(directory=config.journal_directory)
        where = config.journal_directory or "the local journal"
        try:
            reader = location.open()
        except (OSError, ValueError) as error:
            raise StartError(f"cannot open the journal in {where}: no journal file could be opened "
                             f"({error})") from None
        try:
            usage = int(reader.get_usage())  # bytes of the files sd-journal opened (unreadable, invalid: none)
        finally:
            reader.close()
        if usage == 0:
            raise StartError(f"cannot open the journal in {where}: no journal file could be opened (none there, "
                             "or none readable or valid)")

    def _cursor_usable(self, cursor: str) -> bool:
        try:
            reader = self._location().open()
        except (JournalOpenError, ValueError):
            return True  # the follower reports that
        try:
            reader.seek_cursor(cursor)
            return True
        except (OSError, ValueError):
            return False
        finally:
            reader.close()

    def _tail_cursor(self) -> str | None:
        """The cursor of the newest entry in the journal (any unit): the first start begins after it, and
        saves it at once, so entries logged while logsentry is down after its first start are read."""
        try:
            reader = self._location().open()
        except (JournalOpenError, ValueError) as error:
            raise StartError(f"cannot open the journal: {error}") from None
        try:
            reader.seek_tail()
            return str(reader._get_cursor()) if reader._previous() else None
        finally:
            reader.close()

    # -- main loop ----------------------------------------------------------------------------------
    def run(self) -> int:
        self._probe_journal(self.config)
        self.worker.start()
        if self.config.journal_directory is not None and self.positions is None:
            # each host from its newest entry; after the merged reader's single cursor, from that cursor's time
            self.positions = tail_positions(self.config.journal_directory, self.cursor)
        if self.cursor:
            log.info("resuming after cursor %s", self.cursor)
        else:
            log.info("no saved cursor: starting at the end of the journal")
            self.keeper.warm_up(self._location(), self.config.watched_units())
            self.cursor = self._tail_cursor()
            self._commit()
        try:
            while not self.stop.is_set():
                follower = self._follower()
                for item in follower:
                    if item is CAUGHT_UP:
                        if self.pending or time.monotonic() - self.last_caught_up >= CAUGHT_UP_S:
                            self._caught_up()
                        self._mark_ready()
                        if self.stop.is_set():
                            break
                        if self.reload_requested and self._reload():
                            break  # reopen the journal with the new selection, at the saved cursor
                    elif isinstance(item, JournalGap):
                        self._gap(item)
                    elif isinstance(item, ReadUpTo):
                        self.cursor = item.cursor  # every entry up to it has been processed
                    else:
                        if isinstance(item, ScreenedRun):
                            self._screened(item)
                        else:
                            self._entry(item)
                        if self.commit_due():
                            self._commit()
                        if time.monotonic() - self.last_housekeeping >= HOUSEKEEPING_S:
                            self._housekeeping()
                            if self.stop.is_set():
                                break
                            if self.reload_requested and self._reload():
                                break
        finally:
            self.notify("STOPPING=1")
            self.keeper.close()
            self._commit(final=True)
            self.worker.close()
            if self.metrics is not None:
                self.metrics.refresh(wall_usec(), self.state.db, getattr(self.pipeline.detector, "quarantined", {}))
                self.metrics.close()
            self.state.close()
            self.lock.close()
            log.info("stopped after %d entries (%d matches, %d incidents, %d actions)", self.figures.entries,
                     self.figures.matches, self.figures.incidents, self.figures.actions)
        return 0

    def _mark_ready(self) -> None:
        if not self.ready:
            self.ready = True
            self.notify("READY=1")
            log.info("ready: watching %s", ", ".join(w for watch in self.config.watches for w in watch.units))

    def _housekeeping(self) -> None:
        """Between entries of a backlog: what must not wait for the end of it (watchdog, status)."""
        self._mark_ready()
        self._refresh_restarts()
        self._status()

    def _status(self) -> None:
        self.last_housekeeping = time.monotonic()
        figures = self.figures
        open_incidents = self.pipeline.open_incidents()
        status = f"{len(open_incidents)} open incident{'s' if len(open_incidents) != 1 else ''}"
        if open_incidents:
            oldest = min(open_incidents, key=lambda incident: incident.first_usec)
            status += f" (oldest: {oldest.rule_id} on {oldest.unit} since {format_usec(oldest.first_usec)})"
        status += (f"; {figures.entries} entries, {figures.matches} matches, {figures.incidents} incidents, "
                   f"{figures.actions} actions since {format_usec(figures.since_usec)}; "
                   f"{len(self.rule_set.rules)} rules")
        if self.reload_note:
            status += f"; {self.reload_note}"
        self.notify(f"WATCHDOG=1\nSTATUS={status}")

    def _entry(self, entry: Entry) -> None:
        """One entry: in full, or screened out (no rule can match it; it comes without cursor or fields)."""
        self.figures.entries += 1
        entry = self._clamped(entry)
        self.figures.last_entry_usec = max(self.figures.last_entry_usec, entry.realtime_usec)
        if entry.cursor:
            self.cursor = entry.cursor  # a screened one moves the cursor with its batch's ReadUpTo
        self.uncommitted += 1
        if entry.unit == self.config.own_unit:
            if entry.fields.get(CANARY_FIELD) == self.canary.token:
                self._canary_seen(entry)
            return  # never feed on our own output (or our actions' output, which runs under our unit)
        entry = cut_long_lines(entry)
        self.hosts.saw(entry)
        if entry.host and entry.machine_id and len(self._host_names) < MAX_CONTEXT_UNITS:
            self._host_names[entry.machine_id] = entry.host
        if self.metrics is not None:
            self.metrics.entries.inc()
            self.metrics.saw_host(self._host_of(entry.machine_id, entry.host), entry.realtime_usec)
        self._entry_now = entry.realtime_usec
        self._entry_invocation = invocation_of(entry.fields)
        for event in self.pipeline.feed(entry):
            self._handle(event)
        self._remember_line(entry)

    def _host_of(self, machine_id: str, host: str = "") -> str:
        """The host's name for metrics: screened entries carry only the machine id; its name when a full
        entry of that machine named it."""
        return host or self._host_names.get(machine_id) or machine_id or self.config.hostname

    def _screened(self, run: ScreenedRun) -> None:
        """Entries no rule can match, summarised: what _entry does for each, from the summary (entry by
        entry when the run holds our own lines or a time to clamp)."""
        figures = self.figures
        if needs_entries(run, self.config.own_unit, wall_usec(), figures.last_entry_usec, MAX_AHEAD_USEC,
                         MAX_BEHIND_USEC):
            for entry in run.entries():
                self._entry(entry)
            return
        figures.entries += run.count
        figures.last_entry_usec = max(figures.last_entry_usec, run.peak_usec)
        self.uncommitted += run.count
        self.hosts.saw_run(run)
        if self.metrics is not None:
            self.metrics.entries.inc(run.count)
            for span in run.spans:
                self.metrics.saw_host(self._host_of(span[6]), span[3])
        self._entry_now, self._entry_invocation = run.peak_usec, ""
        for event in self.pipeline.feed(run):
            self._handle(event)
        context_lines = self.config.alerts.context_lines
        for span_index, at, message in recent_lines(run, context_lines):
            span = run.spans[span_index]
            self._remember(host_unit(span[6], span[0]), at, message)

    def _clamped(self, entry: Entry) -> Entry:
        """The entry with its journal time clamped: not ahead of the wall clock by more than MAX_AHEAD_USEC,
        not behind the newest entry by more than MAX_BEHIND_USEC (reported, at most once a minute)."""
        at = entry.realtime_usec
        now = wall_usec()
        if at > now + MAX_AHEAD_USEC:
            clamped, why = now, "ahead of the clock"
        elif self.figures.last_entry_usec and at < self.figures.last_entry_usec - MAX_BEHIND_USEC:
            clamped, why = self.figures.last_entry_usec, "behind the newest entry"
        else:
            return entry
        self.figures.clamped += 1
        if time.monotonic() - self._ahead_reported >= 60:
            self._ahead_reported = time.monotonic()
            log.warning("journal time of an entry of %s is %s by %s (%s): taken as %s for windows, silences "
                        "and cooldowns (%d such entries so far)", entry.unit, why, format_duration(abs(at - clamped)),
                        format_usec(at), format_usec(clamped), self.figures.clamped)
        return replace(entry, realtime_usec=clamped)

    def _handle(self, event: Event) -> None:
        if self.metrics is not None:
            self._count(event)
        match event:
            case MatchEvent():
                self.figures.matches += 1
            case IncidentEvent(incident):
                self.figures.incidents += 1
                log.warning("incident %s on %s: %d hits since %s", incident.rule_id, incident.unit,
                            incident.count, format_usec(incident.first_usec))
            case ActionEvent(action):
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

    def _caught_up(self) -> None:
        self.last_caught_up = time.monotonic()
        self.keeper.poll()
        self._refresh_restarts()
        now = max(wall_usec(), self.figures.last_entry_usec)
        self._entry_now, self._entry_invocation = now, ""
        release = getattr(self.pipeline.detector, "release", None)
        if release is not None:
            for rule_id in release(now):
                log.warning("rule %s is back after its quarantine", rule_id)
        for event in self.pipeline.tick(now):
            self._handle(event)
        self._remind(now)
        self._resend(wall_usec())
        self._check_canary(wall_usec())
        self.pending.extend(self.hosts.check(wall_usec()))
        self._commit()
        if now - self.last_prune > PRUNE_EVERY_USEC:
            self.last_prune = now
            try:
                self.state.prune(before_usec=now - KEEP_DONE_USEC)
            except sqlite3.Error as error:
                log.error("cannot prune %s: %s", self.state.path, error)
        self._status()
        self._heartbeat(now)
        if self.metrics is not None:
            self.metrics.refresh(wall_usec(), self.state.db, getattr(self.pipeline.detector, "quarantined", {}))

    def _check_canary(self, now: int) -> None:
        """Self-check: a unique entry written to the journal must come back through our own reader."""
        config, canary = self.config, self.canary
        if not config.canary_usec or config.journal_directory is not None:
            return  # only the local journal can be written to and read back
        if canary.token and not canary.alerted and now - canary.sent_usec > config.canary_timeout_usec:
            canary.alerted = True
            reason = (f"logsentry cannot see the journal: its canary written at {format_usec(canary.sent_usec)} "
                      f"was not read back within {config.canary_timeout_usec // 1_000_000}s")
            log.error("%s", reason)
            self._queue_service_alert("journal_blind", reason, canary.token)
        # A new canary once the last came back; while blind, a fresh one each interval to notice recovery.
        if now - canary.sent_usec >= config.canary_usec and (not canary.token or canary.alerted):
            canary.token, canary.sent_usec = uuid.uuid4().hex, now
            try:
                send_canary(canary.token)
            except OSError as error:
                log.error("cannot write the canary entry: %s", error)

    def _canary_seen(self, entry: Entry) -> None:
        if self.canary.alerted:
            log.warning("the journal is readable again (canary back after %.1fs)",
                        (wall_usec() - self.canary.sent_usec) / 1_000_000)
        self.canary.alerted = False
        self.canary.token = ""
        self.canary.seen += 1

    def _heartbeat(self, now: int) -> None:
        url = self.config.heartbeat_url
        if not url or now - self.last_heartbeat < self.config.heartbeat_usec:
            return
        self.last_heartbeat = now

        if self._heartbeat_thread is not None and self._heartbeat_thread.is_alive():
            log.warning("heartbeat ping skipped: the last one has not finished")  # one at a time, never a pile-up
            return

        def ping() -> None:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    deadline = time.monotonic() + 10  # in all: a server trickling its answer is cut off
                    while response.read(1024) and time.monotonic() < deadline:
                        pass
            except OSError as error:
                log.warning("heartbeat ping failed (%s)", type(error).__name__)

        self._heartbeat_thread = threading.Thread(target=ping, name="logsentry-heartbeat", daemon=True)
        self._heartbeat_thread.start()

    def _reload(self) -> bool:
        """Apply a new config and rule set; keep the old ones when anything is wrong (and say so in STATUS
        until the next good reload)."""
        self.reload_requested = False
        try:
            config = load_config(self.config.path)
            rule_set = load_rule_set_for(config)
            problems = [*rule_set.errors, *site_problems(config)]
            if problems:
                raise ReloadRejected("; ".join(problems))
        except (ConfigError, ReloadRejected) as error:
            count = len(error.problems) if isinstance(error, ConfigError) else str(error).count("; ") + 1
            self.reload_note = (f"reload at {time.strftime('%H:%M:%S')} rejected ({count} problem"
                                f"{'s' if count != 1 else ''}, see the journal): running the previous config")
            log.error("reload rejected, keeping the running config: %s", error)
            self._status()
            return False
        self._commit()
        windows = self.pipeline.tracker.snapshot()
        rhythms = self.pipeline.silence.snapshot()
        failures = self.pipeline.failures.snapshot()
        self.config, self.rule_set = config, rule_set
        self.hosts.configure(config)
        self.pipeline = self._build_pipeline(rule_set)
        self.pipeline.silence.restore(rhythms)
        self.pipeline.tracker.restore(windows)
        self.pipeline.failures.restore(failures)
        self.pipeline.tracker.track_changes = True
        self.state.replace_windows(self.pipeline.tracker.items())
        self.worker.config = config
        self.reload_note = ""
        log.info("reloaded: %d rules", len(rule_set.rules))
        self._status()
        return True
