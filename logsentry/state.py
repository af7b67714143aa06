"""Persistent state of `logsentry run` in one SQLite file: journal cursor, open windows, restart ledger,
alerting state and the action outbox.

The reader commits cursor, snapshots and new outbox rows in one transaction after a batch of entries,
so after any crash (even SIGKILL) the service resumes exactly where its last commit left it: entries
after the cursor are read again and their actions computed again from the same saved state, and
actions before it are in the outbox already. The outbox worker uses its own connection (WAL mode).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine.baseline import Baselines, TemplateStats, UnitStats
from .engine.minutes import DAY_USEC, Minutes
from .model import split_host_unit

log = logging.getLogger("logsentry")

# Baselines.changed(): (units changed, templates changed, templates removed, units removed)
BaselineChanges = tuple[list[tuple[str, UnitStats]], list[tuple[str, str, TemplateStats]], list[tuple[str, str]],
                        list[str]]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe TEXT NOT NULL UNIQUE,
    grp TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    channel INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_usec INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_usec INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_usec);
CREATE TABLE IF NOT EXISTS baseline_unit (
    unit TEXT PRIMARY KEY, first_usec INTEGER NOT NULL, last_usec INTEGER NOT NULL,
    entries INTEGER NOT NULL, errors INTEGER NOT NULL, peak_errors INTEGER NOT NULL DEFAULT 0,
    peak_days TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS baseline_template (
    unit TEXT NOT NULL, template_id TEXT NOT NULL, text TEXT NOT NULL, count INTEGER NOT NULL,
    first_usec INTEGER NOT NULL, last_usec INTEGER NOT NULL, level INTEGER, example TEXT NOT NULL,
    unit_age_usec INTEGER NOT NULL, unit_entries INTEGER NOT NULL, accepted INTEGER NOT NULL DEFAULT 0,
    peak INTEGER NOT NULL DEFAULT 0, peak_days TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (unit, template_id)
);
CREATE TABLE IF NOT EXISTS baseline_request (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, arg TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_group ON outbox (grp, id);
CREATE TABLE IF NOT EXISTS windows (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS intent (
    dedupe TEXT PRIMARY KEY, started_usec INTEGER NOT NULL, before TEXT NOT NULL DEFAULT '',
    pid INTEGER NOT NULL DEFAULT 0, pid_start TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS restarted (
    id INTEGER PRIMARY KEY AUTOINCREMENT, unit TEXT NOT NULL, fired_usec INTEGER NOT NULL,
    at_usec INTEGER NOT NULL, invocation TEXT NOT NULL, outcome TEXT NOT NULL DEFAULT 'done'
);
CREATE TABLE IF NOT EXISTS resolve_request (
    id INTEGER PRIMARY KEY AUTOINCREMENT, incident TEXT NOT NULL, requested_by TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', requested_usec INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
    answer TEXT NOT NULL DEFAULT '', answered_usec INTEGER NOT NULL DEFAULT 0
);
"""

OPEN = ("pending", "in_progress")
UNIT_ON_ANY_HOST = "(unit = ?1 OR (instr(unit, '/') > 0 AND substr(unit, instr(unit, '/') + 1) = ?1))"
"""SQL: a baseline row of the unit ?1, on whichever host (keys are "MACHINE_ID/unit", model.host_unit)."""


class StateError(Exception):
    """The state directory or file cannot be used; the message names the path and says why."""


@dataclass(frozen=True)
class Intent:
    """A restart about to run or running: recorded before systemctl starts (and its PID once it has), so
    a logsentry that died meanwhile can tell what happened instead of restarting the unit again."""

    dedupe: str
    started_usec: int
    before: str
    pid: int
    pid_start: str


@dataclass(frozen=True)
class OutboxItem:
    """An action to carry out; `dedupe` names it uniquely so it is never queued twice. Items of one
    `group` (the alerts of one incident) are carried out in order: no resolve before its firing alert."""

    dedupe: str
    kind: str
    payload: Mapping[str, Any]
    group: str = ""


