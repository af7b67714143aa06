"""`logsentry demo`: replay the bundled outage journal through the real pipeline and tell the story.

The journal is written to a temporary real .journal file with systemd-journal-remote and read by the
native reader, exactly as `logsentry scan --file` would; without that tool it is read from export format.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ..engine.detector import Detector
from ..engine.policy import Policy
from ..model import Action, Entry, Hit, Incident
from ..pipeline import ActionEvent, IncidentEvent, MatchEvent, Pipeline, Progress
from ..rules.loader import load_rules, shipped_rules_dir
from ..sources import Selection, open_entries
from ..sources.journal_files import FieldValue, JournalBuildError, build_journal, export_bytes, journal_remote
from .outage import FACTS, MACHINE_ID, UNIT, outage_entries, requests_failed


@dataclass
class DemoResult:
    """What the replay found: the first hit, the incident it fired and the actions it led to."""

    progress: Progress
    requests_failed: int
    journal_kind: str
    rule_count: int
    first_hit: Hit | None = None
    first_line: Entry | None = None
    """The first line the outage wrote (the first of its first failing request's three), whichever rule matched it."""
    incident: Incident | None = None
    actions: list[Action] = field(default_factory=list)
    benign_mentions: int = 0
    signatures: bool = True
    failed_before: int = 0
    """Requests that had failed by the time the first incident fired."""


def replay(workdir: Path, signatures: bool = True) -> DemoResult:
    """Replay the outage journal; with `signatures` False every signature rule is off and only the anomaly
    rules (learned baselines) can catch it."""
    entries = list(outage_entries())
    export = export_bytes(entries)
    if journal_remote() is not None:
        try:
            path = build_journal(export, workdir / "cachix-2020-12-20.journal")
            kind = "a real journal file built with systemd-journal-remote"
        except JournalBuildError:
            path, kind = workdir / "cachix-2020-12-20.export", "journal export format"
            path.write_bytes(export)
    else:
        path, kind = workdir / "cachix-2020-12-20.export", "journal export format"
        path.write_bytes(export)
    rule_set = load_rules([shipped_rules_dir()], lazy_shipped=True)
    rules = rule_set.rules if signatures else [rule for rule in rule_set.rules if rule.anomaly is not None]
    detector = Detector(rules)
    pipeline = Pipeline(detector, Policy(local_machine=MACHINE_ID))  # as the replayed host's own logsentry
    result = DemoResult(pipeline.progress, requests_failed(entries), kind, len(rules), signatures=signatures,
                        first_line=_first_line(entries))
    mvar_hit_lines: set[tuple[int, str]] = set()
    for event in pipeline.run(open_entries(Selection(), files=[path], extra_fields=detector.needed_fields,
                           screen=detector.screen())):
        match event:
            case MatchEvent(hit):
                if signatures and result.first_hit is None:
                    result.first_hit = hit
                if "MVar" in hit.entry.message:
                    mvar_hit_lines.add((hit.entry.realtime_usec, hit.entry.message))
            case IncidentEvent(incident) if result.incident is None:
                result.incident = incident
                result.first_hit = result.first_hit or _first_failing_line(entries, incident)
            case ActionEvent(action) if result.incident is not None and action.incident.fired_usec == \
                    result.incident.fired_usec:
                result.actions.append(action)
    mentions = sum(1 for fields in entries if "MVar" in str(fields["MESSAGE"]))
    result.benign_mentions = mentions - len(mvar_hit_lines)
    if result.incident is not None:
        fired = result.incident.fired_usec
        result.failed_before = sum(1 for fields in entries if "Unhandled exception" in str(fields["MESSAGE"])
                                   and int(str(fields["__REALTIME_TIMESTAMP"])) <= fired)
    return result


def _first_line(entries: list[dict[str, FieldValue]]) -> Entry | None:
    """The outage's first line: the unit's first entry from the time the post-mortem gives."""
    first = min((fields for fields in entries if fields.get("_SYSTEMD_UNIT") == UNIT
                 and int(str(fields["__REALTIME_TIMESTAMP"])) >= FACTS.first_error_usec),
                key=lambda fields: int(str(fields["__REALTIME_TIMESTAMP"])), default=None)
    return None if first is None else Entry(int(str(first["__REALTIME_TIMESTAMP"])), str(first["MESSAGE"]), UNIT,
                                            int(str(first["PRIORITY"])), "")


def _first_failing_line(entries: list[dict[str, FieldValue]], incident: Incident) -> Hit:
    """The first line of the template an anomaly incident is about (its first hit came before it fired)."""
    first = next(fields for fields in entries if "Unhandled exception" in str(fields.get("MESSAGE", "")))
    entry = Entry(int(str(first["__REALTIME_TIMESTAMP"])), str(first["MESSAGE"]), str(first["_SYSTEMD_UNIT"]),
                  int(str(first["PRIORITY"])), "")
    return Hit(incident.rule_id, incident.severity, entry, {}, incident.key, incident.why, incident.template)


def run_demo(console: Console, pause: float, signatures: bool = True) -> DemoResult:
    from ..views.demo import render_demo

    rules = "every rule" if signatures else "the anomaly rules only"
    with tempfile.TemporaryDirectory(prefix="logsentry-demo-") as tmp, console.status(
            f"Replaying the outage's journal through the real reader and pipeline, {rules} (a few seconds to "
            "half a minute)...", spinner="dots"):  # on a terminal only: a silent half minute looked hung (F8)
        result = replay(Path(tmp), signatures)
    render_demo(console, result, FACTS, pause)
    return result
