"""Data shared by every layer: an entry read from a journal, a rule hit, an incident, an action.

All frozen: a value that travels through the pipeline is never mutated on the way; layers build new ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from enum import IntEnum

from ._slots import SlotMaker
from .engine.levels import DOCKER_STDERR, STDERR_UNLEVELLED
from .engine.levels import effective_priority as _effective_priority


class Severity(IntEnum):
    """Ordered so that `--fail-on warning` means "warning or worse"."""

    INFO = 0
    WARNING = 1
    ERROR = 2
    CRITICAL = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


SEVERITY_NAMES = tuple(s.label for s in Severity)


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal entry, reduced to what detection needs.

    `unit` is the unit the entry is *about* (see `sources.selection.subject_unit`), so systemd's own
    lines about a service and its core dumps count for that service, as `journalctl -u` shows them.

    `priority` is the journal's PRIORITY; `effective_priority` the level that counts (for `-p`, rules'
    `priority` and everything after): the level the program wrote into its line when PRIORITY is missing
    or the stdout default 6, else PRIORITY (engine/levels.py). `level_source` says which: "text" or
    "journal", or "none" when there is neither (no PRIORITY, as a text line without a syslog `<PRI>`, and no
    level in the line). Sources give both; an Entry made without them works them out from priority and message.
    """

    realtime_usec: int
    message: str
    unit: str
    priority: int | None
    cursor: str
    fields: Mapping[str, str] = field(default_factory=dict)
    screened_out: bool = False
    """Set by a source that asked the detector's screen and learnt that no rule can match this entry; it
    then carries only what time, unit and silence tracking need (no cursor, no fields)."""
    effective_priority: int | None = None
    level_source: str = ""
    """"journal", "text" or "none" (no level: effective_priority None); "" when not given: __post_init__ then
    works both out."""
    from_text: bool = False
    """Read from text (journalctl or syslog output, Docker logs: sources/text.py), not from a journal: its
    fields, `_PID=1` and `_TRANSPORT=kernel` included, are only what the text claims."""
    clock_jump: tuple[int, int] | None = None
    """(the old clock's time, µs; the jump, µs) when its host's clock jumped just before it: the scanner saw its
    boot's __REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP move by a second or more (a suspend, a step;
    engine/clock_jumps.py). The scanner and the dump readers set it from the journal's own timestamps, the text
    reader from systemd-sleep's lines (sources/sleep_lines.py)."""
    recurring: bool = False
    """A line read from a text file whose unit said it (its masked first line) again after an hour or more
    without it (sources/text_recurring.py): its unit's normal, which the rules that judge excerpts leave alone."""

    @property
    def machine_id(self) -> str:
        """The `_MACHINE_ID` journald stamped on the entry: the host's stable identity. Windows, silences and
        baselines are per (machine, unit); only the local machine's units are ever restarted. A line read from
        text has none: its key is the host its line names, `host:NAME` (text_host_key; journald_machine gives ""
        for it wherever a _MACHINE_ID is meant), so a central syslog file's hosts are kept apart, not pooled into
        one window per program; "" when the source said neither."""
        machine = self.fields.get("_MACHINE_ID", "")
        if machine or not self.from_text:
            return machine
        return text_host_key(self.fields.get("_HOSTNAME", ""))

    @property
    def host(self) -> str:
        """The entry's `_HOSTNAME` ("" when none), for people."""
        return self.fields.get("_HOSTNAME", "")

    def __post_init__(self) -> None:
        if not self.level_source:
            container = self.priority == DOCKER_STDERR and "/" in self.unit and _container(self.unit)
            value, source = _effective_priority(self.priority, self.message,
                                                self.fields.get("_TRANSPORT") == "kernel", container)
            object.__setattr__(self, "effective_priority", value)
            object.__setattr__(self, "level_source", source if value is not None else "none")
        elif self.effective_priority is None:  # no PRIORITY, no level in the text (a syslog line without one)
            object.__setattr__(self, "level_source", "none")


