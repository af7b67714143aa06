"""What `logsentry tail` shows: a rich live dashboard, plain match lines, or the JSON Lines of scan.

Every view gets each followed entry with the events it caused, plus clock-driven events (bursts that end
and silences that fire while the journal is quiet). None of them acts: actions arrive already decided
(dry run by default). What the dashboard counts, and its bounds, live in tail_state.py.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TextIO

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.layout import Layout
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..model import Action, Entry, Incident
from ..pipeline import ActionEvent, EndedEvent, Event, GapEvent, IncidentEvent, MatchEvent, Progress, QuarantineEvent
from ..rules.rule import Rule
from ..sources.journal import JournalGap
from ..timespec import USEC_PER_SEC, format_duration, format_usec, wall_usec
from ..wording import plural
from . import jsonl
from .counts import flood_brief, hits_said, judged, run_brief
from .escape import one_line, visible
from .hit_spans import HitSpans, IncidentOf
from .report import SEVERITY_STYLE, DayClock
from .tail_state import (
    BUCKET_USEC,
    HISTORY_BUCKETS,
    BurstCounter,
    IncidentRow,
    StreamLine,
    TailState,
    counter_key,
    gap_text,
    other_host,
)

BLOCKS = "▁▂▃▄▅▆▇█"
INCIDENTS_SHOWN = 5
WIDE_COLUMNS = 110  # from this terminal width the counters get severity and last-hit columns
FRAME_S = 0.1  # redraw at most 10 times a second however fast entries come


def sparkline(counts: Sequence[int]) -> str:
    """One block character per bucket, scaled to the busiest one; a bucket without hits is a space."""
    peak = max(counts, default=0)
    if peak <= 0:
        return " " * len(counts)
    return "".join(BLOCKS[math.ceil(count * len(BLOCKS) / peak) - 1] if count > 0 else " " for count in counts)


# ---- rendering -------------------------------------------------------------------------------------------


def _unit_label(unit: str, key: str = "") -> str:
    """Unit (and group key) as printable text: log-derived, so escaped; put it in `Text`, never markup."""
    unit = unit or "-"
    return visible(f"{unit} [{key}]" if key else unit)


def _header(state: TailState) -> Text:
    progress = state.progress
    return Text.assemble(
        ("logsentry tail", "bold"), f"  {visible(state.scope)}  ·  {plural(progress.entries, 'entry', 'entries')}  ·  ",
        (plural(progress.matches, "match", "matches"), "bold" if progress.matches else ""), "  ·  ",
        (plural(progress.incidents, "incident"), "bold red" if progress.incidents else ""),
        f"  ·  {plural(len(state.rules), 'rule')}  ·  ", ("dry run: no actions taken", "dim"),
        no_wrap=True, overflow="ellipsis")


def _actions_text(actions: Sequence[Action], suggested: str) -> str:
    if not actions:
        return f"suggests {suggested}"
    verb = "would " if all(a.dry_run for a in actions) else ""
    return verb + " + ".join(f"{a.kind} {visible(a.unit)}" if a.kind == "restart" else a.kind for a in actions)


def incident_detail(incident: Incident, rules: Mapping[str, Rule], count: int | None = None) -> str:
    """How many hits over what time against the trigger; for a silence rule, since when the unit is quiet."""
    rule = rules.get(incident.rule_id)
    if rule is not None and rule.absence is not None:
        return (f"silent since {format_usec(incident.first_usec, with_date=False)}: {incident.why} (fires after "
                f"{format_duration(incident.within_usec)} without an entry)")
    if rule is not None and rule.anomaly is not None and rule.anomaly.kind == "persistence" and \
            (brief := run_brief(incident, incident.count if count is None else count)) is not None:
        return brief + chain_text(incident)
    if rule is not None and rule.anomaly is not None and rule.anomaly.flood and \
            (brief := flood_brief(incident, incident.count if count is None else count)) is not None:
        return brief + chain_text(incident)
    how = judged(incident) or f"fires at {incident.threshold} within {format_duration(incident.within_usec)}"
    return (f"{hits_said(incident.why, incident.count if count is None else count)} since "
            f"{format_usec(incident.first_usec, with_date=False)} ({how}){chain_text(incident)}")


def chain_text(incident: Incident) -> str:
    """A failure's chain in one line (engine/failures.py), "" for an incident no other rule joined."""
    return f"; one failure: {' → '.join(link.rule_id for link in incident.chain)}" if incident.chain else ""


