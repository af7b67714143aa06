"""`logsentry run`: follow the journal, detect, and queue actions, with systemd integration.

sd_notify: READY after the first complete read, STATUS with live figures, WATCHDOG only when the read
loop comes round (a stuck reader stops the pings and systemd restarts logsentry), STOPPING on SIGTERM.
SIGHUP reloads config and rules; a bad new config or rule file is rejected and the old one kept.
State (cursor, windows, restart ledger, alerting, outbox) is committed in one transaction per batch.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
import urllib.request
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from .actions.alert import incident_payload, service_payload
from .actions.outbox import OutboxWorker
from .actions.runner import guarded_policy, incident_id, outbox_items
from .baseline_keeper import BaselineKeeper
from .config import ConfigError, SiteConfig, load_config
from .engine.detector import Detector
from .engine.policy import RestartLedger
from .model import Action, Entry, Incident
from .pipeline import ActionEvent, EndedEvent, Event, IncidentEvent, MatchEvent, Pipeline, QuarantineEvent
from .rules.loader import RuleSet, load_rules
from .sources.journal import (
    CANARY_FIELD,
    CAUGHT_UP,
    JournalFollower,
    JournalGap,
    JournalLocation,
    StartAt,
    send_canary,
)
from .sources.selection import Selection
from .state import OutboxItem, State
from .timespec import format_usec, wall_usec
from .trust import site_problems

log = logging.getLogger("logsentry")

MAX_CONTEXT_UNITS = 2000
PRUNE_EVERY_USEC = 3600 * 1_000_000
# While reading a backlog, state is committed every `commit_every` entries but at most once a second: a commit
# snapshots every burst window, which under a flood of distinct group keys (up to MAX_WINDOWS) costs far more
# than reading the entries in between (measured: 150 us an entry instead of 25). A crash then re-reads at most
# about a second of entries, and repeats no action (the outbox dedupes by id).
MIN_COMMIT_INTERVAL_S = 1.0
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


def load_rule_set_for(config: SiteConfig) -> RuleSet:
    return load_rules(config.rule_dirs, disabled=config.disabled_rules)


@dataclass
class Canary:
    """The self-check in flight: its token, when it was written, whether its loss was alerted."""

    token: str = ""
    sent_usec: int = 0
    alerted: bool = False
    seen: int = 0


@dataclass
class Figures:
    """Live counters for STATUS= and the logs."""

    entries: int = 0
    matches: int = 0
    incidents: int = 0
    actions: int = 0
    commits: int = 0
    last_entry_usec: int = 0
    started_usec: int = field(default_factory=wall_usec)


class Service:
    def __init__(self, config: SiteConfig, notify: Any = sd_notify):
        self.config = config
        self.notify = notify
        self.state = State(config.state_dir / "state.db")
        self.figures = Figures()
        self.canary = Canary()
        self.stop = threading.Event()
        self.reload_requested = False
        # Per unit, its last lines as (journal time, message): formatted only when an alert quotes them.
        self.context: OrderedDict[str, deque[tuple[int, str]]] = OrderedDict()
        self.alerting: dict[str, dict[str, int]] = self.state.get("alerting") or {}
        self.ledger = RestartLedger.restore(self.state.get("ledger"))
        self.keeper = BaselineKeeper(self.state)
        self.rule_set = load_rule_set_for(config)
        for error in self.rule_set.errors:
            log.error("rule file error (rule skipped): %s", error)
        self.pipeline = self._build_pipeline(self.rule_set)
        self.pipeline.tracker.restore(self.state.get("windows") or [])
        self.worker = OutboxWorker(self.state.path, config)
        self.pending: list[OutboxItem] = []
        self.cursor: str | None = self.state.cursor
        self.uncommitted = 0
        self.last_commit_at = 0.0
        self.last_heartbeat = 0
        self.last_prune = 0

    # -- set-up -------------------------------------------------------------------------------------
    def _build_pipeline(self, rule_set: RuleSet) -> Pipeline:
        return Pipeline(Detector(rule_set.rules), guarded_policy(self.config, self.ledger),
                        anomaly=self.keeper.build(rule_set.rules))

    def _follower(self) -> JournalFollower:
        config = self.config
        units = config.watched_units()
        selection = Selection(units=(*units, config.own_unit) if units else ())  # own unit: for the canary
        fields = (*self.pipeline.detector.needed_fields, CANARY_FIELD)
        start = StartAt(cursor=self.cursor) if self.cursor else StartAt()
        location = JournalLocation(directory=config.journal_directory)
        return JournalFollower(location, selection, fields, start, wait_s=1.0)

    def install_signals(self) -> None:
        def on_stop(signum: int, frame: FrameType | None) -> None:
            self.stop.set()

        def on_reload(signum: int, frame: FrameType | None) -> None:
            self.reload_requested = True

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_reload)

    # -- main loop ----------------------------------------------------------------------------------
    def run(self) -> int:
        self.worker.start()
        if self.cursor:
            log.info("resuming after cursor %s", self.cursor)
        else:
            log.info("no saved cursor: starting at the end of the journal")
        ready = False
        if not self.cursor:
            units = self.config.watched_units()
            self.keeper.warm_up(JournalLocation(directory=self.config.journal_directory), units)
        try:
            while not self.stop.is_set():
                follower = self._follower()
                for item in follower:
                    if item is CAUGHT_UP:
                        self._caught_up()
                        if not ready:
                            ready = True
                            self.notify("READY=1")
                            log.info("ready: watching %s", ", ".join(w for watch in self.config.watches
                                                                      for w in watch.units))
                        if self.stop.is_set():
                            break
                        if self.reload_requested:
                            self.reload_requested = False
                            if self._reload():
                                break  # reopen the journal with the new selection, at the saved cursor
                    elif isinstance(item, JournalGap):
                        self._gap(item)
                    else:
                        self._entry(item)
                        if self.commit_due():
                            self._commit()
        finally:
            self.notify("STOPPING=1")
            self.keeper.close()
            self._commit(final=True)
            self.worker.close()
            self.state.close()
            log.info("stopped after %d entries (%d matches, %d incidents, %d actions)", self.figures.entries,
                     self.figures.matches, self.figures.incidents, self.figures.actions)
        return 0

    def _entry(self, entry: Entry) -> None:
        self.figures.entries += 1
        self.figures.last_entry_usec = entry.realtime_usec
        self.cursor = entry.cursor
        self.uncommitted += 1
        if entry.unit == self.config.own_unit:
            if entry.fields.get(CANARY_FIELD) == self.canary.token:
                self._canary_seen(entry)
            return  # never feed on our own output (or our actions' output, which runs under our unit)
        for event in self.pipeline.process(entry):
            self._handle(event)
        self._remember_line(entry)

    def _handle(self, event: Event) -> None:
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
                reason = (f"rule {quarantine.rule_id} quarantined: {quarantine.reason} on entry "
                          f"{quarantine.cursor}")
                log.error("%s", reason)
                self._queue_service_alert("rule_quarantined", reason, quarantine.rule_id)

    def _remember_line(self, entry: Entry) -> None:
        lines = self.context.get(entry.unit)
        if lines is None:
            lines = self.context[entry.unit] = deque(maxlen=self.config.alerts.context_lines)
            if len(self.context) > MAX_CONTEXT_UNITS:
                self.context.popitem(last=False)
        lines.append((entry.realtime_usec, entry.message))

    def _queue(self, action: Action) -> None:
        incident = action.incident
        self.figures.actions += 1
        context = [f"{format_usec(at)} {message}" for at, message in self.context.get(incident.unit, ())]
        items = outbox_items(action, self.config.hostname, context)
        if not items:
            verb = "would " if action.dry_run and action.kind != "report" else ""
            log.warning("%s%s %s (rule %s): %s", verb, action.kind, action.unit, incident.rule_id, action.reason)
            return
        self.pending.extend(items)
        if action.kind == "restart":
            log.warning("queueing restart of %s (rule %s)", action.unit, incident.rule_id)
        else:
            self.alerting[incident_id(incident)] = {
                "next_usec": incident.fired_usec + self.config.alerts.realert_usec, "reminders": 0}

    def _ended(self, incident: Incident) -> None:
        state = self.alerting.pop(incident_id(incident), None)
        log.info("incident %s on %s ended after %d hits", incident.rule_id, incident.unit, incident.count)
        if state is not None and self.config.alerts.resolve and not self.config.dry_run:
            payload = incident_payload("resolved", incident, self.config.hostname,
                                       f"no new hit for {incident.within_usec // 1_000_000}s")
            self.pending.append(OutboxItem(f"alert:{incident_id(incident)}:resolved", "alert", payload,
                                           group=incident_id(incident)))

    def _remind(self, now: int) -> None:
        """Exponential re-alerting while an incident lasts: after realert, 2x realert, 4x realert, ..."""
        for incident in self.pipeline.open_incidents():
            state = self.alerting.get(incident_id(incident))
            if state is None or now < state["next_usec"]:
                continue
            state["reminders"] += 1
            state["next_usec"] = now + self.config.alerts.realert_usec * (2 ** state["reminders"])
            payload = incident_payload("reminder", incident, self.config.hostname,
                                       f"still firing: {incident.count} hits so far")
            self.pending.append(OutboxItem(f"alert:{incident_id(incident)}:reminder{state['reminders']}", "alert",
                                           payload, group=incident_id(incident)))

    def _queue_service_alert(self, event: str, reason: str, detail: str) -> None:
        if self.config.dry_run:
            return
        self.pending.append(OutboxItem(f"alert:{event}:{detail}", "alert",
                                       service_payload(event, self.config.hostname, reason)))

    def _gap(self, gap: JournalGap) -> None:
        start = format_usec(gap.missing_from_usec) if gap.missing_from_usec else "?"
        reason = (f"journal gap: entries from {start} to {format_usec(gap.resumed_at_usec)} were vacuumed or "
                  "rotated away before logsentry read them")
        log.error("%s", reason)
        self._queue_service_alert("journal_gap", reason, gap.after_cursor)

    def _caught_up(self) -> None:
        self.keeper.poll()
        now = max(wall_usec(), self.figures.last_entry_usec)
        for event in self.pipeline.tick(now):
            self._handle(event)
        self._remind(now)
        self._check_canary(wall_usec())
        self._commit()
        if now - self.last_prune > PRUNE_EVERY_USEC:
            self.last_prune = now
            self.state.prune(before_usec=now - KEEP_DONE_USEC)
        figures = self.figures
        self.notify(f"WATCHDOG=1\nSTATUS={figures.entries} entries, {figures.matches} matches, "
                    f"{figures.incidents} incidents, {figures.actions} actions, {len(self.rule_set.rules)} rules")
        self._heartbeat(now)

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

    def commit_due(self) -> bool:
        """Commit while reading? (Catching up always commits.)"""
        return self.uncommitted >= self.config.commit_every and \
            time.monotonic() - self.last_commit_at >= MIN_COMMIT_INTERVAL_S

    def _commit(self, final: bool = False) -> None:
        if self.cursor is None and not self.pending:
            return
        self.last_commit_at = time.monotonic()
        values: dict[str, Any] = {"windows": self.pipeline.tracker.snapshot(), "ledger": self.ledger.snapshot(),
                                  "alerting": self.alerting}
        if self.cursor is not None:
            values["cursor"] = self.cursor
        baselines = self.keeper.for_commit(values, final)
        self.state.commit(values, self.pending, wall_usec(), baselines)
        if self.pending:
            self.worker.wake.set()
        self.pending = []
        self.uncommitted = 0
        self.figures.commits += 1

    def _heartbeat(self, now: int) -> None:
        url = self.config.heartbeat_url
        if not url or now - self.last_heartbeat < self.config.heartbeat_usec:
            return
        self.last_heartbeat = now

        def ping() -> None:
            try:
                with urllib.request.urlopen(url, timeout=10):
                    pass
            except OSError as error:
                log.warning("heartbeat ping failed (%s)", type(error).__name__)

        threading.Thread(target=ping, name="logsentry-heartbeat", daemon=True).start()

    def _reload(self) -> bool:
        """Apply a new config and rule set; keep the old ones when anything is wrong."""
        try:
            config = load_config(self.config.path)
            rule_set = load_rule_set_for(config)
            problems = [*rule_set.errors, *site_problems(config)]
            if problems:
                raise ReloadRejected("; ".join(problems))
        except (ConfigError, ReloadRejected) as error:
            log.error("reload rejected, keeping the running config: %s", error)
            return False
        self._commit()
        windows = self.pipeline.tracker.snapshot()
        self.config, self.rule_set = config, rule_set
        self.pipeline = self._build_pipeline(rule_set)
        self.pipeline.tracker.restore(windows)
        self.worker.config = config
        log.info("reloaded: %d rules", len(rule_set.rules))
        return True
