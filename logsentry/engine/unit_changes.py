"""What changed just before an incident: the services PID 1 stopped or saw fail, on any host read.

A fleet's outage often begins with a change on another host: a planned stop of db-1's PostgreSQL (PID 1's
"Stopping postgresql@15-main.service - ...", "...: Deactivated successfully.", "Stopped ..."), then its clients'
errors on web-1, web-2 and worker-1. Each victim's card and page named its own errors only; nothing pointed at the
stop (a new user's try, nu78: 5 pages, all about victims). So an incident is given the changes of the
WINDOW_USEC before its first line, on every host of the input, less its
own unit's on its own host: per unit its worst change there (a failure, then a stop), and whether and when systemd
started it again (known up to the time it is said: a card after the input is read, an alert when it is queued).
A start, and a run that ended with no stop asked ("X: Deactivated successfully." with no "Stopping X..."), are no
change of their own: a busy host's on-demand services (systemd-hostnamed, NetworkManager-dispatcher, packagekit,
fwupd, udisks2) start and exit when idle all day, and said as "exited ... not started again" they filled every card
and, on a fleet, the ring (break271, 3 and 4); a start still answers a stop's or failure's "started again".

Only PID 1's lines count (`_PID=1`: journald's, no process can forge it; a text's `systemd[1]:`, as the rules read
it, whose unit sources/text.py names from the line: `(X.service)`): a program's own text saying "Stopped X." is
nothing. The words are engine/stop_windows.job_word's (job.c's done lines, by MESSAGE_ID or wording) and
engine/unit_causes.RUN_END's ("Failed with result", "Deactivated successfully."); "Failed to start X." (job.c's
failed start job, SD_MESSAGE_UNIT_FAILED) is a failure too: a unit whose dependency failed never ran.

A host's shutdown (PID 1 reached shutdown.target: engine/stop_windows.reached_shutdown; a text's `systemd[1]:
Reached target shutdown.target - ...`) is one change, its services' stops before it counted in it, and its next
"Startup finished" is its "up again". Services only for starts and stops
(a mount's "Unmounted" and a socket's "Closed" carry the stop's id too), less a login's bookkeeping (user@UID.service,
user-runtime-dir@UID.service: every ssh login of a user starts them); a oneshot's run ("Starting", "Deactivated
successfully.", "Finished X.", or before v246 "Started X." after it) is no change (timers run them every few
minutes). Failures of sockets, mounts, swaps, paths, timers and automounts count too. Memory is bounded: the latest
MAX_CHANGES changes by their time (a collector reads many hosts; the oldest is dropped, and an incident whose window
lost one says so) and the latest starts of MAX_UNITS units.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..model import Entry, Incident
from ..timespec import format_duration, format_usec
from ..wording import plural
from .failure_model import joins_as_named
from .stop_windows import (
    DEACTIVATED,
    SHUTDOWN_TARGET,
    STARTED,
    STOPPED,
    job_word,
    reached_shutdown,
    startup_finished,
)
from .unit_causes import RUN_END

WINDOW_USEC = 300_000_000
"""How long before an incident's first line a change is said (µs of journal time): 5 minutes. A stopped server's
clients fail at their next request or pool check (seconds on a busy service; HikariCP's connection timeout 30 s, a
job every minute or few), and systemd's own stop may take its TimeoutStopSec (90 s by default) before "Stopped";
longer and a busy fleet's routine restarts crowd the card."""
MAX_CHANGES = 4096
"""Changes kept (the latest by their time): a window's stops and failures on a few hundred hosts."""
MAX_UNITS = 10_000
"""Units whose latest word and starts are kept (the latest used)."""
PER_UNIT = 8
"""Starts kept per unit (a crash loop's latest)."""
MAX_SHOWN = 3
"""Changes a card or an alert names; the rest are counted ("and 2 more")."""
MAX_RECORDED = 20
"""Changes an incident_end record lists (`changes_before`, most telling first); the rest are counted
(`changes_before_more`): a fleet's window of stops made a record of 2,048 changes (~0.5 MB)."""
LOST = "(some changes before it were no longer kept: the latest 4,096 of all hosts are)"
"""Said when a change in an incident's window was dropped (MAX_CHANGES)."""
UNIT_FAILED = "be02cf6855d2428ba40df7e9d022f03d"  # job.c's failed start job: "Failed to start X.", "Dependency ..."
FAILED, SHUT_DOWN = "failed", "shut down"
RANK = {SHUT_DOWN: 0, FAILED: 1, STOPPED: 2}
"""Which of a unit's changes in the window it is said by (the first)."""
FAILING = (".service", ".socket", ".mount", ".swap", ".path", ".timer", ".automount")
"""Units whose failure is said (a scope's, slice's, target's or device's: never)."""
LOGIN_UNITS = ("user@", "user-runtime-dir@")
TEXT_SHUTDOWN = f"Reached target {SHUTDOWN_TARGET} - "
"""A text's `systemd[1]:` line that the host shut down (systemd 253 and later name the unit: "... - System
Shutdown.")."""
OLD_TEXT_SHUTDOWN = ("Reached target System Shutdown.", "Reached target Shutdown.")
"""Before 253, by shutdown.target's Description alone (its unit's own words: "Shutdown" before "System Shutdown")."""