def incident_line(row: IncidentRow, state: TailState) -> Text:
    """One incident on one line, most important first: state, where, rule, what would be done, then the counts."""
    incident = row.incident
    counter = state.counters.get(counter_key(incident))
    count = incident.count
    if not row.ended and counter is not None and counter.firing is not None:
        count = counter.firing
    label = Text("ended ", style="dim") if row.ended else Text("FIRING", style="bold red")
    return Text.assemble(
        label, " ", other_host(incident.machine_id, incident.host), (_unit_label(incident.unit, incident.key), "bold"),
        " ",
        (visible(incident.rule_id), SEVERITY_STYLE[incident.severity]), " → ",
        (_actions_text(row.actions, incident.action), "bold"),
        f"  {incident.severity.label}, {incident_detail(incident, state.rules, count)}",
        no_wrap=True, overflow="ellipsis")


def _incidents_panel(state: TailState) -> Panel:
    rows = sorted(state.incidents.values(), key=lambda r: (r.ended, -r.incident.fired_usec))[:INCIDENTS_SHOWN]
    lines = [incident_line(row, state) for row in rows]
    return Panel(Group(*lines), title="incidents", title_align="left", border_style="red")


def _window_text(counter: BurstCounter, now_usec: int) -> Text:
    trigger = counter.rule.trigger
    if counter.firing is not None:
        return Text(f"FIRING {counter.firing:,}", style="bold red")
    within = format_duration(trigger.within_usec)
    return Text(f"{counter.in_window(now_usec)}/{trigger.count} in {within}", style="bold")


def counters_table(state: TailState, now_usec: int, max_rows: int | None = None, wide: bool = True) -> Table:
    """Per unit and rule (coloured by severity): hits in the trigger's window against its threshold, and a
    sparkline of the last minutes; `wide` adds severity and last-hit columns."""
    table = Table(expand=True, box=None, pad_edge=False, show_edge=False)
    table.add_column("unit", no_wrap=True, overflow="ellipsis", ratio=1, min_width=10)
    table.add_column("rule", no_wrap=True, overflow="ellipsis", ratio=1, min_width=10)
    if wide:
        table.add_column("severity", no_wrap=True)
    table.add_column("window", no_wrap=True)
    table.add_column("hits", justify="right", no_wrap=True)
    minutes = HISTORY_BUCKETS * BUCKET_USEC // (60 * USEC_PER_SEC)
    table.add_column(f"last {minutes}m /{BUCKET_USEC // USEC_PER_SEC}s", no_wrap=True, min_width=HISTORY_BUCKETS)
    if wide:
        table.add_column("last hit", no_wrap=True)
    ordered = sorted(state.counters.items(), key=lambda item: (item[1].firing is None, -item[1].last_usec))
    for (_machine, unit, rule_id, key), counter in ordered[:max_rows]:
        style = SEVERITY_STYLE[counter.rule.severity]
        cells: list[RenderableType] = [Text(counter.host + _unit_label(unit, key)), Text(visible(rule_id), style=style)]
        if wide:
            cells.append(Text(counter.rule.severity.label, style=style))
        cells += [_window_text(counter, now_usec), f"{counter.total:,}",
                  Text(sparkline(counter.history.values(now_usec)), style=style)]
        if wide:
            cells.append(format_usec(counter.last_usec, with_date=False))
        table.add_row(*cells)
    return table


