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
from ..model import Action, Hit, Incident
from ..pipeline import ActionEvent, IncidentEvent, MatchEvent, Pipeline, Progress
from ..rules.loader import load_rules, shipped_rules_dir
from ..sources import Selection, open_entries
from ..sources.journal_files import JournalBuildError, build_journal, export_bytes, journal_remote
from .outage import FACTS, outage_entries, requests_failed


@dataclass
class DemoResult:
    """What the replay found: the first hit, the incident it fired and the actions it led to."""

    progress: Progress
    requests_failed: int
    journal_kind: str
    rule_count: int
    first_hit: Hit | None = None
    incident: Incident | None = None
    actions: list[Action] = field(default_factory=list)
    benign_mentions: int = 0


def replay(workdir: Path) -> DemoResult:
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
    rule_set = load_rules([shipped_rules_dir()])
    detector = Detector(rule_set.rules)
    pipeline = Pipeline(detector)
    result = DemoResult(pipeline.progress, requests_failed(entries), kind, len(rule_set.rules))
    mvar_hits = 0
    for event in pipeline.run(open_entries(Selection(), files=[path], extra_fields=detector.needed_fields,
                           screen=detector.screen())):
        match event:
            case MatchEvent(hit):
                result.first_hit = result.first_hit or hit
                mvar_hits += "MVar" in hit.entry.message
            case IncidentEvent(incident) if result.incident is None:
                result.incident = incident
            case ActionEvent(action) if result.incident is not None and action.incident.fired_usec == \
                    result.incident.fired_usec:
                result.actions.append(action)
    mentions = sum(1 for fields in entries if "MVar" in str(fields["MESSAGE"]))
    result.benign_mentions = mentions - mvar_hits
    return result


def run_demo(console: Console, pause: float) -> DemoResult:
    from ..views.demo import render_demo

    with tempfile.TemporaryDirectory(prefix="logsentry-demo-") as tmp:
        result = replay(Path(tmp))
    render_demo(console, result, FACTS, pause)
    return result
