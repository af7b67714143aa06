"""What is not a silence, and what a silence was: systemd's own lines saying a unit stops or finished on purpose
(engine/absence.py then neither watches it nor learns the time until it logs again), and the Gap a silence
leaves, with its real length (µs of journal time)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Entry, host_unit, split_host_unit
from ..sources.selection import (
    CONTAINER_ID,
    CONTAINER_ID_FIELD,
    CONTAINER_SCOPE,
    container_of,
    managers_line,
    parent_of,
    user_unit_of,
)
from .absence_seen import Seen, silence_length

# systemd's own lines (from PID 1, about the unit) that say it stops or finished on purpose.
UNIT_STOPPING = "de5b426a63be47a7b6ac3eaac82e2f6f"  # "Stopping X..."
UNIT_STOPPED = "9d1aaa27d60140bd96365438aad20286"  # "Stopped X." (also "Stopped X with error.")
UNIT_SUCCESS = "7ad2d189f7e94e70a38c781354912448"  # "X: Deactivated successfully."
UNIT_STARTED = "39f53479d3a045ac8e11786248231fbf"  # "Started X.", and "Finished X." for a oneshot service
DELIBERATE_STOP_IDS = frozenset({UNIT_STOPPING, UNIT_STOPPED, UNIT_SUCCESS})
UNIT_RESOURCES = "ae8f7b866b0347b9af31fe1c80b127c0"  # "X: Consumed 1min 2.345s CPU time." (and memory, IO...)


def deliberately_stopped(entry: Entry) -> bool:
    """systemd's own line (PID 1's, or a user manager's about a user unit) saying the unit is being stopped, was
    stopped, or finished cleanly. Matched by MESSAGE_ID and by the wording too (systemd before 240 wrote these
    lines without MESSAGE_ID)."""
    fields = entry.fields
    if not managers_line(fields):
        return False
    if fields.get("MESSAGE_ID") in DELIBERATE_STOP_IDS:
        return True
    message = entry.message
    return message.endswith(": Deactivated successfully.") or message.startswith(("Stopped ", "Stopping ")) or (
        message.startswith("Finished ") and fields.get("MESSAGE_ID", UNIT_STARTED) == UNIT_STARTED)


def stopped_by_systemd(entry: Entry) -> bool:
    """Of deliberately_stopped's lines, those only a stop writes ("Stopping X...", "Stopped X."), not a run that
    ended on its own ("Finished X.", "Deactivated successfully."): under a watch's own `silence =` the second is
    life (an hourly oneshot whose timer stopped is what its operator set the threshold for)."""
    fields = entry.fields
    if not managers_line(fields):
        return False
    if "MESSAGE_ID" in fields:
        return fields["MESSAGE_ID"] in (UNIT_STOPPING, UNIT_STOPPED)
    return entry.message.startswith(("Stopped ", "Stopping "))


STOP_TRAILING_USEC = 5_000_000
"""How long after its stop a unit's own lines are its last words (µs of journal time); the anomaly rules' grace
after a stop too (engine/stop_windows.py GRACE_USEC)."""


def started(entry: Entry) -> bool:
    """systemd's line saying it started a unit ("Started X.": a new run), PID 1's (a container's scope's start on
    `docker restart` or a restart policy) or a user manager's."""
    fields = entry.fields
    return managers_line(fields) and (fields.get("MESSAGE_ID") == UNIT_STARTED if "MESSAGE_ID" in fields
                                      else entry.message.startswith("Started "))


def last_words(seen: Seen, entry: Entry, stopped: bool) -> bool:
    """Is this line of a unit that systemd stopped (`seen`'s) its last words, not a new run: its own (no manager's
    line) up to STOP_TRAILING_USEC after the stop, which nothing said started again (`stopped_usec` is then 0),
    and of the same container when a container's scope stopped it? journald stores a stream's last stdout lines
    after PID 1's "Stopped", Docker's driver copies a container's pipe after its scope ended: each such line took
    for a new run turned a planned stop into a silence page (a new user's trial)."""
    if seen.last_usec >= 0 or stopped or not seen.stopped_usec or \
            entry.realtime_usec > seen.stopped_usec + STOP_TRAILING_USEC:
        return False
    fields = entry.fields
    if managers_line(fields):
        return False
    container = fields.get(CONTAINER_ID_FIELD)
    return not (seen.stopped_scope and container is not None and container != seen.stopped_scope)


def run_accounting(entry: Entry) -> bool:
    """systemd's account of a unit's run that just ended ("X: Consumed 41.2s CPU time.", src/core/unit.c
    unit_log_resources), written after "Stopped X." or "Finished X.": the unit's epitaph, no sign that it lives.
    By MESSAGE_ID, or by its wording when the line came without one (a syslog file's); systemd 255 goes on after
    "CPU time" (", 12.5M memory peak.")."""
    fields = entry.fields
    if not managers_line(fields):
        return False
    if "MESSAGE_ID" in fields:
        return fields["MESSAGE_ID"] == UNIT_RESOURCES
    message = entry.message
    return ": Consumed " in message and " CPU time" in message


