"""Failures (engine/failure_model.py) as the service saves them with its state (key "failures") and reads them
back: a failure still settling, or joined from several incidents, must survive a crash or restart whole."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..model import Incident, Link, Severity
from .failure_model import Failure, member_id, seen_links
from .window import incident_from_json, incident_json, link_json

SAVED_SAMPLE_CHARS = 256
"""A saved member keeps its first sample cut to this many characters (the tracker keeps the members' own)."""


def saved_incident(incident: Incident) -> dict[str, Any]:
    """A member or given incident as saved: its JSON with one sample, cut."""
    data = incident_json(incident)
    data["samples"] = [sample[:SAVED_SAMPLE_CHARS] for sample in incident.samples[:1]]
    return data


def failure_json(failure: Failure, saved: Callable[[Incident], dict[str, Any]]) -> dict[str, Any]:
    """JSON-ready: its fields, its members and given incident through `saved`, and its unfired links each with
    its template ("" for a signature's)."""
    f = failure
    return {"machine": f.machine, "unit": f.unit, "invocation": f.invocation, "settle_usec": f.settle_usec,
            "last_usec": f.last_usec, "members": [saved(m) for m in f.members.values()],
            "open": [list(m) for m in f.open], "given": saved(f.given) if f.given else None, "rerun_usec": f.rerun_usec,
            "seen": [{**link_json(link), "template": template} for (_, template), link in seen_links(f).items()]}


def failure_from_json(item: Mapping[str, Any]) -> Failure:
    """A failure_json back (links saved before they carried a template restore with "", a failure saved before
    `rerun_usec` with -1)."""
    members = [incident_from_json(m) for m in item["members"]]
    return Failure(item["machine"], item["unit"], item["invocation"], item["settle_usec"], item["last_usec"],
                   {member_id(m): m for m in members},
                   {(o[0], o[1], o[2], o[3], int(o[4])) for o in item["open"]},
                   incident_from_json(item["given"]) if item["given"] else None,
                   {(link["rule_id"], link.get("template", "")): Link(**{
                       **{k: v for k, v in link.items() if k != "template"},
                       "severity": Severity(link["severity"])}) for link in item.get("seen", ())},
                   int(item.get("rerun_usec", -1)))


Saved = dict[int, tuple[Incident, dict[str, Any]]]
"""id() -> (incident, its saved form) of the incidents a snapshot wrote (kept alive by the caller)."""


def snapshot_of(failures: list[Failure], before: Saved) -> tuple[list[dict[str, Any]], Saved]:
    """The failures as saved (failure_json), and what was written for each incident. Samples are cut to one of
    SAVED_SAMPLE_CHARS (the tracker keeps the members' own). An incident (frozen) the last snapshot (`before`) saved
    is not made again: a busy failure's members mostly stay as they were."""
    made: Saved = {}

    def saved(incident: Incident) -> dict[str, Any]:
        known = before.get(id(incident))
        data = known[1] if known is not None and known[0] is incident else saved_incident(incident)
        made[id(incident)] = (incident, data)
        return data

    return [failure_json(f, saved) for f in failures], made
