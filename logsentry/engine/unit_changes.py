"""What changed just before an incident: the services PID 1 stopped, started or saw fail, on any host read.

A fleet's outage often begins with a change on another host: a planned stop of db-1's PostgreSQL (PID 1's
"Stopping postgresql@15-main.service - ...", "...: Deactivated successfully.", "Stopped ..."), then its clients'
errors on web-1, web-2 and worker-1. Each victim's card and page named its own errors only; nothing pointed at the
stop (a new user's try, nu78: 5 pages, all about victims). So an incident is given the changes of the
WINDOW_USEC before its first line, on every host of the input, less its
own unit's on its own host: per unit its worst change there (a failure, then a stop, then a run that ended, then a
start), and whether and when systemd started it again (known up to the time it is said: a card after the input is
read, an alert when it is queued).

Only PID 1's lines count (`_PID=1`: journald's, no process can forge it; a text's `systemd[1]:`, as the rules read
it, whose unit sources/text.py names from the line: `(X.service)`): a program's own text saying "Stopped X." is
nothing. The words are engine/stop_windows.job_word's (job.c's done lines, by MESSAGE_ID or wording) and
engine/unit_causes.RUN_END's ("Failed with result", "Deactivated successfully."); "Failed to start X." (job.c's
failed start job, SD_MESSAGE_UNIT_FAILED) is a failure too: a unit whose dependency failed never ran.

A host's shutdown (PID 1 reached shutdown.target: engine/stop_windows.reached_shutdown) is one change, its services'
stops before it counted in it, and its next "Startup finished" is its "up again". Services only for starts and stops
(a mount's "Unmounted" and a socket's "Closed" carry the stop's id too), less a login's bookkeeping (user@UID.service,
user-runtime-dir@UID.service: every ssh login of a user starts them); a oneshot's run ("Starting", "Deactivated
successfully.", "Finished X.", or before v246 "Started X." after it) is no change (timers run them every few
minutes). Failures of sockets, mounts, swaps, paths, timers and automounts count too. Memory is bounded: a ring of
the latest MAX_CHANGES changes (a collector reads many hosts) and the latest starts of MAX_UNITS units.
"""

