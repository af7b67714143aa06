"""What the service queues for delivery about incidents and about itself: alerts (with the unit's last lines
and the restart that came before), reminders, Alertmanager re-sends, resolved notices, journal gaps.

Kept apart from the read loop (service.py): the loop decides when, this decides what goes into the outbox
(actions/outbox.py delivers it). Times are µs of journal time unless named otherwise.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .actions.alert import MAX_LINE, clean, incident_payload, journal_source, service_payload, with_rule_title
from .actions.runner import outbox_items
from .engine.policy import refused_restart
from .host_silence import RULE_ID as HOST_RULE
from .metrics import Metrics
from .model import Action, Incident, host_unit, incident_id, incident_label
from .service_held import MAX_HELD, unit_key
from .service_state import StateSaving
from .sources.journal import JournalGap
from .sources.last_lines import UnitLines, told_by_systemd
from .state import OutboxItem
from .timespec import format_duration, format_usec, wall_usec
from .views.counts import hits_said

log = logging.getLogger("logsentry")

MAX_CONTEXT_UNITS = 2000  # units (per host) whose last lines are kept for alerts; host names kept as many
QUOTED = 120
"""Characters of the line that released a held alert its resolve quotes (_logs_again)."""
HITS_KEPT = 32
"""Per unit, the hits whose lines-up-to-the-hit are kept until an alert quotes them: a failure's alert is made
up to 2 s of journal time after the hit that fired it (it waits for its chain), when later lines were read."""

Line = tuple[int, str]
"""A unit's line as alerts quote it: (journal time µs, message cut to MAX_LINE characters)."""
HitLines = tuple[int, str, tuple[Line, ...]]
"""A hit (its time, its message cut as a Line's) and its unit's last lines up to and including it."""


def split_at_hit(lines: Sequence[Line], at_usec: int, message: str, exact: bool = False) -> int:
    """Where the lines up to and including a hit end: after the hit's own line (its time and message), else
    after the last line not later than it (a hit whose line was pushed out, a silence's deadline; `exact`: 0)."""
    cut = message[:MAX_LINE]
    for index in range(len(lines) - 1, -1, -1):
        if lines[index][0] == at_usec and lines[index][1] == cut:
            return index + 1
    if exact:
        return 0
    for index in range(len(lines) - 1, -1, -1):
        if lines[index][0] <= at_usec:
            return index + 1
    return 0



def systemd_key(key: str, invocation: str) -> str:
    """ServiceAlerts.systemd_lines' key: a unit key (host_unit) and an invocation id (no unit name has a space)."""
    return f"{key} {invocation}"


UNIT_FILE_NOTES = "unit-file"
"""systemd_key's "invocation" of PID 1's warnings about a unit's file (no hex id: never a run's)."""


def rule_ids(incident: Incident) -> tuple[str, ...]:
    """The rules of a failure: its leader's and its chain's."""
    return (incident.rule_id, *(link.rule_id for link in incident.chain))


def systemd_told(incident: Incident) -> bool:
    """Did systemd tell the failure (one of its rules leads it or is in its chain): its run had ended?"""
    return any(told_by_systemd(rule_id) for rule_id in rule_ids(incident))


def still_said(incident: Incident, silent: bool) -> str:
    """A reminder's (and Alertmanager refresh's) reason: a silence's start, else the hits as its rule counts them
    (views/counts.hits_said: a rate incident's "2 lines past the bar (fired at 30 ...)", not "2 hits"), and when
    the last came: an incident stays open for its window after its last hit, and "still firing" 8 min after it read
    as a failure going on (helper F9)."""
    if silent:
        return f"still silent: no entry since {format_usec(incident.first_usec)}"
    hits = hits_said(incident.why, incident.count)
    return f"still firing: {hits} so far, the last at {format_usec(incident.last_usec)}"


