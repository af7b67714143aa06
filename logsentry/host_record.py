"""One host's record in HostSilence (host_silence.py), and its row in the service's saved state.

A row is a JSON list, oldest fields first so that older rows still load: [machine id, newest entry (µs), _HOSTNAME,
its unit, its newest line, its cursor, silent since (µs, 0: not), fired (µs), rhythm snapshot, clock offset (µs),
alerted]. Rows saved before `alerted` existed take a fired silence as alerted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .engine.rhythm import Rhythm

__all__ = ["HostRecord", "from_saved_row", "said", "saved_names", "saved_row"]


@dataclass(slots=True)
class HostRecord:
    """What HostSilence knows of one host (`_MACHINE_ID`): times in µs of its journal time, `fired_usec` and
    the threshold in µs."""

    rhythm: Rhythm = field(default_factory=Rhythm)
    newest_usec: int = 0
    name: str = ""
    unit: str = ""
    message: str | bytes = ""
    """Its newest line (at most 500 characters; `said`), or a run's raw bytes of it until it is asked for: a
    run's spans are nearly as many as its entries on a busy host, and decoding each one's line for nothing cost
    more than the rest of a run's host bookkeeping."""
    cursor: str = ""
    threshold: int = 0
    review_at: int = 1
    silent_since: int = 0
    """The newest entry's time when its incident fired (0: not silent); the incident's first_usec."""
    fired_usec: int = 0
    alerted: bool = False
    """Its firing alert went to the outbox: a silence that fired in a dry run sends no resolve (nor re-sends)
    for an alert never sent, and is alerted at the first check once the dry run ends while it lasts."""
    back_usec: int = 0
    """The first entry's time after its silence (0: none yet), where the silence ended: entries read later (a
    backlog after a restart) do not lengthen it. Not saved: lost, the newest entry's time stands in."""


def said(host: HostRecord) -> str:
    """The host's newest line, decoded (U+FFFD for bad bytes) and cut to 500 characters."""
    message = host.message
    return message.decode("utf-8", "replace")[:500] if isinstance(message, bytes) else message


def saved_row(machine: str, host: HostRecord, offset: int) -> list[Any]:
    """The host's row (module docstring); `offset`: its clock's offset from ours (µs), as `logsentry hosts` shows."""
    return [machine, host.newest_usec, host.name, host.unit, said(host), host.cursor, host.silent_since,
            host.fired_usec, host.rhythm.snapshot(), offset, host.alerted]


def from_saved_row(item: Any) -> tuple[str, HostRecord, int | None] | None:
    """(machine id, record, clock offset or None) from a saved row; None for a row that is not one."""
    try:
        machine, newest, name, unit, message, cursor, since, fired, saved = item[:9]
        host = HostRecord(Rhythm.restore(saved) or Rhythm(), int(newest), str(name), str(unit), str(message),
                          str(cursor), silent_since=int(since), fired_usec=int(fired),
                          alerted=bool(item[10]) if len(item) > 10 else bool(since))
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    offset = item[9] if len(item) > 9 and isinstance(item[9], int) else None
    return str(machine), host, offset


def saved_names(data: Any) -> dict[str, str]:
    """machine id -> _HOSTNAME from saved rows (for `baseline show`, which has no running service)."""
    return {item[0]: item[2] for item in data if isinstance(item, list) and len(item) > 2
            and isinstance(item[0], str) and isinstance(item[2], str) and item[2]} \
        if isinstance(data, list) else {}