from __future__ import annotations

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
    FINISHED,
    SHUTDOWN_TARGET,
    STARTED,
    STOPPED,
    STOPPING,
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
"""Changes kept (the latest read): a window's changes on a few hundred hosts."""
MAX_UNITS = 10_000
"""Units whose latest word and starts are kept (the latest used)."""
PER_UNIT = 8
"""Starts kept per unit (a crash loop's latest)."""
MAX_SHOWN = 3
"""Changes a card or an alert names; the rest are counted ("and 2 more"), all in JSON."""
LOOK_BACK = 64
"""How far back in the ring a oneshot's end (or a stop's) looks for the unit's "Deactivated successfully."."""
UNIT_FAILED = "be02cf6855d2428ba40df7e9d022f03d"  # job.c's failed start job: "Failed to start X.", "Dependency ..."
FAILED, EXITED, SHUT_DOWN = "failed", "exited", "shut down"
RANK = {SHUT_DOWN: 0, FAILED: 1, STOPPED: 2, EXITED: 3, STARTED: 4}
"""Which of a unit's changes in the window it is said by (the first)."""
FAILING = (".service", ".socket", ".mount", ".swap", ".path", ".timer", ".automount")
"""Units whose failure is said (a scope's, slice's, target's or device's: never)."""
LOGIN_UNITS = ("user@", "user-runtime-dir@")


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
    """When systemd started it again after it (its "Started X."; a host's next "Startup finished"), -1 when not read
    (or it is a start)."""
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
        if self.kind == STARTED:
            return text
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
        self._ring: deque[Change] = deque(maxlen=MAX_CHANGES)
        self._last: OrderedDict[tuple[str, str], str] = OrderedDict()
        """Per (machine, unit), the last word PID 1 said of it (a oneshot's end is told by the one before)."""
        self._starts: OrderedDict[tuple[str, str], deque[int]] = OrderedDict()

    def note(self, entry: Entry) -> None:
        """Learn from one of PID 1's lines (any other line is ignored)."""
        if entry.fields.get("_PID") == "1" and not entry.from_text and self._host_line(entry):
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
        if word in (STOPPED, FINISHED, STARTED) and last == DEACTIVATED:
            self._unsay(key)  # a stop job's end said by its "Stopped", a oneshot's run is none
        if word == STARTED:
            self._started(key, entry.realtime_usec)
            if last != DEACTIVATED:  # (a oneshot before v246: "X: Succeeded." then "Started X.")
                self._add(entry, unit, STARTED)
        elif word == STOPPED:
            self._add(entry, unit, STOPPED)
        elif word == DEACTIVATED and last != STOPPING:  # (a stop job's: its "Stopped X." follows)
            self._add(entry, unit, EXITED)

    def _host_line(self, entry: Entry) -> bool:
        """A journal's host shut down (PID 1 reached shutdown.target: a reboot, poweroff or kexec) or its boot
        finished (its "started again"): one change for the host, not its every service's stop."""
        if reached_shutdown(entry.fields, entry.message):
            self._add(entry, SHUTDOWN_TARGET, SHUT_DOWN)
            return True
        if startup_finished(entry.fields.get("MESSAGE_ID"), entry.message):
            self._started((entry.machine_id, SHUTDOWN_TARGET), entry.realtime_usec)
            return True
        return False

    def _add(self, entry: Entry, unit: str, kind: str) -> None:
        self._ring.append(Change(entry.realtime_usec, entry.machine_id, entry.host, unit, entry.unit, kind))

    def _unsay(self, key: tuple[str, str]) -> None:
        """Take back the unit's latest change if it is an "exited" (a oneshot's run, or a stop whose "Stopped" says
        it)."""
        ring = self._ring
        for back in range(1, min(LOOK_BACK, len(ring)) + 1):
            change = ring[-back]
            if (change.machine, change.unit) == key:
                if change.kind == EXITED:
                    del ring[-back]
                return

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
        return tuple(change for change in self._ring if began - WINDOW_USEC <= change.usec <= began
                     and not (change.machine == machine and self._joined(machine, change.subject) == own))

    def summed(self, changes: Iterable[Change], incident: Incident) -> list[UnitChange]:
        """Per unit its worst change (a failure, a stop, an end, a start: its latest of that kind), how many of
        that kind, and the first start read after it; most telling first (by kind, then the nearest)."""
        began = incident.first_usec
        kept = [change for change in changes  # (kept when it was given out: a version of it that began later)
                if began - WINDOW_USEC <= change.usec <= began]
        down = {change.machine: change.usec for change in kept if change.kind == SHUT_DOWN}
        by_unit: dict[tuple[str, str], list[Change]] = {}
        stopped: dict[str, int] = {}
        for change in kept:
            if change.kind in (STOPPED, EXITED) and change.usec <= down.get(change.machine, -1):
                stopped[change.machine] = stopped.get(change.machine, 0) + 1  # (the shutdown's: said by it)
                continue
            by_unit.setdefault((change.machine, change.unit), []).append(change)
        out = []
        for (machine, unit), mine in by_unit.items():
            kind = min((change.kind for change in mine), key=RANK.__getitem__)
            same = [change for change in mine if change.kind == kind]
            last = max(same, key=lambda change: change.usec)
            back = -1 if kind == STARTED else min(
                (at for at in self._starts.get((machine, unit), ()) if at > last.usec), default=-1)
            out.append(UnitChange(machine, last.host, unit, kind, last.usec, len(same), began - last.usec, back,
                                  stopped.get(machine, 0) if kind == SHUT_DOWN else 0))
        return sorted(out, key=lambda change: (RANK[change.kind], change.before_usec, change.unit))

    def said(self, changes: Iterable[Change], incident: Incident, as_of_usec: int | None) -> tuple[str, ...]:
        """A card's or an alert's lines: at most MAX_SHOWN, then "and N more"."""
        summed = self.summed(changes, incident)
        lines = [change.said(as_of_usec) for change in summed[:MAX_SHOWN]]
        if len(summed) > MAX_SHOWN:
            lines.append(f"and {len(summed) - MAX_SHOWN} more")
        return tuple(lines)