@dataclass(frozen=True, slots=True)
class Change:
    """One of PID 1's lines that changed a unit."""

    usec: int
    machine: str
    host: str
    unit: str
    """As PID 1 named it (a text's without its parentheses)."""
    subject: str
    """The entry's unit (a text's `(X.service)`): the incident's own is told by it."""
    kind: str


@dataclass(frozen=True, slots=True)
class UnitChange:
    """A unit's changes in an incident's window, as said: its worst, how many of that kind, the start after it."""

    machine: str
    host: str
    unit: str
    kind: str
    usec: int
    times: int
    before_usec: int
    """How long before the incident's first line (µs)."""
    back_usec: int
    """When systemd started it again after it (its "Started X."; a host's next "Startup finished"), -1 when not
    read."""
    services: int = 0
    """A host's shutdown: the services it stopped in the window (said by it, not each)."""

    def record(self) -> dict[str, Any]:
        """For JSON (`changes_before`)."""
        return {"host": self.host, "machine_id": self.machine, "unit": self.unit, "change": self.kind,
                "realtime_usec": self.usec, "times": self.times, "before_usec": self.before_usec,
                "started_again_usec": self.back_usec if self.back_usec >= 0 else None,
                **({"services_stopped": self.services} if self.kind == SHUT_DOWN else {})}

    def said(self, as_of_usec: int | None) -> str:
        """"db-1 postgresql@15-main.service stopped 00:47:13.000 (1.0s before); started again 01:35:02.000";
        `as_of_usec`: up to when a start was looked for (None: the input's end)."""
        day = format_usec(self.usec)[:10]
        times = f" {self.times} times, the last" if self.times > 1 else ""
        what = f"{self.unit} {self.kind}"
        if self.kind == SHUT_DOWN:
            services = f", {plural(self.services, 'service')} stopped" if self.services else ""
            what = f"shut down (reached {self.unit}{services})"
        text = f"{self.host or self.machine} {what}{times} {_clock(self.usec, day)} " \
            f"({format_duration(self.before_usec)} before)"
        again = "up again (startup finished)" if self.kind == SHUT_DOWN else "started again"
        if self.back_usec >= 0:
            return f"{text}; {again} {_clock(self.back_usec, day)}"
        return f"{text}; not {again.split(' (')[0]} by " + (
            "the end of the input" if as_of_usec is None else _clock(as_of_usec, day))


def _clock(usec: int, day: str) -> str:
    full = format_usec(usec)
    return full[11:] if full[:10] == day else full


def pid1_unit(entry: Entry) -> str:
    """The unit PID 1's line is about: a journal's UNIT= (its _PID journald's), a text's `systemd[1]:` line's as
    sources/text.py named it (`(X.service)`); "" for any other line."""
    fields = entry.fields
    if fields.get("_PID") != "1":
        return ""
    if not entry.from_text:
        return fields.get("UNIT", "")
    unit = entry.unit
    return unit[1:-1] if unit.startswith("(") and unit.endswith(")") and "." in unit else ""


