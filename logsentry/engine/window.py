"""Bursts on event time: fire when `count` hits for one (rule, machine and unit, key) fall within the rule's window.

Times are the entries' own journal timestamps, never the clock, so scanning yesterday's journal raises
the incidents the live service would have raised. Only the newest `count` timestamps of a key are kept,
so memory per key is bounded by the rule's threshold, and at most MAX_WINDOWS keys are tracked: group
keys come from log text (client addresses, user names), so a flood of distinct ones must not grow memory.
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..model import Hit, Incident, Link, Severity, host_unit, new_incident, split_host_unit
from ..rules.rule import Rule, Trigger
from ..sources.selection import COREDUMP_MESSAGE_ID, managers_line
from .retry_causes import CAUSE, CAUSE_CURSOR
from .stock_lines import Said, counts_templates, telling

MAX_SAMPLES = 5
"""An incident keeps its first MAX_SAMPLES - 1 hits' lines and its latest (alerts' and reminders' `latest:` said the
fifth hit's line hours into a failure: helper F9)."""
MAX_SAMPLE_CHARS = 1024  # a sample is for people (alerts show 500 characters): 48 KiB lines must not pile up
MAX_WINDOWS = 20_000
RECHECK_USEC = 1_000_000
"""A window of a host whose clock offset is being learnt, not yet past its deadline by the host's own journal time,
is looked at again this much later (µs of the service's `now`): it ends at most this late once that time passes."""
EVICT_BATCH = 256

WindowKey = tuple[str, str, str]


@dataclass(slots=True)
class _Window:
    """Mutable per-key state owned by the tracker: recent hit times (at most the rule's count, oldest first) and
    the open incident, if any. A list, not a deque(maxlen=count): an empty deque is 760 bytes (its first block of
    64 slots), and at MAX_WINDOWS those blocks were 16 MiB of the service's memory (bench/memory.py, tracemalloc);
    dropping the oldest of at most a rule's count (shipped rules: 300 at most) is a short move."""

    stamps: list[int]
    incident: Incident | None = None
    stalled_usec: int = 0
    """Journal time since its last hit that the journal itself stood still (BurstTracker.stalled): no part of its
    quiet. 0 again at its next hit."""
    said: list[Said | None] | None = None
    """The lines of `stamps`, one each (None: not kept, a restored window's), for a rule that counts a unit's new
    templates together (engine/stock_lines.py counts_templates); None for the others."""


def counter_why(trigger: Trigger, hit: Hit) -> str:
    """Why the hit fires its rule at once by the program's own count (Trigger.counter: "counter 18461 on its line,
    at least 10", the incident's `why`; views/counts.py tells it), or "" when it does not."""
    if trigger.counter is None:
        return ""
    value = hit.captures.get(trigger.counter, "")
    if not (value.isascii() and value.isdigit()) or len(value) > 18 or int(value) < trigger.counter_at_least:
        return ""
    return f"{trigger.counter} {int(value)} on its line, at least {trigger.counter_at_least}"


