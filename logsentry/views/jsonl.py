"""The JSON Lines contract of `scan -o json` (and `tail -o json`): one object per event.

Field names are a public interface; add fields, never rename or remove them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ..actions.alert import journalctl_command
from ..model import Incident, journald_machine, said_usec
from ..pipeline import ActionEvent, EndedEvent, Event, GapEvent, IncidentEvent, MatchEvent, Progress, QuarantineEvent


def _incident_fields(incident: Incident) -> dict[str, Any]:
    return {
        "rule": incident.rule_id,
        "severity": incident.severity.label,
        "unit": incident.unit,
        "machine_id": journald_machine(incident.machine_id),
        "host": incident.host,
        "key": incident.key,
        "first_usec": incident.first_usec,
        "count_is_lower_bound": incident.dropped > 0,
        "dropped": incident.dropped,
        "why": incident.why,
        "template": incident.template,
        "chain": [{"rule": link.rule_id, "severity": link.severity.label, "first_usec": link.first_usec,
                   "count": link.count, "message": link.message, "message_usec": said_usec(link),
                   "cursor": link.cursor, "fired": link.fired} for link in incident.chain],
    }


def event_record(event: Event, source: Sequence[str] | None = None) -> dict[str, Any]:
    """`source`: journalctl's arguments for the journal that was read (alert.journal_source, () for the local
    journal), for an incident's `journalctl` command (the one its alert carries); None (the default: no command
    rather than one that looks in the wrong journal) when the input is no journal journalctl can read (an
    export, JSON or text dump): the command is then ""."""
    match event:
        case MatchEvent(hit):
            entry = hit.entry
            return {"type": "match", "rule": hit.rule_id, "severity": hit.severity.label, "unit": entry.unit,
                    "machine_id": journald_machine(entry.machine_id), "host": entry.host,
                    "realtime_usec": entry.realtime_usec, "cursor": entry.cursor, "priority": entry.priority,
                    "effective_priority": entry.effective_priority, "level_source": entry.level_source,
                    "message": entry.message, "captures": dict(hit.captures),
                    **({"from_text": True} if entry.from_text else {})}
        case IncidentEvent(incident):
            return {"type": "incident", **_incident_fields(incident), "realtime_usec": incident.fired_usec,
                    "count": incident.count, "threshold": incident.threshold,
                    "within_usec": incident.within_usec, "cursor": incident.cursor,
                    "message": incident.samples[0], "suggested_action": incident.action,  # the line of `cursor`
                    "journalctl": command(incident, source)}
        case ActionEvent(action):
            return {"type": "action", "action": action.kind, "unit": action.unit, "dry_run": action.dry_run,
                    "machine_id": journald_machine(action.incident.machine_id), "host": action.incident.host,
                    "rule": action.incident.rule_id, "severity": action.incident.severity.label,
                    "realtime_usec": action.incident.fired_usec, "cursor": action.incident.cursor,
                    "reason": action.reason}
        case EndedEvent(incident, open_at_end):
            return {"type": "incident_end", **_incident_fields(incident), "last_usec": incident.last_usec,
                    "count": incident.count, "going_on": incident.going_on, "open": open_at_end,
                    "journalctl": command(incident, source)}
        case QuarantineEvent(quarantine):
            return {"type": "quarantine", "rule": quarantine.rule_id, "cursor": quarantine.cursor,
                    "realtime_usec": quarantine.realtime_usec, "reason": quarantine.reason}
        case GapEvent(gap):
            return {"type": "gap", "rule": gap.rule_id, "unit": gap.unit, "host": gap.host, "from_usec": gap.from_usec,
                    "to_usec": gap.to_usec, "expected_gap_usec": gap.expected_gap_usec,
                    "threshold_usec": gap.threshold_usec, "open": gap.open, "length_usec": gap.length_usec,
                    "jumped_usec": gap.jumped_usec, "stepped_usec": gap.stepped_usec,
                    "machine_id": journald_machine(gap.machine_id)}
    raise TypeError(f"unknown event {event!r}")


def command(incident: Incident, source: Sequence[str] | None) -> str:
    """The incident's journalctl command as its alert gives it then: over its hits so far (`incident`), or
    all of them (`incident_end`)."""
    return "" if source is None else journalctl_command(incident, source)


def summary_record(progress: Progress, anomaly: dict[str, int] | None = None,
                   silence: dict[str, int | str] | None = None) -> dict[str, Any]:
    """The last record; `anomaly` (scan, with anomaly rules): the units learnt and how many no anomaly rule judged
    (less history read than the least a rule needs, given as warm_after_usec and warm_entries), so that a short or
    filtered scan's few incidents are not read as an all-clear (the text report says it in words); `silence` (scan,
    with a silence rule): its units and those not watched yet (engine/absence_seen.Learning)."""
    record: dict[str, Any] = {"type": "summary", "entries": progress.entries, "matches": progress.matches,
                              "incidents": progress.incidents, "first_usec": progress.first_usec,
                              "last_usec": progress.last_usec}
    if anomaly is not None:
        record["anomaly"] = anomaly
    if silence is not None:
        record["silence"] = silence
    return record


def dumps(record: dict[str, Any]) -> str:
    return orjson.dumps(record).decode()


def line(record: dict[str, Any]) -> bytes:
    """One JSON Lines record, UTF-8, newline included (what a scan of a busy journal writes tens of
    thousands of: orjson makes it about 8x cheaper than json.dumps)."""
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
