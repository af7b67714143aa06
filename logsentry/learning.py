"""Warm-up from the journal's own history: the host has its last weeks of logs on disk, so baselines need
not start empty (a SaaS detector waits two weeks for data; logsentry reads them).

`learn` reads a time range through the fast scanner with an empty screen (every entry comes as a summary
run with its message, unit and priority: the only fields templates and baselines need) and learns every
entry into an AnomalyDetector that only learns, through engine/runstep.py (most entries counted in C).
`logsentry baseline learn` and the service's first start use it.

Learning is idempotent per (host, unit): of a unit the baselines know already, only entries newer than the
latest they looked at (Baselines.seen_until) are learnt, so learning the same days again, or after the
service learnt them live, counts nothing twice (a doubled baseline would make rate-spike and error-share
blind). Older entries of such a unit are skipped too: baselines grow forward in journal time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from .engine.absence import SilenceTracker
from .engine.anomaly import AnomalyDetector
from .engine.baseline import Baselines
from .engine.runstep import RunStep
from .engine.silence_history import learn_entry, learn_run
from .engine.templates import Template, TemplateMiner
from .handover import Passed
from .hosts import claims
from .model import Entry, Hit, Screen, ScreenedRun
from .rules.rule import Rule
from .sources.fanin_files import vouched
from .sources.follow import disowned_entry
from .sources.journal import JournalLocation
from .sources.screening import ScreeningJournalSource
from .sources.selection import Selection
from .timespec import wall_usec

NOTHING = Screen(literals=(), always=())
"""A screen no entry passes: the scanner then summarises every entry (message, unit, priority only)."""

LEARN_DAYS = 14
MAX_JUDGED_HITS = 10_000
"""Anomaly hits `learn` keeps for the caller on the lines past `judged_after`: a failure flooding the journal
while the history is read must not grow the service's memory without bound (the rest are counted)."""
MAX_HOST_NAME = 255
"""Characters of a `_HOSTNAME` kept (Linux allows 64; a longer one is broken or forged)."""
LEARNT_HOSTS = "baseline_hosts"
"""The state's machine id -> `_HOSTNAME` of the hosts whose history was learnt (`host_names`), so that
`baseline show` names a collector's hosts the service never saved."""


@dataclass(frozen=True)
class Learnt:
    """What `learn` did: the entries it read and their journal time span (µs); how many it learnt, into how many
    units; how many it skipped as already learnt, of how many units, whose baselines reached at most
    `skipped_until` (µs); and the baselines' size after it."""

    entries: int
    first_usec: int | None
    last_usec: int | None
    learnt: int
    learnt_units: int
    skipped: int
    skipped_units: int
    skipped_until: int | None
    units: int
    templates: int
    hits: tuple[Hit, ...] = ()
    """The anomaly hits on lines past `judged_after` (journal order, at most MAX_JUDGED_HITS)."""
    hits_left_out: int = 0
    """Such hits past MAX_JUDGED_HITS."""
    read_until: Mapping[str, int] = field(default_factory=dict)
    """Per machine id, the journal time (µs) of its newest entry read: where reading on must begin (handover.py)."""


def learner(baselines: Baselines | None = None, miner: TemplateMiner | None = None,
            rules: Iterable[Rule] = ()) -> AnomalyDetector:
    """An AnomalyDetector to learn history with. With the anomaly rules (`rules`; others are left out) it runs
    them as `scan` does and its hits are dropped by `learn`: a unit's anomalous stretches of history (a failure
    loop after the unit was warm) are kept out of its baselines as they are live, and a short one that ended
    is learnt after it. Without: it learns every entry."""
    anomaly_rules = tuple(rule for rule in rules if rule.anomaly is not None)
    return AnomalyDetector(anomaly_rules, miner=miner, baselines=baselines, learn_only=not anomaly_rules)