class BurstTracker:
    def __init__(self, rules: Iterable[Rule]):
        self.rules = {rule.id: rule for rule in rules}
        self._telling = frozenset(rule.id for rule in self.rules.values() if counts_templates(rule))
        self._windows: dict[WindowKey, _Window] = {}
        # (deadline, key) of every window, earliest first. A window that got hits since keeps its old
        # heap entry; when that comes due it is pushed again with its real deadline (lazy update), so
        # each hit costs O(1) and each expiry O(log n), however many keys there are.
        self._deadlines: list[tuple[int, WindowKey]] = []
        self._ended_early: list[Incident] = []
        self._counters: OrderedDict[WindowKey, None] = OrderedDict()
        """Keys whose counter a hit told already (Trigger.counter), the latest last, at most MAX_WINDOWS: only the
        first counter seen fires at once (a loop going on before we looked); after it the window's own count
        judges the rate (a unit restarted once a day by RuntimeMaxSec= reaches any counter, and paged daily)."""
        self.evicted = 0
        """Windows dropped to stay within MAX_WINDOWS (the least recently hit ones)."""
        self._dirty: set[WindowKey] = set()
        """Keys added, changed or dropped since the last changes() (kept once track_changes is set: the
        service saves only those)."""
        self.track_changes = False
        self.clock_offset: Callable[[str], int] | None = None
        """µs our clock is ahead of a machine's (the service's host_clocks.py): a window ends when `now` (ours)
        less that is past its deadline (the host's journal time). None: journal time is the clock (scan)."""
        self.host_time: Callable[[str], int | None] | None = None
        """A machine's own time while its clock offset is being learnt: the journal time of its newest entry read (µs,
        0: none since the start); None once the offset is known (the service's host_clocks.py). Its windows end
        only once both that time and `now` less its offset are past their deadlines: by our clock alone a host 10
        min behind had every window ended at our first look, a burst of 2 lines 1 s apart made two incidents, and
        the first was lost (held for the clock under the same key as the second). None: the offset alone."""
        self.late_end: Callable[[str, int], int] | None = None
        """(machine, a window's deadline on `now`'s scale) -> when that window ends by `now` while the machine's
        entries come late (a backlog: host_clocks.py HostWindows), unless its own time passes it first; 0: they
        come in step (or its offset is learnt). None: always 0."""

    def add(self, hit: Hit) -> tuple[Incident | None, Incident | None]:
        """Record a hit; returns (incident that ended before it, incident it fired), either may be None."""
        rule = self.rules[hit.rule_id]
        trigger = rule.trigger
        now = hit.entry.realtime_usec
        key = (hit.rule_id, host_unit(hit.entry.machine_id, hit.entry.unit), hit.key)  # one window per host
        window = self._windows.pop(key, None)  # and put back last: the dict is in least recently hit order
        if window is None:
            if len(self._windows) >= MAX_WINDOWS:
                self._make_room()
            window = _Window(stamps=[])
            heapq.heappush(self._deadlines, (now + trigger.within_usec, key))
        self._windows[key] = window
        if self.track_changes:
            self._dirty.add(key)
        ended = None
        invocation = invocation_of(hit.entry.fields)
        if window.incident is not None and invocation and window.incident.invocation \
                and invocation != window.incident.invocation:
            # A new invocation of the unit (it was restarted): the old incident is over, this may be a new one.
            ended, window.incident = window.incident, None
            window.stamps.clear()
            window.said = None
        stalled, window.stalled_usec = window.stalled_usec, 0
        if window.incident is not None:
            if now - window.incident.last_usec - stalled <= trigger.hold_usec:
                window.incident = _extend(window.incident, hit)
                return None, None
            ended, window.incident = window.incident, None
            window.stamps.clear()
            window.said = None
        # Entries may come slightly out of order (several journal files); never let time run backwards.
        if window.stamps and now < window.stamps[-1]:
            now = window.stamps[-1]
        window.stamps.append(now)
        if rule.id in self._telling:
            said = window.said
            if said is None:  # (a restored window's stamps came without their lines)
                said = window.said = [None] * (len(window.stamps) - 1)
            said.append((hit.entry.message[:MAX_SAMPLE_CHARS], hit.entry.cursor, hit.why, hit.template))
        if len(window.stamps) > trigger.count:  # (more than one after a reload lowered the count)
            del window.stamps[:-trigger.count]
        if window.said is not None and len(window.said) > len(window.stamps):
            del window.said[:-len(window.stamps)]
        counted = self._first_counter(key, trigger, hit)
        if (len(window.stamps) == trigger.count and now - window.stamps[0] <= trigger.within_usec) or counted:
            first = window.stamps[0] if now - window.stamps[0] <= trigger.within_usec else now
            fired_at = sum(stamp >= first for stamp in window.stamps)  # trigger.count, or fewer by the counter
            back = telling(window.said, window.stamps, first) if window.said else None
            if back is None or window.said is None:
                cursor, samples = hit.captures.get(CAUSE_CURSOR) or hit.entry.cursor, _first_samples(hit)
                why, template = hit.why or counted, hit.template
            else:  # a counted line that says more than the stock line that reached the count, then that line
                line, cursor, why, template = window.said[-back] or ("", "", "", "")
                samples = (line, hit.entry.message[:MAX_SAMPLE_CHARS])
            window.said = None
            window.incident = Incident(
                rule_id=rule.id, severity=rule.severity, unit=hit.entry.unit, key=hit.key,
                first_usec=first, fired_usec=now, last_usec=now, count=fired_at,
                threshold=trigger.count, within_usec=trigger.within_usec,
                cursor=cursor, samples=samples, action=rule.action, invocation=invocation,
                why=why, template=template, machine_id=hit.entry.machine_id, host=hit.entry.host,
                said_usec=-1 if back is None else window.stamps[-back],
            )
            return ended, window.incident
        return ended, None

    def holds(self, hit: Hit) -> bool:
        """Would `add(hit)` leave the hit in an open incident (one it extends, or one it fires)? Asked before
        adding it: the lines of a failure are not learnt as their unit's normal (pipeline.py), while a hit
        that stays below its trigger (a mistyped ssh login) is ordinary traffic."""
        trigger = self.rules[hit.rule_id].trigger
        now = hit.entry.realtime_usec
        key = (hit.rule_id, host_unit(hit.entry.machine_id, hit.entry.unit), hit.key)
        window = self._windows.get(key)
        fires = trigger.counter is not None and key not in self._counters and bool(counter_why(trigger, hit))
        if window is None or trigger.count <= 1:
            return trigger.count <= 1 or fires
        incident = window.incident
        if incident is not None:
            invocation = invocation_of(hit.entry.fields)
            return (not (invocation and incident.invocation and invocation != incident.invocation)
                    and now - incident.last_usec <= trigger.hold_usec)  # else a new count starts at this hit
        stamps = window.stamps  # as add() would: this hit's time (never before the last) and the count - 1 before
        if fires:
            return True
        if len(stamps) < trigger.count - 1:
            return False
        return max(now, stamps[-1]) - stamps[len(stamps) - trigger.count + 1] <= trigger.within_usec

    def _first_counter(self, key: WindowKey, trigger: Trigger, hit: Hit) -> str:
        """counter_why for the first hit of the key that tells its counter; "" for any later one."""
        if trigger.counter is None or not hit.captures.get(trigger.counter):
            return ""
        if key in self._counters:
            self._counters.move_to_end(key)
            return ""
        self._counters[key] = None
        if len(self._counters) > MAX_WINDOWS:
            self._counters.popitem(last=False)
        return counter_why(trigger, hit)

    def _make_room(self) -> None:
        """Drop the least recently hit windows that have no open incident: each loses at most count - 1 hits
        of a key that had not fired. Only when every window at the old end has an open incident do those
        go, ended early (given out by the next expire())."""
        windows = self._windows
        oldest = list(itertools.islice(windows, 4 * EVICT_BATCH))
        quiet = [key for key in oldest if windows[key].incident is None][:EVICT_BATCH]
        dropped = quiet or oldest[:EVICT_BATCH]
        if self.track_changes:
            self._dirty.update(dropped)
        for key in dropped:
            incident = windows.pop(key).incident
            if incident is not None:
                self._ended_early.append(incident)
        self.evicted += len(dropped)
        if len(self._deadlines) > 2 * MAX_WINDOWS:  # entries of dropped windows: rebuild from the live ones
            self._deadlines = [(self._deadline(key, window), key) for key, window in windows.items()]
            heapq.heapify(self._deadlines)

    def stalled(self, machine_id: str, at_usec: int, delta_usec: int) -> None:
        """The journal of `machine_id` stood still for `delta_usec` (µs) from `at_usec` (journal time): journald
        was frozen or stopped, so its units' lines of that time were stamped after it (journald stamps a line when
        it reads it). A window of that machine whose last hit came before is due that much later, and its
        incident goes on if its next hit comes within its hold of it less the stall (the service's canary tells
        a stall from a quiet host: service_stall.py). A helper's trial: an error burst going on was resolved
        while journald was frozen, and paged again as new when it wrote again."""
        for key, window in self._windows.items():
            last = window.incident.last_usec if window.incident is not None else \
                window.stamps[-1] if window.stamps else None
            if last is not None and last <= at_usec and split_host_unit(key[1])[0] == machine_id:
                window.stalled_usec += delta_usec

    def due(self, now_usec: int) -> bool:
        """Would `expire(now_usec)` have anything to look at?"""
        return (bool(self._deadlines) and self._deadlines[0][0] < now_usec) or bool(self._ended_early)

    def expire(self, now_usec: int) -> list[Incident]:
        """End incidents with no hit for their rule's hold (its window, and `keep_firing_for`) before `now_usec`;
        drop windows gone quiet."""
        ended, self._ended_early = self._ended_early, []
        deadlines = self._deadlines
        while deadlines and deadlines[0][0] < now_usec:
            stored, key = heapq.heappop(deadlines)
            window = self._windows.get(key)
            if window is None:
                continue
            deadline = self._deadline(key, window, now_usec)
            if deadline != stored:
                # Out of date (hits came since): back in at its real place. Windows thus end in the order of
                # their real deadlines however far `now` jumps, so ending a scan's screened run at its last
                # time ends the same windows in the same order as ending them entry by entry.
                heapq.heappush(deadlines, (deadline, key))
                continue
            if window.incident is not None:
                ended.append(window.incident)
            del self._windows[key]
            if self.track_changes:
                self._dirty.add(key)
        return ended

    def _deadline(self, key: WindowKey, window: _Window, now_usec: int | None = None) -> int:
        """When the window ends, on the scale of `now` (µs): its deadline by its host's journal time, moved by the
        host's clock offset; while that offset is learnt or its entries come late (`host_time`), not before the
        host's own time passed it (looked at again RECHECK_USEC after `now_usec`; without one, the earliest it may
        end: looked at then), or for late entries at `late_end` (their host sent nothing more for long)."""
        trigger = self.rules[key[0]].trigger
        if window.incident is not None:
            deadline = window.incident.last_usec + trigger.hold_usec
        else:
            deadline = (window.stamps[-1] if window.stamps else 0) + trigger.within_usec
        deadline += window.stalled_usec
        if not self.clock_offset:
            return deadline
        machine = split_host_unit(key[1])[0]
        shifted = deadline + self.clock_offset(machine)
        if now_usec is None or self.host_time is None or (own := self.host_time(machine)) is None:
            return shifted
        if deadline >= own:  # not past by the host's own clock: a late clock's window is not ended by ours,
            if self.late_end is not None and (until := self.late_end(machine, shifted)):  # nor a backlog's, unless
                return min(until, now_usec + RECHECK_USEC)  # its host sent nothing more for long
            return max(shifted, now_usec + RECHECK_USEC)
        return max(shifted, deadline + now_usec - own)  # past by it: ends now, unless `now` less the offset is not

    def snapshot(self) -> list[dict[str, Any]]:
        """JSON-ready state of every window, for the service's saved state."""
        return [_window_json(key, window) for key, window in self._windows.items()]

    def changes(self) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
        """Since the last call: (saved key, JSON-ready state) of each window added or changed, and the saved
        keys of windows gone. An incremental snapshot: a commit costs what changed, not every window."""
        changed, gone = [], []
        for key in self._dirty:
            window = self._windows.get(key)
            if window is None:
                gone.append(window_key(key))
            else:
                changed.append((window_key(key), _window_json(key, window)))
        self._dirty.clear()
        return changed, gone

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        """Every window as (saved key, JSON-ready state); marks nothing to save."""
        self._dirty.clear()
        return [(window_key(key), _window_json(key, window)) for key, window in self._windows.items()]

    def restore(self, items: list[dict[str, Any]]) -> None:
        """Load a snapshot; windows of rules that no longer exist are dropped."""
        for item in items:
            rule_id, unit, group = item["key"]
            rule = self.rules.get(rule_id)
            if rule is None:
                continue
            window = _Window(stamps=[int(stamp) for stamp in item["stamps"]][-rule.trigger.count:])
            if item["incident"] is not None:
                window.incident = incident_from_json(item["incident"])
            self._windows[(rule_id, unit, group)] = window
            heapq.heappush(self._deadlines, (self._deadline((rule_id, unit, group), window), (rule_id, unit, group)))

    def open_incidents(self) -> list[Incident]:
        return [w.incident for w in self._windows.values() if w.incident is not None]

    def goes_on(self, rule_id: str, machine_id: str, unit: str, at_usec: int, invocation: str = "",
                longest_usec: int = 2**62, key: str = "") -> None:
        """A line (journal time `at_usec`, µs) that says the open incident of a window (ungrouped) goes on,
        though its rule did not hit it: its latest line moves on, its count does not, so it ends only once its
        window passes without one (engine/owners.py `going_on`: a new error line repeating through a hang), or
        `longest_usec` after its first hit. Not across invocations: a restarted unit's line is no sign the old
        incident goes on. `key`: the window's (engine/owners.py ANOTHER_KEY: a second failure's)."""
        window_key = (rule_id, host_unit(machine_id, unit), key)
        window = self._windows.get(window_key)
        incident = window.incident if window is not None else None
        if incident is None or at_usec <= incident.last_usec or at_usec - incident.first_usec >= longest_usec or (
                invocation and incident.invocation and invocation != incident.invocation):
            return
        assert window is not None
        window.incident = replace(incident, last_usec=at_usec, going_on=incident.going_on + 1)
        window.stalled_usec = 0  # (its latest line came after the stall)
        if self.track_changes:
            self._dirty.add(window_key)

    def went_back(self, rule_id: str, machine_id: str, unit: str, key: str, before: Incident, after: Incident) -> None:
        """Undo the goes_on that made `after` of `before` (the line was another failure's: pipeline.py `_line`),
        unless the window changed since."""
        window_key = (rule_id, host_unit(machine_id, unit), key)
        window = self._windows.get(window_key)
        if window is not None and window.incident is after:
            window.incident = before
            if self.track_changes:
                self._dirty.add(window_key)

    def unit_incidents(self, machine_id: str, unit: str) -> list[Incident]:
        """The open incidents of one unit, every rule's and key's (a walk over all windows: for rare questions)."""
        of = host_unit(machine_id, unit)
        return [window.incident for (_, key, _), window in self._windows.items()
                if key == of and window.incident is not None]

    def incident_of(self, rule_id: str, machine_id: str, unit: str, key: str) -> Incident | None:
        """The open incident of one window (its latest version), if any."""
        window = self._windows.get((rule_id, host_unit(machine_id, unit), key))
        return None if window is None else window.incident

    def __len__(self) -> int:
        return len(self._windows)


