"""Persistent state of `logsentry run` in one SQLite file: journal cursor, open windows, restart ledger,
alerting state and the action outbox.

The reader commits cursor, snapshots and new outbox rows in one transaction after a batch of entries,
so after any crash (even SIGKILL) the service resumes exactly where its last commit left it: entries
after the cursor are read again and their actions computed again from the same saved state, and
actions before it are in the outbox already. The outbox worker uses its own connection (WAL mode).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine.baseline import Baselines, Minutes, TemplateStats, UnitStats

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
    entries INTEGER NOT NULL, errors INTEGER NOT NULL, peak_errors INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS baseline_template (
    unit TEXT NOT NULL, template_id TEXT NOT NULL, text TEXT NOT NULL, count INTEGER NOT NULL,
    first_usec INTEGER NOT NULL, last_usec INTEGER NOT NULL, level INTEGER, example TEXT NOT NULL,
    unit_age_usec INTEGER NOT NULL, unit_entries INTEGER NOT NULL, accepted INTEGER NOT NULL DEFAULT 0,
    peak INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit, template_id)
);
CREATE TABLE IF NOT EXISTS baseline_request (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, arg TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_group ON outbox (grp, id);
"""

OPEN = ("pending", "in_progress")


@dataclass(frozen=True)
class OutboxItem:
    """An action to carry out; `dedupe` names it uniquely so it is never queued twice. Items of one
    `group` (the alerts of one incident) are carried out in order: no resolve before its firing alert."""

    dedupe: str
    kind: str
    payload: Mapping[str, Any]
    group: str = ""


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


class State:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

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
               baselines: Baselines | None = None) -> None:
        """Save values (cursor, snapshots), what the baselines learnt since the last commit, and queue outbox
        items, all or nothing."""
        with self._transaction():
            if baselines is not None:
                self._save_baselines(baselines)
            self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                [(key, json.dumps(value)) for key, value in values.items()])
            self.db.executemany(
                "INSERT OR IGNORE INTO outbox (dedupe, grp, kind, payload, created_usec) VALUES (?, ?, ?, ?, ?)",
                [(item.dedupe, item.group, item.kind, json.dumps({**item.payload, "id": item.dedupe}), now_usec)
                 for item in outbox])

    def _save_baselines(self, baselines: Baselines) -> None:
        units, templates, removed, removed_units = baselines.changed()
        db = self.db
        db.executemany("DELETE FROM baseline_template WHERE unit = ?", [(unit,) for unit in removed_units])
        db.executemany("DELETE FROM baseline_unit WHERE unit = ?", [(unit,) for unit in removed_units])
        db.executemany("DELETE FROM baseline_template WHERE unit = ? AND template_id = ?", removed)
        db.executemany("INSERT OR REPLACE INTO baseline_unit VALUES (?, ?, ?, ?, ?, ?)",
                       [(unit, u.first_usec, u.last_usec, u.entries, u.errors, u.error_minutes.peak)
                        for unit, u in units])
        # `accepted` only ever goes up here: an operator's `baseline accept` in the file is never undone.
        db.executemany(
            "INSERT INTO baseline_template VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (unit, template_id) DO UPDATE SET text = excluded.text, count = excluded.count, "
            "first_usec = excluded.first_usec, last_usec = excluded.last_usec, level = excluded.level, "
            "example = excluded.example, accepted = MAX(accepted, excluded.accepted), peak = excluded.peak",
            [(unit, tid, t.text, t.count, t.first_usec, t.last_usec, t.level, t.example, t.unit_age_usec,
              t.unit_entries, int(t.accepted), t.minutes.peak) for unit, tid, t in templates])

    def load_baselines(self, into: Baselines) -> None:
        """Fill `into` with the saved baselines (least recently seen first, so eviction order survives)."""
        units = [(row[0], UnitStats(row[1], row[2], row[3], row[4], Minutes(row[5]))) for row in self.db.execute(
            "SELECT unit, first_usec, last_usec, entries, errors, peak_errors FROM baseline_unit ORDER BY last_usec")]
        templates = [(row[0], row[1], TemplateStats(row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
                                                    bool(row[10]), Minutes(row[11])))
                     for row in self.db.execute(
                         "SELECT unit, template_id, text, count, first_usec, last_usec, level, example, "
                         "unit_age_usec, unit_entries, accepted, peak FROM baseline_template ORDER BY last_usec")]
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
                self.db.execute("DELETE FROM baseline_template WHERE unit = ?", (arg,))
                self.db.execute("DELETE FROM baseline_unit WHERE unit = ?", (arg,))

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

    def due(self, now_usec: int, limit: int = 50) -> list[OutboxRow]:
        rows = self.db.execute(
            "SELECT id, dedupe, kind, payload, status, channel, attempts, next_attempt_usec, last_error FROM outbox o "
            "WHERE status IN ('pending', 'in_progress') AND next_attempt_usec <= ? AND NOT EXISTS ("
            "  SELECT 1 FROM outbox p WHERE o.grp != '' AND p.grp = o.grp AND p.id < o.id"
            "  AND p.status IN ('pending', 'in_progress')) ORDER BY id LIMIT ?",
            (now_usec, limit)).fetchall()
        return [OutboxRow(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8]) for r in rows]

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
        query = ("SELECT id, dedupe, kind, payload, status, channel, attempts, next_attempt_usec, last_error "
                 "FROM outbox" + (" WHERE status = ?" if status else "") + " ORDER BY id")
        rows = self.db.execute(query, (status,) if status else ()).fetchall()
        return [OutboxRow(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8]) for r in rows]

    def prune(self, before_usec: int) -> None:
        """Forget finished outbox rows older than `before_usec` so the file stays small."""
        with self._transaction():
            self.db.execute("DELETE FROM outbox WHERE status IN ('done', 'dropped') AND created_usec < ?",
                            (before_usec,))


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
