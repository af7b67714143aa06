"""Silence: a unit that logs to a rhythm and then goes quiet is how a hung service often looks.

For each absence rule the tracker learns every unit's rhythm: a compact summary of the gaps between its
entries (how many, their sum, the longest, and a histogram on a log scale with four bins per doubling, so a
gap is known to within 19 %). From it follow two things, reviewed each time the number of gaps learnt doubles:

* whether the unit is *regular*: the coefficient of variation of its gaps (the longest 0.1 % left out, so
  one outage in a year of heartbeats does not matter) is at most `max_variation`. A heartbeat or timer is
  near 0, a steady request log about 1 (random arrivals); units that log when someone comes (sshd, cron
  jobs, error logs) have bursts and long natural gaps, far above 1, and are never watched by default.
* its threshold: the longest of the rule's floor (`silent_for`), `margin` times the gap at the 99.9th
  percentile, and the gap whose probability is below `false_alarms_per_day` per day under the learnt
  distribution (its upper tail beyond the 90th percentile taken as exponential, the longest 0.1 % left out
  again, with a scale no smaller than the spread of all gaps, so a short history errs towards waiting longer).

A regular unit that logged at least `min_entries` entries, whose gaps cover `learn_for` (a day) of its life and
that is not quiet for longer than its threshold more than 5 % of that time (rhythm.py: a daemon that works a few
minutes a night is not a clock), is watched: once it has logged nothing for its threshold, on event time or
the wall clock when following live, a silence incident fires; its next entry ends it. That gap is not learnt
as normal, unless it is the second silence the unit ended by logging again on its own: then both are learnt
(a habit, say a daemon that became a nightly worker; a hang or two in weeks of gaps changes nothing, being a
tiny share of its time). The site config can force a threshold for a unit or glob (`silence = "10m"`, watched
from its first entry whatever its rhythm) or turn silence off. The service's first start learns the
rhythms of the journal's history with the baselines (`learn_run`, `adopt`), so a steady unit is watched
from its first entry after it.

Not silent: a unit that systemd stops or that finishes (oneshot) on purpose (its rhythm is kept, the gap over
the stop is not learnt; systemd's account of the run it then writes, "X: Consumed 2.1s CPU time.", ends the run
too, and its own last words up to 5 s after the stop are no new run: absence_stops.last_words, journald stores a
stream's last stdout lines after PID 1's, Docker's driver copies a container's pipe after its scope ended), and
a unit that goes quiet while another of its incidents is open or within that incident's window after its last
hit (a unit that stops logging right after an error run: the error incident covers it; the pipeline reports incidents to
`incident_opened` / `incident_ended`).
A collector's unit whose whole host went quiet with it waits for the host's verdict (`hold`, set by the
service: host_silence.py), so a stopped host is one incident, not one per unit.

Offline, every silence becomes a Gap with its real length, from the last entry before it to the unit's next
entry, or to the input's end when it never came back (`finish`). Units are keyed by SilenceKey: the machine id
and the unit (model.host_unit), so the same unit on several hosts of a collector has a rhythm per host.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from ..model import Entry, Incident, entry_key, split_host_unit
from ..rules.pattern import LateRegexError
from ..rules.rule import Rule
from .absence_clock import ClockSteps
from .absence_cover import Covered
from .absence_fold import MAX_COUNT as MAX_COUNT  # re-exported: silence_history.py
from .absence_fold import NEVER as NEVER  # re-exported: silence_history.py
from .absence_fold import RunFolding
from .absence_hosts import HostsSeen
from .absence_saved import MAX_UNITS as MAX_UNITS  # re-exported
from .absence_saved import SNAPSHOT_EVERY_S as SNAPSHOT_EVERY_S  # re-exported: cli/hosts.py
from .absence_saved import SavedRhythms
from .absence_seen import Learning, Seen, learning, silence_why, unlearn_mixed
from .absence_stops import (
    ContainerScopes,
    last_words,
    parent_key,
    parts_of,
    run_accounting,
    scope_id,
    started,
    stopped_by_systemd,
    text_program,
)
from .absence_stops import Gap as Gap  # re-exported: pipeline.py, views/report.py
from .absence_stops import deliberately_stopped as deliberately_stopped
from .clock_jumps import ClockJumps
from .detector import RuleTimeout, looks_at_entries, match_rule
from .host_boots import BootSteps, Downtime, HostBoots
from .rhythm import MAX_GAPS, Rhythm
from .window import invocation_of

SilenceKey = str
"""What a rhythm belongs to: (machine id, unit) as one string, model.host_unit ("MACHINE_ID/unit", the unit
alone for entries without `_MACHINE_ID`)."""


Overrides = Callable[[str], int | None]
"""The site config's word on a unit: None to learn it, 0 for never silent, else its threshold in usec."""

