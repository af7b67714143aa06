"""What systemd itself said was wrong with a unit while it failed: the cause lines a failure's card quotes.

"docker.service: Failed with result 'resources'." says that the unit failed, not why; PID 1 said why just before
or in the next run: "docker.service: Failed to load environment files: No such file or directory", "Failed to run
'start-pre' task: ..." (service.c, execute.c: log_unit_* prefixes the unit). A timeout's result says neither which
step hung: "ping-instances.service: start-pre operation timed out. Terminating." (service.c's service_dispatch_timer:
"%s operation timed out. Terminating|Aborting|Killing|Skipping SIGKILL." with service_state_to_string's condition,
start-pre, start, start-post, "Stopping timed out. ...", "State 'stop-sigterm' timed out. ...", "Reload operation
timed out. ..."; mount.c's and socket.c's "Mounting timed out", "Starting timed out"; up to 219 the unit and a space
before "start operation timed out", "stopping timed out"). A trial's cards (trial 72, F5) quoted neither.

systemd-oomd's kill says why a unit's process died of SIGKILL: "Killed /system.slice/X.service due to memory pressure
for ..." (oomd-util.c, v248+: names the unit's cgroup) is that unit's; "oomd attempting to kill 113 with KILL" (its
debug line) and "Memory pressure for <slice> is ..." name a PID and a slice, so they are a unit's only by time: at
most ONE_SECOND before PID 1 said the unit's main process was killed by SIGKILL (`oomd_near`), and said so.

Trust as main_exits.py: PID 1's lines (`_PID=1`, a text's `systemd[1]:`) or a user manager's about the unit they name
(the entry's unit), and oomd's own: a journal's unit systemd-oomd.service (journald's `_SYSTEMD_UNIT`, from the
writer's cgroup), a text's `systemd-oomd[N]:`. Never a program's own text. Lines ending a run ("Failed with result",
"entered failed state", "Deactivated successfully.", "Succeeded.") close the causes before them: a cause is the
failure's whose end it came before, so a stop timeout at shutdown is not the cause of a failure the next day.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..model import Entry, Incident, Screen
from ..sources.selection import UNIT_SUFFIXES, USER_MANAGER, managers_line, user_unit_of
from .failure_model import joins_as_named
from .main_exits import MAIN_EXIT

_CAUSE = re.compile(
    r"(?P<unit>[^\s:]{1,255})(?:: (?:Failed|failed)| failed) to (?P<what>\S[^\n]{0,400})"
    r"|(?P<unit2>[^\s:]{1,255})(?::| ) ?(?P<step>[A-Za-z][A-Za-z' -]{0,40}?) timed out(?: \(2\))?\. "
    r"(?P<then>[A-Za-z][A-Za-z ]{0,40})\.(?: Entering failed mode\.)?"
    r"|(?P<unit3>[^\s:]{1,255}): (?:Processes still around after (?:final )?SIGKILL\. [A-Za-z ]{1,40}"
    r"|Mount process finished, but there is no mount)\.")
"""PID 1's own cause lines about a unit (the unit first, as log_unit_* writes it), matched whole. mount.c's warning
before its 'protocol' result (mount(8) exited 0 and no mount appeared): trial 72's 28 quoted `Failed with result
'protocol'.` alone."""
_IGNORED = re.compile(r"ignoring|Failed to start |Failed to stop ", re.IGNORECASE)
"""systemd's ", ignoring" marks a failure it went on past (not the unit's); "Failed to start X." is the job's line."""
RUN_END = re.compile(r"(?P<unit>[^\s:]{1,255}): (?:Failed with result '[a-z-]+'|Unit entered failed state"
                  r"|Deactivated successfully|Succeeded)\.|Unit (?P<unit2>[^\s:]{1,255}) entered failed state\.")
"""PID 1's lines that end a unit's run: the causes before them are that run's."""
_OOMD_KILLED = re.compile(r"Killed (?P<cgroup>/\S{1,4096}) due to [^\n]{1,1000}")
"""oomd-util.c (v248+): the cgroup it killed, its last part the unit."""
_OOMD_NEAR = re.compile(r"oomd attempting to kill \d{1,10} with KILL|Memory pressure for /\S{1,4096} is [^\n]{1,500}")
OOMD_UNIT, OOMD_IDENT = "systemd-oomd.service", "(systemd-oomd)"
ONE_SECOND = 1_000_000
BEFORE_USEC = 10_000_000
"""How long before an incident's first hit an unclosed cause still counts (µs): PID 1 logs it just before."""
LOOKBACK_USEC = 900_000_000
"""The most a closed cause may precede its failure's first hit (a stop timeout's SIGTERM, then SIGKILL, its end)."""
PER_UNIT, MAX_UNITS, MAX_SHOWN = 16, 10_000, 3
WARNING = 4
SCREEN_LITERALS: tuple[tuple[str, int | None], ...] = (
    (" timed out", WARNING), (": Failed to ", WARNING), (" failed to ", WARNING), ("Processes still around", WARNING),
    ("Mount process finished, but", WARNING),
    ("Killed /", None), ("oomd attempting to kill", None), ("Memory pressure for /", None))
"""What a journal's screen lets through besides the rules' literals (sources/screening.py: an entry no rule can
match comes as a count, unread): PID 1's cause lines (log_unit_error/warning: an error passes anyway, the
`always` of error-burst's level) and oomd's. Up to 219 its warnings were "%s failed to run 'start-pre' task: %s",
the unit and a space first (socket.c, service.c)."""


def with_causes(screen: Screen) -> Screen:
    """The detector's screen, letting the cause lines through too (a scan's journal read: `scan` cards quote them)."""
    return replace(screen, literals=(*screen.literals, *SCREEN_LITERALS))


@dataclass(frozen=True, slots=True)
class Cause:
    usec: int
    said: str
    closed: int = -1
    """When a line ending the unit's run came after it (µs), -1 while none has."""


class UnitCauses:
    """The latest cause lines of each unit (Pipeline.process notes each entry of PID 1, user managers and oomd)."""

    def __init__(self, joined: Callable[[str, str], str] | None = None) -> None:
        self._joined = joined or joins_as_named
        self._by_unit: OrderedDict[tuple[str, str], deque[Cause]] = OrderedDict()
        self._oomd: dict[str, deque[tuple[int, str]]] = {}
        """Per machine, oomd's latest lines naming a PID or a slice: a unit's only by time (`_sigkilled`)."""

    def note(self, entry: Entry) -> None:
        message = entry.message
        if entry.unit in (OOMD_UNIT, OOMD_IDENT) and (entry.unit == OOMD_IDENT) == entry.from_text:
            self._oomd_line(entry)
            return
        if not managers_line(entry.fields):
            return
        user = user_unit_of(entry.unit)
        named = entry.unit[1:-1] if entry.from_text else user[1] if user is not None else entry.unit
        if (ended := RUN_END.fullmatch(message)) is not None:
            if (ended["unit"] or ended["unit2"]) == named:
                self._close(self._key(entry.machine_id, entry.unit), entry.realtime_usec)
            return
        if (killed := MAIN_EXIT.fullmatch(message)) is not None and killed["who"] == "Main" \
                and killed["code"] == "killed" and killed["status"] == "9" and killed["name"] in (None, "KILL"):
            if killed["unit"] == named:
                self._sigkilled(entry)
            return
        found = _CAUSE.fullmatch(message)
        if found is None or (found["unit"] or found["unit2"] or found["unit3"]) != named or _IGNORED.search(message):
            return
        self._add(self._key(entry.machine_id, entry.unit), Cause(entry.realtime_usec, message))

    def _key(self, machine: str, unit: str) -> tuple[str, str]:
        return machine, self._joined(machine, unit)

    def _add(self, key: tuple[str, str], cause: Cause) -> None:
        kept = self._by_unit.pop(key, None) or deque(maxlen=PER_UNIT)
        kept.append(cause)
        self._by_unit[key] = kept
        if len(self._by_unit) > MAX_UNITS:
            self._by_unit.popitem(last=False)

    def _close(self, key: tuple[str, str], usec: int) -> None:
        kept = self._by_unit.get(key)
        if kept:
            for at, cause in enumerate(kept):
                if cause.closed < 0:
                    kept[at] = replace(cause, closed=usec)

    def _oomd_line(self, entry: Entry) -> None:
        """oomd's kill of a unit's cgroup is that unit's cause; its lines naming a PID or a slice wait for a unit's
        SIGKILL in the same second."""
        message, machine = entry.message, entry.machine_id
        if (killed := _OOMD_KILLED.fullmatch(message)) is not None:
            path = killed["cgroup"]
            leaf = path.rstrip("/").rpartition("/")[2]
            if leaf.endswith(UNIT_SUFFIXES) and not leaf.endswith(".slice"):
                manager = next((part for part in path.split("/") if USER_MANAGER.fullmatch(part)), None)
                unit = f"({leaf})" if entry.from_text else f"{manager}/{leaf}" if manager else leaf
                self._add(self._key(machine, unit), Cause(entry.realtime_usec, f"systemd-oomd: {message}"))
                return
        elif _OOMD_NEAR.fullmatch(message) is None:
            return
        near = self._oomd.setdefault(machine, deque(maxlen=PER_UNIT))
        near.append((entry.realtime_usec, message))
        if len(self._oomd) > MAX_UNITS:
            self._oomd.pop(next(iter(self._oomd)))

    def _sigkilled(self, entry: Entry) -> None:
        """The unit's main process died of SIGKILL: oomd's lines of the second before are said, by time."""
        at, key = entry.realtime_usec, self._key(entry.machine_id, entry.unit)
        if any(cause.said.startswith("systemd-oomd: ") and abs(at - cause.usec) <= ONE_SECOND
               for cause in self._by_unit.get(key, ())):
            return  # (oomd named the unit's cgroup: its own word, not one by time)
        near = [message for usec, message in self._oomd.get(entry.machine_id, ()) if at - ONE_SECOND <= usec <= at]
        if near:
            told = list(dict.fromkeys(near))
            more = f" (+{len(told) - 2} more)" if len(told) > 2 else ""
            said = f"systemd-oomd, the same second (by time): {'; '.join(told[:2])}{more}"
            self._add(key, Cause(at, said))

    def said(self, incident: Incident) -> tuple[str, ...]:
        """The cause lines of the incident's unit during it (at most MAX_SHOWN distinct, the latest), each with how
        many times when more than once; none the card quotes already (its samples, its chain's lines)."""
        kept = self._by_unit.get((incident.machine_id, self._joined(incident.machine_id, incident.unit)))
        if not kept:
            return ()
        first = incident.first_usec
        end = max([incident.last_usec, *(max(link.first_usec, link.last_usec) for link in incident.chain)])
        quoted = {*incident.samples, *(link.message for link in incident.chain)}
        counts: dict[str, int] = {}
        for cause in kept:
            if cause.usec > end or cause.said in quoted or first - cause.usec > LOOKBACK_USEC:
                continue
            if (cause.closed < 0 and cause.usec >= first - BEFORE_USEC) or cause.closed >= first - BEFORE_USEC:
                counts[cause.said] = counts.get(cause.said, 0) + 1
        shown = list(counts.items())[-MAX_SHOWN:]
        return tuple(said + (f" ({count} times)" if count > 1 else "") for said, count in shown)
