"""An operator's request that the service resolve a held alert by hand (`logsentry incidents resolve`), passed
through the state file's `resolve_request` table (state.SCHEMA).

A held alert (service_held.py) fires until its unit logs again, which a unit left failed on purpose, a oneshot whose
timer was disabled, or a collector's host that is gone never does. The command only adds a row here: it never
writes the service's own state (held incidents, alerting, outbox), which the running service keeps in memory and
commits as a whole, so a write behind its back would be undone by its next commit. The service takes the row when
it has caught up with the journal (running: within about a second; stopped: at its next start), resolves the
incident through its channels and answers the row in the same transaction as the commit that queues the resolve
(service_resolve.py): a crash between the two takes the request again, and it is never answered without its
resolve saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from .state import State

PENDING, RESOLVED, REFUSED = "pending", "resolved", "refused"
"""A request's status: not taken yet, done (its resolve queued), or refused (the answer says why)."""


@dataclass(frozen=True)
class ResolveRequest:
    """One request: `incident` is the incident's label (model.incident_label, as `logsentry incidents` and its
    alerts show it), `requested_by` the user who asked, `note` their reason ("" when none), `requested_usec` when
    (µs, wall clock)."""

    id: int
    incident: str
    requested_by: str
    note: str
    requested_usec: int


@dataclass(frozen=True)
class Answer:
    status: str
    """PENDING, RESOLVED or REFUSED."""
    answer: str
    """What the service did, or why it refused ("" while pending)."""


def ask(state: State, label: str, requested_by: str, note: str, now_usec: int) -> tuple[int, ResolveRequest | None]:
    """Queue a request for the service, unless one for the incident is pending already: (the row id answer_of reads
    the answer of, the pending request joined or None). Looked for and added in one write transaction, so two
    commands run at once make one request, and the second is told whose it joined."""
    with state._transaction():
        row = state.db.execute("SELECT id, incident, requested_by, note, requested_usec FROM resolve_request "
                               "WHERE incident = ? AND status = ? ORDER BY id LIMIT 1", (label, PENDING)).fetchone()
        if row is not None:
            return int(row[0]), ResolveRequest(*row)
        cursor = state.db.execute("INSERT INTO resolve_request (incident, requested_by, note, requested_usec) "
                                  "VALUES (?, ?, ?, ?)", (label, requested_by, note, now_usec))
    return int(cursor.lastrowid or 0), None


def answer_of(state: State, request_id: int) -> Answer | None:
    """The request's status and the service's answer; None when the row is gone (pruned a week after its answer)."""
    row = state.db.execute("SELECT status, answer FROM resolve_request WHERE id = ?", (request_id,)).fetchone()
    return None if row is None else Answer(str(row[0]), str(row[1]))


def pending(state: State, taken: set[int]) -> list[ResolveRequest]:
    """The requests not answered yet, oldest first, but those in `taken` (answered in memory, their commit to come)."""
    rows = state.db.execute("SELECT id, incident, requested_by, note, requested_usec FROM resolve_request "
                            "WHERE status = ? ORDER BY id", (PENDING,)).fetchall()
    return [ResolveRequest(*row) for row in rows if row[0] not in taken]
