"""Episodes of an error template: the persistence anomaly rule (`rules/anomaly/error-template-persists.toml`).

A service that hangs while it logs the same error for hours logs few lines (one failed request every few
seconds), so rates and shares may stay under bars a short burst of the same line set long ago; what is new is
how long it goes on. An *episode* of a (host, unit, template) is its run of sightings at the rule's level with no
pause longer than `gap`. Per template the longest episode that ended (its length in µs of journal time, and when
it began) is learnt; the rule fires once the current episode has lasted longer than the larger of `floor` and
`margin` times that longest, with at least `min_count` lines, in a warm unit, for a template that is not new
(one whose first episode has not ended yet is the new-*-template rules' business) and not chronic: its episodes
took at most MAX_BUSY of the time since its first sighting. With `first_run` (an operator's rule: README) the
rule judges nothing but a template's first run, one first logged once its unit had `warm_after` of history: a new
failure that goes on past `floor` (the mission's hang, its own words at priority 6: new-failure-template's warning
within seconds, an error once it has gone on for 15 minutes). A chronic error with random pauses has episodes of
any length (the longest of a few says little: helper D's first run of the 1M bench journal fired on PostgreSQL's
"deadlock detected", one a minute, after 3 h 15 min against a longest of 1 h 37 min); a hang that repeats a blip
of two days ago has 90 s of episodes in two days.

An episode the rule fired on is never learnt (a failing stretch must not raise its own bar); `baseline accept
TEMPLATE_ID` makes the template normal, as for the other anomaly rules: its runs (the current one included) are
not judged, and are learnt when they end. Memory is bounded: only lines
at the rule's level are tracked, MAX_EPISODE_TEMPLATES records per rule, least recently seen evicted; a template
the baselines evicted (and made again since) starts over, and the saved snapshot leaves those out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..timespec import format_duration, format_usec

if TYPE_CHECKING:
    from ..rules.anomaly import AnomalySpec
    from .anomaly import AnomalyDetector
    from .baseline import UnitStats

EPISODES_KEY = "anomaly_episodes"
"""The state's key of `snapshot()`, saved with the commits when it changed (and by `baseline learn`), so the
learnt longest episodes survive a stop, a reload and a kill -9."""
MAX_EPISODE_TEMPLATES = 10_000
"""Error-level templates tracked per persistence rule: 10,000 records of a collector's "MACHINE_ID/unit" keys are
1.5 MB of JSON in the state (measured with json.dumps of snapshot())."""

MAX_BUSY = 0.25
"""A template whose learnt episodes took more of the time since its first sighting is chronic: never judged
(an hourly batch's ten-minute error takes a sixth)."""

REFOLLOW_USEC = 86_400_000_000
"""A record made for a template the baselines knew before (its old record was evicted, or its lines were not at
the rule's level then) is not judged until it has followed the template this long (µs, a day: a nightly job's
run): its learnt runs are those since, and the first of them, one line, made a routine run of minutes fire
against a longest of 0 s, its why saying so of days of history."""

JUDGED, FIRED, ACCEPTED = 0, 1, 2
"""An episode's standing: judged by the rule; fired on (never learnt); accepted by an operator (learnt at its
end, not judged meanwhile)."""


class Record:
    """One template's episodes, µs of journal time: when this tracker first saw it (a template the baselines made
    again later starts over), the current episode (first and last sighting, lines, standing), and the longest
    episode learnt (-1: none ended yet, the template is new) with when it began, and `busy`: the learnt episodes'
    lengths added up."""

    __slots__ = ("busy", "first_seen", "last", "lines", "longest", "longest_at", "standing", "start")

    def __init__(self, first_seen: int, start: int, last: int, lines: int = 1, standing: int = JUDGED,
                 longest: int = -1, longest_at: int = 0, busy: int = 0) -> None:
        self.first_seen = first_seen
        self.start, self.last, self.lines, self.standing = start, last, lines, standing
        self.longest, self.longest_at, self.busy = longest, longest_at, busy

    def saved(self) -> list[int]:
        return [self.first_seen, self.start, self.last, self.lines, self.standing, self.longest, self.longest_at,
                self.busy]

    def close(self) -> None:
        """The current episode ended: learnt (as the longest, if it is) unless the rule fired on it."""
        length = self.last - self.start
        if self.standing != FIRED:
            self.busy += length
            if length > self.longest:
                self.longest, self.longest_at = length, self.start
        if self.longest < 0:
            self.longest, self.longest_at = 0, self.start


@dataclass(frozen=True)
class Persisting:
    """Why the rule fires: the current episode (its length and first sighting, µs; lines) against the longest
    learnt one (length and first sighting, µs) over `history_usec` of the unit's history, with `gap` (µs)."""

    length_usec: int
    since_usec: int
    lines: int
    longest_usec: int
    longest_at_usec: int
    history_usec: int
    gap_usec: int
    bar_usec: int
    busy_usec: int
    known_usec: int
    """Its learnt episodes' lengths added up, and the time from its first sighting to the current episode (µs)."""

    first_run: bool = False
    """The template's first run (a rule with `first_run`): no longest learnt, new after `history_usec`."""

    def why(self) -> str:
        if self.first_run:
            return (f"logged for {format_duration(self.length_usec)} without a pause over "
                    f"{format_duration(self.gap_usec)} ({self.lines} lines since {format_usec(self.since_usec)}); its "
                    f"first run, new after {format_duration(self.history_usec)} of history (bar "
                    f"{format_duration(self.bar_usec)})")
        return (f"logged for {format_duration(self.length_usec)} without a pause over "
                f"{format_duration(self.gap_usec)} ({self.lines} lines since {format_usec(self.since_usec)}); its "
                f"longest run in {format_duration(self.history_usec)} of history was "
                f"{format_duration(self.longest_usec)}, on {format_usec(self.longest_at_usec)} (bar "
                f"{format_duration(self.bar_usec)}; its runs took {format_duration(self.busy_usec)} of the "
                f"{format_duration(self.known_usec)} since it was first seen)")


@dataclass(frozen=True)
class Bar:
    """A persistence rule's thresholds: µs of journal time, `margin` a factor of the longest episode learnt; the
    unit is warm once its baseline spans `warm_after_usec` and holds `warm_entries` entries."""

    gap_usec: int
    floor_usec: int
    margin: float
    min_count: int
    warm_after_usec: int = 0
    warm_entries: int = 0
    first_run: bool = False
    """Judge only a template's first run, of a template first logged `warm_after_usec` or more after its unit's
    first entry, against `floor_usec` alone."""


class Episodes:
    """Every tracked template's episodes for one persistence rule; `see` is O(1) per line."""

    def __init__(self, bar: Bar, max_templates: int = MAX_EPISODE_TEMPLATES) -> None:
        self.bar = bar
        self.gap_usec = bar.gap_usec
        self.max_templates = max_templates
        self.records: dict[tuple[str, str], Record] = {}
        """(unit key, template id) -> its record, least recently seen first."""
        self.changed = False
        """Anything to save since the last snapshot."""

    @classmethod
    def of(cls, spec: AnomalySpec) -> Episodes:
        return cls(Bar(spec.gap_usec, spec.floor_usec, spec.margin, spec.min_count, spec.warm_after_usec,
                       spec.warm_entries, spec.first_run))

    def observe(self, unit_key: str, template_id: str, usec: int, template_first_usec: int,
                unit: UnitStats, accepted: bool = False, judged: bool = True) -> str | None:
        """A line of the template at the rule's level (AnomalyDetector.observe): followed in any unit, judged
        in a warm one unless the template was accepted as normal (`baseline accept`: for good, as for the other
        anomaly rules; its runs are learnt) or `judged` is False (a line that may not fire the rule: followed
        only); why it persists, or None."""
        record = self.see(unit_key, template_id, usec, template_first_usec)
        if not judged:
            return None
        bar = self.bar
        found = self._judged(record, template_first_usec, unit.warm(bar.warm_after_usec, bar.warm_entries),
                             accepted, usec - unit.first_usec, template_first_usec - unit.first_usec)
        return None if found is None else found.why()

    def _judged(self, record: Record, template_first_usec: int, warm: bool, accepted: bool,
                history_usec: int, new_after_usec: int | None = None) -> Persisting | None:
        """`new_after_usec`: the unit's history before the template's first sighting (µs; None: not known, taken
        as long enough, `span`'s probe)."""
        if accepted or not warm or (
                record.first_seen > template_first_usec and record.start - record.first_seen < REFOLLOW_USEC):
            return None
        if self.bar.first_run:
            if record.first_seen != template_first_usec or (
                    new_after_usec is not None and new_after_usec < self.bar.warm_after_usec):
                return None  # not the first run of a template new in a warm unit
            return self.judge(record, self.bar, new_after_usec if new_after_usec is not None else history_usec)
        return self.judge(record, self.bar, history_usec)

    def span(self, unit: str, template_id: str, first: int, last: int, lines: int, template_first_usec: int,
             warm: bool, accepted: bool) -> Record | None:
        """The record after `see` of `lines` lines from `first` to `last` (µs; their times only grew, none more
        than the gap after the one before: engine/runstep.py's counted lines), when none of them could fire,
        `warm` and `accepted` holding for the last (a unit only warms up); None when they must be seen one by
        one. Nothing changes here: `put` stores it. Why: every warning line of every unit went one by one."""
        record = self.records.get((unit, template_id))
        if record is None or template_first_usec > record.first_seen:
            after = Record(first_seen=first, start=first, last=last, lines=lines)
        elif first < record.last:
            return None  # a step back in time: its lines count otherwise
        else:
            after = Record(*record.saved())
            if first - record.last > self.gap_usec:
                after.close()
                after.start, after.lines, after.standing = first, 0, JUDGED
            after.last, after.lines = last, after.lines + lines
        # An episode's lines, length and standing only grow, and the rest of judge's inputs hold within it: when
        # its last line is not judged to persist, no earlier one in it was.
        probe = Record(*after.saved())
        return after if self._judged(probe, template_first_usec, warm, accepted, 0) is None else None

    def deadline(self, unit: str, template_id: str, template_first_usec: int, accepted: bool) -> tuple[int, int]:
        """(the latest time (µs) up to which no line of the template can fire whatever lines come before it, the
        record's last sighting): engine/runstep.py counts the lines up to it. The minimum int64 for both without
        a record (its first line, or the first past the gap after the last, begins an episode, which fires no
        sooner than the floor after it). An episode fires only past start + limit (limits only grow); one that
        cannot fire (no longest yet, chronic, accepted, refollowed) ends only at a line past last + gap; and
        a record evicted meanwhile starts over: its episodes fire no sooner either."""
        record = self.records.get((unit, template_id))
        if record is None or template_first_usec > record.first_seen:
            return -(2**63), -(2**63)
        bar = self.bar
        after = record.last + self.gap_usec + bar.floor_usec
        if bar.first_run:  # only a first run fires, no sooner than the floor after its first line
            fires = record.start + bar.floor_usec
            if record.longest >= 0 or accepted or record.standing == ACCEPTED or \
                    record.first_seen != template_first_usec:
                return after, record.last
            return (min(fires, after) if record.last <= fires else -(2**63)), record.last
        if record.longest < 0:
            return after, record.last
        fires = record.start + max(bar.floor_usec, int(bar.margin * record.longest))
        if accepted or record.standing == ACCEPTED or (
                record.standing == JUDGED and record.busy > MAX_BUSY * (record.start - record.first_seen)) or (
                record.first_seen > template_first_usec and record.start - record.first_seen < REFOLLOW_USEC):
            return after, record.last
        return (min(fires, after) if record.last <= fires else -(2**63)), record.last

    def put(self, unit: str, template_id: str, record: Record) -> None:
        """Store a record `span` gave (most recently seen), as `see` of each of its lines would."""
        key = (unit, template_id)
        self.records.pop(key, None)
        if len(self.records) >= self.max_templates:
            del self.records[next(iter(self.records))]
        self.records[key] = record
        self.changed = True

    def see(self, unit: str, template_id: str, usec: int, template_first_usec: int) -> Record:
        """Count a line of the template at `usec`; `template_first_usec`: the baselines' first sighting of it."""
        key = (unit, template_id)
        record = self.records.pop(key, None)
        if record is None or template_first_usec > record.first_seen:  # new, or made again after an eviction
            record = Record(first_seen=usec, start=usec, last=usec)
            if len(self.records) >= self.max_templates:
                del self.records[next(iter(self.records))]
        elif usec - record.last > self.gap_usec:
            record.close()
            record.start, record.last, record.lines, record.standing = usec, usec, 1, JUDGED
        elif usec > record.last:
            record.last = usec
            record.lines += 1
        else:  # a line read again (after a restart) or a step back in time: its episode does not change
            record.lines += usec == record.last
        self.records[key] = record
        self.changed = True
        return record

    def judge(self, record: Record, bar: Bar, history_usec: int) -> Persisting | None:
        """Does the record's current episode persist past the bar? Once it does, every later line of the episode
        does too (the incident lasts while it goes on) and the episode is not learnt. With `bar.first_run`, only the
        template's first run is judged (no longest learnt yet), against the floor alone; `history_usec` is then the
        unit's history before the template's first sighting."""
        if (record.longest >= 0) == bar.first_run or record.standing == ACCEPTED or record.lines < bar.min_count:
            return None
        if bar.first_run:
            length = record.last - record.start
            if length <= bar.floor_usec:
                return None
            record.standing = FIRED
            return Persisting(length, record.start, record.lines, 0, record.start, history_usec, self.gap_usec,
                              bar.floor_usec, 0, 0, first_run=True)
        known = record.start - record.first_seen
        if record.standing == JUDGED and record.busy > MAX_BUSY * known:
            return None  # chronic
        limit = max(bar.floor_usec, int(bar.margin * record.longest))
        length = record.last - record.start
        if length <= limit:
            return None
        record.standing = FIRED
        return Persisting(length, record.start, record.lines, record.longest, record.longest_at, history_usec,
                          self.gap_usec, limit, record.busy, known)

    def accept(self, template_id: str) -> int:
        """`baseline accept`: the template's current episodes are normal (learnt when they end, not judged);
        returns how many records it has."""
        found = 0
        for (_, tid), record in self.records.items():
            if tid == template_id:
                found += 1
                record.standing = ACCEPTED
                self.changed = True
        return found

    def snapshot(self, alive: Callable[[str, str], bool]) -> dict[str, Any]:
        """JSON-ready: the gap (µs) and each record whose template the baselines still hold (`alive`)."""
        self.changed = False
        return {"gap": self.gap_usec,
                "records": [[unit, tid, *record.saved()] for (unit, tid), record in self.records.items()
                            if alive(unit, tid)]}

    def restore(self, data: Any) -> bool:
        """Take back a snapshot(); one of another gap is dropped (its episodes were cut otherwise). False when
        malformed (then nothing is taken: the episodes are learnt again from the next lines)."""
        if not isinstance(data, dict) or not isinstance(data.get("records"), list):
            return False
        if data.get("gap") != self.gap_usec:
            return True
        records: dict[tuple[str, str], Record] = {}
        try:
            for row in data["records"][-self.max_templates:]:
                unit, tid, *numbers = row
                if len(numbers) != 8 or not isinstance(unit, str) or not isinstance(tid, str) or any(
                        isinstance(n, bool) or not isinstance(n, int) for n in numbers):
                    return False
                first_seen, start, last, lines, standing, longest, longest_at, busy = numbers
                if standing not in (JUDGED, FIRED, ACCEPTED) or last < start or lines < 1 or busy < 0:
                    return False
                records[(unit, tid)] = Record(first_seen, start, last, lines, standing, longest, longest_at, busy)
        except (TypeError, ValueError):
            return False
        self.records.update(records)
        return True

    def adopt(self, other: Episodes) -> None:
        """Take over what another tracker learnt (the service's learner thread read the history)."""
        if other.gap_usec == self.gap_usec:
            self.records = other.records
            self.changed = True


def snapshot(detector: AnomalyDetector) -> dict[str, Any] | None:
    """Every persistence rule's episodes by rule id, when any changed since the last call (else None); templates
    the detector's baselines no longer hold are left out."""
    trackers = detector.episodes
    if not any(episodes.changed for episodes in trackers.values()):
        return None
    templates = detector.baselines.templates
    return {rule_id: episodes.snapshot(lambda unit, tid: tid in templates.get(unit, {}))
            for rule_id, episodes in trackers.items()}


def restore(detector: AnomalyDetector, data: Any) -> bool:
    """Take back a snapshot() (None: there is none); rules gone are dropped. False when malformed (ignored)."""
    if data is None:
        return True
    if not isinstance(data, dict):
        return False
    return all([episodes.restore(data[rule_id]) for rule_id, episodes in detector.episodes.items()
                if rule_id in data])


def adopt(detector: AnomalyDetector, learnt: AnomalyDetector) -> None:
    """The detector takes over the episodes another one learnt from the history (the service's first start)."""
    for rule_id, episodes in detector.episodes.items():
        other = learnt.episodes.get(rule_id)
        if other is not None:
            episodes.adopt(other)


def accept(detector: AnomalyDetector, template_id: str) -> None:
    """`baseline accept TEMPLATE_ID`: its current episodes are normal for every persistence rule."""
    for episodes in detector.episodes.values():
        episodes.accept(template_id)