def stream_line(line: StreamLine) -> Text:
    """A followed entry: dim when no rule matched, highlighted with rule ids and severity colour when one did."""
    if line.notice:
        return Text(f"{format_usec(line.realtime_usec, with_date=False)} -- {visible(line.notice)}", style="yellow",
                    no_wrap=True, overflow="ellipsis")
    stamp = format_usec(line.realtime_usec, with_date=False)
    if not line.hits:
        return Text(f"{stamp} {line.host}{visible(line.unit)}: {line.message}", style="dim", no_wrap=True,
                    overflow="ellipsis")
    worst = max(severity for _, severity in line.hits)
    tags = visible(" ".join(rule_id for rule_id, _ in line.hits))
    return Text.assemble(f"{stamp} {line.host}", (visible(line.unit), "bold"), " ",
                         (f"[{tags}]", SEVERITY_STYLE[worst]), " ", (line.message, "bold"), no_wrap=True,
                         overflow="ellipsis")


class StreamTail:
    """The newest stream lines that fit the height it is given (a Layout region), oldest at the top."""

    def __init__(self, lines: Sequence[StreamLine]):
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        height = options.height or len(self.lines)
        start = max(len(self.lines) - height, 0)
        for index in range(start, len(self.lines)):
            yield stream_line(self.lines[index])


