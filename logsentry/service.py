"""`logsentry run`: follow the journal, detect, and queue actions, with systemd integration.

sd_notify: READY once reading (after the first complete read, or after a second of a backlog), STATUS with
live figures, WATCHDOG only while the read loop comes round (a stuck reader stops the pings and systemd
restarts logsentry), STOPPING on SIGTERM. WATCHDOG, STATUS, SIGTERM and SIGHUP are handled between entries
at least once a second even while a long backlog is read. SIGHUP reloads config and rules; a bad new config
or rule file is rejected, the old one kept, and STATUS says so until the next good reload.
State (cursor, changed windows, restart ledger, alerting, outbox) is committed in one transaction: at once when
actions wait, else at most every SAVE_EVERY_S when caught up and at least every COMMIT_INTERVAL_S while entries
come (service_state.py). The bookkeeping of each entry read is in service_journal.py, what is queued for
delivery in service_alerts.py, the pipeline built from the config and rebuilt at a reload in service_reload.py:
Service builds on all three.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import signal
import sqlite3
import threading
import time
from collections import OrderedDict, deque
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from . import heap
from .actions.heartbeat import Heartbeat
from .actions.outbox import OutboxWorker
from .baseline_keeper import BaselineKeeper
from .config import SiteConfig
from .engine.clock_jumps import ClockWatch
from .engine.policy import GuardedPolicy, RestartLedger
from .engine.second_look import StaleReports
from .engine.silence_history import adopt as adopt_rhythms
from .handover import Passed, passed
from .host_clocks import HostClocks
from .host_silence import HostSilence
from .hosts import local_machine_id
from .journal_start import StartError as StartError  # cli/run.py catches it here
from .journal_start import awaiting_said, cursor_usable, probe_journal, still_awaiting, tail_cursor
from .metrics import Metrics
from .model import ScreenedRun
from .notify import notify_every, sd_notify
from .running_unit import running_unit, said_where
from .service_alerts import HitLines
from .service_decide import SecondLooks
from .service_held import HeldResolves
from .service_journal import Canary, follower_for
from .service_reload import load_rule_set_for
from .service_resolve import REQUESTS_EVERY_S
from .service_stall import JournalStalls
from .service_state import FIGURES_KEY, Figures
from .sources.fanin import FanInFollower, tail_positions
from .sources.follow import ReadUpTo, ScanningFollower
from .sources.journal import CAUGHT_UP, JournalGap, JournalLocation
from .sources.last_lines import UnitLines
from .state import OutboxItem, StateError
from .state_open import open_service_state, open_state_dir
from .timespec import format_usec, wall_usec
from .wording import plural

log = logging.getLogger("logsentry")

PRUNE_EVERY_USEC = 3600 * 1_000_000
HOUSEKEEPING_S = 1.0  # while reading a backlog: WATCHDOG, STATUS, stop and reload this often
# Caught up: the clock's work (ticks, reminders, canary, STATUS) and the commit at most this often, or at once
# when actions wait. A busy journal is caught up after every few entries (each write wakes the reader), and
# a commit per wake-up cost more than reading the entries in between.
CAUGHT_UP_S = 0.2
SAVE_EVERY_S = 1.0
"""Caught up, the commit comes at most this often, or at once when actions wait: at every CAUGHT_UP_S it was the
costliest part of the clock's work on a busy journal (bench/README.md). A crash re-reads at most this much more,
as while reading a backlog (service_state.MIN_COMMIT_INTERVAL_S)."""
KEEP_DONE_USEC = 7 * 86400 * 1_000_000  # finished outbox rows are kept a week, for `sqlite3 state.db` forensics
TRIM_EVERY_S = 60.0
"""The C heap's free memory is given back this often when caught up (heap.py: about 10 MiB each time on
bench/memory.py's stream; a call walks the heap, a few ms)."""
GC_YOUNG = 20_000
"""Allocations between the cyclic collector's young collections while the service reads (Python's default: 700).
Each young collection walks every object made since the last one that is still alive, and between batches the
anomaly step keeps some 20,000 of them (engine/runstep.py: the runs whose counts are pending), so at 700 the walks
cost about 0.5 µs an entry at 20k entries/s (bench/follow.py, timed with gc.callbacks: 108 ms of young collections
in 200k entries, 9.5 ms at this threshold)."""


