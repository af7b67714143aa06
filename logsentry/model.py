"""Data shared by every layer: an entry read from a journal, a rule hit, an incident, an action.

All frozen: a value that travels through the pipeline is never mutated on the way; layers build new ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum


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


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry matched by a rule; `key` is the value of the rule's group-by capture ("" when ungrouped)."""

    rule_id: str
    severity: Severity
    entry: Entry
    captures: Mapping[str, str]
    key: str


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


@dataclass(frozen=True, slots=True)
class Action:
    """What was (or, with dry_run, would have been) done about an incident."""

    kind: str
    unit: str
    incident: Incident
    dry_run: bool
    reason: str