def window_key(key: WindowKey) -> str:
    return "\x1f".join(key)


def _window_json(key: WindowKey, window: _Window) -> dict[str, Any]:
    return {"key": list(key), "stamps": list(window.stamps),
            "incident": incident_json(window.incident) if window.incident else None}


def invocation_of(fields: Mapping[str, str]) -> str:
    """The invocation of the unit an entry is about, by the same precedence as `subject_unit`: systemd's
    own lines name it in INVOCATION_ID (USER_INVOCATION_ID for a user unit), privileged lines about another
    unit in OBJECT_SYSTEMD_INVOCATION_ID, and everything else runs in its own; systemd-coredump's report
    names none ("": unknown; its own `_SYSTEMD_INVOCATION_ID` is the systemd-coredump@ instance's)."""
    if managers_line(fields) and (named := fields.get("INVOCATION_ID") or fields.get("USER_INVOCATION_ID")):
        return named
    if fields.get("_UID") == "0" and fields.get("MESSAGE_ID") == COREDUMP_MESSAGE_ID:
        return ""
    if fields.get("_UID") == "0" and (other := fields.get("OBJECT_SYSTEMD_INVOCATION_ID")):
        return other
    return fields.get("_SYSTEMD_INVOCATION_ID") or ""


def link_json(link: Link) -> dict[str, Any]:
    """A chain link as saved (its fields in order; the severity as its number)."""
    return {"rule_id": link.rule_id, "severity": int(link.severity), "first_usec": link.first_usec,
            "count": link.count, "message": link.message, "cursor": link.cursor, "fired": link.fired,
            "joined": link.joined, "last_usec": link.last_usec, "message_usec": link.message_usec}


