"""How a unit's main process ended, as PID 1 said it: the exit status or signal a failure's card shows.

A failure led by systemd's own lines ("myapp.service: Failed with result 'exit-code'.") said that the service
failed, not how its program ended: the line before it does, "myapp.service: Main process exited, code=exited,
status=1/FAILURE" (a code no rule matches: systemd-unit-failed's result says the same failure). service.c
(service_sigchld_event) has written it as "Main process exited, code=%s, status=%i/%s" since v220 (code: exited,
killed, dumped; the name: exit_status_to_string's, "n/a" when it has none, or the signal's), and as "%s: main
process exited, code=%s, status=%i/%s" up to 219, older ones without the name.

Only PID 1's lines (`_PID=1`: journald's, no process can forge it; a text's `systemd[1]:`, as the rules read
it), or a user manager's about one of its units (selection.managers_line: `user@1000.service/myapp.service`'s
line names myapp.service), about the unit they name (the entry's unit, sources/selection.subject_unit): never a
program's own text, which may print anything. What is kept is systemd's wording, matched whole, so a card says
nothing from the program: a code from three words, a number and a name of capitals.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from ..model import Entry, Incident
from ..sources.selection import managers_line, user_unit_of
from ..timespec import format_duration
from .failure_model import joins_as_named

MAIN_EXIT = re.compile(r"(?P<unit>[^\s:]{1,255}): (?P<who>[Mm]ain|Control) process exited, "
                        r"code=(?P<code>exited|killed|dumped), "
                        r"status=(?P<status>\d{1,10})(?:/(?P<name>n/a|[A-Z0-9+_]{1,32}))?")
"""PID 1's line of how a unit's main (or control) process ended (engine/unit_causes.py reads its SIGKILL too)."""
MAX_UNITS = 10_000
"""Units whose exits are kept (the latest used); past it the least recently used go."""
PER_UNIT = 16
"""Exits kept per unit: a crash loop's latest runs."""
LATE_USEC = 60_000_000
"""An exit this long (µs) after the incident's first line is said with its delay."""
BEFORE_USEC = 10_000_000
"""How long before an incident's first hit its unit's exit still counts as its failure's (µs of journal time):
PID 1 writes "Main process exited" just before "Failed with result"."""


@dataclass(frozen=True, slots=True)
class MainExit:
    usec: int
    code: str
    """sigchld_code_to_string's: exited, killed or dumped."""
    status: str
    name: str
    control: bool = False
    """A control process's (ExecStartPre=, ExecStartPost=, ExecReload=, ExecStop=...: service.c's "Control process
    exited"), not the main one's: a start that failed before its program ran told no exit at all (a new user's
    ssh.service whose `sshd -t` refused its config)."""

    @property
    def who(self) -> str:
        return "control process" if self.control else "main process"

    def said(self) -> str:
        """In words: "exited with status 1/FAILURE", "killed by signal 9/KILL", "... 11/SEGV (core dumped)"."""
        number = f"{self.status}/{self.name}" if self.name else self.status
        if self.code == "exited":
            return f"exited with status {number}"
        return f"killed by signal {number}" + (" (core dumped)" if self.code == "dumped" else "")


class MainExits:
    """The latest exits of each unit's main process, from PID 1's lines (Pipeline.process notes each)."""

    def __init__(self, joined: Callable[[str, str], str] | None = None) -> None:
        self._joined = joined or joins_as_named
        """(machine, unit) -> the unit as failures are joined by (the pipeline's FailureGroups.joined: a text's
        `(billing.service)` as its program `(java)`, whose failure's card told no exit)."""
        self._by_unit: OrderedDict[tuple[str, str], deque[MainExit]] = OrderedDict()
        self._streak: dict[tuple[str, str], tuple[str, int, int, int]] = {}
        """Per unit, its exits in a row that ended alike: (how, count, first and last µs). The kept exits are the
        latest PER_UNIT: a crash loop of 40 runs was told "(16 or more runs)" (helper-170's trial)."""

    def note(self, entry: Entry) -> None:
        if "process exited" not in entry.message or not managers_line(entry.fields):
            return
        found = MAIN_EXIT.fullmatch(entry.message)
        user = user_unit_of(entry.unit)  # a user manager's line about its unit names the unit, not the subject
        named = entry.unit[1:-1] if entry.from_text else user[1] if user is not None else entry.unit  # text's: "(X)"
        if found is None or found["unit"] != named:
            return
        key = (entry.machine_id, self._joined(entry.machine_id, entry.unit))
        kept = self._by_unit.pop(key, None) or deque(maxlen=PER_UNIT)
        kept.append(ended := MainExit(entry.realtime_usec, found["code"], found["status"], found["name"] or "",
                                      found["who"] == "Control"))
        self._by_unit[key] = kept
        said, usec = ended.said(), ended.usec
        how, count, since, _ = self._streak.get(key, ("", 0, 0, 0))
        self._streak[key] = (how, count + 1, since, usec) if how == said else (said, 1, usec, usec)
        if len(self._by_unit) > MAX_UNITS:
            gone, _ = self._by_unit.popitem(last=False)
            self._streak.pop(gone, None)

    def said(self, incident: Incident) -> str:
        """How the main process of the incident's unit ended during it ("" when PID 1 said nothing of it): the
        latest exit, whose process it was, and how many of its runs ended so ("main process: exited with status
        1/FAILURE (5 runs)", "control process: exited with status 255/EXCEPTION")."""
        key = (incident.machine_id, self._joined(incident.machine_id, incident.unit))
        exits = [each for each in self._by_unit.get(key, ())
                 if incident.first_usec - BEFORE_USEC <= each.usec <= incident.last_usec]
        if not exits:
            return ""
        latest, who = exits[-1].said(), exits[-1].who
        same = sum(1 for each in exits if each.said() == latest)
        more = " or more" if len(exits) == PER_UNIT else ""  # (the runs before the kept ones ended in it too)
        how, count, since, last = self._streak.get(key, ("", 0, 0, 0))
        if more and how == latest and last == exits[-1].usec and since >= incident.first_usec - BEFORE_USEC:
            same, more = count, ""  # (its streak began in the incident: every run of it counted)
        others = list(dict.fromkeys(each.said() for each in reversed(exits) if each.said() != latest))
        # (an exit long after the failure began is said so: an operator's restart 17 min later read as the failure's
        # own end under the headline, a second new user's try)
        late = exits[-1].usec - incident.first_usec
        when = f" {format_duration(late)} after its first line" if late > LATE_USEC and same == 1 else ""
        return f"{who}: " + latest + when + (f" ({same}{more} runs)" if same > 1 else "") + (
            f"; before: {', '.join(others[:2])}" if others else "")