class UnitChanges:
    """The latest changes PID 1 made to services on every host read (Pipeline.process notes its lines)."""

    def __init__(self, joined: Callable[[str, str], str] | None = None) -> None:
        self._joined = joined or joins_as_named
        self._ring: list[tuple[int, int, Change]] = []
        """A heap by (time, order read): the oldest is dropped first, whatever the order hosts were read in."""
        self._read = 0
        self._lost_usec = -1
        """The latest time of a change dropped (-1: none): an incident whose window began by then lost some."""
        self._last: OrderedDict[tuple[str, str], str] = OrderedDict()
        """Per (machine, unit), the last word PID 1 said of it (a oneshot's end is told by the one before)."""
        self._starts: OrderedDict[tuple[str, str], deque[int]] = OrderedDict()

    def note(self, entry: Entry) -> None:
        """Learn from one of PID 1's lines (any other line is ignored)."""
        if entry.fields.get("_PID") == "1" and self._host_line(entry):
            return
        unit = pid1_unit(entry)
        if not unit.endswith(FAILING) or unit.startswith(LOGIN_UNITS):
            return
        message, key, message_id = entry.message, (entry.machine_id, unit), entry.fields.get("MESSAGE_ID")
        word = job_word(message_id, message)
        if not word and (ended := RUN_END.fullmatch(message)) is not None and (ended["unit"] or ended["unit2"]) == unit:
            word = DEACTIVATED if message.endswith((": Deactivated successfully.", ": Succeeded.")) else FAILED
        job_failed = not word and (message_id == UNIT_FAILED or (
            message_id is None and message.startswith(("Failed to start ", "Dependency failed for "))))
        word = FAILED if job_failed else word
        if not word:
            return
        last = self._last.pop(key, "")
        self._last[key] = word
        if len(self._last) > MAX_UNITS:
            self._last.popitem(last=False)
        if word == FAILED and not (job_failed and last == FAILED):  # (a start's run said it failed: the same one)
            self._add(entry, unit, FAILED)
        if not unit.endswith(".service"):
            return
        if word == STARTED:  # (no change of its own: the "started again" of a stop or failure before it)
            self._started(key, entry.realtime_usec)
        elif word == STOPPED:  # (a run that ended with no stop asked, "Deactivated successfully.": no change)
            self._add(entry, unit, STOPPED)

    def _host_line(self, entry: Entry) -> bool:
        """A host shut down (PID 1 reached shutdown.target: a reboot, poweroff or kexec) or its boot finished (its
        "started again"): one change for the host, not its every service's stop. A text's `systemd[1]:` line by
        its words (TEXT_SHUTDOWN)."""
        text, message = entry.from_text, entry.message
        down = message.startswith(TEXT_SHUTDOWN) or message in OLD_TEXT_SHUTDOWN if text else \
            reached_shutdown(entry.fields, message)
        if down:
            self._add(entry, SHUTDOWN_TARGET, SHUT_DOWN)
            return True
        if startup_finished(None if text else entry.fields.get("MESSAGE_ID"), entry.message):
            self._started((entry.machine_id, SHUTDOWN_TARGET), entry.realtime_usec)
            return True
        return False

    def _add(self, entry: Entry, unit: str, kind: str) -> None:
        self._read += 1
        change = Change(entry.realtime_usec, entry.machine_id, entry.host, unit, entry.unit, kind)
        heapq.heappush(self._ring, (change.usec, self._read, change))
        if len(self._ring) > MAX_CHANGES:
            self._lost_usec = max(self._lost_usec, heapq.heappop(self._ring)[0])

    def lost(self, incident: Incident) -> bool:
        """Was a change of the incident's window dropped (more than MAX_CHANGES kept since)? All kept are at least
        as late as any dropped, so one dropped at or after the window's start may have been in it."""
        return self._lost_usec >= incident.first_usec - WINDOW_USEC

    def _started(self, key: tuple[str, str], usec: int) -> None:
        starts = self._starts.pop(key, None) or deque(maxlen=PER_UNIT)
        starts.append(usec)
        self._starts[key] = starts
        if len(self._starts) > MAX_UNITS:
            self._starts.popitem(last=False)

    def before(self, incident: Incident) -> tuple[Change, ...]:
        """The changes in the WINDOW_USEC up to the incident's first line (the card's "first matching line"), less its
        own unit's on its own host."""
        began = incident.first_usec
        machine = incident.machine_id
        own = self._joined(machine, incident.unit)
        return tuple(change for _, _, change in sorted(self._ring) if began - WINDOW_USEC <= change.usec <= began
                     and not (change.machine == machine and self._joined(machine, change.subject) == own))

    def summed(self, changes: Iterable[Change], incident: Incident) -> list[UnitChange]:
        """Per unit its worst change (a failure, a stop: its latest of that kind), how many of
        that kind, and the first start read after it; most telling first (by kind, then the nearest)."""
        began = incident.first_usec
        kept = [change for change in changes  # (kept when it was given out: a version of it that began later)
                if began - WINDOW_USEC <= change.usec <= began]
        down = {change.machine: change.usec for change in kept if change.kind == SHUT_DOWN}
        by_unit: dict[tuple[str, str], list[Change]] = {}
        stopped: dict[str, int] = {}
        for change in kept:
            if change.kind == STOPPED and change.usec <= down.get(change.machine, -1):
                stopped[change.machine] = stopped.get(change.machine, 0) + 1  # (the shutdown's: said by it)
                continue
            by_unit.setdefault((change.machine, change.unit), []).append(change)
        out = []
        for (machine, unit), mine in by_unit.items():
            kind = min((change.kind for change in mine), key=RANK.__getitem__)
            same = [change for change in mine if change.kind == kind]
            last = max(same, key=lambda change: change.usec)
            back = min((at for at in self._starts.get((machine, unit), ()) if at > last.usec), default=-1)
            out.append(UnitChange(machine, last.host, unit, kind, last.usec, len(same), began - last.usec, back,
                                  stopped.get(machine, 0) if kind == SHUT_DOWN else 0))
        return sorted(out, key=lambda change: (RANK[change.kind], change.before_usec, change.unit))

    def said(self, changes: Iterable[Change], incident: Incident, as_of_usec: int | None,
             lost: bool | None = None) -> tuple[str, ...]:
        """A card's or an alert's lines: at most MAX_SHOWN, then "and N more", then LOST if some were dropped
        (`lost`; None: as the ring says now)."""
        summed = self.summed(changes, incident)
        lines = [change.said(as_of_usec) for change in summed[:MAX_SHOWN]]
        if len(summed) > MAX_SHOWN:
            lines.append(f"and {len(summed) - MAX_SHOWN} more")
        if self.lost(incident) if lost is None else lost:
            lines.append(LOST)
        return tuple(lines)


