"""What `logsentry tail` shows: a rich live dashboard, plain match lines, or the JSON Lines of scan.

Every view gets each followed entry with the events it caused, plus clock-driven events (bursts that end
and silences that fire while the journal is quiet). None of them acts: actions arrive already decided
(dry run by default). All state is bounded (fixed rings, capped tables) so a tail left running for weeks does not grow.
"""

from __future__ import annotations

import math
import sys
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TextIO

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.layout import Layout
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..model import Action, Entry, Incident, Severity
from ..pipeline import ActionEvent, EndedEvent, Event, GapEvent, IncidentEvent, MatchEvent, Progress, QuarantineEvent
from ..rules.rule import Rule
from ..sources.journal import JournalGap
from ..timespec import USEC_PER_SEC, format_duration, format_usec, wall_usec
from . import jsonl
from .escape import one_line, visible
from .report import SEVERITY_STYLE

BUCKET_USEC = 10 * USEC_PER_SEC
HISTORY_BUCKETS = 18  # 3 minutes of 10 s buckets
BLOCKS = "▁▂▃▄▅▆▇█"
STREAM_KEEP = 400  # more lines than any terminal is tall
MESSAGE_KEEP = 500  # characters of a message kept for display
MAX_COUNTERS = 200  # group_by keys can be unbounded (one per client IP); keep the most recent
MAX_STAMPS = 10_000
INCIDENTS_KEEP = 50
INCIDENTS_SHOWN = 5
WIDE_COLUMNS = 110  # from this terminal width the counters get severity and last-hit columns
FRAME_S = 0.1  # redraw at most 10 times a second however fast entries come

CounterKey = tuple[str, str, str]  # (unit, rule id, group key)


def sparkline(counts: Sequence[int]) -> str:
    """One block character per bucket, scaled to the busiest one; a bucket without hits is a space."""
    peak = max(counts, default=0)
    if peak <= 0:
        return " " * len(counts)
    return "".join(BLOCKS[math.ceil(count * len(BLOCKS) / peak) - 1] if count > 0 else " " for count in counts)