@dataclass(frozen=True)
class Screen:
    """When no rule can match an entry, told from MESSAGE and PRIORITY alone: a source may then skip
    reading the rest of it. An entry passes when one of `literals` occurs in its message and its effective
    priority is within that literal's limit (the loosest of the rules that need it; None: no limit), or when
    its effective priority is within the limit of a rule that has no literal (`always`)."""

    literals: tuple[tuple[str, int | None], ...]
    always: tuple[int | None, ...]


def _container(unit: str) -> bool:
    """Is `unit` a container's subject (sources/selection.container_of; imported here, where it is needed
    rarely: sources imports this module)?"""
    from .sources.selection import container_of
    return container_of(unit) is not None


UnitSpan = tuple[str, int, int, int, int, bytes, str, str]
"""One unit's entries (of one machine) within a ScreenedRun: (unit, count, first_usec, last_usec,
longest_gap_usec, last_message, machine_id, hostname); a plain tuple, made in C. machine_id and hostname are
"" for entries without `_MACHINE_ID` or `_HOSTNAME` (a span's entries share one _HOSTNAME: an entry whose
machine changed its name within a run is read in full)."""

RunPid = tuple[str, int, str]
"""A ScreenedRun's PID: (`_PID`, index of its unit's span, `_SYSTEMD_INVOCATION_ID` or "")."""

_NO_FIELDS: Mapping[str, str] = {}


def span_fields(span: UnitSpan) -> Mapping[str, str]:
    """The fields a span's entries carry besides MESSAGE and PRIORITY (model.Entry.fields of a screened entry)."""
    if span[7]:
        return {"_MACHINE_ID": span[6], "_HOSTNAME": span[7]} if span[6] else {"_HOSTNAME": span[7]}
    return {"_MACHINE_ID": span[6]} if span[6] else _NO_FIELDS


NO_PRIORITY = 254
JOURNAL_LEVEL = 255
STREAM_LEVEL = 253
"""A screened container's stderr line whose text names no level: STDERR_UNLEVELLED, level_source "stream"."""


def screened_level(priority: int | None, level: int) -> tuple[int | None, str]:
    """(effective priority, level source) of a screened entry from the scanner's level byte: JOURNAL_LEVEL (its
    PRIORITY counts), STREAM_LEVEL (a container's level-less stderr line), else the level its text named."""
    if level == JOURNAL_LEVEL:
        return priority, "journal"
    return (STDERR_UNLEVELLED, "stream") if level == STREAM_LEVEL else (level, "text")


class ScreenedRun:
    """Consecutive entries that no rule can match, summarised by the journal scanner (sources/_journalscan.c).

    The pipeline mostly needs only the summary: how many, their times, and per unit how many, first,
    last and the longest gap, which is all that time and silence tracking learn from such entries. When
    that is not enough (a silence deadline falls inside the run), `entries()` gives them one by one.
    """

    __slots__ = ("_arrays", "count", "first_index", "first_usec", "last_usec", "peak_usec", "pids", "spans", "units")

    def __init__(self, count: int, first_usec: int, last_usec: int, peak_usec: int, spans: tuple[UnitSpan, ...],
                 units: tuple[str, ...], first_index: int, arrays: tuple[bytes, bytes, bytes, bytes, bytes, bytes],
                 pids: tuple[RunPid, ...] = ()):
        self.count = count
        self.first_usec = first_usec
        self.last_usec = last_usec
        self.peak_usec = peak_usec
        """The latest time in the run (journal time can step back)."""
        self.spans = spans
        self.units = units
        """The spans' keys (host_unit: "MACHINE_ID/unit", or the unit when the entries had no machine id), in
        the same order."""
        self.first_index = first_index
        self._arrays = arrays
        """The batch's per-entry arrays: times (int64), PRIORITY values (uint8), text levels (uint8: the
        effective priority when it came from the text, else JOURNAL_LEVEL: PRIORITY counts), span ids
        (uint16), message ends (uint64) and the messages, concatenated."""
        self.pids = pids
        """Each `_PID` of the run's entries on its own unit, as (PID, span index, `_SYSTEMD_INVOCATION_ID` or ""),
        from its last entry in the run, once per machine: who owns a PID a kernel line names
        (engine/failure_pids.py), which a unit that took the PID over may say in screened-out lines only."""

    def entries(self) -> Iterator[Entry]:
        """The run's entries, screened out, as a source without a scanner would have passed them."""
        times, priorities, levels, span_ids, ends, messages = self._arrays
        time_at, span_at, end_at = memoryview(times).cast("q"), memoryview(span_ids).cast("H"), \
            memoryview(ends).cast("Q")
        fields = [span_fields(span) for span in self.spans]
        for index in range(self.first_index, self.first_index + self.count):
            start = end_at[index - 1] if index else 0
            raw = priorities[index]
            priority = None if raw == NO_PRIORITY else raw
            level = levels[index]
            yield Entry(time_at[index], messages[start:end_at[index]].decode("utf-8", "replace"),
                        self.spans[span_at[index]][0], priority, "", fields[span_at[index]], True,
                        *screened_level(priority, level))