SILENCED = "held: silenced by "
"""How an alert held by a silence (sent at its end if its incident still fires: actions/outbox.py) says so in its
last_error: waiting, not failing (metrics and `config check` leave it out of the undelivered)."""
NOT_HELD = f"last_error NOT LIKE '{SILENCED}%'"
"""SQL: an outbox row no silence holds (every query that counts the alerts failing or due leaves those out)."""
_ROWS = "SELECT id, dedupe, kind, payload, status, channel, attempts, next_attempt_usec, last_error FROM outbox o "
"""SQL: the outbox columns an OutboxRow holds (_row)."""
_FIRST_OF_GROUP = ("NOT EXISTS (SELECT 1 FROM outbox p WHERE o.grp != '' AND p.grp = o.grp AND p.id < o.id"
                   "  AND p.status IN ('pending', 'in_progress'))")
"""SQL: no row queued before it in its group (an incident's alerts) is still pending: a row that may go now."""


@dataclass(frozen=True)
class OutboxRow:
    id: int
    dedupe: str
    kind: str
    payload: Mapping[str, Any]
    status: str
    channel: int
    attempts: int
    next_attempt_usec: int
    last_error: str


def _row(r: Any) -> OutboxRow:
    """An OutboxRow of a row selected with _ROWS."""
    return OutboxRow(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8])


