"""What `logsentry scan` found, gathered from the pipeline's event stream: incidents, their actions, matches
below a trigger and the time range; the terminal report (report.py) and the HTML page (html.py) render it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..engine.absence import Gap
from ..engine.detector import Quarantine
from ..engine.failure_model import joins_as_named, socket_service
from ..engine.unit_changes import Change, UnitChange, UnitChanges
from ..engine.window import MAX_SAMPLE_CHARS
from ..model import Action, Incident, Severity
from ..pipeline import ActionEvent, EndedEvent, Event, GapEvent, IncidentEvent, MatchEvent, QuarantineEvent
from ..sources.last_lines import Said
from ..sources.status_paste import told_by_header
from .hit_spans import HitSpans
from .json_said import json_said

MAX_EXAMPLE = 1000
"""Characters of a below-threshold row's first line kept."""

MAX_QUIET_ROWS = 30
"""Rows of the below-threshold table: a scan of a busy host has thousands of one-off keys (client addresses)."""


Quiet = tuple[tuple[str, str, str, str], int]
"""Matches below a rule's trigger threshold: ((machine, unit, rule, key), how many)."""


@dataclass
class ScanSummary:
    """What a scan found, gathered from the event stream."""

    incidents: list[Incident] = field(default_factory=list)
    actions: dict[tuple[str, str, str, str, int], list[Action]] = field(default_factory=dict)
    """The actions decided for each incident, by (machine, unit, rule, key, first hit): two hosts' incidents of
    one unit and rule at one time are two incidents, each with its own actions."""
    matches: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    """Matches by (machine, unit, rule, key): one host's matches below a threshold stay apart from another's."""
    examples: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    """The first line of each (machine, unit, rule, key), for the below-threshold table."""
    hosts: dict[str, str] = field(default_factory=dict)
    """Each machine's `_HOSTNAME` as its first match said it, for people."""
    earliest: int | None = None
    latest: int | None = None
    """The real time range of the matches and incidents (input may come out of order)."""
    quarantines: list[Quarantine] = field(default_factory=list)
    gaps: dict[tuple[str, str, str, int], Gap] = field(default_factory=dict)
    """Silences by (rule, machine, unit, start): their real length, for the incident that reported them."""
    reported: dict[tuple[str, str, str, str, int], int] = field(default_factory=dict)
    """The count of each incident's `incident` record, by (machine, unit, rule, key, first hit)."""
    fired: dict[tuple[str, str, str, str, int], int] = field(default_factory=dict)
    """Each incident's place in the order they fired (reading order), by the same key: `order_of`."""
    spans: HitSpans | None = None
    """The open incidents' hits as read (the pipeline's tracker's), for each ended one's own last hit."""
    last_hits: dict[tuple[str, str, str, str, int], int] = field(default_factory=dict)
    """Each ended incident's own last hit as read (a failure's incident carries its failure's last line)."""
    last_lines: dict[tuple[str, str, str, str, int], Said] = field(default_factory=dict)
    """A failure only systemd told: its program's last lines before it (sources/last_lines.py, set by the caller)."""
    exit_of: Callable[[Incident], str] | None = None
    """How an incident's unit's main process ended, as PID 1 said it (engine/main_exits.py: the pipeline's)."""
    exits: dict[tuple[str, str, str, str, int], str] = field(default_factory=dict)
    cause_of: Callable[[Incident], tuple[str, ...]] | None = None
    """What systemd (or systemd-oomd) said was wrong with an incident's unit (engine/unit_causes.py: the pipeline's)."""
    causes: dict[tuple[str, str, str, str, int], tuple[str, ...]] = field(default_factory=dict)
    unit_changes: UnitChanges | None = None
    """The services PID 1 stopped or saw fail on every host (engine/unit_changes.py: the pipeline's)."""
    changes: dict[tuple[str, str, str, str, int], tuple[Change, ...]] = field(default_factory=dict)
    """Each incident's changes just before it, as read when it was given out and when it ended (a host read late)."""
    changes_lost: set[tuple[str, str, str, str, int]] = field(default_factory=set)
    """The incidents some of whose changes before were dropped when they were read (UnitChanges.lost)."""
    header_lines: set[tuple[str, str]] = field(default_factory=set)
    """(machine, line) of the matches a pasted `systemctl status` header told, no line of the paste
    (status_paste.told_by_header): a card says so of a line it quotes (`from_header`)."""
    joined: Callable[[str, str], str] = joins_as_named
    """(machine, unit) -> the unit as failures are joined by (the pipeline's FailureGroups.joined: a text service
    with its program named alike, "(mariadb.service)" with "(mariadbd)")."""

    def exited(self, incident: Incident) -> str:
        """How the ended incident's unit's main (or control) process ended ("main process: exited with status
        1/FAILURE (5 runs)"), "" when PID 1 did not say (engine/main_exits.py)."""
        return self.exits.get(_key(incident), "")

    def from_header(self, incident: Incident, line: str) -> bool:
        """Is a line the incident quotes one a pasted status header told (`header_lines`)? The card quoted trial 72's
        02 header's `kubelet.service: Failed with result 'exit-code'.` after the paste's own line as a line of it."""
        return (incident.machine_id, line[:MAX_SAMPLE_CHARS]) in self.header_lines

    def causes_of(self, incident: Incident) -> tuple[str, ...]:
        """systemd's own cause lines of the ended incident's unit during it (engine/unit_causes.py), () when none."""
        return self.causes.get(_key(incident), ())

    def changes_before(self, incident: Incident) -> list[UnitChange]:
        """What PID 1 changed on any host just before the incident (engine/unit_changes.py), per unit, most telling
        first; the starts after each as read by now."""
        kept = self.changes.get(_key(incident), ())
        return self.unit_changes.summed(kept, incident) if self.unit_changes is not None and kept else []

    def changes_said(self, incident: Incident) -> tuple[str, ...]:
        """The card's lines of changes_before: at most 3, then "and N more" (read to the input's end)."""
        key = _key(incident)
        kept, lost = self.changes.get(key, ()), key in self.changes_lost
        return self.unit_changes.said(kept, incident, None, lost) if self.unit_changes is not None and (
            kept or lost) else ()

    def changes_were_lost(self, incident: Incident) -> bool:
        """Were some of the incident's changes before dropped (the latest MAX_CHANGES of all hosts are kept)?"""
        return _key(incident) in self.changes_lost

    def _changed(self, incident: Incident) -> None:
        if self.unit_changes is not None:
            key = _key(incident)
            kept = (*self.changes.get(key, ()), *self.unit_changes.before(incident))
            if self.unit_changes.lost(incident):
                self.changes_lost.add(key)
            if kept:
                self.changes[key] = tuple(dict.fromkeys(kept))

    def add(self, event: Event) -> None:
        match event:
            case MatchEvent(hit):
                if self.spans is not None:
                    self.spans.note(hit)
                entry = hit.entry
                where = (entry.machine_id, entry.unit, hit.rule_id, hit.key)
                self.matches[where] += 1
                if told_by_header(entry.cursor):
                    self.header_lines.add((entry.machine_id, entry.message[:MAX_SAMPLE_CHARS]))
                if where not in self.examples:
                    self.examples[where] = json_said(entry.message)[:MAX_EXAMPLE]  # (a JSON line's gist)
                    if entry.machine_id not in self.hosts:
                        self.hosts[entry.machine_id] = entry.host
                self._saw(hit.entry.realtime_usec)
            case IncidentEvent(incident):
                self.reported[_key(incident)] = incident.count
                self.fired.setdefault(_key(incident), len(self.fired))
                self._changed(incident)
            case EndedEvent(incident):
                self.incidents.append(incident)
                self._changed(incident)
                if self.exit_of is not None and (exited := self.exit_of(incident)):
                    self.exits[_key(incident)] = exited
                if self.cause_of is not None and (causes := self.cause_of(incident)):
                    self.causes[_key(incident)] = causes
                if self.spans is not None:
                    if (last := self.spans.last(incident)) is not None:
                        self.last_hits[_key(incident)] = last
                    self.spans.ended(incident)
                self._saw(incident.first_usec)
                self._saw(max(incident.last_usec, incident.fired_usec))
            case ActionEvent(action):
                self.actions.setdefault(_key(action.incident), []).append(action)
            case QuarantineEvent(quarantine):
                self.quarantines.append(quarantine)
            case GapEvent(gap):
                self.gaps[(gap.rule_id, gap.machine_id, gap.unit, gap.from_usec)] = gap

    def _saw(self, usec: int) -> None:
        self.earliest = usec if self.earliest is None else min(self.earliest, usec)
        self.latest = usec if self.latest is None else max(self.latest, usec)

    def order_of(self, incident: Incident) -> tuple[int, int]:
        """Where the incident's card goes: by its first line's time, then in the order they fired (a paste's five
        units that failed in one second came alphabetically, the first card not the log's first: nu230)."""
        return incident.first_usec, self.fired.get(_key(incident), len(self.fired))

    def unmatched(self) -> list[Incident]:
        """The incidents no rule's match made: a reboot without a shutdown, a silence, told by the lines' times. The
        header said "0 matches, 1 incident" of an unclean reboot, which read oddly (nu230)."""
        joined = self.joined  # (a socket's match of its service's failure: FailureGroups.joined)
        matched = {(machine, joined(machine, unit), rule) for machine, unit, rule, _ in self.matches}
        return [incident for incident in self.incidents
                if (incident.machine_id, joined(incident.machine_id, incident.unit), incident.rule_id) not in matched]

    def reported_count(self, incident: Incident) -> int | None:
        return self.reported.get(_key(incident))

    def last_hit(self, incident: Incident) -> int | None:
        """The incident's own last hit as read, None when not seen (counts.own_last_hit then judges)."""
        return self.last_hits.get(_key(incident))

    def told(self, incident: Incident, lines: Said) -> Said:
        """Keep a failure's program's last lines (`last_lines`; read by `last_lines_of`); the lines."""
        if lines:
            self.last_lines[_key(incident)] = lines
        return lines

    def last_lines_of(self, incident: Incident) -> Said:
        return self.last_lines.get(_key(incident), Said())

    def actions_for(self, incident: Incident) -> list[Action]:
        return self.actions.get(_key(incident), [])

    def gap_of(self, incident: Incident) -> Gap | None:
        """The silence a silence rule's incident reported (None for any other incident)."""
        return self.gaps.get((incident.rule_id, incident.machine_id, incident.unit, incident.first_usec))

    def below_threshold(self) -> tuple[list[Quiet], list[Quiet], Counter[tuple[str, str, str]]]:
        """The matches no incident reported, ((machine, unit, rule, key), count): the busiest MAX_QUIET_ROWS to
        show, and the rest in key order; and per (machine, unit, rule) how many of its keys fired. Per host: one
        host's incident says nothing of another's matches of the same unit and rule. A failure's chain reported
        its rules' matches of its unit (and the kernel's; a text line's "(X.service)" joins "(X)": `joined`), and
        a group of matches every one of which its links quote as evidence (as many as they count)."""
        fired, joined = {(i.machine_id, i.unit, i.rule_id, i.key) for i in self.incidents}, self.joined
        chained = {(i.machine_id, joined(i.machine_id, i.unit), link.rule_id) for i in self.incidents
                   for link in i.chain if link.fired}
        chained |= {(machine, "kernel", rule) for machine, _unit, rule in chained}  # a kernel line joins its unit's
        own = {(i.machine_id, joined(i.machine_id, i.unit), i.rule_id) for i in self.incidents}
        fired |= {where for where in self.matches  # their incidents joined a failure (a socket's its service's)
                  if (group := (where[0], joined(where[0], where[1]), where[2])) in chained
                  or (group in own and socket_service(where[1]) is not None)}
        # and the lines a chain quotes as evidence (a crash's traceback before PID 1's exit line) are reported
        # there: the table repeated them under "below their trigger" (helper-124)
        evidence: Counter[tuple[str, str, str]] = Counter()
        for incident in self.incidents:
            for link in incident.chain:
                if not link.fired:
                    group = (incident.machine_id, joined(incident.machine_id, incident.unit), link.rule_id)
                    evidence[group] += link.count
        quiet = []
        for where, n in sorted(self.matches.items()):
            group = (where[0], joined(where[0], where[1]), where[2])
            if where in fired or evidence[group] >= n:  # (a part quoted: the row keeps its whole count)
                continue
            quiet.append((where, n))
        shown = sorted(quiet, key=lambda item: -item[1])[:MAX_QUIET_ROWS]
        listed = set(shown)
        return shown, [item for item in quiet if item not in listed], Counter(where[:3] for where in fired)

    def host_of(self, machine: str) -> str:
        """A machine's name for people in the tables: its `_HOSTNAME` as its first match said it, else its id."""
        return self.hosts.get(machine) or machine or "?"

    def several_machines(self) -> bool:
        """Did the matches come from more than one machine (then tables name each row's host)?"""
        return len({where[0] for where in self.matches}) > 1

    @property
    def worst(self) -> Severity | None:
        return max((incident.severity for incident in self.incidents), default=None)


def _key(incident: Incident) -> tuple[str, str, str, str, int]:
    return incident.machine_id, incident.unit, incident.rule_id, incident.key, incident.first_usec
