"""`logsentry tail`'s line views (plain match lines, or the JSON Lines of scan) and the one-line wordings the
dashboard shares with them: an incident's detail, its chain, its unit and actions. The dashboard is tail.py."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TextIO

from ..model import Action, Entry, Incident
from ..pipeline import ActionEvent, EndedEvent, Event, GapEvent, IncidentEvent, MatchEvent, Progress, QuarantineEvent
from ..rules.rule import Rule
from ..sources.journal import JournalGap
from ..timespec import format_duration, format_usec, zoned
from ..wording import plural
from . import jsonl
from .counts import flood_brief, hits_said, judged, run_brief
from .escape import one_line, visible
from .hit_spans import HitSpans, IncidentOf
from .report import DayClock
from .tail_state import gap_text, other_host
from .unit_label import told_key


def unit_label(unit: str, key: str = "") -> str:
    """Unit (and group key) as printable text: log-derived, so escaped; put it in `Text`, never markup."""
    key = told_key(unit, key)  # (not the unit's own name again)
    unit = unit or "-"
    return visible(f"{unit} [{key}]" if key else unit)


def actions_text(actions: Sequence[Action], suggested: str) -> str:
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
                    f"{unit_label(entry.unit)} {hit.rule_id} {hit.severity.label} {one_line(entry.message)}")
        case IncidentEvent(i):
            return (f"{format_usec(i.fired_usec)} {other_host(i.machine_id, i.host)}{unit_label(i.unit, i.key)} "
                    f"{i.rule_id} {i.severity.label} INCIDENT {incident_detail(i, rules)}")
        case ActionEvent(action):
            i = action.incident
            dry = " (dry run)" if action.dry_run else ""
            return (f"{format_usec(i.fired_usec)} {other_host(i.machine_id, i.host)}{unit_label(i.unit, i.key)} "
                    f"{i.rule_id} {i.severity.label} ACTION {actions_text([action], i.action)}{dry}: {action.reason}")
        case EndedEvent(i, open_at_end):
            state = "STILL OPEN" if open_at_end else "ENDED"
            rule = rules.get(i.rule_id)
            span = i.last_usec - i.first_usec if spans is None else spans.span(i)
            if spans is not None:
                spans.ended(i)
            what = (f"silent for {silence_told(i)} since "  # a silence has no hits: its count is the unit's
                    f"{format_usec(i.first_usec, with_date=False)}"  # entries before the gap
                    if rule is not None and rule.absence is not None else
                    hits_said(i.why, i.count) + (f" over {format_duration(span)}" if span > 0 else ""))
            return (f"{format_usec(i.last_usec)} {other_host(i.machine_id, i.host)}{unit_label(i.unit, i.key)} "
                    f"{i.rule_id} {i.severity.label} {state} {what}{chain_text(i)}")
        case QuarantineEvent(q):
            return f"{format_usec(q.realtime_usec)} - {q.rule_id} - QUARANTINED {q.reason} (entry {q.cursor})"
        case GapEvent(gap):
            usual = f", usually one every {format_duration(gap.expected_gap_usec)}" if gap.expected_gap_usec else ""
            return (f"{format_usec(gap.to_usec)} {other_host(gap.machine_id, gap.host)}{unit_label(gap.unit)} "
                    f"{gap.rule_id} - GAP no entry for {gap.length_said()} since "
                    f"{format_usec(gap.from_usec)}{usual}")
    raise TypeError(f"unknown event {event!r}")


def silence_told(incident: Incident) -> str:
    """A silence's length as its why tells it (engine/absence_seen.silence_why: "no entry for 3h 1m (...), usually
    ..."): its first and last times do not, when its host's clock was set back meanwhile (helper-169's E7)."""
    why = incident.why
    if why.startswith("no entry for "):
        return why.removeprefix("no entry for ").partition(", usually one every ")[0]
    return format_duration(incident.last_usec - incident.first_usec)


def json_line(event: Event, source: Sequence[str]) -> str:
    return jsonl.dumps(jsonl.event_record(event, source))


def plain_summary(progress: Progress) -> str:
    """The end of a plain tail, as scan's report begins: what was read, over what time, and what was found."""
    span = ""
    if progress.first_usec is not None and progress.last_usec is not None:
        low, high = progress.first_usec, progress.last_usec
        span = " " + zoned(f"from {format_usec(low)} to {DayClock(low)(high)}", low, high)
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
