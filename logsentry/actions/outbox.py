"""The outbox worker: carries out queued actions in threads of its own, so a slow or failing alert channel
or systemctl never stops the journal from being read, nor holds up other actions.

Lanes: each unit's restarts form one lane and each unit's alerts another; a lane runs one action at a time
(alerts of one incident stay in order) and lanes run side by side (at most MAX_LANES at once), so a hanging
systemctl or a receiver that trickles bytes delays only its own lane, never another unit's restart or alert.
Every attempt has a total deadline (actions/bounded.py).

Alerts: a failed channel is retried with exponential backoff, then the next channel of the escalation
list is tried, round and round with the backoff capped; an alert leaves the outbox only once delivered. A unit's
alerts queued before the one due are tried first, their backoff aside, so a working receiver gets them in order.
An incident's firing alert that goes with a restart waits for the restart's outcome (up to
ALERT_WAITS_FOR_RESTART_S) and says it: "restarted UNIT at T (new invocation I)" or why it failed.
Restarts: a unit that already has another invocation than the incident's (systemd's Restart=, an operator) is
not restarted: the invocation that failed is gone, and restarting would only cut the new one short. Otherwise
the intent (with the unit's invocation before) is recorded before systemctl runs, and the
command's PID before it is let through its gate (restart.py). After a crash, an in-progress restart is
reconciled, never simply repeated: its command, if still running, is waited for (and killed at its
deadline); if the unit then has a new invocation the restart is done, and only if not is it tried again. One
whose command never got a PID recorded never ran (its gate never opened): a new invocation since is someone
else's, and the restart is withdrawn ("not-run"), not counted as logsentry's (engine/policy.py's ledger).
Delivery errors are scrubbed of every configured secret (channel URLs, command arguments, the heartbeat
URL) before they are logged or stored in `last_error`: libraries quote URLs in their exceptions.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from ..config import Channel, SiteConfig
from ..silences import Matcher
from ..state import NOT_HELD, SILENCED, Intent, OutboxItem, OutboxRow, State, StateError
from ..state_readonly import StateMissing, open_read_only
from ..timespec import format_usec, wall_usec
from ..views.escape import visible
from ..wording import plural
from .alert import alert_name, service_payload
from .bounded import kill_group
from .channels import DeliveryError, deliver, send_command
from .restart import ActionFailed, current_invocation, pending_job, process_start_time, restart_unit

log = logging.getLogger("logsentry.outbox")

Deliver = Callable[[Any, Mapping[str, Any]], None]

MAX_LANES = 8
ALERT_WAITS_FOR_RESTART_S = 20.0
HOOK_TRIES = 3


def lane_of(row: OutboxRow) -> str:
    return f"{row.kind}:{row.payload.get('unit', '')}"


def _fired(row: OutboxRow) -> int:
    """The journal time (µs) the restart row's incident fired: the ledger's key for its decision."""
    return int(row.payload.get("fired_usec", 0) or 0)


MAX_UNDELIVERED_SHOWN = 5


def undelivered(config: SiteConfig) -> list[str]:
    """For `config check`: the alerts of the service's outbox (`state_dir/state.db`, read only, never created)
    that wait after a failed delivery, each with the reason its last try failed (stored scrubbed, scrubbed
    again here with this config's secrets): an operator whose alerts do not arrive is told why. Unit names
    come from the journal, reasons from receivers: shown escaped (`visible`), never as terminal controls."""
    path = config.state_dir / "state.db"
    try:
        with closing(open_read_only(path)) as state:
            rows = state.db.execute("SELECT payload, last_error FROM outbox WHERE kind = 'alert' AND status IN "
                                    f"('pending', 'in_progress') AND last_error != '' AND {NOT_HELD} "
                                    "ORDER BY id").fetchall()  # (held by a silence: not failing)
    except StateMissing:
        return []
    except StateError as error:
        return [f"warning: cannot read the outbox: {error}"]
    except sqlite3.Error as error:
        return [f"warning: cannot read the outbox in {path}: {error}"]
    scrub = config.secrets().scrub
    lines = [f"warning: {plural(len(rows), 'alert')} in {path} not delivered yet; each one's last try:"] if rows else []
    for text, last_error in rows[-MAX_UNDELIVERED_SHOWN:]:
        try:
            payload = json.loads(text)
            what = f"{payload.get('event', 'alert')} {payload.get('rule', '?')} on {payload.get('unit', '?')}"
        except (ValueError, AttributeError):
            what = "an alert"
        lines.append(f"  {visible(scrub(what))}: {visible(scrub(last_error))}")
    return lines


class OutboxWorker:
    def __init__(self, state_path: Any, config: SiteConfig, deliver_alert: Deliver = deliver):
        self.state_path = state_path
        self.config = config
        self.deliver_alert = deliver_alert
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.delivered = 0
        self.failures = 0
        self.silences = Matcher(Path(state_path).parent)  # `logsentry silence`: checked before each delivery
        self.on_failure: Callable[..., Any] | None = None
        """Metrics: called with channel=NAME, its result's inc() called, for each failed delivery attempt."""
        self.on_outcome: Callable[..., Any] | None = None
        """Metrics: called with action=KIND, result=WHAT, its result's inc() called, when an action is done or
        given up: restart done, failed, not_run; alert delivered; hook done, failed."""
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._lanes: dict[str, threading.Thread] = {}
        self._in_flight: set[int] = set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="logsentry-outbox", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        self.stop.set()
        self.wake.set()
        deadline = time.monotonic() + timeout
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            lanes = list(self._lanes.values())
        for thread in lanes:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        state = State(self.state_path)
        try:
            while not self.stop.is_set():
                try:
                    self.drain(state)
                except Exception:  # the worker must outlive any single bad row or database hiccup
                    log.exception("outbox worker error; retrying in 1s")
                    self.stop.wait(1.0)
                    continue
                next_due = state.next_due_usec()
                timeout = 60.0 if next_due is None else max(0.0, (next_due - wall_usec()) / 1_000_000)
                if timeout == 0.0:
                    timeout = 0.5  # what is due is in flight or its lane is busy: a lane's end wakes us
                self.wake.wait(min(timeout, 60.0))
                self.wake.clear()
        finally:
            state.close()

    def drain(self, state: State) -> None:
        """Start every action that is due now and whose lane is free."""
        for row in state.due(wall_usec()):
            if self.stop.is_set():
                return
            lane = lane_of(row)
            with self._lock:
                if row.id in self._in_flight or lane in self._lanes or len(self._lanes) >= MAX_LANES:
                    continue
                thread = threading.Thread(target=self._carry_out, args=(lane, row), name=f"logsentry-{lane}",
                                          daemon=True)
                self._lanes[lane] = thread
                self._in_flight.add(row.id)
            thread.start()

    def _carry_out(self, lane: str, row: OutboxRow) -> None:
        state = State(self.state_path)
        try:
            fresh = state.row(row.dedupe)  # the dispatcher's list may be older than this row's last attempt
            if fresh is None or fresh.status not in ("pending", "in_progress") or \
                    fresh.next_attempt_usec > wall_usec():
                return
            row = fresh
            if row.kind == "restart":
                self._restart(state, row)
            elif row.kind == "hook":
                self._hook(state, row)
            else:  # a unit's alerts in the order they were queued, when its receiver takes them (state.before_in_lane)
                tried: set[int] = set()  # (asked again after each: an older incident's resolve is next once its
                # firing alert is out)
                while older := next((r for r in state.before_in_lane(row) if r.id not in tried), None):
                    tried.add(older.id)
                    self._alert(state, older)
                self._alert(state, row)
        except Exception:
            log.exception("outbox: %s action %d failed unexpectedly; retried later", row.kind, row.id)
        finally:
            state.close()
            with self._lock:
                self._lanes.pop(lane, None)
                self._in_flight.discard(row.id)
            self.wake.set()

    # -- restarts -------------------------------------------------------------------------------------
    def _restart(self, state: State, row: OutboxRow) -> None:
        limits = self.config.restart
        unit = str(row.payload["unit"])
        intent = state.intent(row.dedupe)
        if row.status == "in_progress" and self._reconciled(state, row, unit, intent):
            return
        fired_in = str(row.payload.get("invocation", ""))
        before = current_invocation(unit, limits.systemctl)
        if before and fired_in and before != fired_in:
            self._not_run(state, row, unit, before, f"{unit} already has a new invocation ({before}) since the "
                          f"incident's ({fired_in}), started by systemd or someone else")
            return
        before = before or fired_in
        state.begin_restart(row.id, row.attempts + 1, Intent(row.dedupe, wall_usec(), before, 0, ""))
        try:
            detail = restart_unit(unit, limits.systemctl, limits.timeout_s, limits.abort_first,
                                  started=lambda pid, start: state.intent_started(row.dedupe, pid, start))
        except ActionFailed as error:
            log.error("restart of %s failed: %s", unit, error)
            self.failures += 1
            self._outcome("restart", "failed")
            state.end_restart(row.id, row.dedupe, "failed", str(error), (unit, _fired(row), wall_usec(), ""), "failed")
            payload = service_payload("restart_failed", self.config.hostname, str(error),
                                      of_host=str(row.payload.get("host", "")),  # (a row queued before: ours)
                                      machine_id=str(row.payload.get("machine_id", "")))
            state.commit({}, [OutboxItem(f"alert:restart-failed:{row.dedupe}", "alert", payload)], wall_usec())
            return
        self._done(state, row, unit, detail)

    def _done(self, state: State, row: OutboxRow, unit: str, detail: str) -> None:
        at = wall_usec()
        after = current_invocation(unit, self.config.restart.systemctl) or ""
        text = f"{detail}: restarted {unit} at {format_usec(at)}" + (f" (new invocation {after})" if after else "")
        log.warning("restarted %s (%s): %s", unit, row.payload.get("rule"), detail)
        state.end_restart(row.id, row.dedupe, "done", text, (unit, _fired(row), at, after))
        self._outcome("restart", "done")

    def _outcome(self, action: str, result: str) -> None:
        if self.on_outcome is not None:
            self.on_outcome(action=action, result=result).inc()

    def _reconciled(self, state: State, row: OutboxRow, unit: str, intent: Intent | None) -> bool:
        """A restart an earlier logsentry began (it died meanwhile): finished, so nothing more to do (True),
        or never carried out, so try it (False)."""
        limits = self.config.restart
        if intent is not None and not intent.pid:  # (abort_first's SIGABRT is gated and recorded too)
            return self._never_ran(state, row, unit, intent)
        if intent is not None:
            deadline = time.monotonic() + max(0.0, (intent.started_usec + int(limits.timeout_s * 1e6)
                                                    - wall_usec()) / 1e6)
            while process_start_time(intent.pid) == intent.pid_start and time.monotonic() < deadline:
                time.sleep(0.1)  # the command it started is still running: let it finish, within its deadline
            if process_start_time(intent.pid) == intent.pid_start:
                kill_group(intent.pid)
            # Killed with logsentry (KillMode=control-group) after systemd took the job: the job goes on.
            while pending_job(unit, limits.systemctl) and time.monotonic() < deadline:
                time.sleep(0.2)
        before = intent.before if intent is not None else str(row.payload.get("invocation", ""))
        now = current_invocation(unit, limits.systemctl)
        if before and now and now != before:
            log.warning("restart of %s was carried out before logsentry itself restarted (new invocation %s)",
                        unit, now)
            self._done(state, row, unit, "restarted before logsentry itself restarted")
            return True
        log.warning("restart of %s was cut short when logsentry itself stopped; trying again", unit)
        return False

    def _never_ran(self, state: State, row: OutboxRow, unit: str, intent: Intent) -> bool:
        """A restart whose command was never let through its gate (no PID recorded: restart.py). A new invocation
        since is someone else's (an operator's, a deploy's): the restart is not needed and never happened, so
        the ledger forgets it (no cooldown, no "came back") and the new invocation's own failures are judged as
        a fresh start's. With none, it is tried again (False)."""
        now = current_invocation(unit, self.config.restart.systemctl)
        if not (intent.before and now and now != intent.before):
            log.warning("restart of %s was cut short before its command ran (logsentry itself stopped); trying "
                        "again", unit)
            return False
        self._not_run(state, row, unit, now, f"{unit} was restarted by someone else (new invocation {now}) before "
                      "logsentry's own restart ran (logsentry stopped before its command started)")
        return True

    def _not_run(self, state: State, row: OutboxRow, unit: str, now: str, why: str) -> None:
        """End a restart that is not logsentry's to run (the unit has invocation `now`, someone else's): said and
        logged with `why`, and "not-run" for the ledger, which then forgets the decision."""
        text = f"not run: {why}; not restarted again"
        log.warning("restart of %s: %s", unit, text)
        state.end_restart(row.id, row.dedupe, "done", text, (unit, _fired(row), wall_usec(), now), "not-run")
        self._outcome("restart", "not_run")

    # -- remote hosts' restarts: the watch's command hook ------------------------------------------------
    def _hook(self, state: State, row: OutboxRow) -> None:
        """The incident as JSON on the stdin of the covering watch's `command` (argv, no shell, the restart
        timeout in total), tried `HOOK_TRIES` times with backoff."""
        payload = row.payload
        watch = self.config.watch_for(str(payload.get("unit", "")), str(payload.get("rule", "")))
        if watch is None or not watch.command:
            state.update(row.id, status="done", last_error="no command hook covers it any more")
            return
        channel = Channel("hook", "command", watch.command, timeout_s=self.config.restart.timeout_s)
        try:
            send_command(channel, payload)
        except DeliveryError as error:
            message = self.config.secrets().scrub(str(error))
            self.failures += 1
            attempts = row.attempts + 1
            if attempts >= HOOK_TRIES:
                log.error("command hook for %s failed %d times: %s", payload.get("unit"), attempts, message)
                state.update(row.id, status="failed", attempts=attempts, last_error=message)
                self._outcome("hook", "failed")
                return
            delay = min(self.config.alerts.backoff_usec * 2 ** attempts, self.config.alerts.max_backoff_usec)
            state.update(row.id, status="pending", attempts=attempts, next_attempt_usec=wall_usec() + delay,
                         last_error=message)
            return
        log.warning("command hook run for %s on %s (rule %s)", payload.get("unit"), payload.get("host"),
                    payload.get("rule"))
        state.update(row.id, status="done", attempts=row.attempts + 1, last_error="")  # (the try that ran it counts)
        self._outcome("hook", "done")

    # -- alerts ---------------------------------------------------------------------------------------
    def _alert(self, state: State, row: OutboxRow) -> None:
        channels = self.config.alerts.channels
        payload = row.payload
        if payload.get("restart"):
            told = self._with_restart(state, row)
            if told is None:
                return
            payload = told
        elif self._behind_a_restart(state, row):
            state.update(row.id, status="pending", next_attempt_usec=wall_usec() + 300_000)
            return
        if (silenced := self.silences.silencing(payload)) is not None:
            if payload.get("event") in ("firing", "reminder") and payload.get("incident"):
                # Held till the silence ends, then sent if its incident still fires (Alertmanager's way): a deploy
                # that broke inside its maintenance window went unpaged until a reminder, 10 min or more later.
                if not row.last_error.startswith(SILENCED):
                    log.info("alert %s silenced by %s (%s) until %s: sent then if its incident still fires",
                             alert_name(row.dedupe, payload), silenced.id, silenced.comment,
                             format_usec(silenced.ends_usec))
                # (looked at again each minute: a silence expired early or extended is followed)
                state.update(row.id, status="pending",
                             next_attempt_usec=min(silenced.ends_usec, wall_usec() + 60_000_000),
                             last_error=f"{SILENCED}{silenced.id} until {format_usec(silenced.ends_usec)}")
                return
            log.info("alert %s silenced by %s (%s)", alert_name(row.dedupe, payload), silenced.id, silenced.comment)
            state.update(row.id, status="done", last_error=f"silenced by {silenced.id}")
            return
        if row.last_error.startswith(SILENCED):
            unsilenced = self._after_silence(state, row, payload)
            if unsilenced is None:
                return
            payload = unsilenced
        if payload.get("event") == "refresh":  # an active alert again, for Alertmanager only (service._resend)
            self._refresh(state, row, [c for c in channels if c.kind == "alertmanager"], payload)
            return
        if not channels:
            log.warning("alert (no channel configured): %s", payload.get("reason"))
            state.update(row.id, status="done", last_error="no alert channel configured; logged only")
            return
        channel = channels[row.channel % len(channels)]
        try:
            self.deliver_alert(channel, payload)
        except DeliveryError as error:
            self._retry_later(state, row, str(error))
            return
        except Exception as error:  # a broken channel plugin must not kill the worker
            self._retry_later(state, row, f"{channel.name}: {type(error).__name__}: {error}")
            return
        self.delivered += 1
        # Marked done first: the log line then means a crash from here on does not send the alert again
        # (tests/test_service.py kills the service at that line; the other order resent it under load).
        # (the try that delivered counts: "done" with 0 attempts read as never tried, helper-137's trial)
        state.update(row.id, status="done", channel=row.channel, attempts=row.attempts + 1, last_error="")
        log.info("alert %s delivered via %s", alert_name(row.dedupe, payload), channel.name)
        self._outcome("alert", "delivered")

    def _after_silence(self, state: State, row: OutboxRow, payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """An alert held by a silence that ended: None (it and its incident's later alerts done) when a resolve
        of its incident came meanwhile (it ended inside the silence: nothing to page, as Alertmanager sends no
        resolve of an alert it never notified); else its payload, a first page (a reminder held so is one), and
        the reminders queued behind it done (they would page again at once)."""
        later = state.after_in_group(row.id)
        ended = any(other.payload.get("event") == "resolved" for other in later)
        for other in later:
            if ended or other.payload.get("event") == "reminder":
                state.update(other.id, status="done", last_error=f"held behind {row.dedupe}, {SILENCED[:-4]}")
        if ended:
            log.info("alert %s: its incident ended while silenced; not sent", alert_name(row.dedupe, row.payload))
            state.update(row.id, status="done", last_error=f"{row.last_error}; its incident ended meanwhile")
            return None
        return {**payload, "event": "firing", "silenced": row.last_error.removeprefix(SILENCED)}

    def _refresh(self, state: State, row: OutboxRow, channels: list[Channel], payload: Mapping[str, Any]) -> None:
        """Each Alertmanager channel once; a failure waits for the next re-send (no retries, no escalation)."""
        errors = []
        for channel in channels:
            try:
                self.deliver_alert(channel, payload)
            except Exception as error:  # DeliveryError, or a broken channel
                errors.append(self.config.secrets().scrub(str(error)))
                if self.on_failure is not None:
                    self.on_failure(channel=channel.name).inc()
        state.update(row.id, status="failed" if errors else "done", attempts=row.attempts + 1,
                     last_error="; ".join(errors))

    @staticmethod
    def _behind_a_restart(state: State, row: OutboxRow) -> bool:
        """Does an earlier alert of the same unit and machine wait for its restart's outcome? This one goes
        after it: "came back after restart" is not told before "restarted" (a reader quick enough to see the
        new invocation's first line within the wait would reverse them)."""
        found = state.db.execute(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE status IN ('pending', 'in_progress') AND kind = 'alert' "
            "AND id < ? AND COALESCE(json_extract(payload, '$.restart'), '') != '' "
            "AND json_extract(payload, '$.unit') IS ? AND json_extract(payload, '$.machine_id') IS ?)",
            (row.id, row.payload.get("unit"), row.payload.get("machine_id"))).fetchone()
        return bool(found[0])

    def _with_restart(self, state: State, row: OutboxRow) -> dict[str, Any] | None:
        """The firing alert of an incident with a restart, saying how the restart went; None: wait for it."""
        restart = state.row(str(row.payload["restart"]))
        payload = dict(row.payload)
        unit = payload["unit"]
        if restart is None:
            return payload
        if restart.status in ("pending", "in_progress"):
            waited = (wall_usec() - state.row_created_usec(row.dedupe)) / 1e6
            if waited < ALERT_WAITS_FOR_RESTART_S:
                state.update(row.id, status="pending", next_attempt_usec=wall_usec() + 300_000)
                return None
            outcome = f"restart of {unit} still in progress after {waited:.0f}s"
        elif restart.status == "done":
            outcome = restart.last_error.split(": ", 1)[-1]
        else:
            outcome = f"restart of {unit} failed: {restart.last_error}"
        payload["reason"] = f"{outcome}; {payload['reason']}"
        return payload

    def _retry_later(self, state: State, row: OutboxRow, error: str) -> None:
        error = self.config.secrets().scrub(error)
        policy = self.config.alerts
        channels = policy.channels
        self.failures += 1
        if self.on_failure is not None:
            self.on_failure(channel=channels[row.channel % len(channels)].name).inc()
        attempts = row.attempts + 1
        channel = row.channel
        if attempts >= channels[channel % len(channels)].retries:
            channel, attempts = channel + 1, 0  # escalate to the next channel
        rounds = channel // len(channels)
        # Within the first round each channel's tries back off on their own (the next channel is tried soon);
        # once every channel failed, every try so far counts: with one channel the delay went 4, 8, 4, 8, 16 s
        # ... round by round, thousands of lines over a night's outage (a new operator's receiver down).
        tried = attempts + rounds * sum(c.retries for c in channels) + sum(
            c.retries for c in channels[:channel % len(channels)])
        delay = min(policy.backoff_usec * (2 ** min(attempts if rounds == 0 else tried, 40)), policy.max_backoff_usec)
        log.warning("alert delivery failed (%s); next try via %s in %.1fs: alert %s", error,
                    channels[channel % len(channels)].name, delay / 1_000_000, alert_name(row.dedupe, row.payload))
        state.update(row.id, status="pending", channel=channel, attempts=attempts,
                     next_attempt_usec=wall_usec() + delay, last_error=error)