class BucketHistory:
    """Hits per 10 s bucket over the last few minutes, in a fixed ring: memory does not grow with time."""

    def __init__(self, buckets: int = HISTORY_BUCKETS, bucket_usec: int = BUCKET_USEC):
        self.bucket_usec = bucket_usec
        self._counts: deque[int] = deque([0] * buckets, maxlen=buckets)
        self._newest: int | None = None  # bucket number of the last slot

    def add(self, usec: int) -> None:
        bucket = usec // self.bucket_usec
        if self._newest is None or bucket > self._newest:
            self._advance(bucket)
        assert self._newest is not None
        back = self._newest - bucket
        if back < len(self._counts):
            self._counts[-1 - back] += 1

    def _advance(self, bucket: int) -> None:
        shift = len(self._counts) if self._newest is None else min(bucket - self._newest, len(self._counts))
        self._counts.extend([0] * shift)
        self._newest = bucket

    def values(self, now_usec: int) -> list[int]:
        """Counts oldest first, the last slot being the bucket that holds `now_usec`."""
        counts = list(self._counts)
        if self._newest is None:
            return [0] * len(counts)
        shift = min(max(now_usec // self.bucket_usec - self._newest, 0), len(counts))
        return counts[shift:] + [0] * shift


class BurstCounter:
    """One (unit, rule, key): how close it is to its trigger, the open incident's hits, recent history.

    Mutable on purpose: it is the view's running tally. Keeps at most `threshold` stamps, like the tracker.
    """

    def __init__(self, rule: Rule):
        self.rule = rule
        self.stamps: deque[int] = deque(maxlen=min(rule.trigger.count, MAX_STAMPS))
        self.history = BucketHistory()
        self.total = 0
        self.last_usec = 0
        self.firing: int | None = None  # hits of the open incident, None when not firing

    def hit(self, usec: int) -> None:
        self.stamps.append(usec)
        self.history.add(usec)
        self.total += 1
        self.last_usec = max(self.last_usec, usec)
        if self.firing is not None:
            self.firing += 1

    def in_window(self, now_usec: int) -> int:
        start = now_usec - self.rule.trigger.within_usec
        return sum(1 for stamp in self.stamps if stamp >= start)


@dataclass(frozen=True)
class StreamLine:
    """One followed entry as the stream panel shows it; `hits` are (rule id, severity) of its matches and
    `message` is already on one line and escaped (`escape.one_line`)."""

    realtime_usec: int
    unit: str
    message: str
    hits: tuple[tuple[str, Severity], ...] = ()
    notice: str = ""  # a line logsentry itself adds (a gap, a quarantined rule)


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    actions: tuple[Action, ...] = ()
    ended: bool = False


def _incident_id(incident: Incident) -> tuple[str, str, str, int]:
    return (incident.rule_id, incident.unit, incident.key, incident.first_usec)


class TailState:
    """Everything the live display draws, updated from entries and events; bounded in size."""

    def __init__(self, rules: Mapping[str, Rule], progress: Progress, scope: str):
        self.rules = rules
        self.progress = progress
        self.scope = scope
        self.counters: OrderedDict[CounterKey, BurstCounter] = OrderedDict()
        self.stream: deque[StreamLine] = deque(maxlen=STREAM_KEEP)
        self.incidents: OrderedDict[tuple[str, str, str, int], IncidentRow] = OrderedDict()

    def add_entry(self, entry: Entry, events: Sequence[Event]) -> None:
        hits = tuple((e.hit.rule_id, e.hit.severity) for e in events if isinstance(e, MatchEvent))
        self.stream.append(StreamLine(entry.realtime_usec, entry.unit, one_line(entry.message[:MESSAGE_KEEP]), hits))
        self.add_events(events)

    def add_events(self, events: Iterable[Event]) -> None:
        for event in events:
            match event:
                case MatchEvent(hit):
                    self._counter(hit.entry.unit, hit.rule_id, hit.key).hit(hit.entry.realtime_usec)
                case IncidentEvent(incident):
                    counter = self.counters.get((incident.unit, incident.rule_id, incident.key))
                    if counter is not None:  # silence incidents have no hits, hence no counter
                        counter.firing = incident.count
                    self._set_row(IncidentRow(incident))
                case ActionEvent(action):
                    row = self.incidents.get(_incident_id(action.incident), IncidentRow(action.incident))
                    self._set_row(IncidentRow(row.incident, (*row.actions, action), row.ended))
                case EndedEvent(incident, open_at_end):
                    self._end(incident, open_at_end)
                case QuarantineEvent(quarantine):
                    self.stream.append(StreamLine(quarantine.realtime_usec, "", "", notice=(
                        f"rule {quarantine.rule_id} quarantined: {quarantine.reason}")))

    def _end(self, incident: Incident, open_at_end: bool) -> None:
        """Close the incident's row; one still open when tail stops stays FIRING in the final report."""
        key = (incident.unit, incident.rule_id, incident.key)
        if key in self.counters and not open_at_end:
            self.counters[key].firing = None
        row = self.incidents.get(_incident_id(incident), IncidentRow(incident))
        self._set_row(IncidentRow(incident, row.actions, ended=not open_at_end))

    def add_gap(self, gap: JournalGap) -> None:
        self.stream.append(StreamLine(gap.resumed_at_usec, "", "", notice=gap_text(gap)))

    def _counter(self, unit: str, rule_id: str, key: str) -> BurstCounter:
        ident = (unit, rule_id, key)
        counter = self.counters.get(ident)
        if counter is None:
            counter = self.counters[ident] = BurstCounter(self.rules[rule_id])
            if len(self.counters) > MAX_COUNTERS:
                self._evict()
        self.counters.move_to_end(ident)
        return counter

    def _evict(self) -> None:
        """Drop the least recently hit counter that is not firing."""
        for ident, counter in self.counters.items():
            if counter.firing is None:
                del self.counters[ident]
                return

    def _set_row(self, row: IncidentRow) -> None:
        ident = _incident_id(row.incident)
        self.incidents[ident] = row
        self.incidents.move_to_end(ident)
        while len(self.incidents) > INCIDENTS_KEEP:
            self.incidents.popitem(last=False)

    def frame_key(self, now_usec: int) -> tuple[object, ...]:
        """What changes the picture with no new entry: the clock bucket and counts leaving their windows."""
        return (now_usec // BUCKET_USEC, tuple(c.in_window(now_usec) for c in self.counters.values()))


def gap_text(gap: JournalGap) -> str:
    since = format_usec(gap.missing_from_usec) if gap.missing_from_usec else "?"
    return f"gap: entries from {since} to {format_usec(gap.resumed_at_usec)} were never read"


# ---- rendering -------------------------------------------------------------------------------------------


def _unit_label(unit: str, key: str = "") -> str:
    """Unit (and group key) as printable text: log-derived, so escaped; put it in `Text`, never markup."""
    unit = unit or "-"
    return visible(f"{unit} [{key}]" if key else unit)


def _header(state: TailState) -> Text:
    progress = state.progress
    return Text.assemble(
        ("logsentry tail", "bold"), f"  {visible(state.scope)}  ·  {progress.entries:,} entries  ·  ",
        (f"{progress.matches:,} matches", "bold" if progress.matches else ""), "  ·  ",
        (f"{progress.incidents:,} incidents", "bold red" if progress.incidents else ""),
        f"  ·  {len(state.rules)} rules  ·  ", ("dry run: no actions taken", "dim"),
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
    return (f"{incident.count if count is None else count:,} hits since "
            f"{format_usec(incident.first_usec, with_date=False)} (fires at {incident.threshold} within "
            f"{format_duration(incident.within_usec)}){chain_text(incident)}")


def chain_text(incident: Incident) -> str:
    """A failure's chain in one line (engine/failures.py), "" for an incident no other rule joined."""
    return f"; one failure: {' → '.join(link.rule_id for link in incident.chain)}" if incident.chain else ""


def incident_line(row: IncidentRow, state: TailState) -> Text:
    """One incident on one line, most important first: state, where, rule, what would be done, then the counts."""
    incident = row.incident
    counter = state.counters.get((incident.unit, incident.rule_id, incident.key))
    count = incident.count
    if not row.ended and counter is not None and counter.firing is not None:
        count = counter.firing
    label = Text("ended ", style="dim") if row.ended else Text("FIRING", style="bold red")
    return Text.assemble(
        label, " ", (_unit_label(incident.unit, incident.key), "bold"), " ",
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
    for (unit, rule_id, key), counter in ordered[:max_rows]:
        style = SEVERITY_STYLE[counter.rule.severity]
        cells: list[RenderableType] = [Text(_unit_label(unit, key)), Text(visible(rule_id), style=style)]
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
        return Text(f"{stamp} {visible(line.unit)}: {line.message}", style="dim", no_wrap=True,
                    overflow="ellipsis")
    worst = max(severity for _, severity in line.hits)
    tags = visible(" ".join(rule_id for rule_id, _ in line.hits))
    return Text.assemble(f"{stamp} ", (visible(line.unit), "bold"), " ", (f"[{tags}]", SEVERITY_STYLE[worst]), " ",
                         (line.message, "bold"), no_wrap=True, overflow="ellipsis")


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


def plain_line(event: Event, rules: Mapping[str, Rule]) -> str:
    """time, unit, rule, severity, then the message (or what the incident is): one line per event, every
    control and bidi character in it escaped (`escape.visible`)."""
    return visible(_plain_text(event, rules))


def _plain_text(event: Event, rules: Mapping[str, Rule]) -> str:
    match event:
        case MatchEvent(hit):
            entry = hit.entry
            return (f"{format_usec(entry.realtime_usec)} {_unit_label(entry.unit)} {hit.rule_id} {hit.severity.label} "
                    f"{one_line(entry.message)}")
        case IncidentEvent(i):
            return (f"{format_usec(i.fired_usec)} {_unit_label(i.unit, i.key)} {i.rule_id} {i.severity.label} "
                    f"INCIDENT {incident_detail(i, rules)}")
        case ActionEvent(action):
            i = action.incident
            dry = " (dry run)" if action.dry_run else ""
            return (f"{format_usec(i.fired_usec)} {_unit_label(i.unit, i.key)} {i.rule_id} {i.severity.label} "
                    f"ACTION {_actions_text([action], i.action)}{dry}: {action.reason}")
        case EndedEvent(i, open_at_end):
            state = "STILL OPEN" if open_at_end else "ENDED"
            return (f"{format_usec(i.last_usec)} {_unit_label(i.unit, i.key)} {i.rule_id} {i.severity.label} "
                    f"{state} {i.count:,} hits over {format_duration(i.last_usec - i.first_usec)}{chain_text(i)}")
        case QuarantineEvent(q):
            return f"{format_usec(q.realtime_usec)} - {q.rule_id} - QUARANTINED {q.reason} (entry {q.cursor})"
        case GapEvent(gap):
            usual = f", usually one every {format_duration(gap.expected_gap_usec)}" if gap.expected_gap_usec else ""
            return (f"{format_usec(gap.to_usec)} {_unit_label(gap.unit)} {gap.rule_id} - GAP no entry for "
                    f"{format_duration(gap.to_usec - gap.from_usec)} since {format_usec(gap.from_usec)}{usual}")
    raise TypeError(f"unknown event {event!r}")


def json_line(event: Event) -> str:
    return jsonl.dumps(jsonl.event_record(event))


class LineView:
    """One line per event on stdout: plain (matches, incidents, actions; no noise) or the JSON Lines of scan."""

    def __init__(self, line: Callable[[Event], str], summary: bool, out: TextIO | None = None):
        self.line = line
        self.with_summary = summary
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
        if self.with_summary:
            self.out.write(jsonl.dumps(jsonl.summary_record(progress)) + "\n")
        self.out.flush()


def json_view() -> LineView:
    """`-o json`: the contract of `scan -o json`, summary record included (written when tail stops)."""
    return LineView(json_line, summary=True)


def plain_view(rules: Mapping[str, Rule]) -> LineView:
    return LineView(lambda event: plain_line(event, rules), summary=False)


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
