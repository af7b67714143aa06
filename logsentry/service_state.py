"""What the service saves, and when: one transaction per batch of entries (cursor, changed windows, restart
ledger, alerting, outbox, baselines, figures), restored by Service.__init__ at the next start.

Kept apart from the read loop (service.py) so the rules of saving (how often, what a failed commit keeps in
memory) read in one place. StateSaving is Service's base: it declares the attributes the saving reads.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from .actions.outbox import OutboxWorker
from .baseline_keeper import BaselineKeeper
from .config import SiteConfig
from .engine.policy import RestartLedger
from .engine.second_look import StaleReports
from .host_silence import HOSTS_SAVED_KEY, HostSilence
from .pipeline import Pipeline
from .service_held import HeldResolves
from .state import OutboxItem, State
from .timespec import wall_usec

log = logging.getLogger("logsentry")

# While reading a backlog, state is committed every `commit_every` entries but at most once a second: a commit
# snapshots every burst window, which under a flood of distinct group keys (up to MAX_WINDOWS) costs far more
# than reading the entries in between (measured: 150 us an entry instead of 25). A crash then re-reads at most
# about a second of entries, and repeats no action (the outbox dedupes by id).
MIN_COMMIT_INTERVAL_S = 1.0
COMMIT_INTERVAL_S = 2.0  # ... and at least this often while entries come, however few
FIGURES_KEY = "figures"


@dataclass
class Figures:
    """Live counters for STATUS= and the logs."""

    entries: int = 0
    matches: int = 0
    incidents: int = 0
    actions: int = 0
    commits: int = 0
    clamped: int = 0
    last_entry_usec: int = 0
    started_usec: int = field(default_factory=wall_usec)
    since_usec: int = field(default_factory=wall_usec)
    """Since when the counters count (the first start: they are saved with the state)."""

    def saved(self) -> dict[str, int]:
        return {"entries": self.entries, "matches": self.matches, "incidents": self.incidents,
                "actions": self.actions, "since_usec": self.since_usec}

    def restore(self, saved: Any) -> None:
        if isinstance(saved, dict):
            for name in ("entries", "matches", "incidents", "actions", "since_usec"):
                if isinstance(saved.get(name), int):
                    setattr(self, name, saved[name])


class StateSaving:
    """Service's saving of its state; the attributes are set by Service.__init__."""

    config: SiteConfig
    state: State
    pipeline: Pipeline
    figures: Figures
    ledger: RestartLedger
    alerting: dict[str, dict[str, int]]
    held: HeldResolves
    held_saved: int = -1
    """HeldResolves.version when the held ones were last saved (-1: not yet)."""
    hosts: HostSilence
    keeper: BaselineKeeper
    worker: OutboxWorker
    pending: list[OutboxItem]
    cursor: str | None
    positions: dict[str, str] | None
    restarted_seen: int
    stale: StaleReports
    uncommitted: int
    last_commit_at: float
    commit_failing_since: float
    answers: list[tuple[int, str, str]]
    answered: set[int]

    def commit_due(self) -> bool:
        """Commit while reading? By count (at most once a second) and by time. (Catching up always commits.)"""
        if not self.uncommitted:
            return False
        since = time.monotonic() - self.last_commit_at
        return since >= COMMIT_INTERVAL_S or (self.uncommitted >= self.config.commit_every and
                                               since >= MIN_COMMIT_INTERVAL_S)

    def _commit(self, final: bool = False) -> None:
        if self.cursor is None and not self.pending:
            return
        self.last_commit_at = time.monotonic()
        values: dict[str, Any] = {"ledger": self.ledger.snapshot(), "alerting": self.alerting,
                                  FIGURES_KEY: self.figures.saved(),
                                  "restarted_seen": self.restarted_seen, "second_look": self.stale.saved()}
        held_version = self.held.version
        if final or held_version != self.held_saved:  # (the held ones can be megabytes: only when they moved)
            values["held"] = self.held.saved()
        if self.cursor is not None:
            values["cursor"] = self.cursor
        if self.positions is not None:
            values["cursors"] = dict(self.positions)
        if final or self.pipeline.silence.snapshot_due():
            values["silence"] = self.pipeline.silence.snapshot()
            values["hosts"] = self.hosts.snapshot()
        elif self.hosts.new_hosts_due():  # a host seen for the first time: `logsentry hosts` lists it soon
            values["hosts"] = self.hosts.snapshot()
        if "hosts" in values:  # `logsentry hosts` says when: a newest entry there is the one of that moment
            values[HOSTS_SAVED_KEY] = wall_usec()
        if final or self.pipeline.failures.changed:  # incidents joined per failure (engine/failures.py)
            values["failures"] = self.pipeline.failures.snapshot()
        baselines = self.keeper.for_commit(values, final)
        windows = self.pipeline.tracker.changes()
        try:
            wrote = self.state.commit(values, self.pending, wall_usec(), baselines, windows, self.answers)
        except sqlite3.Error as error:
            # A full disk, a file made read-only: keep running and keep everything in memory (windows as a
            # whole next time); try again at the next commit; say so once a minute, naming the file.
            self.pipeline.tracker.track_changes = True
            self._unsaved_windows(windows)
            if time.monotonic() - self.commit_failing_since >= 60:
                self.commit_failing_since = time.monotonic()
                log.error("cannot save state to %s: %s; %d actions wait in memory, retrying", self.state.path,
                          error, len(self.pending))
            return
        if self.commit_failing_since:
            self.commit_failing_since = 0.0
            log.warning("state saved to %s again", self.state.path)
        if self.pending:
            self.worker.wake.set()
        self.pending = []
        self.answers, self.answered = [], set()  # (their answers saved with the resolves they queued)
        self.held_saved = held_version
        self.uncommitted = 0
        self.figures.commits += wrote  # the commits that wrote something (an idle one writes nothing)

    def _unsaved_windows(self, windows: tuple[list[tuple[str, Any]], list[str]]) -> None:
        """Changes a failed commit did not save are marked again, to go with the next one."""
        tracker = self.pipeline.tracker
        for _key, value in windows[0]:
            tracker._dirty.add(tuple(value["key"]))
        for key in windows[1]:
            rule_id, unit, group = key.split("\x1f")
            tracker._dirty.add((rule_id, unit, group))
