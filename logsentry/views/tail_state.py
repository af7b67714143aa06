"""The state behind `logsentry tail`'s live dashboard: per-(machine, unit, rule, key) counters, the entry stream,
incidents.

Kept apart from the rendering (tail.py) so what is counted, and the bounds that keep a tail left running for
weeks from growing (fixed rings, capped tables), can be read and tested without rich. Times are µs of journal
time (realtime).
"""

from __future__ import annotations

import functools
import re
import socket
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..hosts import local_machine_id
from ..model import Action, Entry, Incident, Severity, journald_machine
from ..pipeline import ActionEvent, EndedEvent, Event, IncidentEvent, MatchEvent, Progress, QuarantineEvent
from ..rules.rule import Rule
from ..sources.journal import JournalGap
from ..timespec import USEC_PER_SEC, format_usec
from .escape import one_line, visible

BUCKET_USEC = 10 * USEC_PER_SEC
HISTORY_BUCKETS = 18  # 3 minutes of 10 s buckets
STREAM_KEEP = 400  # more lines than any terminal is tall
FOLD_BACK = 6
"""A line alike to one of the last this many stream lines is folded into it (`StreamLine.repeats`): several units'
steady lines interleave."""
_NUMBERS = re.compile(r"\d+")


def alike_key(unit: str, host: str, hits: tuple[tuple[str, Severity], ...], message: str) -> str:
    """Lines alike for the stream panel: the same unit, host and matches, and the same words, numbers aside."""
    return f"{host}\0{unit}\0{hits}\0{_NUMBERS.sub('0', message)}"
MESSAGE_KEEP = 500  # characters of a message kept for display
MAX_COUNTERS = 200  # group_by keys can be unbounded (one per client IP); keep the most recent
MAX_STAMPS = 10_000
INCIDENTS_KEEP = 50
CounterKey = tuple[str, str, str, str]  # (machine id, unit, rule id, group key): hosts of a collector apart

_this_machine = functools.cache(local_machine_id)
_this_host = functools.cache(socket.gethostname)


def other_host(machine_id: str, host: str) -> str:
    """"HOST " (its `_HOSTNAME`, else its `_MACHINE_ID`) for the entries of another machine, "" for this one's.
    Without a machine id (text logs), a host name other than this machine's counts as another machine. One
    word: blanks in a forged `_HOSTNAME` are escaped, so that it cannot pass for more columns."""
    machine_id = journald_machine(machine_id)  # a text line's host key: judged by its host name below
    if machine_id:
        name = "" if machine_id == _this_machine() else host or machine_id
    else:
        name = host if host != _this_host() else ""
    return visible(name).replace(" ", "\\x20").replace("\t", "\\x09") + " " if name else ""


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
    """One (machine, unit, rule, key): how close it is to its trigger, the open incident's hits, recent history;
    `host` is other_host's word for its machine.

    Mutable on purpose: it is the view's running tally. Keeps at most `threshold` stamps, like the tracker.
    """

    def __init__(self, rule: Rule, host: str = ""):
        self.rule = rule
        self.host = host
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
    `message` is already on one line and escaped (`escape.one_line`); `host` is other_host's word ("" here)."""

    realtime_usec: int
    unit: str
    message: str
    hits: tuple[tuple[str, Severity], ...] = ()
    notice: str = ""  # a line logsentry itself adds (a gap, a quarantined rule)
    host: str = ""
    repeats: int = 1
    """Lines alike to it (its unit, host, matches and words, numbers aside) among the last few, folded into it: a
    unit logging the same error every second filled the panel, and the one line that mattered scrolled out."""
    alike: str = ""
    """What makes two lines alike (`alike_key`)."""


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    actions: tuple[Action, ...] = ()
    ended: bool = False


def _incident_id(incident: Incident) -> tuple[str, str, str, int, str]:
    return (incident.rule_id, incident.unit, incident.key, incident.first_usec, incident.machine_id)


def counter_key(incident: Incident) -> CounterKey:
    return (incident.machine_id, incident.unit, incident.rule_id, incident.key)


class TailState:
    """Everything the live display draws, updated from entries and events; bounded in size."""

    def __init__(self, rules: Mapping[str, Rule], progress: Progress, scope: str):
        self.rules = rules
        self.progress = progress
        self.scope = scope
        self.counters: OrderedDict[CounterKey, BurstCounter] = OrderedDict()
        self.stream: deque[StreamLine] = deque(maxlen=STREAM_KEEP)
        self.incidents: OrderedDict[tuple[str, str, str, int, str], IncidentRow] = OrderedDict()

    def add_entry(self, entry: Entry, events: Sequence[Event]) -> None:
        hits = tuple((e.hit.rule_id, e.hit.severity) for e in events if isinstance(e, MatchEvent))
        host, message = other_host(entry.machine_id, entry.host), one_line(entry.message[:MESSAGE_KEEP])
        alike = alike_key(entry.unit, host, hits, message)
        stream, repeats = self.stream, 1
        for back in range(1, min(FOLD_BACK, len(stream)) + 1):  # the newest of alike lines stands for them
            if stream[-back].alike == alike:
                repeats += stream[-back].repeats
                del stream[-back]
                break
        stream.append(StreamLine(entry.realtime_usec, entry.unit, message, hits, host=host, repeats=repeats,
                                 alike=alike))
        self.add_events(events)

    def add_events(self, events: Iterable[Event]) -> None:
        for event in events:
            match event:
                case MatchEvent(hit):
                    entry = hit.entry
                    ident = (entry.machine_id, entry.unit, hit.rule_id, hit.key)
                    self._counter(ident, other_host(entry.machine_id, entry.host)).hit(entry.realtime_usec)
                case IncidentEvent(incident):
                    counter = self.counters.get(counter_key(incident))
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
        key = counter_key(incident)
        if key in self.counters and not open_at_end:
            self.counters[key].firing = None
        row = self.incidents.get(_incident_id(incident), IncidentRow(incident))
        self._set_row(IncidentRow(incident, row.actions, ended=not open_at_end))

    def add_gap(self, gap: JournalGap) -> None:
        self.stream.append(StreamLine(gap.resumed_at_usec, "", "", notice=gap_text(gap)))

    def _counter(self, ident: CounterKey, host: str) -> BurstCounter:
        counter = self.counters.get(ident)
        if counter is None:
            counter = self.counters[ident] = BurstCounter(self.rules[ident[2]], host)
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