CLOCK_RECHECK_USEC = 1_000_000
"""A unit silence due while its host's clock offset is being learnt is looked at again this much later (µs)."""


class SilenceTracker(SavedRhythms, ClockSteps, RunFolding, BootSteps):
    """Per (rule, unit) rhythms and deadlines; what a silence is and is not: the module docstring."""

    def __init__(self, rules: Iterable[Rule], overrides: Overrides | None = None):
        self.rules = [rule for rule in rules if rule.absence is not None]
        self.rule_ids = frozenset(rule.id for rule in self.rules)
        self.overrides = overrides
        # Per rule, per unit. Plain dicts keep insertion order: past MAX_UNITS the unit seen first is dropped.
        self._seen: dict[str, dict[SilenceKey, Seen]] = {rule.id: {} for rule in self.rules}
        # Rules that count every entry; the others see only entries the detector's screen lets through.
        self._counting = [rule.id for rule in self.rules if not looks_at_entries(rule)]
        self._by_id = {rule.id: rule for rule in self.rules}
        # (deadline, rule id, unit), earliest first. A unit that logged since keeps its old entry; when that
        # comes due it is pushed again with its real deadline (lazy update, as in window.py), so a sign of life
        # costs O(1) however many units there are. An entry that is not the unit's `armed` one is stale.
        self._deadlines: list[tuple[int, str, SilenceKey]] = []
        self._cover = Covered()  # other incidents of a unit: open, or ended lately
        self._parents: dict[SilenceKey, None] = {}  # units with containers (absence_stops), bounded as units are
        self._scopes = ContainerScopes()  # a container's scope ends: the container stopped
        self._latest = 0
        self.jumps = ClockJumps()  # time a clock jumped is no silence (engine/clock_jumps.py)
        self.boots = HostBoots()  # nor time a host was down over a reboot (engine/host_boots.py)
        self.downtimes: list[Downtime] = []  # such reboots read, their host incidents not given out yet
        self.reboots_open: list[Incident] = []  # those given out, not ended yet
        self.own_machine: str | None = None  # whose clock ours is (service, tail): its entries' jumps are ours
        self.own_since = 0  # since when (µs) our clock is watched (ClockWatch): earlier jumps come from entries
        self.hosts_seen: HostsSeen | None = None  # each host's newest entry, for a scan's `hold` (absence_hosts.py)
        self._snapshot_at = time.monotonic()
        self._habit_moved = False
        """A pending "first silence it ended on its own" was set or learnt since the last snapshot."""
        self.hold: Callable[[str, int, int, int], int] | None = None
        """(machine id, the unit's last entry, now, its deadline on its host's clock) -> 0 to fire a due silence,
        else when to look again (µs)."""
        self.clock_settled: Callable[[str], bool] | None = None
        """(machine id) -> may its units' silences be judged by its clock's offset now? (host_clocks.py: not while
        its entries arrive at an offset still being learnt, as after a start.) None: always."""
        self.clock_offset: Callable[[str], int] | None = None
        """µs our clock is ahead of a machine's (the service's host_clocks.py; None: journal time is the clock,
        as scan has it): a unit's silence comes due when `now` less its host's offset passes its deadline."""

    def __bool__(self) -> bool:
        return bool(self.rules)

    # -- learning -------------------------------------------------------------------------------------------------
    def _new(self, rule: Rule, key: SilenceKey, units: dict[SilenceKey, Seen], rhythm: Rhythm | None = None) -> Seen:
        absence = rule.absence
        assert absence is not None
        override = self.overrides(split_host_unit(key)[1]) if self.overrides is not None else None
        seen = units[key] = Seen(rhythm or Rhythm(), override, review_at=1)
        self._review(rule, seen)
        if len(units) > MAX_UNITS:
            del units[next(iter(units))]
        if (parent := parent_key(key)) is not None:
            if parent not in self._parents and rhythm is None:  # its first container line, live: its rhythm held
                unlearn_mixed(self._seen.values(), parent)  # its containers' lines (a state saved before they split)
            self._parents[parent] = None
            if len(self._parents) > MAX_UNITS:
                del self._parents[next(iter(self._parents))]
        return seen

    def _review(self, rule: Rule, seen: Seen) -> None:
        """Look at the rhythm again (each time its gaps double): regular or not, and the threshold."""
        absence = rule.absence
        assert absence is not None
        rhythm = seen.rhythm
        if rhythm.gaps >= MAX_GAPS:
            rhythm.halve()
        needed = max(absence.min_entries - 1, 1)  # gaps between min_entries entries
        seen.review_at = min(max(2 * rhythm.gaps, needed), MAX_GAPS)
        if rhythm.span_usec < absence.learn_for_usec:  # look again about when its gaps will cover learn_for
            left = (absence.learn_for_usec - rhythm.span_usec) // max(rhythm.mean_usec, 1) + 1
            seen.review_at = max(min(seen.review_at, rhythm.gaps + left), rhythm.gaps + 1)
        if seen.override is not None:
            seen.threshold = seen.override
        else:
            seen.threshold = rhythm.watch_threshold(absence) if rhythm.gaps >= needed else 0

    def arrived(self, entry: Entry) -> None:
        """An entry's time is about to be looked at (the pipeline's tick, before `observe`): its host's clock jump,
        if it says one, and its host seen (for a scan's `hold`: a host first seen now is one more host, helper-169's
        E21), both before any deadline is judged by its time."""
        if entry.clock_jump is not None:
            self.clock_jumped(*entry.clock_jump, entry.machine_id)
        if self._counting:
            self.boot_seen(entry)
        if self.hosts_seen is not None:
            self.hosts_seen.saw(entry.machine_id, entry.realtime_usec)

    def observe(self, entry: Entry) -> list[tuple[Incident, Gap]]:
        """Note a sign of life (its host seen by `arrived`); returns the silences that this entry ends, with their
        gaps."""
        ended: list[tuple[Incident, Gap]] = []
        now, key = entry.realtime_usec, entry_key(entry)
        if now > self._latest:
            self._latest = now
        # systemd's account of a run ("X: Consumed 1.2s CPU time.") is written when the run ended: a stop too (a
        # user manager, systemd 249+, says "Deactivated successfully" at debug only: it is all a user unit that
        # exits on its own leaves at info, systemd PR 19936)
        stopped = deliberately_stopped(entry) or run_accounting(entry)
        begun = not stopped and started(entry)
        # a container's scope ended (the container stopped) or began (it runs again: its lines are no last words)
        scoped = self._scopes.note(key, entry.fields, stopped or begun)
        program = text_program(key) if entry.from_text and (stopped or begun) else None
        for rule in self.rules:
            if not stopped and looks_at_entries(rule):
                try:
                    if match_rule(rule, entry.message, entry.priority, entry.fields) is None:
                        continue
                except (RuleTimeout, LateRegexError):  # (a shipped rule file edited since it was checked: no match)
                    continue
            units = self._seen[rule.id]
            seen = units.get(key)
            if seen is None:
                seen = self._new(rule, key, units)
            if begun and scoped is not None and scoped in units:  # its container runs again: watched from now,
                self._started(rule.id, scoped, units[scoped], entry)  # as a unit from PID 1's "Started X."
            if begun and program is not None and program in units:
                self._started(rule.id, program, units[program], entry)
            if stopped and seen.override and not stopped_by_systemd(entry):
                # A watch's own threshold: a run that ended on its own (a oneshot's "Finished X.") is life, so
                # an hourly job whose timer stopped goes silent as its operator asked; systemd's account of a
                # run it stopped ("Consumed ..." after "Stopped X.") is no new run.
                if seen.last_usec < 0 and seen.stopped_usec:
                    continue
                stopped = False
            if last_words(seen, entry, stopped):
                continue  # a stopped unit's own line just after its stop, not a new run
            if stopped:  # not silent: systemd stopped it; the time until it logs again is no gap either
                self._stop(rule, key, seen, now, ended)
                for child in parts_of(key, units) if key in self._parents else ():  # containers, user units
                    self._stop(rule, child, units[child], now, ended)
                if scoped is not None and scoped in units:  # a container's own scope
                    self._stop(rule, scoped, units[scoped], now, ended)
                    units[scoped].stopped_scope = scope_id(key)
                if program is not None and program in units:  # a text's lines of its program
                    self._stop(rule, program, units[program], now, ended)
                continue
            if seen.last_usec >= 0 and not seen.quiet:
                if now >= seen.last_usec:  # (a clock's jump since is no part of the gap)
                    seen.rhythm.learn(max(0, now - seen.last_usec - self._jumped(seen.last_usec, key)))
                    if seen.rhythm.gaps >= seen.review_at:
                        self._review(rule, seen)
                else:  # its host's clock stepped back (stamped ahead at boot, then chronyd): no gap, and its
                    self._latest = now  # latest sign of life is this one, on the clock as it now is (helper-166 F17)
            elif seen.incident is not None:  # back from a silence: its gap is not learnt as normal, but a
                ended.append(self._end(rule, key, seen, now))  # second one it ended on its own is its habit
                gap = now - seen.last_usec
                if gap > 0 and seen.ended_alone_usec:
                    seen.rhythm.learn(seen.ended_alone_usec)
                    seen.rhythm.learn(gap)
                    seen.ended_alone_usec = 0
                    self._review(rule, seen)
                    self._habit_moved = True
                elif gap > 0:
                    seen.ended_alone_usec = gap
                    self._habit_moved = True
            seen.quiet = False
            seen.last_usec = now
            seen.last = entry
            seen.count = min(seen.count + 1, MAX_COUNT)
            if seen.threshold:
                self._arm(rule.id, key, seen)
        return ended

    def _started(self, rule_id: str, key: SilenceKey, seen: Seen, entry: Entry) -> None:
        """A stopped container whose scope systemd started again (`docker restart`, a restart policy): its new run
        is watched from the start line, not from its first line, which a run that hangs at start never writes."""
        seen.stopped_usec = 0
        if seen.last_usec < 0:
            seen.last_usec, seen.last = entry.realtime_usec, entry
            if seen.threshold:
                self._arm(rule_id, key, seen)

    def _stop(self, rule: Rule, key: SilenceKey, seen: Seen, now: int, ended: list[tuple[Incident, Gap]]) -> None:
        if seen.incident is not None:
            ended.append(self._end(rule, key, seen, now))
        seen.last_usec, seen.quiet, seen.count, seen.stopped_usec, seen.stopped_scope = -1, False, 0, now, ""

    def _end(self, rule: Rule, key: SilenceKey, seen: Seen, now: int, open_at_end: bool = False) -> tuple[Incident,
                                                                                                             Gap]:
        incident = seen.incident
        assert incident is not None
        seen.incident = None
        rhythm = seen.rhythm
        length, jumped = max(0, now - seen.last_usec), self._jumped(seen.last_usec, key)
        stepped = seen.last_stamp_usec() - seen.last_usec
        # (its first stamp is later than `now` when the clock was set back since: the gap ends at the stamp of the
        # line that ended it, the incident no earlier than it began)
        down = self.boots.down_credit(seen.last_usec, split_host_unit(key)[0]) if jumped else 0
        ended = replace(incident, last_usec=max(now, incident.first_usec),
                        why=silence_why(length, rhythm, jumped, stepped, down))
        _, _, fields = seen.last_details()
        gap = Gap(rule.id, incident.unit, incident.host or fields.get("_HOSTNAME", ""), incident.first_usec, now,
                  rhythm.mean_usec, incident.within_usec, open_at_end, incident.machine_id, length, jumped, stepped,
                  down)
        return ended, gap

    def _arm(self, rule_id: str, key: SilenceKey, seen: Seen) -> None:
        """Make sure the heap holds a deadline for the unit no later than its real one."""
        deadline = self._due_usec(key, seen)
        if seen.armed and seen.armed <= deadline:
            return
        seen.armed = deadline
        heapq.heappush(self._deadlines, (deadline, rule_id, key))
        if len(self._deadlines) > 4 * MAX_UNITS * len(self.rules):  # stale entries: rebuild
            self._deadlines = [(seen.armed, rule_id, key) for rule_id, units in self._seen.items()
                               for key, seen in units.items() if seen.armed]
            heapq.heapify(self._deadlines)

    def _due_usec(self, key: SilenceKey, seen: Seen) -> int:
        """When the unit's silence comes due (µs): its last entry plus its threshold, in its host's journal time,
        plus how far that host's clock runs behind ours (`clock_offset`), so that the wall clock or another
        host's entries do not find a collector's host silent by its clock's lag."""
        deadline = seen.last_usec + seen.threshold + 1 + self._jumped(seen.last_usec, key)
        return deadline + self.clock_offset(split_host_unit(key)[0]) if self.clock_offset is not None else deadline

    def _jumped(self, last_usec: int, key: SilenceKey) -> int:
        """µs a clock jumped ahead since the unit's line at `last_usec` (ClockJumps.credit; 0 with no jump)."""
        return self.jumps.credit(last_usec, split_host_unit(key)[0]) if self.jumps else 0

    # -- other incidents cover a silence (engine/absence_cover.py) -----------------------------------------------
    def incident_opened(self, key: SilenceKey) -> None:
        """Another incident (signature or anomaly) fired for the unit: while it is open, the unit is not silent."""
        self._cover.opened(key)

    def incident_ended(self, key: SilenceKey, covers_until_usec: int) -> None:
        """It ended: a silence that began before `covers_until_usec` (its last hit and window) is covered."""
        self._cover.ended(key, covers_until_usec)

    # -- firing ---------------------------------------------------------------------------------------------------
    def open_incidents(self) -> list[Incident]:
        return [seen.incident for units in self._seen.values() for seen in units.values() if seen.incident]

    def due(self, now_usec: int) -> bool:
        """Would `expire(now_usec)` have anything to look at?"""
        return self.reboots_due(now_usec) or (bool(self._deadlines) and self._deadlines[0][0] <= now_usec)

    def expire(self, now_usec: int) -> list[Incident]:
        """Silence incidents that fire by `now_usec`, earliest silence first; each fires at its deadline (a host's
        unclean reboot read, first: engine/host_boots.py)."""
        fired = self.take_downtimes() if self.downtimes else []
        deadlines = self._deadlines
        while deadlines and deadlines[0][0] <= now_usec:
            stored, rule_id, key = heapq.heappop(deadlines)
            seen = self._seen[rule_id].get(key)
            if seen is None or seen.armed != stored:
                continue  # forgotten, or a stale entry
            seen.armed = 0
            if not seen.threshold or seen.last_usec < 0 or seen.quiet:
                continue  # not watched (any more), stopped, or silent already: back in when it logs again
            due = self._due_usec(key, seen)
            if due > stored:  # it logged since (or its host's clock is behind ours): back in at its place
                seen.armed = due
                heapq.heappush(deadlines, (due, rule_id, key))
                continue
            machine = split_host_unit(key)[0]
            jumped = self._jumped(seen.last_usec, key)
            deadline = seen.last_usec + seen.threshold + 1 + jumped  # the host's journal time
            if self.clock_settled is not None and not self.clock_settled(machine):
                seen.armed = now_usec + CLOCK_RECHECK_USEC  # its host's clock is being learnt: look again
                heapq.heappush(deadlines, (seen.armed, rule_id, key))
                continue
            if self.hold is not None and (again := self.hold(machine, seen.last_usec, now_usec, deadline)):
                seen.armed = again  # its whole host is quiet: the host's incident stands for it (host_silence.py)
                heapq.heappush(deadlines, (again, rule_id, key))
                continue
            seen.quiet = True
            if self._cover.covers(key, seen.last_usec):
                continue  # it went quiet during (or right after) another incident of its own: that one covers it
            rule = self._by_id[rule_id]
            cursor, message, fields = seen.last_details()
            unit = split_host_unit(key)[1]
            stamp = seen.last_stamp_usec()  # (later than last_usec when the clock was set back since: the stamp shown)
            seen.incident = Incident(
                rule_id=rule.id, severity=rule.severity, unit=unit, key="", machine_id=machine,
                host=fields.get("_HOSTNAME", ""),
                first_usec=stamp, fired_usec=deadline, last_usec=max(deadline, stamp),
                count=seen.count, threshold=rule.absence.min_entries,  # type: ignore[union-attr]
                within_usec=seen.threshold, cursor=cursor, samples=(message,), action=rule.action,
                invocation=invocation_of(fields),
                why=silence_why(deadline - seen.last_usec, seen.rhythm, jumped, stamp - seen.last_usec,
                                self.boots.down_credit(seen.last_usec, machine) if jumped else 0))
            fired.append(seen.incident)
        return fired

    def finish(self, end_usec: int | None = None) -> list[tuple[Incident, Gap]]:
        """The input ended: the silences still open, each with its gap up to the input's end (the latest time
        seen, unless given)."""
        end = self._latest if end_usec is None else end_usec
        out = []
        for rule in self.rules:
            for key, seen in self._seen[rule.id].items():
                if seen.incident is not None:
                    at = end if self.hosts_seen is None else self.hosts_seen.end_of(split_host_unit(key)[0], end)
                    incident, gap = self._end(rule, key, seen, at, open_at_end=True)
                    seen.incident = incident  # still silent
                    out.append((incident, gap))
        return out

    def learning(self) -> Learning | None:
        """The units still being learnt under the first rule that counts every entry (absence_seen.Learning)."""
        rule_id = next(iter(self._counting), None)
        if rule_id is None:
            return None
        absence = self._by_id[rule_id].absence
        assert absence is not None
        return learning(rule_id, self._seen[rule_id], absence.learn_for_usec, absence.min_entries)

    def rhythm(self, rule_id: str, key: SilenceKey) -> tuple[Rhythm, int] | None:
        """A unit's rhythm and current threshold (0: not watched), for views and tests."""
        seen = self._seen.get(rule_id, {}).get(key)
        return None if seen is None else (seen.rhythm, seen.threshold)
