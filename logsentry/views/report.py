"""The terminal report of `logsentry scan`: incidents by unit and rule, times, counts and sample lines."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..engine.detector import Quarantine
from ..model import Action, Incident, Severity
from ..pipeline import ActionEvent, EndedEvent, Event, MatchEvent, Progress, QuarantineEvent
from ..timespec import format_duration, format_usec

SEVERITY_STYLE = {
    Severity.INFO: "cyan",
    Severity.WARNING: "yellow",
    Severity.ERROR: "red",
    Severity.CRITICAL: "bold white on red",
}


@dataclass
class ScanSummary:
    """What a scan found, gathered from the event stream."""

    incidents: list[Incident] = field(default_factory=list)
    actions: dict[tuple[str, str, str, int], list[Action]] = field(default_factory=dict)
    matches: Counter[tuple[str, str]] = field(default_factory=Counter)
    quarantines: list[Quarantine] = field(default_factory=list)

    def add(self, event: Event) -> None:
        match event:
            case MatchEvent(hit):
                self.matches[(hit.entry.unit, hit.rule_id)] += 1
            case EndedEvent(incident):
                self.incidents.append(incident)
            case ActionEvent(action):
                inc = action.incident
                self.actions.setdefault((inc.rule_id, inc.unit, inc.key, inc.first_usec), []).append(action)
            case QuarantineEvent(quarantine):
                self.quarantines.append(quarantine)

    def actions_for(self, incident: Incident) -> list[Action]:
        return self.actions.get((incident.rule_id, incident.unit, incident.key, incident.first_usec), [])

    @property
    def worst(self) -> Severity | None:
        return max((incident.severity for incident in self.incidents), default=None)


def _severity_text(severity: Severity) -> Text:
    return Text(severity.label, style=SEVERITY_STYLE[severity])


def render_scan(console: Console, summary: ScanSummary, progress: Progress, rule_count: int) -> None:
    span = ""
    if progress.first_usec is not None and progress.last_usec is not None:
        span = f" from {format_usec(progress.first_usec)} to {format_usec(progress.last_usec)}"
    console.print(
        f"[bold]logsentry scan[/]: {progress.entries:,} entries{span}, {rule_count} rules, "
        f"{progress.matches:,} matches, [bold]{len(summary.incidents)} incident(s)[/]"
    )
    if summary.incidents:
        table = Table(title="Incidents", title_justify="left", expand=False)
        for column in ("unit", "rule", "severity", "first hit", "fired", "last hit", "hits", "action"):
            table.add_column(column, justify="right" if column == "hits" else "left")
        ordered = sorted(summary.incidents, key=lambda i: (i.unit, i.rule_id, i.first_usec))
        for incident in ordered:
            actions = summary.actions_for(incident)
            action_text = ", ".join(
                f"{a.kind}{' (dry run)' if a.dry_run else ''}" for a in actions) or incident.action
            unit = incident.unit + (f" [{incident.key}]" if incident.key else "")
            table.add_row(unit, incident.rule_id, _severity_text(incident.severity),
                          format_usec(incident.first_usec), format_usec(incident.fired_usec),
                          format_usec(incident.last_usec), f"{incident.count:,}", action_text)
        console.print(table)
        for incident in ordered:
            duration = format_duration(incident.last_usec - incident.first_usec)
            lines = Text("\n").join(Text(sample, overflow="fold") for sample in incident.samples[:3])
            title = f"{incident.unit} · {incident.rule_id} · {incident.count:,} hits over {duration}"
            console.print(Panel(Group(lines), title=title, title_align="left", border_style="dim"))
    quiet = [(unit, rule, n) for (unit, rule), n in sorted(summary.matches.items())
             if not any(i.unit == unit and i.rule_id == rule for i in summary.incidents)]
    if quiet:
        table = Table(title="Matches below their trigger threshold", title_justify="left")
        for column in ("unit", "rule", "matches"):
            table.add_column(column)
        for unit, rule, count in quiet:
            table.add_row(unit, rule, f"{count:,}")
        console.print(table)
    for quarantine in summary.quarantines:
        console.print(f"[bold red]rule {quarantine.rule_id} quarantined[/]: {quarantine.reason} "
                      f"on entry {quarantine.cursor}")
    if not summary.incidents and not quiet:
        console.print("[green]Nothing found.[/]")