def render(state: TailState, now_usec: int, width: int, height: int) -> Layout:
    """The full-screen frame: header, open and recent incidents, burst counters, then the stream."""
    layout = Layout()
    parts = [Layout(_header(state), size=1)]
    used = 1
    if state.incidents:
        shown = min(len(state.incidents), INCIDENTS_SHOWN)
        parts.append(Layout(_incidents_panel(state), size=shown + 2))
        used += shown + 2
    if state.counters:
        rows = max(min(len(state.counters), (height - used) // 2 - 3), 1)
        title = f"burst counters ({len(state.counters)})" if rows < len(state.counters) else "burst counters"
        table = counters_table(state, now_usec, rows, wide=width >= WIDE_COLUMNS)
        counters = Panel(table, title=title, title_align="left")
        parts.append(Layout(counters, size=rows + 3))
    stream = Panel(StreamTail(state.stream), title="journal", title_align="left", border_style="dim")
    parts.append(Layout(stream, ratio=1, minimum_size=3))
    layout.split_column(*parts)
    return layout


def final_report(state: TailState, now_usec: int, width: int) -> Group:
    """What stays on the terminal after the live screen closes: the header, incidents and counters."""
    parts: list[RenderableType] = [_header(state)]
    if state.incidents:
        rows = sorted(state.incidents.values(), key=lambda r: r.incident.fired_usec)
        parts.append(Panel(Group(*(incident_line(r, state) for r in rows[-INCIDENTS_SHOWN * 4:])),
                           title="incidents", title_align="left", border_style="red"))
    if state.counters:
        table = counters_table(state, now_usec, wide=width >= WIDE_COLUMNS)
        parts.append(Panel(table, title="burst counters", title_align="left"))
    return Group(*parts)


# ---- views -----------------------------------------------------------------------------------------------


class TailView(Protocol):
    """How the follow loop hands its results out; `flush` comes after each caught-up batch (and every
    so often during a long one), so output reaches a pipe or the screen without waiting for exit."""

    def start(self) -> None: ...
    def entry(self, entry: Entry, events: Sequence[Event]) -> None: ...
    def events(self, events: Sequence[Event]) -> None: ...
    def gap(self, gap: JournalGap) -> None: ...
    def flush(self, now_usec: int, caught_up: bool) -> None: ...
    def stop(self) -> None: ...
    def summary(self, progress: Progress) -> None: ...


def plain_line(event: Event, rules: Mapping[str, Rule], spans: HitSpans | None = None,
               source: Sequence[str] | None = None) -> str:
    """time, [host,] unit, rule, severity, then the message (or what the incident is): one line per event,
    every control and bidi character in it escaped (`escape.visible`). The host is named, as journalctl's
    short output does, only for another machine's entries (a collector's `-D /var/log/journal/remote`).
    `spans`: the open incidents' hits as read (every event goes through here in order), for an ended incident's
    real spread; without it, what the incident carries. `source`: journalctl's arguments for the journal
    followed (alert.journal_source), for an incident's command at the end of its INCIDENT and ENDED lines (the
    one its alert and `-o json` give: jsonl.command); None: none."""
    text = _plain_text(event, rules, spans)
    if isinstance(event, IncidentEvent | EndedEvent) and (command := jsonl.command(event.incident, source)):
        text += f"; its lines: {command}"  # (its -t identifier is log text: escaped with the rest)
    return visible(text)


def _plain_text(event: Event, rules: Mapping[str, Rule], spans: HitSpans | None) -> str:
    match event:
        case MatchEvent(hit):
            if spans is not None:
                spans.note(hit)
            entry = hit.entry
            return (f"{format_usec(entry.realtime_usec)} {other_host(entry.machine_id, entry.host)}"
                    f"{_unit_label(entry.unit)} {hit.rule_id} {hit.severity.label} {one_line(entry.message)}")
        case IncidentEvent(i):
            return (f"{format_usec(i.fired_usec)} {other_host(i.machine_id, i.host)}{_unit_label(i.unit, i.key)} "
                    f"{i.rule_id} {i.severity.label} INCIDENT {incident_detail(i, rules)}")
        case ActionEvent(action):
            i = action.incident
            dry = " (dry run)" if action.dry_run else ""
            return (f"{format_usec(i.fired_usec)} {other_host(i.machine_id, i.host)}{_unit_label(i.unit, i.key)} "
                    f"{i.rule_id} {i.severity.label} ACTION {_actions_text([action], i.action)}{dry}: {action.reason}")
        case EndedEvent(i, open_at_end):
            state = "STILL OPEN" if open_at_end else "ENDED"
            rule = rules.get(i.rule_id)
            span = i.last_usec - i.first_usec if spans is None else spans.span(i)
            if spans is not None:
                spans.ended(i)
            what = (f"silent for {format_duration(i.last_usec - i.first_usec)} since "  # a silence has no hits: its
                    f"{format_usec(i.first_usec, with_date=False)}"  # count is the unit's entries before the gap
                    if rule is not None and rule.absence is not None else
                    hits_said(i.why, i.count) + (f" over {format_duration(span)}" if span > 0 else ""))
            return (f"{format_usec(i.last_usec)} {other_host(i.machine_id, i.host)}{_unit_label(i.unit, i.key)} "
                    f"{i.rule_id} {i.severity.label} {state} {what}{chain_text(i)}")
        case QuarantineEvent(q):
            return f"{format_usec(q.realtime_usec)} - {q.rule_id} - QUARANTINED {q.reason} (entry {q.cursor})"
        case GapEvent(gap):
            usual = f", usually one every {format_duration(gap.expected_gap_usec)}" if gap.expected_gap_usec else ""
            return (f"{format_usec(gap.to_usec)} {other_host(gap.machine_id, gap.host)}{_unit_label(gap.unit)} "
                    f"{gap.rule_id} - GAP no entry for {format_duration(gap.to_usec - gap.from_usec)} since "
                    f"{format_usec(gap.from_usec)}{usual}")
    raise TypeError(f"unknown event {event!r}")


def json_line(event: Event, source: Sequence[str]) -> str:
    return jsonl.dumps(jsonl.event_record(event, source))


def plain_summary(progress: Progress) -> str:
    """The end of a plain tail, as scan's report begins: what was read, over what time, and what was found."""
    span = ""
    if progress.first_usec is not None and progress.last_usec is not None:
        span = f" from {format_usec(progress.first_usec)} to {DayClock(progress.first_usec)(progress.last_usec)}"
    return (f"logsentry tail: {plural(progress.entries, 'entry', 'entries')}{span}, "
            f"{plural(progress.matches, 'match', 'matches')}, {plural(progress.incidents, 'incident')}")


class LineView:
    """One line per event on stdout: plain (matches, incidents, actions; no noise) or the JSON Lines of scan;
    at the end its summary: a JSON record on stdout, or plain_summary on stderr (as the gaps: stdout keeps one
    event a line for the script reading it)."""

    def __init__(self, line: Callable[[Event], str], summary: Callable[[Progress], str], summary_to_stderr: bool,
                 out: TextIO | None = None):
        self.line = line
        self.summary_line = summary
        self.summary_to_stderr = summary_to_stderr
        self.out = out or sys.stdout

    def start(self) -> None:
        pass

    def entry(self, entry: Entry, events: Sequence[Event]) -> None:
        self.events(events)

    def events(self, events: Sequence[Event]) -> None:
        for event in events:
            self.out.write(self.line(event) + "\n")

    def gap(self, gap: JournalGap) -> None:
        print(f"logsentry tail: {gap_text(gap)}", file=sys.stderr)

    def flush(self, now_usec: int, caught_up: bool) -> None:
        self.out.flush()

    def stop(self) -> None:
        pass

    def summary(self, progress: Progress) -> None:
        if self.summary_to_stderr:
            self.out.flush()
            print(self.summary_line(progress), file=sys.stderr, flush=True)
        else:
            self.out.write(self.summary_line(progress) + "\n")
            self.out.flush()


def json_view(source: Sequence[str]) -> LineView:
    """`-o json`: the contract of `scan -o json`, summary record included (written when tail stops); `source`:
    journalctl's arguments for the journal followed (alert.journal_source), for the incidents' commands."""
    return LineView(lambda event: json_line(event, source),
                    lambda progress: jsonl.dumps(jsonl.summary_record(progress)), summary_to_stderr=False)


def plain_view(rules: Mapping[str, Rule], incident_of: IncidentOf, source: Sequence[str] | None = None) -> LineView:
    """One line per event; `incident_of`: the tracker's open incidents (BurstTracker.incident_of), for each ended
    incident's real spread of its hits (views/hit_spans.py); `source`: as json_view's, for incidents' commands."""
    spans = HitSpans(incident_of)
    return LineView(lambda event: plain_line(event, rules, spans, source), plain_summary, summary_to_stderr=True)


class LiveView:
    """The rich dashboard on the terminal's alternate screen, redrawn when something changed.

    No refresh thread (auto_refresh off): the follow loop's flushes drive redraws, capped at 10 a
    second, so a quiet journal costs no CPU; a resize is picked up at the next tick.
    """

    def __init__(self, console: Console, state: TailState):
        self.console = console
        self.state = state
        self.live = Live(console=console, screen=True, auto_refresh=False, redirect_stdout=False,
                         redirect_stderr=False)
        self._dirty = True
        self._drawn_at = -math.inf
        self._drawn_key: tuple[object, ...] = ()
        self._now_usec = 0

    def start(self) -> None:
        self.live.start()

    def entry(self, entry: Entry, events: Sequence[Event]) -> None:
        self.state.add_entry(entry, events)
        self._dirty = True

    def events(self, events: Sequence[Event]) -> None:
        if events:
            self.state.add_events(events)
            self._dirty = True

    def gap(self, gap: JournalGap) -> None:
        self.state.add_gap(gap)
        self._dirty = True

    def flush(self, now_usec: int, caught_up: bool) -> None:
        self._now_usec = now_usec
        if time.monotonic() - self._drawn_at < FRAME_S:
            return  # drawn a moment ago; the next tick or batch draws what changed since
        key = (self.console.size, *self.state.frame_key(now_usec))
        if not self._dirty and key == self._drawn_key:
            return
        width, height = self.console.size
        self.live.update(render(self.state, now_usec, width, height), refresh=True)
        self._dirty, self._drawn_key, self._drawn_at = False, key, time.monotonic()

    def stop(self) -> None:
        self.live.stop()

    def summary(self, progress: Progress) -> None:
        now_usec = self._now_usec or wall_usec()
        self.console.print(final_report(self.state, now_usec, self.console.width))