def learn(location: JournalLocation, selection: Selection, into: AnomalyDetector,
          stop: Callable[[], bool] = lambda: False, rhythms: SilenceTracker | None = None,
          judged_after: Passed | None = None, reading_on: bool = False, vouch_for: str = "") -> Learnt:
    """Learn every selected entry of the journal at `location` into `into` (and the units' silence rhythms into
    `rhythms`: engine/silence_history.py); `stop()` is asked between batches (the service's learner thread ends
    early on shutdown). The anomaly hits of `into`'s rules are dropped (they keep anomalous stretches out of the
    baselines), but those on lines past `judged_after` (per machine, the entry the service's live reader starts
    after) are kept in the result: the service's first start reads to the journal's end, so lines written after
    it started are read here, with the history, while its own units are still cold. `reading_on`: `into` learnt
    the entries before these (the hand-over), so what it holds is not let go. `vouch_for`: the machine whose
    units the caller restarts ("": none); unless every file read is its own journald's, an entry claiming it is
    disowned (sources/fanin_files.vouched, follow.disowned_entry) as the live reader does: else a journal-remote
    file's forged history would be judged, and its hits handed to the service, as this machine's.
    Raises JournalOpenError."""
    entries, first, last = 0, None, None
    hits: list[Hit] = []
    left_out = 0
    read_until: dict[str, int] = {}

    def observe(entry: Entry, template: Template | None = None) -> None:
        nonlocal left_out
        found = into.observe(entry, template)
        if found and judged_after is not None and judged_after.after(entry.machine_id, entry.realtime_usec):
            room = MAX_JUDGED_HITS - len(hits)
            hits.extend(found[:room])
            left_out += max(0, len(found) - room)

    baselines = into.baselines
    if not reading_on:
        into.adopt_horizons(wall_usec())  # what the baselines hold already is not learnt again
        into.skipped.clear()
    before = {unit: stats.entries for unit, stats in baselines.units.items()}
    step = RunStep(into)  # the runs' entries mostly learnt counted, in C
    disowned = () if vouched(vouch_for, location.directory, location.files) else (vouch_for,)
    for item in ScreeningJournalSource(location, selection, NOTHING, disowned=disowned):
        if isinstance(item, Entry) and claims(item.machine_id, disowned):
            item = disowned_entry(item)  # one in full comes with its claim; in a run it has none (disown_screened)
        if isinstance(item, ScreenedRun):
            if rhythms:
                learn_run(rhythms, item)
            for single in step.singles(item):
                observe(single.entry, single.template)
            for span in item.spans:  # (unit, count, first, last, longest gap, message, machine, host)
                read_until[span[6]] = max(span[2], span[3], read_until.get(span[6], -1))
            entries += item.count
            first = item.first_usec if first is None else first
            last = item.last_usec
        else:  # entries the scanner always passes in full (PID 1's lines, several MESSAGEs, ...)
            if rhythms:
                learn_entry(rhythms, item)
            for single in step.entry(item):
                observe(single.entry, single.template)
            read_until[item.machine_id] = max(item.realtime_usec, read_until.get(item.machine_id, -1))
            entries += 1
            first = item.realtime_usec if first is None else first
            last = item.realtime_usec
        if stop():
            break
    for single in step.flush_all():
        observe(single.entry)
    grown = [stats.entries - before.get(unit, 0) for unit, stats in baselines.units.items()]
    skipped = into.skipped
    return Learnt(entries, first, last, sum(n for n in grown if n > 0), sum(n > 0 for n in grown),
                  sum(skipped.values()), len(skipped), max((into.learnt_until[unit] for unit in skipped), default=None),
                  len(baselines.units), sum(len(t) for t in baselines.templates.values()), tuple(hits), left_out,
                  read_until)


def host_names(location: JournalLocation, machines: Iterable[str]) -> dict[str, str]:
    """machine id -> the `_HOSTNAME` of its newest entry at `location`: baselines are per machine, and
    `baseline show` names hosts by it. The scanner's summaries carry the machine id only, so each machine
    is looked up (one seek). Raises JournalOpenError."""
    wanted = sorted({machine for machine in machines if machine})
    names: dict[str, str] = {}
    if not wanted:
        return names
    reader = location.open()
    try:
        for machine in wanted:
            reader.flush_matches()
            reader.add_match(f"_MACHINE_ID={machine}")
            reader.seek_tail()
            if not reader._previous():
                continue
            try:
                value = reader._get("_HOSTNAME")
            except KeyError:
                continue
            name = (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))[:MAX_HOST_NAME]
            if name:
                names[machine] = name
    except OSError as error:
        raise location.open_error(error) from error
    finally:
        reader.close()
    return names