TEXT_HOST = "host:"
"""The start of a text line's machine key (Entry.machine_id): never a _MACHINE_ID (32 hex digits)."""


def text_host_key(host: str) -> str:
    """A text line's machine key for the host it names ("" for none, or for a name with a '/', which host_unit
    keys could not take apart)."""
    return TEXT_HOST + host if host and "/" not in host else ""


def journald_machine(machine_id: str) -> str:
    """`machine_id` as a `_MACHINE_ID`: "" for a text line's host key. Records, alerts, journalctl commands and
    restart decisions say and trust only what journald stamped."""
    return "" if machine_id.startswith(TEXT_HOST) else machine_id


def host_unit(machine_id: str, unit: str) -> str:
    """The key of a unit on one machine, for windows, silences, baselines and ledgers: the unit alone when
    there is no machine id (text input, old saved state), else "MACHINE_ID/unit" ('/' is in no unit name). A
    container's subject (`docker.service/web`, sources/selection.subject_unit) holds a '/': with no machine id
    its key is "/docker.service/web", so that split_host_unit gives it back whole."""
    return f"{machine_id}/{unit}" if machine_id or "/" in unit else unit


def entry_key(entry: Entry) -> str:
    """Per-unit state is per (machine, unit): the same unit on two hosts of a collector is two units."""
    return host_unit(entry.machine_id, entry.unit)


def split_host_unit(key: str) -> tuple[str, str]:
    """(machine_id, unit) of a host_unit key."""
    machine, slash, unit = key.partition("/")
    return (machine, unit) if slash else ("", key)


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry matched by a rule; `key` is the value of the rule's group-by capture ("" when ungrouped)."""

    rule_id: str
    severity: Severity
    entry: Entry
    captures: Mapping[str, str]
    key: str
    why: str = ""
    """Anomaly rules: why this line is anomalous (observed vs expected), for people."""
    template: str = ""
    """Anomaly rules: the line's message template (variables masked)."""


new_hit = SlotMaker(Hit, tuple(each.name for each in fields(Hit)))
"""Hit(*values), every field given in Hit's order, without the frozen __init__ (_slots.c: 0.6 µs, not 3.4): a
hit per matched candidate (engine/detector.py). Equal to Hit(*values) (tests/test_slots.py)."""


@dataclass(frozen=True, slots=True)
class Link:
    """One rule's incident within a failure's chain (engine/failures.py): its first hit, for people."""

    rule_id: str
    severity: Severity
    first_usec: int
    """Journal time (µs) of the rule's first hit in the failure."""
    count: int
    message: str
    """The rule's first line in the failure (cut to 1 KiB)."""
    cursor: str
    fired: bool = True
    """False for a rule that matched during the failure without reaching its trigger (evidence only)."""
    joined: bool = False
    """Not fired because its first line in the failure came while the failure's incident was open: an anomaly rule's
    line that incident took as evidence (pipeline.py `_hits`), never counted against the rule's own trigger. Its
    chain row says so, not "below its trigger": trial 74's squid failure had `excerpt-failure-template (469 lines in
    this failure, below its trigger)` for a rule that fires at 3."""
    last_usec: int = -1
    """Journal time (µs) of the rule's latest hit in the failure: a crash loop's latest run's (its program's last
    lines are those before it, sources/last_lines.py). -1: as `first_usec` (evidence keeps its first line only; a
    link saved before)."""
    message_usec: int = -1
    """Journal time (µs) of `message`: a rule that fired at its Nth hit quotes that hit's line (its incident's first
    sample), not its first hit's, so its chain row is at this time (said_usec). -1: as `first_usec` (evidence, whose
    line is its first; a link saved before). A new user's paste had `10:00:00.000  excerpt-failure-template`
    above a traceback of 10:01:13."""


