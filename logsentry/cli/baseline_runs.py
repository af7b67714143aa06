"""`logsentry baseline show`'s persistence runs: the saved `anomaly_episodes` read back as their rules will judge
each template's next line (run going on, ended, longest learnt), for the table and `-o json`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine import episodes
from ..engine.baseline import Baselines
from ..model import split_host_unit
from ..timespec import format_duration, format_usec
from ..views.escape import visible


@dataclass(frozen=True)
class SavedRun:
    """A template's record as its rule will judge the next line (`record`), the rule's gap (µs of journal time),
    and whether its latest run has ended unlearnt (`ended`: the rule fired on it; its start, last line and lines
    are still the record's)."""

    record: episodes.Record
    gap_usec: int
    ended: bool = False


def saved_runs(data: Any, baselines: Baselines) -> dict[tuple[str, str], dict[str, SavedRun]] | None:
    """(unit key, template id) -> {persistence rule id: its record, as it will be judged} from the saved
    `anomaly_episodes` (read as the service restores them, Episodes.restore); None when malformed."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        return None
    newest: dict[str, int] = {}  # per machine, its newest entry seen (µs of journal time): the host's clock
    for unit_key, stats in baselines.units.items():
        # its templates' sightings too: a unit's own times stay where its learning stopped while an anomaly of it is
        # open (its lines not learnt), and a run that ended since was shown going on (F9's state: the unit's last
        # entry 07:23, its templates seen to 08:11, a run "current" whose end, 07:45, was 26 min past)
        seen = max((t.last_usec for t in baselines.templates.get(unit_key, {}).values()), default=stats.last_usec)
        machine = split_host_unit(unit_key)[0]
        newest[machine] = max(newest.get(machine, seen), seen, stats.last_usec)
    out: dict[tuple[str, str], dict[str, SavedRun]] = {}
    for rule_id, saved in data.items():
        gap = saved.get("gap") if isinstance(saved, dict) else None
        if not isinstance(gap, int):
            return None
        tracker = episodes.Episodes(episodes.Bar(gap, 0, 0.0, 0))
        if not tracker.restore(saved):
            return None
        for key, record in tracker.records.items():
            out.setdefault(key, {})[str(rule_id)] = _as_judged(record, gap, newest.get(split_host_unit(key[0])[0]))
    return out


def _as_judged(record: episodes.Record, gap_usec: int, newest_usec: int | None) -> SavedRun:
    """The record as its rule will judge the template's next line: a run that ended (its host logged on for more
    than the gap since, in journal time: the next line of it starts a new run) is learnt then (Record.close:
    unless the rule fired on it, which is said with its end)."""
    copy = episodes.Record(*record.saved())
    if newest_usec is None or newest_usec - copy.last <= gap_usec:
        return SavedRun(copy, gap_usec)
    fired = copy.standing == episodes.FIRED
    copy.close()
    if fired:
        return SavedRun(copy, gap_usec, ended=True)
    copy.start = copy.last = -1  # no run going on
    return SavedRun(copy, gap_usec)


def run_record(run: SavedRun) -> dict[str, Any]:
    """`show -o json`: the longest run learnt (µs of journal time; null while the first run goes on), the learnt
    runs added up, the run going on (null when none), with its standing, and the latest run when it ended
    unlearnt (the rule fired on it; null otherwise)."""
    record = run.record
    learnt = record.longest >= 0
    latest = None if record.start < 0 else {
        "start_usec": record.start, "last_usec": record.last, "lines": record.lines,
        "standing": ("judged", "fired", "accepted")[record.standing]}
    return {"longest_usec": record.longest if learnt else None,
            "longest_at_usec": record.longest_at if learnt else None, "busy_usec": record.busy,
            "first_seen_usec": record.first_seen, "run": None if run.ended else latest,
            "ended_run": latest if run.ended else None}


def runs_text(runs: dict[str, SavedRun], seen_usec: int) -> str:
    """Under a template: its longest run learnt by each persistence rule (its lines with no pause over the rule's
    gap) and when it began, the bar `error-template-persists` doubles; its run going on,
    with its last line and when it ends unless another comes; or its latest run, fired on and ended (never
    learnt). "" for a template below the rules' level (not followed). `seen_usec`: the template's last sighting
    (the table's "last seen"), which counts its lines at every level: a rule's run holds its lines at the rule's
    level only (AnomalyDetector.observe), so a later sighting was a line below it (F9's finding: "last line" was
    read as the template's, beside a later "last seen"). Rules whose runs say the same are named together on one
    line (a new user's error template had five lines alike, one per persistence rule)."""
    bodies: dict[str, list[str]] = {}  # what a rule's run says -> the rules that say it (printed once, together)
    for rule_id, run in runs.items():
        bodies.setdefault(_run_said(run, seen_usec), []).append(visible(rule_id))
    return "".join(f"\n{', '.join(rule_ids)}: {body}" for body, rule_ids in bodies.items())


def _run_said(run: SavedRun, seen_usec: int) -> str:
    """One rule's part of runs_text, after its id."""
    r = run.record
    said = "longest run " + (
        "none ended yet" if r.longest < 0 else f"{format_duration(r.longest)} from {format_usec(r.longest_at)}")
    if r.start < 0:
        return said
    length, began, last = format_duration(r.last - r.start), format_usec(r.start), format_usec(r.last)
    if run.ended:
        return said + f"; last run {length} from {began} (fired), ended {last}: not learnt"
    fired = " (fired)" if r.standing == episodes.FIRED else ""
    ends = format_usec(r.last + run.gap_usec)
    return said + (f"; current {length} from {began}{fired}, last line {last} (it ends if none comes by {ends})"
                   if seen_usec <= r.last else
                   f"; current {length} from {began}{fired}, its last line at the rule's level {last} (the "
                   f"template's lines since, to {format_usec(seen_usec)}, were below that level: no part of the run; "
                   f"it ends if none at its level comes by {ends})")