def incident_json(incident: Incident) -> dict[str, Any]:
    """The incident as saved: its fields in order, written out rather than by dataclasses.asdict, whose
    recursive deep copy made most of the service's commit cost (every changed window, 5 times a second)."""
    i = incident
    return {"rule_id": i.rule_id, "severity": int(i.severity), "unit": i.unit, "key": i.key,
            "first_usec": i.first_usec, "fired_usec": i.fired_usec, "last_usec": i.last_usec, "count": i.count,
            "threshold": i.threshold, "within_usec": i.within_usec, "cursor": i.cursor, "samples": list(i.samples),
            "action": i.action, "invocation": i.invocation, "dropped": i.dropped, "why": i.why,
            "template": i.template, "machine_id": i.machine_id, "host": i.host,
            "chain": [link_json(link) for link in i.chain], "going_on": i.going_on, "said_usec": i.said_usec}


def incident_from_json(data: Mapping[str, Any]) -> Incident:
    chain = tuple(Link(**{**link, "severity": Severity(link["severity"])}) for link in data.get("chain") or ())
    return Incident(**{**data, "severity": Severity(data["severity"]), "samples": tuple(data["samples"]),
                       "chain": chain})


def _first_samples(hit: Hit) -> tuple[str, ...]:
    """An incident's first lines: its hit's, after the failure it retries when it announces a retry (its `cause`,
    engine/retry_causes.py), which is then the incident's line (its cursor's): the card, alert and JSON quote
    what failed, not `Trying again in 4.00 seconds...` alone."""
    line = hit.entry.message[:MAX_SAMPLE_CHARS]
    cause = hit.captures.get(CAUSE)
    return (cause[:MAX_SAMPLE_CHARS], line) if cause else (line,)


def _extend(incident: Incident, hit: Hit) -> Incident:
    """The incident with one more hit. Built field by field (in Incident's order) without the frozen __init__
    (model.new_incident): dataclasses.replace took about 3x as long as Incident(...), itself ~6 µs to new_incident's
    0.2, for every hit of an open incident (tests/test_service_path_exact.py holds it to replace)."""
    i = incident
    samples = i.samples
    if len(samples) < MAX_SAMPLES:
        samples = (*samples, hit.entry.message[:MAX_SAMPLE_CHARS])
    elif hit.entry.realtime_usec >= i.last_usec:  # the latest stays the last sample
        samples = (*samples[:-1], hit.entry.message[:MAX_SAMPLE_CHARS])
    return new_incident(i.rule_id, i.severity, i.unit, i.key, i.first_usec, i.fired_usec,
                        max(i.last_usec, hit.entry.realtime_usec), i.count + 1, i.threshold, i.within_usec, i.cursor,
                        samples, i.action, i.invocation, i.dropped, i.why, i.template, i.machine_id, i.host, i.chain,
                        i.going_on, i.said_usec)
