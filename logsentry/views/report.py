"""The terminal report of `logsentry scan`: incidents by unit and rule, times, counts and sample lines.

Log-derived text (units, rule ids, keys, lines) goes in as rich `Text` through `escape.visible`, never as markup."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..engine.absence import Gap
from ..engine.detector import Quarantine
from ..model import Action, Incident, Severity
from ..pipeline import ActionEvent, EndedEvent, Event, GapEvent, MatchEvent, Progress, QuarantineEvent
from ..timespec import format_duration, format_usec
from .escape import one_line, visible

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
    gaps: dict[tuple[str, str, int], Gap] = field(default_factory=dict)
    """Silences by (rule, unit, start): their real length, for the incident that reported them."""

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
            case GapEvent(gap):
                self.gaps[(gap.rule_id, gap.unit, gap.from_usec)] = gap

    def actions_for(self, incident: Incident) -> list[Action]:
        return self.actions.get((incident.rule_id, incident.unit, incident.key, incident.first_usec), [])

    @property
    def worst(self) -> Severity | None:
        return max((incident.severity for incident in self.incidents), default=None)


def _severity_text(severity: Severity) -> Text:
    return Text(severity.label, style=SEVERITY_STYLE[severity])


def _tail(line: str, width: int = 100) -> str:
    """The end of a long line (log prefixes repeat, the signature is usually at the end), shown as text."""
    line = one_line(line)
    return line if len(line) <= width else "…" + line[-(width - 1):]


def _silence_block(incident: Incident, gap: Gap, action: Text, head: Text, width: int) -> Panel:
    """A silence: how long the unit said nothing against its usual rhythm, and its last line before the gap
    (context, not an error)."""
    length = format_duration(gap.to_usec - gap.from_usec)
    usual = f", usually one every {format_duration(gap.expected_gap_usec)}" if gap.expected_gap_usec else ""
    until = "the end of the input (still silent)" if gap.open else format_usec(gap.to_usec, with_date=False)
    what = Text(f"silence: no entry for {length}{usual}", style="bold")
    times = Text(f"from {format_usec(gap.from_usec)} to {until}; counted as silent after "
                 f"{format_duration(gap.threshold_usec)} ({format_usec(incident.fired_usec, with_date=False)})")
    lines = [Text("last line before it:", style="dim")]
    lines += [Text(f"│ {_tail(sample, width - 6)}", style="dim", no_wrap=True, overflow="ellipsis")
              for sample in incident.samples[:1] if sample]
    return Panel(Group(head, what, times, action, *lines), border_style=SEVERITY_STYLE[incident.severity],
                 expand=True)


def _incident_block(incident: Incident, actions: list[Action], width: int, gap: Gap | None = None) -> Panel:
    """One incident: what, where, when, how many, what was done, and its first lines."""
    dry = " (dry run)" if actions and all(a.dry_run for a in actions) else ""
    done = " + ".join(a.kind for a in actions) or incident.action
    key = f" [{incident.key}]" if incident.key else ""
    head = Text.assemble((f"{incident.severity.label.upper()} ", SEVERITY_STYLE[incident.severity]),
                         (visible(incident.unit + key), "bold"), "  ", visible(incident.rule_id))
    if gap is not None:
        return _silence_block(incident, gap, Text.assemble("action: ", (done + dry, "bold")), head, width)
    times = Text(
        f"first hit {format_usec(incident.first_usec)}, fired {format_usec(incident.fired_usec, with_date=False)} "
        f"({incident.threshold} within {format_duration(incident.within_usec)}), "
        f"last hit {format_usec(incident.last_usec, with_date=False)}: {'at least ' if incident.dropped else ''}"
        f"{incident.count:,} hits over {format_duration(incident.last_usec - incident.first_usec)}"
        + (f" (journald suppressed {incident.dropped:,} messages of this unit meanwhile)" if incident.dropped else ""))
    action = Text.assemble("action: ", (done + dry, "bold"))
    samples = [Text(f"│ {_tail(sample, width - 6)}", style="dim", no_wrap=True, overflow="ellipsis")
               for sample in incident.samples[:2]]
    return Panel(Group(head, times, action, *samples), border_style=SEVERITY_STYLE[incident.severity], expand=True)


def render_scan(console: Console, summary: ScanSummary, progress: Progress, rule_count: int) -> None:
    span = ""
    if progress.first_usec is not None and progress.last_usec is not None:
        span = f" from {format_usec(progress.first_usec)} to {format_usec(progress.last_usec)}"
    console.print(
        f"[bold]logsentry scan[/]: {progress.entries:,} entries{span}, {rule_count} rules, "
        f"{progress.matches:,} matches, [bold]{len(summary.incidents)} incident(s)[/]"
    )
    ordered = sorted(summary.incidents, key=lambda i: (i.unit, i.rule_id, i.first_usec))
    for incident in ordered:
        gap = summary.gaps.get((incident.rule_id, incident.unit, incident.first_usec))
        console.print(_incident_block(incident, summary.actions_for(incident), console.width, gap))
    quiet = [(unit, rule, n) for (unit, rule), n in sorted(summary.matches.items())
             if not any(i.unit == unit and i.rule_id == rule for i in summary.incidents)]
    if quiet:
        table = Table(title="Matches below their trigger threshold", title_justify="left")
        for column in ("unit", "rule", "matches"):
            table.add_column(column)
        for unit, rule, count in quiet:
            table.add_row(Text(visible(unit)), Text(visible(rule)), f"{count:,}")
        console.print(table)
    for quarantine in summary.quarantines:
        console.print(Text.assemble((f"rule {visible(quarantine.rule_id)} quarantined", "bold red"),
                                    visible(f": {quarantine.reason} on entry {quarantine.cursor}")))
    if not summary.incidents and not quiet:
        console.print("[green]Nothing found.[/]")