class State:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        for table in ("baseline_unit", "baseline_template"):  # saved before peaks aged (Minutes.days)
            if "peak_days" not in [row[1] for row in self.db.execute(f"PRAGMA table_info({table})")]:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN peak_days TEXT NOT NULL DEFAULT ''")
        if "outcome" not in [row[1] for row in self.db.execute("PRAGMA table_info(restarted)")]:
            self.db.execute("ALTER TABLE restarted ADD COLUMN outcome TEXT NOT NULL DEFAULT 'done'")
        self._written: dict[str, str] = {}  # meta key -> the JSON this State last committed for it

    def mark_opened(self) -> None:
        """A write at start: a read-only, immutable or full file fails here, not at the first commit."""
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_usec', ?)",
                            (json.dumps(time.time_ns() // 1000),))

    def close(self) -> None:
        self.db.close()

    def get(self, key: str) -> Any | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    @property
    def cursor(self) -> str | None:
        value = self.get("cursor")
        return value if isinstance(value, str) else None

    def commit(self, values: Mapping[str, Any], outbox: list[OutboxItem], now_usec: int,
               baselines: Baselines | None = None,
               windows: tuple[Iterable[tuple[str, Any]], Iterable[str]] | None = None,
               answers: Iterable[tuple[int, str, str]] = ()) -> bool:
        """Save values (cursor, snapshots), what the baselines learnt since the last commit, the burst windows
        that changed (key, JSON-ready value) and those gone (key), queue outbox items, and answer operators'
        requests (id, status, answer: resolve_requests.py), all or nothing; False when there was nothing to write.

        A value whose JSON is what this State last wrote for its key is not written again, and a commit with
        nothing new runs no transaction: an idle service commits every second (SAVE_EVERY_S), and a
        transaction with its fsync was most of its idle CPU."""
        learnt = baselines.changed() if baselines is not None else None
        changed, gone = (list(windows[0]), list(windows[1])) if windows is not None else ([], [])
        rows = [(key, text) for key, value in values.items() if self._written.get(key) != (text := json.dumps(value))]
        answers = list(answers)
        if not (rows or outbox or changed or gone or answers or (learnt is not None and any(learnt))):
            return False
        with self._transaction():
            if learnt is not None:
                self._save_baselines(learnt)
            self.db.executemany("DELETE FROM windows WHERE key = ?", [(key,) for key in gone])
            self.db.executemany("INSERT OR REPLACE INTO windows (key, value) VALUES (?, ?)",
                                [(key, json.dumps(value)) for key, value in changed])
            self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", rows)
            self.db.executemany(
                "INSERT OR IGNORE INTO outbox (dedupe, grp, kind, payload, created_usec) VALUES (?, ?, ?, ?, ?)",
                [(item.dedupe, item.group, item.kind, json.dumps({**item.payload, "id": item.dedupe}), now_usec)
                 for item in outbox])
            self.db.executemany("UPDATE resolve_request SET status = ?, answer = ?, answered_usec = ? WHERE id = ?",
                                [(status, answer, now_usec, request_id) for request_id, status, answer in answers])
        self._written.update(rows)
        return True

    def load_windows(self) -> list[Any]:
        """The saved burst windows (from the windows table, or the whole-snapshot meta row of older versions)."""
        rows = [json.loads(value) for (value,) in self.db.execute("SELECT value FROM windows ORDER BY rowid")]
        legacy = self.get("windows")
        return rows or (legacy if isinstance(legacy, list) else [])

    def replace_windows(self, items: Iterable[tuple[str, Any]]) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM windows")
            self.db.execute("DELETE FROM meta WHERE key = 'windows'")
            self.db.executemany("INSERT INTO windows (key, value) VALUES (?, ?)",
                                [(key, json.dumps(value)) for key, value in items])

    # -- restarts: intent before acting, outcome after ------------------------------------------------
    def intent(self, dedupe: str) -> Intent | None:
        row = self.db.execute("SELECT dedupe, started_usec, before, pid, pid_start FROM intent WHERE dedupe = ?",
                              (dedupe,)).fetchone()
        return None if row is None else Intent(*row)

    def begin_restart(self, row_id: int, attempts: int, intent: Intent) -> None:
        """Mark the restart in progress and record the intent, in one transaction, before anything runs."""
        with self._transaction():
            self.db.execute("UPDATE outbox SET status = 'in_progress', attempts = ? WHERE id = ?", (attempts, row_id))
            self.db.execute("INSERT OR REPLACE INTO intent VALUES (?, ?, ?, ?, ?)",
                            (intent.dedupe, intent.started_usec, intent.before, intent.pid, intent.pid_start))

    def intent_started(self, dedupe: str, pid: int, pid_start: str) -> None:
        with self._transaction():
            self.db.execute("UPDATE intent SET pid = ?, pid_start = ? WHERE dedupe = ?", (pid, pid_start, dedupe))

    def end_restart(self, row_id: int, dedupe: str, status: str, detail: str,
                    restarted: tuple[str, int, int, str] | None = None, outcome: str = "done") -> None:
        """The restart's outcome; `restarted` = (unit, fired_usec, at_usec, the unit's invocation now) for the
        ledger (service_alerts._refresh_restarts), with `outcome`: "done", "failed", or "not-run" when logsentry's
        command never ran (someone else restarted the unit first: the ledger forgets the decision)."""
        with self._transaction():
            self.db.execute("UPDATE outbox SET status = ?, last_error = ? WHERE id = ?", (status, detail, row_id))
            self.db.execute("DELETE FROM intent WHERE dedupe = ?", (dedupe,))
            if restarted is not None:
                self.db.execute("INSERT INTO restarted (unit, fired_usec, at_usec, invocation, outcome) "
                                "VALUES (?, ?, ?, ?, ?)", (*restarted, outcome))

    def restart_queued(self, unit: str) -> bool:
        """Is a restart of `unit` queued or running in the outbox (no outcome yet)?"""
        found = self.db.execute("SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'restart' AND status IN "
                                "('pending', 'in_progress') AND json_extract(payload, '$.unit') = ?)",
                                (unit,)).fetchone()
        return bool(found[0])

    def restarted_since(self, after_id: int) -> list[tuple[int, str, int, int, str, str]]:
        """Restart outcomes (id, unit, fired_usec, at_usec, invocation, outcome) after row `after_id`."""
        return self.db.execute("SELECT id, unit, fired_usec, at_usec, invocation, outcome FROM restarted "
                               "WHERE id > ? ORDER BY id", (after_id,)).fetchall()

    def row(self, dedupe: str) -> OutboxRow | None:
        r = self.db.execute(_ROWS + "WHERE dedupe = ?", (dedupe,)).fetchone()
        return None if r is None else _row(r)

    def row_created_usec(self, dedupe: str) -> int:
        found = self.db.execute("SELECT created_usec FROM outbox WHERE dedupe = ?", (dedupe,)).fetchone()
        return int(found[0]) if found else 0

    def _save_baselines(self, learnt: BaselineChanges) -> None:
        units, templates, removed, removed_units = learnt
        db = self.db
        db.executemany("DELETE FROM baseline_template WHERE unit = ?", [(unit,) for unit in removed_units])
        db.executemany("DELETE FROM baseline_unit WHERE unit = ?", [(unit,) for unit in removed_units])
        db.executemany("DELETE FROM baseline_template WHERE unit = ? AND template_id = ?", removed)
        db.executemany("INSERT OR REPLACE INTO baseline_unit VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(unit, u.first_usec, u.last_usec, u.entries, u.errors, u.error_minutes.peak,
                         u.error_minutes.saved()) for unit, u in units])
        # `accepted` only ever goes up here: an operator's `baseline accept` in the file is never undone.
        db.executemany(
            "INSERT INTO baseline_template VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (unit, template_id) DO UPDATE SET text = excluded.text, count = excluded.count, "
            "first_usec = excluded.first_usec, last_usec = excluded.last_usec, level = excluded.level, "
            "example = excluded.example, accepted = MAX(accepted, excluded.accepted), peak = excluded.peak, "
            "peak_days = excluded.peak_days",
            [(unit, tid, t.text, t.count, t.first_usec, t.last_usec, t.level, t.example, t.unit_age_usec,
              t.unit_entries, int(t.accepted), t.minutes.peak, t.minutes.saved()) for unit, tid, t in templates])

    def load_baselines(self, into: Baselines) -> None:
        """Fill `into` with the saved baselines (least recently seen first, so eviction order survives). A peak
        saved before peaks aged counts as its last sighting's day's (journal time, as the ring's days are: the
        wall clock's day moved it on at every start, and a backlog read after it gave a falling ring)."""

        def minutes(peak: int, days: str, last_usec: int, where: str) -> Minutes:
            try:
                return Minutes.restored(peak, str(days), last_usec // DAY_USEC)
            except ValueError as error:
                log.warning("%s: the saved peaks of %s are malformed (%s): its peak %d taken as its last "
                            "sighting's day's", self.path, where, error, peak)
                return Minutes(peak, day=last_usec // DAY_USEC)

        units = [(row[0], UnitStats(row[1], row[2], row[3], row[4], minutes(row[5], row[6], row[2], row[0])))
                 for row in self.db.execute("SELECT unit, first_usec, last_usec, entries, errors, peak_errors, "
                                            "peak_days FROM baseline_unit ORDER BY last_usec")]
        templates = [(row[0], row[1], TemplateStats(row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
                                                    bool(row[10]), minutes(row[11], row[12], row[5],
                                                                           f"template {row[1]} of {row[0]}")))
                     for row in self.db.execute(
                         "SELECT unit, template_id, text, count, first_usec, last_usec, level, example, "
                         "unit_age_usec, unit_entries, accepted, peak, peak_days FROM baseline_template "
                         "ORDER BY last_usec")]
        into.load(units, templates)
        into.changed()  # what was just loaded is saved already

    def request(self, kind: str, arg: str) -> None:
        """Queue an operator's change (`accept` TEMPLATE_ID, `forget` UNIT) for the service's baselines,
        and apply it to the saved ones at once, so `baseline show` reflects it with or without a service."""
        with self._transaction():
            self.db.execute("INSERT INTO baseline_request (kind, arg) VALUES (?, ?)", (kind, arg))
            if kind == "accept":
                self.db.execute("UPDATE baseline_template SET accepted = 1 WHERE template_id = ?", (arg,))
            elif kind == "forget":
                self.db.execute(f"DELETE FROM baseline_template WHERE {UNIT_ON_ANY_HOST}", (arg,))
                self.db.execute(f"DELETE FROM baseline_unit WHERE {UNIT_ON_ANY_HOST}", (arg,))

    def baseline_keys(self, unit: str) -> list[str]:
        """The saved baselines' keys of a unit: itself and "MACHINE_ID/unit" of every host it was learnt on."""
        return [row[0] for row in self.db.execute(f"SELECT unit FROM baseline_unit WHERE {UNIT_ON_ANY_HOST}",
                                                  (unit,))]

    def baseline_units(self) -> list[str]:
        """Every saved baseline's unit name, its host part left out, each once (a mistyped name's suggestions)."""
        return sorted({split_host_unit(row[0])[1] for row in self.db.execute("SELECT unit FROM baseline_unit")})

    def take_requests(self) -> list[tuple[str, str]]:
        """The queued operator changes, oldest first, removed from the queue."""
        if self.db.execute("SELECT 1 FROM baseline_request LIMIT 1").fetchone() is None:
            return []
        with self._transaction():
            rows = self.db.execute("SELECT id, kind, arg FROM baseline_request ORDER BY id").fetchall()
            self.db.execute("DELETE FROM baseline_request WHERE id <= ?", (rows[-1][0] if rows else 0,))
        return [(kind, arg) for _, kind, arg in rows]

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)

    def due(self, now_usec: int, limit: int = 200) -> list[OutboxRow]:
        rows = self.db.execute(
            _ROWS + f"WHERE status IN ('pending', 'in_progress') AND next_attempt_usec <= ? AND {_FIRST_OF_GROUP} "
            "ORDER BY id LIMIT ?", (now_usec, limit)).fetchall()
        return [_row(r) for r in rows]

    def after_in_group(self, row_id: int) -> list[OutboxRow]:
        """The pending rows of the row's group (an incident's alerts) queued after it, oldest first."""
        rows = self.db.execute(
            _ROWS + "WHERE o.grp != '' AND o.grp = (SELECT grp FROM outbox WHERE id = ?) AND o.id > ? "
            "AND o.status IN ('pending', 'in_progress') ORDER BY id", (row_id, row_id)).fetchall()
        return [_row(r) for r in rows]

    def before_in_lane(self, row: OutboxRow) -> list[OutboxRow]:
        """The pending alerts of the row's unit queued before it, each the first still pending of its group and
        none held by a silence, oldest first: the outbox tries them before it, their backoff aside (after a
        receiver's outage an older incident's resolve came after a newer one's firing alert of the unit)."""
        rows = self.db.execute(
            _ROWS + "WHERE o.kind = 'alert' AND o.id < ? AND o.status IN ('pending', 'in_progress') "
            f"AND IFNULL(json_extract(o.payload, '$.unit'), '') = ? AND {NOT_HELD} AND {_FIRST_OF_GROUP} ORDER BY o.id",
            (row.id, str(row.payload.get("unit", "")))).fetchall()
        return [_row(r) for r in rows]

    def failing_since(self) -> int | None:
        """When the oldest alert still waiting after a failed try was queued (µs, wall clock); None when none is
        (an alert a silence holds is waiting, not failing)."""
        row = self.db.execute("SELECT MIN(created_usec) FROM outbox WHERE kind = 'alert' AND status IN "
                              f"('pending', 'in_progress') AND last_error != '' AND {NOT_HELD}").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def next_due_usec(self) -> int | None:
        row = self.db.execute("SELECT MIN(next_attempt_usec) FROM outbox WHERE status IN ('pending', 'in_progress')"
                              ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def update(self, row_id: int, *, status: str, channel: int | None = None, attempts: int | None = None,
               next_attempt_usec: int | None = None, last_error: str | None = None) -> None:
        with self._transaction():
            self.db.execute(
                "UPDATE outbox SET status = ?, channel = COALESCE(?, channel), attempts = COALESCE(?, attempts), "
                "next_attempt_usec = COALESCE(?, next_attempt_usec), last_error = COALESCE(?, last_error) "
                "WHERE id = ?", (status, channel, attempts, next_attempt_usec, last_error, row_id))

    def outbox(self, status: str | None = None) -> list[OutboxRow]:
        query = _ROWS + ("WHERE status = ? " if status else "") + "ORDER BY id"
        rows = self.db.execute(query, (status,) if status else ()).fetchall()
        return [_row(r) for r in rows]

    def prune(self, before_usec: int) -> None:
        """Forget finished outbox rows older than `before_usec` so the file stays small."""
        with self._transaction():
            self.db.execute("DELETE FROM outbox WHERE status IN ('done', 'dropped', 'failed') AND created_usec < ?",
                            (before_usec,))
            self.db.execute("DELETE FROM restarted WHERE at_usec < ? AND id < (SELECT MAX(id) FROM restarted)",
                            (before_usec,))
            self.db.execute("DELETE FROM resolve_request WHERE status != 'pending' AND answered_usec < ?",
                            (before_usec,))


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
