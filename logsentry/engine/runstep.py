"""The anomaly step over a whole ScreenedRun, reaching the decisions AnomalyDetector.observe makes per entry.

Why: observe costs about 12 µs an entry in Python, and every entry must be learnt, so `scan` with the
anomaly rules ran at 4.5x `journalctl -o cat`. Most entries cannot make an anomaly hit: below error level
only a known template's rate-spike can fire, and only once its count in the window passes both the rule's
`min_count` and `peak_margin` times its busiest two minutes, or a template still new to a new-template rule
below error level (new-warning-template, new-failure-template: such a template gets no budget). So
`_runstep.step` (C) masks each entry's first line, looks the key up in its unit's table (masked key -> slot ->
live template) and counts the entries per (unit, template) as (time bucket, entries) pairs; here the counts
are learnt in one go (Baselines.learn_counted, `_Rolling.add_runs`, `Minutes.add_runs`). Entries that come
in full (candidates of the signature rules, or every entry when nothing is screened) go through the same
decision one at a time (`_runstep.one`), so they neither cost an observe each nor make their unit learn its
counts early.

Exact by construction: error-level entries, keys never seen, units in an anomaly (or whose baselines hold the
entries already: AnomalyDetector.learnt_until; `baseline learn` skips spans all of whose entries they hold),
and lines of a template with more lines in the last window (counted by the C step since its budget was
reckoned) than its budget (the most that cannot fire it, less its rolling count then) come back one by one
(`singles`, in journal order, with the template already found). A unit's counted entries wait, across runs,
until just before its next single entry, so that entry sees its unit as the per-entry path leaves it (or until
the PENDING_ bounds).
`_learn` (engine/runstep_learn.py) then learns them at once unless a warm-up or template age ends among them,
the unit became anomalous, the template's stats were replaced, or a rolling count already holds later buckets; then they
are observed one by one. Only the recency order of units and templates (which decides evictions at the
bounds) is kept per group instead of per entry. A persistence rule below error level (warning-template-persists,
failure-template-persists) does not raise the level: its lines are counted too, followed per group, and come one
by one only past their template's deadline (engine/runstep_episodes.py). tests/test_runstep.py,
tests/test_runstep_episodes.py and tests/test_screening.py compare the paths.

Entries from runs carry no cursor (the scanner's arrays hold none, which keeps summaries cheap), so an
anomaly match on one says `"cursor": ""`; its `realtime_usec` and the incident's journalctl command find it.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Iterator

from ..model import NO_PRIORITY, Entry, ScreenedRun, host_unit
from . import _runstep
from .anomaly import BUCKETS, AnomalyDetector, left_out
from .baseline import ERROR_LEVEL, UnitStats
from .minutes import MINUTE_USEC
from .runstep_episodes import followed
from .runstep_learn import learn_at_once
from .runstep_limits import (
    EXACT,
    FULL_BATCH,
    MAX_KEYS_PER_UNIT,
    MAX_PENDING,
    MAX_SLOTS,
    MAX_UNITS,
    NO_LEVEL,
    NORMAL,
    PENDING_BYTES,
    PENDING_ENTRIES,
    PENDING_USEC,
    SKIP,
    Single,
    supports,
)
from .runstep_slots import Slots
from .runstep_views import FullBatch, RunView
from .templates import Template
from .templates.tokens import MAX_TEMPLATE_CHARS, first_line, masked_key

_INT64 = 2**63
_EMPTY: dict[str, int] = {}


class RunStep:
    """The tables of one AnomalyDetector (which it must be the only one to feed ScreenedRuns to)."""

    def __init__(self, detector: AnomalyDetector) -> None:
        self.detector = detector
        self.supported = supports(detector)
        rules = detector.rules
        self.rate_rules = [r for r in rules if r.anomaly is not None and r.anomaly.level is None
                           and r.anomaly.kind == "rate-spike"]
        self.share_rules = [r for r in rules if r.anomaly is not None and r.anomaly.kind == "error-share"]
        self.error_level, self.followed = followed(rules, max([ERROR_LEVEL, *(
            r.anomaly.level for r in rules if r.anomaly is not None and r.anomaly.level is not None
            and r.anomaly.kind not in ("new-template", "persistence"))]))
        """Entries at this effective priority or more important are observed one by one. Not raised by a
        new-template rule (new-warning-template would make every warning line of every unit one by one), nor by
        a persistence rule: its lines below it are followed per counted group, per class of such rules
        (`followed`, engine/runstep_episodes.py)."""
        self.new_rules = [r for r in rules if r.anomaly is not None and r.anomaly.kind == "new-template"
                          and (r.anomaly.level is None or r.anomaly.level > self.error_level)
                          and not r.anomaly.excerpts_only]
        """New-template rules whose lines the level above does not send one by one: a template's lines are
        counted only while it cannot be new to them (`Slots.fresh`). Not a rule that judges excerpts only: the lines
        it judges come one by one (`_as_excerpt`), a journal's never can be new to it."""
        widths = [max(1, r.trigger.within_usec // BUCKETS) for r in self.rate_rules + self.share_rules]
        self.bucket_usec = math.gcd(MINUTE_USEC, *widths)
        """Counted entries are grouped in buckets of this much journal time (µs): within every rolling
        bucket and every minute, so a group's count lands where each entry would have."""
        self.window_usec = max((r.trigger.within_usec for r in self.rate_rules + self.share_rules), default=0)
        """The longest rolling window (µs): _runstep.c hands over only the buckets a rolling count can still
        hold after a group."""
        self.recent_usec = max((r.trigger.within_usec for r in self.rate_rules), default=0)
        """The rate rules' longest window (µs): _runstep.c counts a template's recent lines over it against its
        budget (a share rule's longer window, error-share-sustained's 30 minutes, would spend budgets made for
        a minute: nearly every line one by one)."""
        self._tables: dict[str, dict[str, int]] = {}
        self.slots = Slots(detector, self.rate_rules, self.new_rules, self.followed)
        self._state = self._new_state()
        self._serial = 0
        self._ticks: deque[tuple[int, int, int, int]] = deque()
        """(serial, entries, latest µs, bytes) after each run or batch of entries in full since the oldest
        pending count: the totals below, then."""
        self._entries = self._bytes = 0
        """Entries and message bytes (of the runs' batches) handed to the step so far."""
        self._latest = -(2**63)
        self._arrays: object = None
        """The batch arrays of the last run (runs of one batch share them)."""
        self._order: deque[int] = deque()
        """The serials of `_views`, in order."""
        self._views: dict[int, RunView | FullBatch] = {}
        """The runs (and batches of entries in full) whose entries may still be pending, by serial."""
        self._full: FullBatch | None = None
        """The batch the entries in full go to (a new one after each run: positions grow with serials)."""
        self._uids: dict[str, int] = {}
        self._units: list[str] = []
        self._unsure: set[str] = set()
        """Units whose next counted entries are observed one by one anyway (a line of theirs lost its template
        after the C step counted past it)."""
        self._spans: dict[str, int] = {}
        """A span's unit key -> its unit id, or -1 for a unit that is not learnt (scope units)."""
        excerpts = [r.anomaly for r in rules if r.anomaly is not None and r.anomaly.excerpts]
        self._excerpts = (max((s.warm_after_usec for s in excerpts), default=0),
                          max((s.warm_entries for s in excerpts), default=0),
                          max((s.novel_for_usec for s in excerpts), default=0)) if excerpts else None
        """What the rules that judge excerpts ask of a unit before none judges its lines read from text otherwise
        than a journal's (`_as_excerpt`): the longest warm-up (µs, entries) and novelty (µs), or None."""
        self._warmed: dict[str, tuple[UnitStats, int]] = {}
        """A unit of text -> (its UnitStats, the latest journal time it had when first seen warm by every rule
        that judges excerpts)."""

    def singles(self, run: ScreenedRun) -> Iterator[Single]:
        """Learn the run; the entries to observe one by one, in journal order (the caller observes each
        before asking for the next: counted entries are learnt in between)."""
        yield from self._bounded()
        self._full = None
        detector, view = self.detector, RunView(run)
        serial = self._serial = self._serial + 1
        self._views[serial] = view
        self._order.append(serial)
        stepped = self.slots.stepped = max(self.slots.stepped, run.peak_usec, run.last_usec)
        self.slots.aged()
        learnt = detector.learnt_until
        learn_only = detector.learn_only and bool(learnt)
        # In C when no span needs Python's side effects (_runstep.c decide): a run's spans are nearly as many as
        # its entries, ~0.4 µs an entry in this loop (bench/service_replay.py --batch-entries 60 --anomalies).
        decided = _runstep.decide(run.units, self._spans, self.slots.cold, detector.baselines.units,
                                  self.slots.warm_after or 0, stepped, detector._hot, learnt, learn_only,
                                  run.peak_usec, run.first_usec, self.supported, self._tables, _EMPTY)
        if decided is None:
            uids, modes, tables = self._decide(run, stepped, learn_only)
        else:
            uids, modes, tables = decided
        items = _runstep.step(self._state, serial, run._arrays, run.first_index, run.count, tables, uids,
                              modes, self.slots.budgets, self.error_level, self.bucket_usec, self.window_usec,
                              MAX_TEMPLATE_CHARS, detector.miner.max_tokens, MAX_PENDING, masked_key, self.recent_usec)
        for item in items:
            if len(item) == 3:
                index, now, slot = item
                template = self._template(slot)
                entry = view.entry(index)
                span = view.span_ids[index]
                if slot >= 0 and template is None:  # its template is gone: the line may land in one whose
                    self._unsure.add(run.units[span])  # budget the C step spent without it
                yield Single(now, entry, template)
                self.observed(run.units[span], entry, template is None and modes[span] == NORMAL)
            else:
                yield from self._counted(item)
        if run._arrays is not self._arrays:
            self._arrays = run._arrays
            self._bytes += len(run._arrays[5])
        self._entries += run.count
        yield from self._due(serial, run.peak_usec)

    def _decide(self, run: ScreenedRun, stepped: int, learn_only: bool) -> tuple[bytes, bytes, list[dict[str, int]]]:
        """Per span of the run: its unit's uid (int32s), mode (NORMAL, EXACT, SKIP) and template table for the C
        step; a cold unit's warm-up ended (RunSlots.warmed), a new unit given its uid, a learnt one's skipped
        entries counted. The Python twin of _runstep.c `decide`, which falls back here."""
        detector = self.detector
        modes, uids, tables = bytearray(len(run.units)), array("i"), []
        hot, spans, cold, learnt = detector.unlearnt_until, self._spans, self.slots.cold, detector.learnt_until
        histories, warm_after = detector.baselines.units, self.slots.warm_after or 0
        supported, tables_of = self.supported, self._tables
        # Per unit key of the run, (uid, mode, table): a run's spans are nearly as many as its entries, and a
        # unit's spans within one run are decided alike (nothing the decision reads changes in this loop).
        decided: dict[str, tuple[int, int, dict[str, int]]] = {}
        for span, key in enumerate(run.units):
            known = decided.get(key)
            if known is None:
                if key in cold and ((history := histories.get(key)) is None
                                    or history.first_usec + warm_after <= stepped):
                    self.slots.warmed(key)  # (its test inlined: a cold unit's every span asked it)
                uid = spans.get(key)
                if uid is None:
                    uid = spans[key] = -1 if left_out(run.spans[span][0]) else self._uid(key)
                if uid < 0 or (learn_only and learnt.get(key, -1) >= run.peak_usec):
                    known = (uid, SKIP, _EMPTY)
                elif not supported or hot(key) >= run.first_usec:
                    known = (uid, EXACT, _EMPTY)
                else:
                    table = tables_of.get(key)
                    if table is None:
                        table = tables_of[key] = {}
                    known = (uid, NORMAL, table)
                decided[key] = known
            uid, modes[span], table = known
            uids.append(uid)
            tables.append(table)
            if uid >= 0 and modes[span] == SKIP:  # history learnt again: the baselines hold all of it already
                detector.skipped[key] = detector.skipped.get(key, 0) + run.spans[span][1]
        return uids.tobytes(), bytes(modes), tables

    def entry(self, entry: Entry, learn: bool = True) -> Iterator[Single]:
        """An entry that came in full, not in a run (a candidate of the signature rules, or every entry when
        nothing is screened): counted as a run's entry is when it may be (the C step's `one`), else given
        one by one after its unit's counted entries are learnt (always when `learn` is False: a line of an
        open signature incident, which its observer keeps out of the baselines; and a line read from text)."""
        unit, level = host_unit(entry.machine_id, entry.unit), entry.effective_priority
        # (a line read from text: the rules that judge excerpts judge it from its unit's first line, which the
        # counted path's `Slots.fresh` does not know: it asks a journal's warm-up)
        if (not learn or not self.supported or left_out(entry.unit)
                or (entry.from_text and self._as_excerpt(unit, entry))
                or self.detector.unlearnt_until(unit) >= entry.realtime_usec
                or (level is not None and not 0 <= level < NO_PRIORITY) or not 0 <= entry.realtime_usec < _INT64):
            # (a PRIORITY or a time past what the C step holds: int64 µs; a dump can say 2**64 - 1)
            yield from self.flush(unit)
            yield Single(entry.realtime_usec, entry, None)
            self.observed(unit, entry)
            return
        full = self._full
        if full is None or len(full.entries) >= FULL_BATCH:
            yield from self._bounded()
            serial = self._serial = self._serial + 1
            self._views[serial] = self._full = FullBatch()
            self._order.append(serial)
            if full is not None:  # a batch's worth of entries in full: one more tick, as a run is
                yield from self._due(serial, entry.realtime_usec)
            full = self._full
        table = self._tables.get(unit)
        if table is None:
            table = self._tables[unit] = {}
        self.slots.stepped = max(self.slots.stepped, entry.realtime_usec)
        self.slots.aged()
        if unit in self.slots.cold:
            self.slots.warmed(unit)
        items = _runstep.one(self._state, self._serial, len(full.entries), entry.realtime_usec,
                             NO_LEVEL if level is None else level, entry.message, table, self._uid(unit),
                             self.slots.budgets, self.error_level, self.bucket_usec, self.window_usec,
                             MAX_TEMPLATE_CHARS, self.detector.miner.max_tokens, MAX_PENDING, masked_key,
                             self.recent_usec)
        full.entries.append(entry)
        self._entries += 1
        for item in items:
            if len(item) == 3:
                slot = item[2]
                template = self._template(slot)
                if slot >= 0 and template is None:
                    self._unsure.add(unit)
                yield Single(entry.realtime_usec, entry, template)
                self.observed(unit, entry, template is None)
            else:
                yield from self._counted(item)

    def _as_excerpt(self, unit: str, entry: Entry) -> bool:
        """May a rule that judges excerpts judge this line read from text otherwise than a journal's line? Until
        its unit is warm for every such rule and a novelty span has passed since, yes (a template first seen cold
        stays new for novel_for): such lines come one by one, the counted path knows a journal's warm-up only.
        Then no, and a long program log or syslog file is counted as a journal is (it went one by one: 93 µs a
        line of the bench's syslog text against 41 µs without anomaly rules)."""
        limits, stats = self._excerpts, self.detector.baselines.units.get(unit)
        if limits is None:
            return False
        if stats is None:
            return True
        known = self._warmed.get(unit)
        if known is None or known[0] is not stats:  # (evicted and learnt again: its warm-up starts over)
            if not stats.warm(limits[0], limits[1]):
                return True
            known = self._warmed[unit] = (stats, max(stats.last_usec, entry.realtime_usec))
        return entry.realtime_usec < known[1] + limits[2]

    def _bounded(self) -> Iterator[Single]:
        if len(self.slots.keys) >= MAX_SLOTS or max(len(self._spans), len(self._units)) >= MAX_UNITS:  # start again:
            yield from self.flush_all()  # every count learnt, then tables, slots and unit ids emptied
            self._tables = {}
            self.slots.clear()
            self._state = self._new_state()
            self._uids, self._units, self._spans = {}, [], {}

    def _new_state(self) -> _runstep.State:
        state = _runstep.new()
        _runstep.persist(state, tuple((f.level, f.gap_usec, f.floor_usec) for f in self.followed),
                         self.slots.deadlines, self.slots.masks)
        return state

    def _due(self, serial: int, usec: int) -> Iterator[Single]:
        """One more run (or batch of entries in full), up to journal time `usec`: the units' counts begun
        before the PENDING_* bounds are learnt, and the runs no count refers to any more are let go."""
        ticks = self._ticks
        self._latest = max(self._latest, usec)
        ticks.append((serial, self._entries, self._latest, self._bytes))
        before = None
        while len(ticks) > 1 and (self._entries - ticks[0][1] > PENDING_ENTRIES
                                  or self._latest - ticks[0][2] > PENDING_USEC
                                  or self._bytes - ticks[0][3] > PENDING_BYTES):
            before = ticks.popleft()[0]
        if before is not None:
            for item in _runstep.flush_due(self._state, before):
                yield from self._counted(item)
            order, views = self._order, self._views
            while order and order[0] < before:
                del views[order.popleft()]

    def observed(self, unit: str, entry: Entry, register: bool = False) -> None:
        """An entry of the unit was observed one by one (here or in full elsewhere): its template's count in
        the window moved on, and its peak may have, so its budget is made again from them; with `register`,
        a line whose key the unit's table lacks is put in."""
        template = self.detector.last_template
        if template is None or left_out(entry.unit):
            return
        slot = self.slots.of.get((unit, template.id))
        if slot is not None:
            self.slots.renew(unit, slot, retell=True)
        if register:
            table = self._tables.setdefault(unit, {})
            key = masked_key(first_line(entry.message), self.detector.miner.max_tokens)
            if key not in table:
                if len(table) >= MAX_KEYS_PER_UNIT:
                    table.clear()
                table[key] = self.slots.add(unit, template.id) if slot is None else slot

    def flush(self, unit: str) -> Iterator[Single]:
        """Learn the unit's counted entries now (before one of its entries is observed elsewhere)."""
        uid = self._uids.get(unit)
        if uid is not None and (item := _runstep.flush(self._state, uid)) is not None:
            yield from self._counted(item)

    def flush_all(self) -> Iterator[Single]:
        """Learn every counted entry (the end of the input, before baselines are read)."""
        for item in _runstep.flush_all(self._state):
            yield from self._counted(item)
        self._views.clear()
        self._order.clear()
        self._full = None

    def _uid(self, unit: str) -> int:
        uid = self._uids.get(unit)
        if uid is None:
            uid = self._uids[unit] = len(self._units)
            self._units.append(unit)
        return uid

    def _counted(self, item: _runstep.Counted) -> Iterator[Single]:
        """Learn one unit's counted entries, or give them one by one when counting would not be exact."""
        uid, positions, unit_runs, groups = item
        unit = self._units[uid]
        if unit in self._unsure:
            self._unsure.discard(unit)
        elif self._learn(unit, unit_runs, groups):
            return
        for at in memoryview(positions).cast("Q"):
            entry = self._views[at >> 32].entry(at & 0xFFFFFFFF)
            yield Single(entry.realtime_usec, entry, None)
            self.observed(self._units[uid], entry)

    def _template(self, slot: int) -> Template | None:
        if slot < 0:
            return None
        unit, template_id = self.slots.keys[slot]
        template = self.detector.miner.alive(unit, template_id)
        if template is None:  # evicted by the miner: its keys must be mined again
            self._tables.pop(unit, None)
        return template

    def _learn(self, unit: str, unit_runs: bytes, groups: list[_runstep.Group]) -> bool:
        """Learn a unit's counted entries at once (runstep_learn.learn_at_once), or False: one by one."""
        return learn_at_once(self, unit, unit_runs, groups)

    def message_at(self, at: int) -> str:
        """The MESSAGE of the entry at `at` (batch serial << 32 | index, as _runstep.c gives positions)."""
        return self._views[at >> 32].message(at & 0xFFFFFFFF)