def said_usec(link: Link) -> int:
    """When the line a chain's link quotes was logged (Link.message_usec; its first hit's for evidence): its row's
    time in every view, and the chain's order."""
    return link.message_usec if link.message_usec >= 0 else link.first_usec


@dataclass(frozen=True, slots=True)
class Incident:
    """A trigger that fired: `count` hits of one rule for one unit (and key) within the rule's window.

    While the burst goes on, new versions of the incident are made with a larger `count` and later
    `last_usec`; it ends once no hit has come for a whole window.
    """

    rule_id: str
    severity: Severity
    unit: str
    key: str
    first_usec: int
    fired_usec: int
    last_usec: int
    count: int
    threshold: int
    within_usec: int
    cursor: str
    samples: tuple[str, ...]
    action: str
    invocation: str = ""
    dropped: int = 0
    """Messages journald suppressed (rate limit) for this unit during the incident: `count` is then a
    lower bound."""
    why: str = ""
    """Anomaly rules: what was observed against what the baseline expected, when the incident fired."""
    template: str = ""
    """Anomaly rules: the message template the incident is about ("" for unit-wide tests)."""
    machine_id: str = ""
    """The `_MACHINE_ID` of the incident's entries ("" when they carried none: then never restarted)."""
    host: str = ""
    """The `_HOSTNAME` of the incident's entries, for people."""
    chain: tuple[Link, ...] = ()
    """A failure's incident (engine/failures.py): every rule's incident that described the same failure of
    the unit, this one included, in journal-time order; () for an incident no other joined."""
    going_on: int = 0
    """Lines that said its failure goes on without hitting its rule (engine/owners.py `going_on`: a new error
    line repeating through a hang): they move `last_usec` on, not `count`."""
    said_usec: int = -1
    """When its first sample was logged, where that is not its `fired_usec` (-1): a line its count held before the
    runtime's stock note it fired on (engine/stock_lines.py)."""


def incident_id(incident: Incident) -> str:
    """The incident's identity for the service's alerting state and outbox (saved: the same across restarts)."""
    machine = f"|{incident.machine_id}" if incident.machine_id else ""  # hosts' incidents never collide
    return f"{incident.rule_id}|{incident.unit}|{incident.key}|{incident.first_usec}{machine}"


def incident_label(incident: Incident) -> str:
    """A short id of the incident for its alerts (Alertmanager's `incident` label, the payload's `incident`): two
    open incidents of one rule on one unit and host (a failure still open and its program's next hit, two hosts
    of one name) had the same labels, so one's resolve resolved the other's alert. Made of incident_id (journal
    data only): the same in every firing, reminder, re-send and resolve, across restarts, and from two logsentry
    instances reading one journal (Alertmanager dedups them)."""
    return hashlib.sha256(incident_id(incident).encode()).hexdigest()[:16]


new_incident = SlotMaker(Incident, tuple(each.name for each in fields(Incident)))
"""Incident(*values), every field given in Incident's order, without the frozen __init__ (_slots.c: 0.2 µs, not
6): a new version per hit of an open incident (engine/window.py _extend). Equal to Incident(*values)."""


@dataclass(frozen=True, slots=True)
class Action:
    """What was (or, with dry_run, would have been) done about an incident."""

    kind: str
    unit: str
    incident: Incident
    dry_run: bool
    reason: str