def quiet_collector() -> None:
    """Tune the cyclic garbage collector for the read loop: what exists now (modules, rules, the restored state)
    is frozen out of every later collection (gc.freeze), and young collections come every GC_YOUNG allocations."""
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, GC_YOUNG), middle, old)


def first_files(files: list[str]) -> str:
    """The first five of the files, ", ..." after them when there are more (the refused rule files, said twice)."""
    return ", ".join(files[:5]) + (", ..." if len(files) > 5 else "")


class Service(SecondLooks):
    def __init__(self, config: SiteConfig, notify: Any = sd_notify, dry_run: bool = False):
        """`dry_run`: `run --dry-run`, which holds for every config a reload reads too (the file may say
        otherwise: a reload went live)."""
        self.dry_run = dry_run
        config = replace(config, dry_run=True) if dry_run else config
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
        self.stalls = JournalStalls()
        cgroup_read, self.running_in = running_unit()
        self.canary_unreadable = "" if self.running_in or not cgroup_read else (
            "this process runs in no systemd unit (its cgroup names none), so journald stamps its canary entry "
            "with no _SYSTEMD_UNIT and the reader, which selects units, cannot read it back")
        self.stop = threading.Event()
        self.reload_requested = False
        self.reload_note = ""
        # Per unit, its last lines as (journal time, message): formatted only when an alert quotes them.
        self.context = UnitLines()
        self.systemd_lines = UnitLines()
        self.hit_context: OrderedDict[str, deque[HitLines]] = OrderedDict()  # ... as they were at each hit
        self.alerting: dict[str, dict[str, int]] = self.state.get("alerting") or {}
        self.held = HeldResolves.restore(self.state.get("held"))
        self.answers: list[tuple[int, str, str]] = []  # operators' requests answered, for the next commit
        self.answered: set[int] = set()
        self.resolved_by_hand: dict[str, str] = {}
        self._requests_checked = -REQUESTS_EVERY_S
        self.ledger = RestartLedger.restore(self.state.get("ledger"))
        self.local_machine = local_machine_id()
        self.keeper = BaselineKeeper(self.state)
        self.clocks = HostClocks(self.local_machine, config.host_clock_hold_usec)  # each host's clock: judged by it
        self.stale = StaleReports()  # incidents the stale guard reported, decided again if they go on
        self.policy: GuardedPolicy
        self.hosts = HostSilence(config, self.clocks)  # a collector's hosts whose journal stops arriving
        self.hosts.restore(self.state.get("hosts"))
        self.metrics: Metrics | None = None
        if config.metrics_listen or config.metrics_textfile:
            try:
                self.metrics = Metrics(config.metrics_listen, config.metrics_textfile)
            except OSError as error:
                raise StartError(f"cannot serve metrics on {config.metrics_listen}: {error}") from None
        self.rule_set = load_rule_set_for(config)
        for problem in self.rule_set.errors:  # the service starts without those files (the rule_refused alert)
            log.error("rule file error (rule skipped): %s", problem)
        self.pipeline = self._build_pipeline(self.rule_set)
        self.pipeline.silence.restore(self.state.get("silence"))  # units' rhythms (engine/absence.py)
        self.pipeline.restore_windows(self.state.load_windows())  # with what their open incidents hold back
        self.pipeline.failures.restore(self.state.get("failures"))  # incidents joined per failure (a settling one too)
        self.stale.restore(self.state.get("second_look"), self.pipeline.tracker.incident_of)  # (their windows first)
        self.pipeline.tracker.track_changes = True
        if self.state.get("windows") is not None:
            self.state.replace_windows(self.pipeline.tracker.items())  # from the whole-snapshot format
        self.worker = OutboxWorker(self.state.path, config)
        if self.metrics is not None:
            self.worker.on_failure = self.metrics.delivery_failures.labels  # (channel=...).inc() per failure
            self.worker.on_outcome = self.metrics.outcomes.labels  # (action=..., result=...).inc() per outcome
        self.pending: list[OutboxItem] = []
        self.cursor: str | None = self.state.cursor
        # A journal_directory's position per host file (sources/fanin.py); None: the local journal, or a first start
        self.positions: dict[str, str] | None = self.state.get("cursors") if config.journal_directory else None
        self.uncommitted = 0
        self.last_commit_at = 0.0
        self.heartbeat = Heartbeat()
        self._heartbeat_held = False
        self.last_prune = 0
        self.last_trim = time.monotonic()
        self.last_housekeeping = time.monotonic()
        self._last_status, self._last_notify, self._notify_every = "", 0.0, notify_every(os.environ)
        self.last_caught_up = 0.0
        self.restarted_seen = self.state.get("restarted_seen") or 0
        self.commit_failing_since = 0.0
        self._restart_of: tuple[str, str] = ("", "")  # (incident, restart dedupe) just queued
        self._ahead_reported = 0.0
        self.clock_watch = ClockWatch()
        self.ahead: dict[str, int] = {}  # per machine clamped as ahead of our clock: how far (µs)
        self._last_resend = 0
        self._entry_now = 0
        self._entry_invocation = ""
        self._host_names: dict[str, str] = {}  # machine id -> _HOSTNAME, from full entries
        self.ready = False
        self.awaiting: Path | None = None  # a journal_directory with no journal file yet (journal_start.py)
        if moved is not None:
            reason = (f"the state file {self.state.path} was corrupt: moved aside to {moved.name}; started "
                      "afresh at the end of the journal (entries since the last saved cursor were not read, "
                      "open incidents and the restart ledger were lost)")
            log.error("%s", reason)
            self._queue_service_alert("state_corrupt", reason, moved.name)
        if self.cursor is not None and not cursor_usable(self._location(), self.cursor):
            reason = (f"the saved journal cursor in {self.state.path} cannot be used; starting at the end of "
                      "the journal (entries since logsentry stopped were not read)")
            log.error("%s", reason)
            self._queue_service_alert("journal_gap", reason, "unusable-cursor")
            self.cursor = None
        if errors := self.rule_set.errors:  # (a reload with them is refused: the running rules stay)
            files = self.refused_files()
            count = plural(len(files), "rule file", separated=False)
            where, reload = said_where(self.running_in, os.getpid())
            rules = len(self.rule_set.rules)
            reason = (f"started without {count} it refused for errors in them ({first_files(files)}; each error "
                      f"was logged {where}): {plural(rules, 'rule', separated=False)} "
                      f"{'is' if rules == 1 else 'are'} still watching; fix {'it' if len(files) == 1 else 'them'} and "
                      f"reload ({reload})")
            self._queue_service_alert("rule_refused", reason,
                                      hashlib.sha256("\n".join(errors).encode()).hexdigest()[:16])
            self.reload_note = f"started without {count} (see the journal)"

    # -- set-up -------------------------------------------------------------------------------------
    def _follower(self) -> ScanningFollower | FanInFollower:
        return follower_for(self.config, self.pipeline.detector, self.cursor, self.positions, self._vouch_for,
                            self.running_in)

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

    def _read_up_to(self) -> Passed:
        """Per machine, the newest entry the live reader has passed (its cursor, or a collector's per host)."""
        return passed(self.config.journal_directory, self.cursor, self.positions)

    # -- main loop ----------------------------------------------------------------------------------
    def run(self) -> int:
        if (awaiting := probe_journal(self.config)) is not None:
            self.awaiting = awaiting
            log.warning("%s", awaiting_said(awaiting))
        self.worker.start()
        if self.config.journal_directory is not None and self.positions is None:
            # each host from its newest entry; after the merged reader's single cursor, from that cursor's time
            self.positions = tail_positions(self.config.journal_directory, self.cursor)
        if self.cursor:
            log.info("resuming after cursor %s", self.cursor)
        else:
            log.info("no saved cursor: starting at the end of the journal")
        self._log_restored_held()
        self._log_canary_unit()
        if not self.cursor:
            self.cursor = tail_cursor(self._location())
            self._commit()
        # when the history was never adopted; it judges the lines after where the live reader starts
        self.keeper.warm_up(self._location(), self.config.watched_units(), self._read_up_to, self._vouch_for)
        quiet_collector()
        try:
            while not self.stop.is_set():
                follower = self._follower()
                housekept = False  # since the last item the saved cursor covers
                for item in follower:
                    if item is CAUGHT_UP:
                        if self.pending or time.monotonic() - self.last_caught_up >= CAUGHT_UP_S:
                            self._caught_up()
                        self._mark_ready()
                        if self._leaving():
                            break  # reopen the journal with the new selection, at the saved cursor
                    elif isinstance(item, JournalGap):
                        self._gap(item)
                    else:
                        if isinstance(item, ReadUpTo):
                            self.cursor = item.cursor  # every entry up to it has been processed
                        elif isinstance(item, ScreenedRun):
                            self._screened(item)
                        else:
                            self._entry(item)
                        if time.monotonic() - self.last_housekeeping >= HOUSEKEEPING_S:
                            self._housekeeping()
                            housekept = True
                        if isinstance(item, ScreenedRun):
                            # A run has no cursor: the position moves past it with its batch's ReadUpTo. Saved or
                            # left here, the run's entries, processed already, were read again at the next start.
                            continue
                        if self.commit_due():
                            self._commit()
                        if housekept:
                            housekept = False
                            if self._leaving():
                                break
        finally:
            self.notify("STOPPING=1")
            self._learn_pending()
            self.keeper.close()
            self._commit(final=True)
            self.worker.close()
            if self.metrics is not None:
                self.metrics.refresh(wall_usec(), self.state.db, getattr(self.pipeline.detector, "quarantined", {}),
                                     self.clocks.offset)
                self.metrics.close()
            self.state.close()
            self.lock.close()
            figures = self.figures
            counts = [plural(count, word, words, separated=False) for count, word, words in (  # scripts read them
                (figures.entries, "entry", "entries"), (figures.matches, "match", "matches"),
                (figures.incidents, "incident", None), (figures.actions, "action", None),
                (figures.commits, "commit", None))]
            log.info("stopped after %s (%s, %s, %s; %s)", *counts)
        return 0

    def _log_canary_unit(self) -> None:
        """At start: where the canary is read back from when that is not `own_unit`, or why it cannot be."""
        config = self.config
        if not config.canary_usec or config.journal_directory is not None:
            return
        if self.canary_unreadable:
            log.warning("self-check off: %s (run it as a systemd unit, as contrib/logsentry.service does)",
                        self.canary_unreadable)
        elif self.running_in is not None and self.running_in != config.own_unit:
            log.info("running in %s, not own_unit %s: the canary entries are read back from %s, whose lines are "
                     "logsentry's own and go to no rule", self.running_in, config.own_unit, self.running_in)

    def refused_files(self) -> list[str]:
        """The rule files the running rule set was loaded without, for errors in them (only at start: a reload with
        errors is refused, so they stay until a good reload)."""
        return sorted({error.split(": ", 1)[0] for error in self.rule_set.errors})  # (each begins with its file)

    def _mark_ready(self) -> None:
        if not self.ready:
            self.ready = True
            self.notify("READY=1")
            # a rule file refused at start is named here too: `logsentry run` from a shell said "ready: watching"
            # after its errors as if every rule were on (a new operator's finding)
            refused = self.refused_files()
            log.info("ready: watching %s (PID %d: `kill -HUP %d` reloads the config and rules)%s%s%s",
                     ", ".join(w for watch in self.config.watches for w in watch.units), os.getpid(), os.getpid(),
                     f"; {said}" if (said := self.dry_run_said()) else "",
                     f"; {awaiting_said(self.awaiting)}" if self.awaiting else "",
                     f"; {plural(len(refused), 'rule file', separated=False)} refused: {first_files(refused)} "
                     "(see the errors above)" if refused else "")

    def _housekeeping(self) -> None:
        """Between entries of a backlog: what must not wait for the end of it (watchdog, status)."""
        self._mark_ready()
        self._refresh_restarts()
        self._status()

    def _alerts_failing(self, now_usec: int) -> bool:
        """Has an alert waited undelivered, after a failed try, longer than two of the heartbeat's intervals? Then
        the heartbeat is withheld: the dead-man's switch fires, so someone hears that pages do not go out (a new
        operator's receiver was down while the heartbeat went on saying all is well). Said once each way in the
        log."""
        since = self.state.failing_since()
        failing = since is not None and now_usec - since > 2 * self.config.heartbeat_usec
        if failing != self._heartbeat_held:
            self._heartbeat_held = failing
            if failing:
                log.error("heartbeat withheld: an alert has waited undelivered since %s (config check lists why): the "
                          "heartbeat's dead-man's switch is to say so", format_usec(since or 0))
            else:
                log.warning("heartbeat resumed: no alert waits undelivered any more")
        return failing

    def _status(self) -> None:
        self.last_housekeeping = time.monotonic()
        figures = self.figures
        heads = self.pipeline.open_heads()
        status = f"{said.upper()[:7]}{said[7:]}; " if (said := self.dry_run_said()) else ""
        status += f"{len(heads)} open incident{'s' if len(heads) != 1 else ''}"
        if heads:
            rule_id, unit, first_usec = min(heads, key=lambda head: head[2])
            status += f" (oldest: {rule_id} on {unit} since {format_usec(first_usec)})"
        if held := self.held.incidents():  # ended, but their alerts fire on (`logsentry incidents` lists them too)
            oldest = min(held, key=lambda incident: incident.first_usec)
            status += (f", {len(held)} held until {'its unit logs' if len(held) == 1 else 'their units log'} again "
                       f"(oldest: {oldest.rule_id} on {oldest.unit} since {format_usec(oldest.first_usec)})")
        counts = [plural(count, word, words, separated=False) for count, word, words in (  # "1 entry", not "1 entries"
            (figures.entries, "entry", "entries"), (figures.matches, "match", "matches"),
            (figures.incidents, "incident", None), (figures.actions, "action", None))]
        status += (f"; {', '.join(counts)} since {format_usec(figures.since_usec)}; "
                   f"{plural(len(self.rule_set.rules), 'rule', separated=False)}")
        if self.reload_note:
            status += f"; {self.reload_note}"
        if self.awaiting is not None:  # (a journal_directory with no journal file yet)
            self.awaiting = still_awaiting(self.awaiting)
            status += f"; {awaiting_said(self.awaiting)}" if self.awaiting else ""
        now = time.monotonic()
        if status == self._last_status and now - self._last_notify < self._notify_every:
            return
        self._last_status, self._last_notify = status, now
        self.notify(f"WATCHDOG=1\nSTATUS={status}")

    def _caught_up(self) -> None:
        self._watch_clock()
        self.last_caught_up = time.monotonic()
        self.clocks.tick(wall_usec())  # each host's clock sampled where the reader caught up
        self._decide_held()
        self.keeper.poll(self._read_up_to)
        self._take_resolve_requests()  # (service_resolve.py: `logsentry incidents resolve`)
        if self.keeper.late_hits:  # the first start's learner judged lines written since the start
            hits, self.keeper.late_hits = self.keeper.late_hits, ()
            log.info("%s on lines written since the start, found by the history learner", plural(len(hits),
                                                                                                  "anomaly hit"))
            for event in self.pipeline.judged_late(hits):
                self._handle(event)
        if self.keeper.rhythms is not None:  # silence rhythms learnt from the history at the first start
            adopt_rhythms(self.pipeline.silence, self.keeper.rhythms)
            self.keeper.rhythms = None
        self._refresh_restarts()
        self._decide_awaited()
        now = max(wall_usec(), self.figures.last_entry_usec)
        self._entry_now, self._entry_invocation = now, ""
        release = getattr(self.pipeline.detector, "release", None)
        if release is not None:
            for rule_id in release(now):
                log.warning("rule %s is back after its quarantine", rule_id)
        for event in self.pipeline.tick(self._tick_to(now)):
            self._handle(event)
        self._remind(now)
        self._resend(wall_usec())
        self._check_canary(wall_usec())
        self._check_hosts(wall_usec())
        if self.pending or self.answers or time.monotonic() - self.last_commit_at >= SAVE_EVERY_S:
            self._commit()
        if time.monotonic() - self.last_trim >= TRIM_EVERY_S:
            self.last_trim = time.monotonic()
            heap.trim()
        if now - self.last_prune > PRUNE_EVERY_USEC:
            self.last_prune = now
            try:
                self.state.prune(before_usec=now - KEEP_DONE_USEC)
            except sqlite3.Error as error:
                log.error("cannot prune %s: %s", self.state.path, error)
        self._status()
        # not in a dry run: the heartbeat says pages go out, and none does (a trial run with the site's config fed
        # the real dead-man's switch: newuser76's 19); dry_run_said says so in the ready line and STATUS
        if self.config.heartbeat_url and not self.config.dry_run and not self._alerts_failing(wall_usec()):
            self.heartbeat.beat(self.config.heartbeat_url, self.config.heartbeat_usec, now,
                                self.config.secrets().scrub)
        if self.metrics is not None:
            self.metrics.refresh(wall_usec(), self.state.db, getattr(self.pipeline.detector, "quarantined", {}),
                                 self.clocks.offset)

    def _leaving(self) -> bool:
        """Leave the follower now? Stopping, or a reload that reopens the journal (done here)."""
        return self.stop.is_set() or (self.reload_requested and self._reload())

    def _reload(self) -> bool:
        """Apply a new config and rule set (service_reload.py), and say in STATUS how it went."""
        reloaded = self._reconfigure()
        self._status()
        return reloaded