class ServiceAlerts(StateSaving):
    """Service's alert queueing; the attributes are set by Service.__init__."""

    context: UnitLines
    systemd_lines: UnitLines
    """Per unit key and invocation (systemd_key), PID 1's last lines about it: _hold does not count them as the
    unit logging since a failure systemd told ("Consumed 1.2s CPU time.", "Failed to start ...": systemd closing
    that run, which had ended)."""
    hit_context: OrderedDict[str, deque[HitLines]]
    local_machine: str
    _restart_of: tuple[str, str]
    _last_resend: int
    _entry_now: int
    _entry_invocation: str
    metrics: Metrics | None
    ahead: dict[str, int]
    """Per machine clamped as ahead of our clock, by how much (µs): service_journal.ServiceReading._clamped."""

    def _of_host(self, incident: Incident) -> str:
        """" of host NAME" for another machine's incident (a collector's log names whose unit it is), else ""."""
        if not incident.machine_id or incident.machine_id == self.local_machine:
            return ""
        return f" of host {self._named(incident).host}"

    def _named(self, incident: Incident) -> Incident:
        """Another machine's incident whose first line carried no `_HOSTNAME` (an anomaly hit on a screened
        run's entry: the scanner's summary keeps the machine id only) named after that machine: the name its
        full entries gave (HostSilence), else its machine id. Alerts fall back to the observer's own name
        (`incident.host or host`), which would send web-7's alert as the collector's."""
        if incident.host or not incident.machine_id or incident.machine_id == self.local_machine:
            return incident
        known = self.hosts.hosts.get(incident.machine_id) if self.hosts is not None else None
        return replace(incident, host=(known.name if known is not None else "") or incident.machine_id)

    def _is_silence(self, incident: Incident) -> bool:
        """A unit silence (a rule with `[absence]`): no hits to count, its alerts say how long it was silent."""
        return incident.rule_id in self.pipeline.silence.rule_ids

    def _check_hosts(self, now_usec: int) -> None:
        """Hosts gone silent or back (by the wall clock, µs): their alerts queued, their incidents counted with
        the others (STATUS, the stop line)."""
        before = self.hosts.fired
        items = self.hosts.check(now_usec)
        self.pending.extend(items)
        # each host's page is an action, as a unit incident's alert is (the stop line said "8 incidents, 5 actions"
        # beside 8 pages, 3 of them host-went-silent: newuser78's finding 12); re-sends and resolves are not
        self.figures.actions += sum(1 for item in items if item.payload.get("event") == "firing")
        if fired := self.hosts.fired - before:
            self.figures.incidents += fired
            if self.metrics is not None:
                self.metrics.incidents.labels(rule=HOST_RULE, severity="error").inc(fired)

    def _payload(self, event: str, incident: Incident, reason: str) -> dict[str, Any]:
        payload = incident_payload(event, self._named(incident), self.config.hostname, reason, source=self._source(),
                                   ahead_usec=self.ahead.get(incident.machine_id, 0))
        if self._is_silence(incident):
            payload["silence"] = True
        return self._titled(payload)

    def _titled(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload with its rule's title (alert.headline says what happened with it, not the rule id)."""
        rule = self.pipeline.detector.rules.get(payload["rule"])
        return with_rule_title(payload, rule.title if rule is not None else "")

    def _remember_hit(self, key: str, at_usec: int, message: str, lines: Sequence[Line]) -> None:
        """Keep a hit's lines (its unit's last ones up to and including it, oldest first) until its alert. No
        lines, no copy: the alert then takes the unit's lines kept by then up to the hit's time (_context_of),
        where an empty copy would quote none of them."""
        if not lines:
            return
        hits = self.hit_context.get(key)
        if hits is None:
            hits = self.hit_context[key] = deque(maxlen=HITS_KEPT)
            if len(self.hit_context) > MAX_CONTEXT_UNITS:
                self.hit_context.popitem(last=False)
        hits.append((at_usec, message[:MAX_LINE], tuple(lines[-self.config.alerts.context_lines:])))

    def _context_of(self, incident: Incident) -> tuple[list[str], list[str]]:
        """The unit's last lines up to and including the hit that fired the incident, and the lines read after
        it that are still kept when no copy was kept at the hit (a hit of another unit, a silence's deadline)."""
        key = host_unit(incident.machine_id, incident.unit)
        # (the line it fired on is its first sample, or its second after the failure a retry announced or a counted
        # line that says more than the stock note it fired on: engine/stock_lines.py)
        messages = [sample[:MAX_LINE] for sample in incident.samples[:2]] or [""]
        for at, said, lines in reversed(self.hit_context.get(key, ())):
            if at == incident.fired_usec and said in messages:
                before, after = list(lines), []
                break
        else:
            kept = list(self.context.get(key, ()))
            cut = next((cut for message in messages if (cut := split_at_hit(kept, incident.fired_usec, message, True))),
                       split_at_hit(kept, incident.fired_usec, messages[0]))
            before, after = kept[:cut], kept[cut:]
        return ([f"{format_usec(at)} {line}" for at, line in before],
                [f"{format_usec(at)} {line}" for at, line in after])

    def _remember_entry(self, key: str, at_usec: int, message: str, pid1: bool, invocation: str) -> None:
        """Keep an entry's line among its unit's (`key`: host_unit) last ones, and among systemd's about the unit's
        run (`invocation`; UNIT_FILE_NOTES for a warning about its file: sources/unit_file_notes.py) when it is one
        of PID 1's (`pid1`)."""
        line = (at_usec, message[:MAX_LINE])  # alerts show no more of a line
        keep = self.config.alerts.context_lines
        self.context.add_line(key, line, keep, MAX_CONTEXT_UNITS)
        if pid1:  # (PID 1's lines are never screened: sources/_journalscan.c)
            self.systemd_lines.add_line(systemd_key(key, invocation), line, keep, MAX_CONTEXT_UNITS)

    def _queue(self, action: Action) -> None:
        incident = self._named(action.incident)
        action = replace(action, incident=incident) if incident is not action.incident else action
        context, after = self._context_of(incident)
        if action.kind == "alert" and refused_restart(action.reason):  # said in the page; in our journal too
            log.warning("not restarting %s (rule %s): %s", action.unit, incident.rule_id, action.reason)
        if action.kind == "alert" and (restarted := self._last_restart(incident)):
            action = replace(action, reason=f"{action.reason} ({restarted})")
        items = outbox_items(action, self.config.hostname, context, source=self._source(),
                             ahead_usec=self.ahead.get(incident.machine_id, 0))
        extra: dict[str, Any] = {"silence": True} if self._is_silence(incident) else {}
        if action.kind == "alert" and (changed := self._changes_before(incident)):
            extra["changes_before"] = changed
        if after:
            extra["context_after"] = [clean(line) for line in after]
        items = [replace(item, payload=self._titled({**item.payload, **extra})) if item.kind != "restart" else item
                 for item in items]
        if not items:
            verb = "would " if action.dry_run and action.kind != "report" else ""
            log.warning("%s%s %s (rule %s): %s", verb, action.kind, action.unit, incident.rule_id, action.reason)
            return
        self.figures.actions += 1  # (one queued: a report, or a dry run's, is logged above and carried out by none)
        if action.kind == "alert" and self._restart_of[0] == incident_id(incident):
            # The incident's own restart: its alert waits for the outcome and says it (outbox.py).
            items = [replace(item, payload={**item.payload, "restart": self._restart_of[1]}) for item in items]
        self.pending.extend(items)
        if action.kind == "restart":
            self._restart_of = (incident_id(incident), items[0].dedupe)
            log.warning("queueing restart of %s (rule %s)", action.unit, incident.rule_id)
        else:
            # Due realert after the page, by our clock: the incident's time is its host's (a host 10 min behind
            # had its reminder due before its page), and a backlog's incident is paged now, not when it fired.
            self.alerting[incident_id(incident)] = {
                "next_usec": max(wall_usec(), incident.fired_usec) + self.config.alerts.realert_usec, "reminders": 0}

    def _changes_before(self, incident: Incident) -> list[str]:
        """What PID 1 changed on any host just before the incident (engine/unit_changes.py), as read by now: a stop
        of the database its clients' errors follow."""
        changes = self.pipeline.changes
        return [clean(line) for line in changes.said(changes.before(incident), incident,
                                                     self.pipeline.progress.last_usec)]

    def _source(self) -> tuple[str, ...]:
        """journalctl's arguments for where the service reads (`-D journal_directory`; () for the local
        journal), so that an alert's command finds a collector's lines; of the config in force (a reload may
        change it)."""
        return journal_source(self.config.journal_directory)

    def _last_restart(self, incident: Incident) -> str:
        """"restarted UNIT at T (new invocation I)" when logsentry restarted the unit within the restart
        period and the restart was carried out ("" otherwise): the first alert after a restart says so."""
        if incident.machine_id != (self.config.restart.machine_id or self.local_machine):
            return ""  # the ledger holds this machine's restarts only: another host's unit was never restarted
        since = incident.fired_usec - self.config.restart.period_usec
        done = [r for r in self.ledger.for_unit(incident.unit, since) if r.after]
        if not done:
            return ""
        last = done[-1]  # (when it was done, as its own alert said; a ledger saved before that knew only its hit)
        return (f"logsentry restarted {incident.unit} at {format_usec(last.done_usec or last.at_usec)} "
                f"(new invocation {last.after})")

    def _refresh_restarts(self) -> None:
        """Learn how the worker's restarts went, and the invocations they started, for the ledger."""
        for row_id, unit, fired_usec, done_usec, after, outcome in self.state.restarted_since(self.restarted_seen):
            self.restarted_seen = row_id
            if outcome == "not-run":
                self.ledger.withdraw(unit, fired_usec)
            elif outcome == "failed":
                self.ledger.failed(unit, fired_usec)
            else:
                self.ledger.carried_out(unit, fired_usec, after, done_usec)

    def _ended(self, incident: Incident) -> None:
        """Its window passed with no new hit: resolved, or held (_hold), which then says so instead: "ended" beside
        "its alert stays firing" read as a contradiction (helper-137's trial)."""
        if self._hold(incident):
            return
        log.info("incident %s on %s%s ended after %s", incident.rule_id, incident.unit, self._of_host(incident),
                 hits_said(incident.why, incident.count))
        self._resolve(incident)

    def _new_invocation_ended(self, incident: Incident) -> bool:
        """Did a line of a new invocation of the unit end the incident, before its window passed?"""
        return self._entry_now - incident.last_usec < incident.within_usec and bool(incident.invocation) \
            and bool(self._entry_invocation) and self._entry_invocation != incident.invocation

    def _hold(self, incident: Incident) -> bool:
        """Hold the alert of a failure that does not heal itself (its rule's `resolve`: a restart rule's by default)
        firing when it ended only by time and its unit has logged nothing since its last hit (service_held.py);
        True when held."""
        ident, rules = incident_id(incident), self.pipeline.detector.rules
        said = [rules.get(rule_id) for rule_id in rule_ids(incident)]
        if not any(rule.resolve == "unit-logs-again" if rule is not None else incident.action == "restart"
                   for rule in said) \
                or ident not in self.alerting or not self.config.alerts.resolve \
                or self._new_invocation_ended(incident):
            return False  # (a failure whose chain has a rule saying so: systemd left its unit failed)
        key = unit_key(incident)  # (systemd told the run ended; else PID 1's lines are it acting on the live run)
        closing = set(self.systemd_lines.get(systemd_key(key, incident.invocation), ())) \
            if systemd_told(incident) else set()
        closing.update(self.systemd_lines.get(systemd_key(key, UNIT_FILE_NOTES), ()))  # (a reload's, of no run)
        if any(line[0] > incident.last_usec and line not in closing for line in self.context.get(key, ())):
            return False  # it logged since (or PID 1 about a new run of it): no sign of a hang
        log.warning("incident %s on %s%s: its window passed with no new hit after %s, but %s has logged nothing "
                    "since its last hit at %s: the incident is held and its alert stays firing until the unit logs "
                    "again (incident %s)", incident.rule_id, incident.unit, self._of_host(incident),
                    hits_said(incident.why, incident.count), incident.unit, format_usec(incident.last_usec),
                    incident_label(incident))
        for _, gone in self.held.hold(ident, incident):
            self._resolve(gone, f"no longer followed: more than {MAX_HELD} incidents wait for their units to log "
                                "again; this one waited longest", wall_usec())
        return True

    def _logs_again(self, key: str, at_usec: int, invocation: str = "", systemds: bool = False) -> None:
        """The unit (host_unit key) logged at `at_usec`: its held incidents resolve (service_held.py), but a failure
        systemd told when the line is PID 1's (`systemds`) about that same run: its closing lines ("Consumed ...")
        are not the unit logging, however late they come (as in _hold)."""
        closes = (lambda held: invocation == held.invocation and systemd_told(held)) if systemds else None
        released = self.held.logged(key, at_usec, closes)
        said = next((line for at, line in reversed(self.context.get(key, ())) if at == at_usec), "") \
            if released else ""  # (the line is kept among the unit's last ones before this is called)
        quoted = f'; the line: "{clean(said, QUOTED)}"' if said else ""  # (log text, quoted as data)
        for _, incident in released:
            quiet = format_duration(max(at_usec - incident.last_usec, 0))
            again = self.pipeline.tracker.incident_of(incident.rule_id, incident.machine_id, incident.unit,
                                                      incident.key)
            if again is not None and again.first_usec >= at_usec:
                reason = (f"{incident.unit} logs the same failure again, {quiet} after the last hit: it goes on as a "
                          f"new incident since {format_usec(again.first_usec)}")
            elif invocation and incident.invocation and invocation != incident.invocation:
                reason = f"{incident.unit} has a new invocation, {quiet} after the last hit"
            elif systemds:  # PID 1's line of that run ("Stopping ...": a stop or restart by hand), not the unit's own
                reason = f"systemd logs of {incident.unit}, {quiet} after the last hit"
            else:
                reason = f"{incident.unit} logs again, {quiet} after the last hit"
            reason += quoted
            log.info("incident %s on %s%s resolved: %s", incident.rule_id, incident.unit, self._of_host(incident),
                     reason)
            self._resolve(incident, reason, at_usec)

    def _resolve(self, incident: Incident, why: str = "", ended_usec: int | None = None) -> None:
        """The incident is over: its resolve message, if it was alerted (and resolves are on); `why` says how it
        ended (else it is told from the incident and the line that ended it); `ended_usec` when (µs), for a held
        alert whose end is not its last hit: the line that released it, or the wall clock of a resolve by hand
        (its payload's `ends_usec`, Alertmanager's endsAt)."""
        state = self.alerting.pop(incident_id(incident), None)
        if state is not None and self.config.alerts.resolve:  # (a page sent before a reload began a dry run too)
            if why:
                reason = why
            elif self._new_invocation_ended(incident):
                # Ended before its window passed: a hit from a new invocation of the unit closed it.
                quiet = self._entry_now - incident.last_usec
                reason = (f"{incident.unit} has a new invocation: the incident ended "
                          f"{format_duration(max(quiet, 0))} after its last hit")
                if restarted := self._last_restart(incident):
                    reason += f"; {restarted}"
            elif self._is_silence(incident):
                silent = format_duration(incident.last_usec - incident.first_usec)
                reason = f"{incident.unit} logs again after {silent} of silence"
            else:
                rule = self.pipeline.detector.rules.get(incident.rule_id)
                hold = rule.trigger.hold_usec if rule is not None else incident.within_usec
                reason = f"no new hit for {hold // 1_000_000}s"
            payload = self._payload("resolved", incident, reason)
            if ended_usec is not None:
                payload["ends_usec"] = ended_usec
            self.pending.append(OutboxItem(f"alert:{incident_id(incident)}:resolved", "alert", payload,
                                           group=incident_id(incident)))

    def _firing(self) -> list[Incident]:
        """The incidents whose alerts fire: the open ones (one per failure) and those held until their unit logs
        again (service_held.py)."""
        return [*self.pipeline.open_incidents(), *self.held.incidents()]

    def _remind(self, now: int) -> None:
        """Exponential re-alerting while an incident lasts: after realert, 2x realert, 4x realert, ..."""
        if all(now < state["next_usec"] for state in self.alerting.values()):
            return  # none due: the open incidents (each failure's made with its chain) are not needed
        for incident in self._firing():
            state = self.alerting.get(incident_id(incident))
            if state is None or now < state["next_usec"]:
                continue
            state["reminders"] += 1
            state["next_usec"] = now + self.config.alerts.realert_usec * (2 ** state["reminders"])
            payload = self._payload("reminder", incident, self._still(incident))
            self.pending.append(OutboxItem(f"alert:{incident_id(incident)}:reminder{state['reminders']}", "alert",
                                           payload, group=incident_id(incident)))

    def _resend(self, now: int) -> None:
        """Alertmanager's clients re-send active alerts (it resolves one unheard of for resolve_timeout): every
        alerts.resend, each open incident that was alerted goes again to the Alertmanager channels only."""
        config = self.config
        if not any(c.kind == "alertmanager" for c in config.alerts.channels):
            return  # (in a dry run too: what is re-sent was paged live, before a reload began the dry run)
        every = config.alerts.resend_usec
        if now - self._last_resend < every:
            return
        self._last_resend = now
        for incident in self._firing():
            if incident_id(incident) in self.alerting:
                payload = self._payload("refresh", incident, self._still(incident))
                self.pending.append(OutboxItem(f"alert:{incident_id(incident)}:refresh{now // every}", "alert",
                                               payload, group=incident_id(incident)))

    def _still(self, incident: Incident) -> str:
        said = still_said(incident, self._is_silence(incident))
        if self.held.holds(incident_id(incident)):  # (service_held.py)
            said += f"; {incident.unit} has logged nothing since"
        return said

    def _resolve_service_alert(self, event: str, reason: str, since_usec: int) -> None:
        """The all-clear of an alert about logsentry itself (`event`, sent at `since_usec`, µs): its title "RESOLVED:
        ...", and for Alertmanager an endsAt, so the alert ends there too."""
        if self.config.dry_run:
            return
        now = wall_usec()
        payload = {**service_payload(event, self.config.hostname, reason), "event": "resolved", "rule": event,
                   "first_usec": since_usec, "fired_usec": since_usec, "last_usec": now}
        self.pending.append(OutboxItem(f"alert:{event}:{since_usec}:resolved", "alert", payload))

    def _queue_service_alert(self, event: str, reason: str, detail: str) -> None:
        if self.config.dry_run:
            return
        self.pending.append(OutboxItem(f"alert:{event}:{detail}", "alert",
                                       service_payload(event, self.config.hostname, reason)))
        if self.cursor is None:
            self._commit()  # before any entry (corrupt state at start): queue it now

    def _gap(self, gap: JournalGap) -> None:
        start = format_usec(gap.missing_from_usec) if gap.missing_from_usec else "?"
        reason = (f"journal gap: entries from {start} to {format_usec(gap.resumed_at_usec)} were vacuumed or "
                  "rotated away before logsentry read them")
        log.error("%s", reason)
        self._queue_service_alert("journal_gap", reason, gap.after_cursor)
