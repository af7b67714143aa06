"""What `logsentry tail` shows on a terminal: a rich live dashboard (plain match lines and the JSON Lines of scan
are tail_lines.py).

Every view gets each followed entry with the events it caused, plus clock-driven events (bursts that end
and silences that fire while the journal is quiet). None of them acts: actions arrive already decided
(dry run by default). What the dashboard counts, and its bounds, live in tail_state.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.layout import Layout
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..model import Entry
from ..pipeline import Event, Progress
from ..sources.journal import JournalGap
from ..timespec import USEC_PER_SEC, format_duration, format_usec, wall_usec
from ..wording import plural
from .escape import visible
from .report import SEVERITY_STYLE
from .tail_lines import actions_text, incident_detail, unit_label
from .tail_state import (
    BUCKET_USEC,
    HISTORY_BUCKETS,
    BurstCounter,
    IncidentRow,
    StreamLine,
    TailState,
    counter_key,
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


def _header(state: TailState) -> Text:
    progress = state.progress
    return Text.assemble(
        ("logsentry tail", "bold"), f"  {visible(state.scope)}  ·  {plural(progress.entries, 'entry', 'entries')}  ·  ",
        (plural(progress.matches, "match", "matches"), "bold" if progress.matches else ""), "  ·  ",
        (plural(progress.incidents, "incident"), "bold red" if progress.incidents else ""),
        f"  ·  {plural(len(state.rules), 'rule')}  ·  ", ("dry run: no actions taken", "dim"),
        no_wrap=True, overflow="ellipsis")


def incident_line(row: IncidentRow, state: TailState) -> Text:
    """One incident on one line, most important first: state, where, rule, what would be done, then the counts."""
    incident = row.incident
    counter = state.counters.get(counter_key(incident))
    count = incident.count
    if not row.ended and counter is not None and counter.firing is not None:
        count = counter.firing
    label = Text("ended ", style="dim") if row.ended else Text("FIRING", style="bold red")
    return Text.assemble(
        label, " ", other_host(incident.machine_id, incident.host), (unit_label(incident.unit, incident.key), "bold"),
        " ",
        (visible(incident.rule_id), SEVERITY_STYLE[incident.severity]), " → ",
        (actions_text(row.actions, incident.action), "bold"),
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
        cells: list[RenderableType] = [Text(counter.host + unit_label(unit, key)), Text(visible(rule_id), style=style)]
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
    times = (f"x{line.repeats} ", "bold") if line.repeats > 1 else ""  # (alike lines folded into the newest)
    if not line.hits:
        return Text.assemble(f"{stamp} ", times, f"{line.host}{visible(line.unit)}: {line.message}", style="dim",
                             no_wrap=True, overflow="ellipsis")
    worst = max(severity for _, severity in line.hits)
    tags = visible(" ".join(rule_id for rule_id, _ in line.hits))
    return Text.assemble(f"{stamp} ", times, line.host, (visible(line.unit), "bold"), " ",
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
    # (an unexplained "x6" before a line: newuser76's 8)
    folded = any(line.repeats > 1 for line in state.stream)
    stream = Panel(StreamTail(state.stream), title="journal (xN: N alike lines, numbers aside, folded into the newest)"
                   if folded else "journal", title_align="left", border_style="dim")
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
