"""What the silence tracker (engine/absence.py) keeps per (rule, unit), and how a silence is told."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..model import Entry, Incident, UnitSpan, span_fields
from ..timespec import format_duration
from .rhythm import Rhythm


@dataclass(slots=True)
class Seen:
    """Mutable per-unit state owned by the tracker (times in µs of journal time)."""

    rhythm: Rhythm
    override: int | None
    review_at: int
    last_usec: int = -1
    """The time of its last entry; -1 while it is not logging (new, restored, or stopped by systemd)."""
    last: Entry | UnitSpan | None = None
    """The last entry, or its span when it came in a ScreenedRun (its raw message and host, no cursor)."""
    count: int = 0
    threshold: int = 0
    """Silence threshold in usec; 0: not watched."""
    armed: int = 0
    """The deadline this unit has in the tracker's heap (0: none); never later than its real deadline."""
    quiet: bool = False
    """Silent now: past its threshold (with `incident`, or covered by another incident of the unit)."""
    incident: Incident | None = None
    ended_alone_usec: int = 0
    """The gap of the last silence it ended by logging again on its own, not learnt yet (0: none)."""
    stopped_usec: int = 0
    """When systemd last stopped it (its stop line's time; 0: never, or started again since): its own lines until
    STOP_TRAILING_USEC after are its last words (absence_stops.last_words), not a new run."""
    stopped_scope: str = ""
    """The container ID whose scope's end stopped it ("": not a container's scope): a line of another ID is a new
    container's (`docker compose up` recreating it), not the stopped one's last words."""

    def last_details(self) -> tuple[str, str, Mapping[str, str]]:
        """Cursor, message and fields of the last sign of life."""
        last = self.last
        if isinstance(last, Entry):
            return last.cursor, last.message, last.fields
        if last is not None:
            return "", last[5].decode("utf-8", "replace"), span_fields(last)
        return "", "", {}

    def last_stamp_usec(self) -> int:
        """The journal time its last line is stamped with (µs): `last_usec` unless its host's clock was stepped
        back since, which moved `last_usec` back with the clock (absence_clock.py) but not the line's stamp."""
        last = self.last
        stamp = last.realtime_usec if isinstance(last, Entry) else last[3] if last is not None else self.last_usec
        return max(stamp, self.last_usec)


def silence_why(length_usec: int, rhythm: Rhythm, jumped_usec: int = 0, stepped_usec: int = 0,
                down_usec: int = 0) -> str:
    """A silence's reason: how long (µs) and, when known, the unit's usual gap, with its clock's part and its host's
    downtime over a reboot (silence_length)."""
    usual = f", usually one every {format_duration(rhythm.mean_usec)}" if rhythm.gaps else ""
    return f"no entry for {silence_length(length_usec, jumped_usec, stepped_usec, down_usec)}{usual}"


def silence_length(length_usec: int, jumped_usec: int = 0, stepped_usec: int = 0, down_usec: int = 0) -> str:
    """A silence's length (µs, on the clock as it is now) as text, saying how much of it was a clock's jump ahead (a
    suspend, a step: engine/clock_jumps.py), not counted (helper-167's F14: "no entry for 8h 1m 2s" for a unit paged
    a minute after a laptop woke), and how far the clock was set back after the unit's last line: that line's stamp
    is then later than the length says (helper-168: "no entry for 1h 54m from 04:57" for a hang of 3h 54m). Of the
    jumps, `down_usec` was its host down over a reboot (engine/host_boots.py), not counted either."""
    clock = jumped_usec - down_usec
    said = [f"{format_duration(clock)} of it a clock's jump (a suspend, a step) or the journal standing still: "
            "not counted"] if clock > 0 else []
    if down_usec > 0:
        said.append(f"{format_duration(down_usec)} of it its host down over a reboot: not counted")
    if stepped_usec > 0:
        said.append(f"the clock was set back {format_duration(stepped_usec)} after its last line")
    return format_duration(length_usec) + (f" ({'; '.join(said)})" if said else "")


@dataclass(frozen=True)
class Learning:
    """After a scan, under a silence rule that counts every entry (unit-went-silent): the units it knows, those
    still being learnt (lines enough, but their gaps cover less than its `learn_for`: not watched yet), and the
    most any of those covered (µs of journal time, a clock's jumps left out). A scan of less than a day said
    "Nothing found." with no word that no unit's silence was looked for (helper-168 §13)."""

    rule_id: str
    units: int
    watched: int
    learning: int
    most_usec: int
    learn_for_usec: int
    shortest_usec: int = 0
    """The shortest threshold of a watched unit (µs; 0: none watched): a silence after the input's end longer than
    it would have paged one, were it in the input."""


def learning(rule_id: str, units: Mapping[str, Seen], learn_for_usec: int, min_entries: int) -> Learning:
    """What `Learning` says of one rule's units (`min_entries`: its lines enough to count)."""
    spans = [seen.rhythm.span_usec for seen in units.values()
             if not seen.threshold and seen.override is None and seen.rhythm.gaps >= max(min_entries - 1, 1)
             and seen.rhythm.span_usec < learn_for_usec]
    thresholds = [seen.threshold for seen in units.values() if seen.threshold]
    return Learning(rule_id, len(units), len(thresholds), len(spans), max(spans, default=0), learn_for_usec,
                    min(thresholds, default=0))


def unlearn_mixed(seen_by_rule: Iterable[Mapping[str, Seen]], key: str) -> None:
    """Start a unit's rhythm again under every rule (not while it is silent): the lines it was learnt from were
    others' too. A state saved before containers had units of their own (sources/selection.subject_unit) holds
    docker.service's rhythm learnt from every container's lines; dockerd alone logs far less often, and that old
    rhythm would page it silent soon after the upgrade."""
    for units in seen_by_rule:
        seen = units.get(key)
        if seen is not None and seen.incident is None:
            seen.rhythm, seen.threshold, seen.review_at, seen.ended_alone_usec = Rhythm(), 0, 1, 0