@dataclass(frozen=True)
class Gap:
    """A silence with its real length: from the unit's last entry before it (`from_usec`, its stamp) to its next
    one (or to the end of the input, `open`). `expected_gap_usec` is the unit's mean gap as learnt before it.
    `length_usec`: to less from, plus how far its host's clock was set back between (`stepped_usec`: `to_usec` may
    then be earlier than `from_usec`); of it, `jumped_usec` was a clock's jump ahead (a suspend: not counted as
    silence) or its host down over a reboot (`down_usec` of it: engine/host_boots.py). µs of journal time."""

    rule_id: str
    unit: str
    host: str
    from_usec: int
    to_usec: int
    expected_gap_usec: int
    threshold_usec: int
    open: bool = False
    machine_id: str = ""
    length_usec: int = 0
    jumped_usec: int = 0
    stepped_usec: int = 0
    down_usec: int = 0

    def length_said(self) -> str:
        """Its length as text, with its clock's part (absence_seen.silence_length)."""
        return silence_length(self.length_usec, self.jumped_usec, self.stepped_usec, self.down_usec)


def text_program(key: str) -> str | None:
    """The key of a text's program lines that a unit's key names (`M/(myapi.service)`: `M/(myapi)`), or None. A text
    groups lines by the identifier they claim (sources/text.py), PID 1's about a unit by the unit's name: its stop
    ("Stopped myapi.service.") was no stop of the program's lines, and a planned stop or reboot paged them silent
    (helper-170's trial). A program whose name is not its unit's (nginx.service's workers say "nginx") is matched
    when it is the unit's name less `.service`."""
    machine, unit = split_host_unit(key)
    if unit.startswith("(") and unit.endswith(".service)") and len(unit) > 10:
        return host_unit(machine, unit[:-9] + ")")
    return None


def parent_key(key: str) -> str | None:
    """The key (model.host_unit) of the unit whose part a key is: a container's unit (`M/docker.service/web`:
    `M/docker.service`) or a user unit's manager (`M/user@1000.service/app.service`: `M/user@1000.service`,
    sources/selection.subject_unit), else None. systemd's stop lines name the unit only: stopping docker.service
    stops every container, ending a user's session stops the manager and its units: they fall silent on purpose."""
    machine, unit = split_host_unit(key)
    parent = parent_of(unit)
    return None if parent is None else host_unit(machine, parent)


def parts_of(parent: str, keys: Iterable[str]) -> list[str]:
    """The keys among `keys` of the containers or user units of unit `parent` (a host_unit key)."""
    mark = f"{split_host_unit(parent)[1]}/"
    return [key for key in keys if mark in key and parent_key(key) == parent]


def _scope(key: str) -> str | None:
    """The container ID of a Docker scope's key: PID 1's `M/docker-ID.scope`, or a user manager's
    `M/user@1000.service/docker-ID.scope` (rootless Docker's containers run in its user's manager's scopes)."""
    unit = split_host_unit(key)[1]
    user = user_unit_of(unit)
    match = CONTAINER_SCOPE.fullmatch(user[1] if user is not None else unit)
    return match[1] if match is not None else None


def scope_id(key: str) -> str:
    """The container ID of a Docker scope's key (_scope), "" for any other."""
    return _scope(key) or ""


MAX_SCOPES = 10_000


class ContainerScopes:
    """Which container each running container's scope is, so that systemd's line ending that scope ("docker-ID.scope:
    Deactivated successfully.", written when the container stops, by `docker stop` or on its own) stops the
    container's silence watch too: Docker logs no line naming the container when it stops. The scope's ID is the
    CONTAINER_ID_FULL of the container's lines, which reach Python in full at least once per container and
    scanner (the C scanner reads in full a container line whose ID it has not handed over yet). A process can
    only set it on lines of its own unit's containers (sources/selection.subject_unit), and only PID 1's lines
    end a scope (deliberately_stopped), or a user manager's its own user's containers' (rootless Docker). Keys
    are model.host_unit keys; at most MAX_SCOPES, the oldest dropped."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}  # host_unit(machine, ID) -> the container's key

    def note(self, key: str, fields: Mapping[str, str], stopped: bool) -> str | None:
        """For a line that stops or starts its unit (deliberately_stopped, `started`), the key of the container whose
        scope that unit is (if a line of it was seen); for a container's line (key: its host_unit key), note its ID.
        Else None."""
        if stopped:
            match = _scope(key)
            if match is None:
                return None
            machine, unit = split_host_unit(key)
            container = self._keys.get(host_unit(machine, match))
            # a user manager's scope ends only its own user's containers (rootless Docker's): any user may make
            # their manager start and stop a scope of any name (`systemd-run --user --scope --unit=docker-ID.scope`)
            # and container IDs are world-readable (helper-166's trial: it blinded a rootful container's watch)
            user = user_unit_of(unit)
            if container is not None and user is not None and parent_key(container) != host_unit(machine, user[0]):
                return None
            return container
        container_id = fields.get(CONTAINER_ID_FIELD)
        if container_id is None:  # (nearly every line: nothing to split or match)
            return None
        machine, unit = split_host_unit(key)
        if container_of(unit) is None or CONTAINER_ID.fullmatch(container_id) is None:
            return None
        scope = host_unit(machine, container_id)
        if self._keys.get(scope) != key:
            self._keys.pop(scope, None)
            self._keys[scope] = key
            if len(self._keys) > MAX_SCOPES:
                del self._keys[next(iter(self._keys))]
        return None

    def snapshot(self) -> dict[str, str]:
        return dict(self._keys)

    def restore(self, data: Any) -> None:
        """What snapshot() gave; malformed items left out."""
        for scope, key in data.items() if isinstance(data, dict) else ():
            if isinstance(scope, str) and isinstance(key, str) and container_of(split_host_unit(key)[1]) is not None:
                self._keys[scope] = key
        while len(self._keys) > MAX_SCOPES:
            del self._keys[next(iter(self._keys))]
