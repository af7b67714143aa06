"""Which entries to read (units, priority, time range) and which unit an entry is about.

The journal source turns a Selection into sd-journal matches; the offline parsers apply the very same
rules in Python through `Selection.accepts`, so `-u` means the same thing for every input.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Entry

PRIORITY_NAMES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")

UNIT_SUFFIXES = (".service", ".socket", ".target", ".device", ".mount", ".automount", ".swap",
                 ".timer", ".path", ".slice", ".scope")


# Fields every Entry carries besides MESSAGE/PRIORITY/unit: enough to print "ident[pid]" and to
# follow a unit's invocations.
DEFAULT_FIELDS = ("SYSLOG_IDENTIFIER", "_PID", "_UID", "MESSAGE_ID", "_SYSTEMD_INVOCATION_ID", "INVOCATION_ID",
                  "OBJECT_SYSTEMD_INVOCATION_ID", "N_DROPPED", "_MACHINE_ID", "_HOSTNAME")


def is_glob(name: str) -> bool:
    """Does a -u argument hold a glob character (systemd's string_is_glob)?"""
    return any(char in name for char in "*?[")


def unit_name(name: str) -> str:
    """Bare names get ".service", like `journalctl -u api` means api.service; globs stay as they are
    (unit_name_mangle with UNIT_NAME_MANGLE_GLOB: "ap*" is no "ap*.service"), and so do containers'
    subjects (`docker.service/web`: subject_unit)."""
    return name if name.endswith(UNIT_SUFFIXES) or is_glob(name) or container_of(name) else f"{name}.service"


_LIBC = ctypes.CDLL(None, use_errno=False)  # the C library the process already has (glibc's fnmatch)
_FNMATCH = _LIBC.fnmatch
_FNMATCH.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
_FNMATCH.restype = ctypes.c_int


def glob_matches(glob: str, name: str) -> bool:
    """fnmatch(3) without flags, the very function journalctl matches unit globs with (strv_fnmatch): `*`
    and `?` match any character, "/" included, `[...]` a class, a backslash quotes the next character."""
    pattern, text = glob.encode("utf-8", "surrogateescape"), name.encode("utf-8", "surrogateescape")
    if b"\0" in pattern or b"\0" in text:
        return False
    return bool(_FNMATCH(pattern, text, 0) == 0)


UNIT_VALUE_FIELDS = ("_SYSTEMD_UNIT", "UNIT", "OBJECT_SYSTEMD_UNIT", "COREDUMP_UNIT", "_SYSTEMD_SLICE")
"""journalctl's SYSTEM_UNITS_FULL: the fields whose values a unit glob is expanded against."""


def parse_priority(text: str) -> int:
    """"err" or "3" -> 3; the journal's syslog levels 0 (emerg) .. 7 (debug)."""
    spec = text.strip().lower()
    if spec.isdigit() and int(spec) <= 7:
        return int(spec)
    aliases = {"error": "err", "warn": "warning", "critical": "crit", "emergency": "emerg", "panic": "emerg"}
    spec = aliases.get(spec, spec)
    if spec in PRIORITY_NAMES:
        return PRIORITY_NAMES.index(spec)
    raise ValueError(f"expected a priority 0-7 or one of {', '.join(PRIORITY_NAMES)} (got {text!r})")


def parse_priority_range(text: str) -> tuple[int, int]:
    """"err" -> (0, 3) (that level or more important); "warning..err" -> (3, 4), as journalctl -p."""
    if ".." in text:
        low, high = (parse_priority(part) if part else None for part in text.split("..", 1))
        first, last = (0 if high is None else high), (7 if low is None else low)
        return (min(first, last), max(first, last))
    return (0, parse_priority(text))


COREDUMP_MESSAGE_ID = "fc2e22bc6ee647b6b90729ab34a250b1"
"""systemd-coredump's catalog id (SD_MESSAGE_COREDUMP); `journalctl -u` believes COREDUMP_UNIT only with it."""

SUBJECT_FIELDS = ("COREDUMP_UNIT", "MESSAGE_ID", "_PID", "UNIT", "_UID", "OBJECT_SYSTEMD_UNIT", "_SYSTEMD_UNIT",
                  "_TRANSPORT", "SYSLOG_IDENTIFIER", "_COMM", "CONTAINER_NAME", "_SYSTEMD_USER_UNIT", "USER_UNIT")
"""The fields subject_unit looks at."""

CONTAINER_WRITER = "dockerd"
"""The `_COMM` of the writer whose CONTAINER_NAME names a container of its unit: Docker's journald log driver
(moby daemon/logger/journald) writes every container's lines into dockerd's own unit, with CONTAINER_NAME,
CONTAINER_ID, CONTAINER_TAG and IMAGE_NAME. Podman's conmon needs no split: it runs in the container's own unit
(a quadlet's service, or libpod-conmon-ID.scope)."""

CONTAINER_ID_FIELD = "CONTAINER_ID_FULL"
"""The container's full ID (64 hex digits) that Docker's journald log driver stamps on each of its lines, beside
CONTAINER_ID's 12: what ties a container's lines to its scope, `docker-ID.scope` (engine/absence_stops)."""

CONTAINER_ID = re.compile(r"[0-9a-f]{64}")
"""A CONTAINER_ID_FULL value: Docker's container ID, 64 lowercase hex digits."""

CONTAINER_SCOPE = re.compile(rf"docker-({CONTAINER_ID.pattern})\.scope")
"""The transient unit a Docker container runs in under systemd's cgroup driver (Docker's default on cgroup v2): runc's
libcontainer/cgroups/systemd names it ScopePrefix "-" ID ".scope", and dockerd's ScopePrefix is "docker"."""

CONTAINER_SEPARATOR = "/"
"""Between a unit and its container's name in a subject (`docker.service/web`), or a user's service manager and
one of its units (`user@1000.service/pipewire.service`): no unit name holds it."""

USER_MANAGER = re.compile(r"user@[0-9]+\.service")
"""A user's service manager (systemd --user), the _SYSTEMD_UNIT of every line of that user's own units."""

MANAGER_OWN = "init.scope"
"""The _SYSTEMD_USER_UNIT of a user manager's own lines (journald's cg_path_get_user_unit of its process): those
about one of its units name it in USER_UNIT, as PID 1's name a unit in UNIT."""

# Docker's container names (moby daemon/names: validContainerNamePattern, the leading "/" trimmed by the driver).
_CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}")

# systemd's unit name grammar (unit-name.c: letters, digits, ":-_.\\" and "@", at most 255 bytes).
_UNIT_NAME = re.compile(r"[A-Za-z0-9:_.\\@-]{1,255}")


def valid_unit_name(name: str) -> bool:
    """Could systemd have a unit of this name? Names from log text that fail it are never acted on."""
    return _UNIT_NAME.fullmatch(name) is not None


def untrusted_source(identifier: str) -> str:
    """The name under which entries with no trusted unit are grouped: their SYSLOG_IDENTIFIER, which any
    process may set, in parentheses, which no unit name contains. So "(nginx.service)" can never be taken
    for nginx.service, be restarted, or be matched by a watch's unit glob."""
    return f"({identifier})"


def is_untrusted_source(unit: str) -> bool:
    """Is `unit` an untrusted_source name (a text's "(java)", an identifier no unit journald vouches for), never a
    unit to restart?"""
    return unit.startswith("(") and unit.endswith(")")


def source_name(unit: str) -> str:
    """The identifier (or unit a text's PID 1 line names) an untrusted_source name stands for; a unit as it is."""
    return unit[1:-1] if is_untrusted_source(unit) else unit


def subject_unit(get: Callable[[str], str | None]) -> str:
    """The unit an entry is about, by journalctl -u's own conditions, so that only fields journald itself
    sets (or a privileged writer) can attribute an entry to a unit; any process can set other fields
    (`logger --journald`, sd_journal_send) to anything.

    - systemd-coredump's reports (`_UID=0` and its MESSAGE_ID) belong to COREDUMP_UNIT;
    - PID 1's lines about a unit (`_PID=1`) belong to UNIT;
    - root's lines naming an object unit (`_UID=0`) belong to OBJECT_SYSTEMD_UNIT;
    - everything else to the writer's own `_SYSTEMD_UNIT`, and a container's line that dockerd wrote there
      (its journald log driver: `_COMM=dockerd`, CONTAINER_NAME) to `docker.service/NAME` (container_of):
      each container its own windows, baselines and silence, and never a restart of dockerd, which would stop
      every container, for one container's line. A process can only move its own lines under its own unit so;
    - a user's own unit's line (its `_SYSTEMD_UNIT` a user manager, `user@1000.service`, its `_SYSTEMD_USER_UNIT`
      the unit: journald sets both from the writer's cgroup) to `user@1000.service/pipewire.service`
      (user_unit_of), and the manager's own lines about a unit (`_SYSTEMD_USER_UNIT=init.scope`, USER_UNIT) to
      that unit's, as journalctl --user-unit reads them: each user service its own windows, baselines, silence
      and failures, not one unit for everything a desktop session runs.
    Entries from no unit fall back to "kernel" for kernel messages (`_TRANSPORT=kernel`, set by journald)
    or to `untrusted_source(SYSLOG_IDENTIFIER)`, so they can still be grouped and reported.
    """
    root = get("_UID") == "0"
    if root and get("MESSAGE_ID") == COREDUMP_MESSAGE_ID:
        coredump = get("COREDUMP_UNIT")
        if coredump:
            return coredump
    if get("_PID") == "1":
        about = get("UNIT")
        if about:
            return about
    if root:
        about = get("OBJECT_SYSTEMD_UNIT")
        if about:
            return about
    own = get("_SYSTEMD_UNIT")
    if own:
        container = get("CONTAINER_NAME")
        if container and get("_COMM") == CONTAINER_WRITER and _CONTAINER_NAME.fullmatch(container) \
                and own.endswith(UNIT_SUFFIXES):  # (a unit's name always has one: container_of tells by it)
            return f"{own}{CONTAINER_SEPARATOR}{container}"
        user_unit = get("_SYSTEMD_USER_UNIT")
        if user_unit and USER_MANAGER.fullmatch(own):
            if user_unit == MANAGER_OWN:
                user_unit = get("USER_UNIT")
            if user_unit and _user_unit_name(user_unit):
                return f"{own}{CONTAINER_SEPARATOR}{user_unit}"
        return own
    if get("_TRANSPORT") == "kernel":
        return "kernel"
    identifier = get("SYSLOG_IDENTIFIER")
    return untrusted_source(identifier) if identifier else ""


def _user_unit_name(name: str) -> bool:
    """Could a user manager run a unit of this name (a unit name with a unit type's suffix)?"""
    return name.endswith(UNIT_SUFFIXES) and valid_unit_name(name)


def managers_line(fields: Mapping[str, str]) -> bool:
    """Is this a service manager's own line about a unit: PID 1's, or a user manager's (its process is the only
    one in its init.scope, from which journald sets _SYSTEMD_USER_UNIT; it names the unit in USER_UNIT)? A text's
    `systemd[N]:` line about a unit has no _SYSTEMD_UNIT (sources/text.py; journald always sets it beside
    _SYSTEMD_USER_UNIT), as its `systemd[1]:` one has a _PID of 1 that no journald vouched for."""
    if fields.get("_PID") == "1":
        return True
    unit = fields.get("_SYSTEMD_UNIT")
    return fields.get("_SYSTEMD_USER_UNIT") == MANAGER_OWN and "USER_UNIT" in fields and (
        unit is None or USER_MANAGER.fullmatch(unit) is not None)


def container_of(subject: str) -> tuple[str, str] | None:
    """(unit, container name) of a container's subject (`docker.service/web`, subject_unit), else None. The unit
    ends with a unit type's suffix, which no key's machine part (`MACHINE_ID/unit`, `host:NAME/unit`:
    model.host_unit) does."""
    unit, separator, name = subject.partition(CONTAINER_SEPARATOR)
    return (unit, name) if separator and unit.endswith(UNIT_SUFFIXES) and _CONTAINER_NAME.fullmatch(name) \
        and not (USER_MANAGER.fullmatch(unit) and _user_unit_name(name)) else None  # (user_unit_of's)


def user_unit_of(subject: str) -> tuple[str, str] | None:
    """(user manager, unit) of a user unit's subject (`user@1000.service/pipewire.service`, subject_unit), else
    None. (A rootless container whose name ends like a unit's would read as a user unit: never restarted either.)"""
    manager, separator, unit = subject.partition(CONTAINER_SEPARATOR)
    return (manager, unit) if separator and USER_MANAGER.fullmatch(manager) and _user_unit_name(unit) else None


def parent_of(subject: str) -> str | None:
    """The unit whose part a subject is: a container's unit, or a user unit's manager; None for a unit itself."""
    part = container_of(subject) or user_unit_of(subject)
    return part[0] if part is not None else None


def unit_terms(unit: str) -> tuple[dict[str, str], ...]:
    """The match terms of `journalctl -u UNIT` (systemd's add_matches_for_unit), ORed together; fields
    within a term are ANDed. A container's subject (`docker.service/web`) is its unit's lines that dockerd
    wrote for it."""
    if (container := container_of(unit)) is not None:
        return ({"_SYSTEMD_UNIT": container[0], "_COMM": CONTAINER_WRITER, "CONTAINER_NAME": container[1]},)
    if (user := user_unit_of(unit)) is not None:  # (add_matches_for_user_unit, by the manager's unit)
        return ({"_SYSTEMD_UNIT": user[0], "_SYSTEMD_USER_UNIT": user[1]},
                {"_SYSTEMD_UNIT": user[0], "_SYSTEMD_USER_UNIT": MANAGER_OWN, "USER_UNIT": user[1]})
    terms: tuple[dict[str, str], ...] = (
        {"_SYSTEMD_UNIT": unit},
        {"MESSAGE_ID": COREDUMP_MESSAGE_ID, "_UID": "0", "COREDUMP_UNIT": unit},
        {"_PID": "1", "UNIT": unit},
        {"_UID": "0", "OBJECT_SYSTEMD_UNIT": unit},
    )
    # add_matches_for_unit: "Show all messages belonging to a slice"
    return (*terms, {"_SYSTEMD_SLICE": unit}) if unit.endswith(".slice") else terms


def expand_units(units: tuple[str, ...], known: Callable[[str], Iterable[str]]) -> tuple[str, ...]:
    """-u arguments with their globs replaced by the units they match among the values `known(field)` the
    journal holds for UNIT_VALUE_FIELDS, as journalctl does (get_possible_field_values)."""
    names = [unit for unit in units if not is_glob(unit)]
    patterns = [unit for unit in units if is_glob(unit)]
    if patterns:
        names.extend(sorted(glob_values(patterns, known)))
    return tuple(dict.fromkeys(names))


def glob_values(patterns: Sequence[str], known: Callable[[str], Iterable[str]]) -> set[str]:
    """The names among the values `known(field)` that one of the -u globs `patterns` matches: units of
    UNIT_VALUE_FIELDS, and, for a glob with CONTAINER_SEPARATOR (`docker.service/*`), a _SYSTEMD_UNIT value
    joined to a CONTAINER_NAME or a _SYSTEMD_USER_UNIT value (a pair no entry holds selects nothing: unit_terms
    ANDs the two)."""
    units = {value for field in UNIT_VALUE_FIELDS for value in known(field)}
    found = {value for value in units if any(glob_matches(p, value) for p in patterns)}
    if containers := [p for p in patterns if CONTAINER_SEPARATOR in p]:
        names = {*known("CONTAINER_NAME"), *known("_SYSTEMD_USER_UNIT"), *known("USER_UNIT")} - {MANAGER_OWN}
        found.update(subject for unit in known("_SYSTEMD_UNIT") for name in names
                     if any(glob_matches(p, subject := f"{unit}{CONTAINER_SEPARATOR}{name}") for p in containers))
    return found


@dataclass(frozen=True)
class Selection:
    """What to read: empty `units` means all; priorities are inclusive syslog levels of the *effective*
    priority (Entry.effective_priority: the text's level when PRIORITY is missing or 6); times in usec.

    Units and times become sd-journal matches and seeks; the effective priority cannot (it depends on the
    message), so every source applies `admits` to what it read."""

    units: tuple[str, ...] = ()
    priorities: tuple[int, int] | None = None
    since_usec: int | None = None
    until_usec: int | None = None
    machines: tuple[str, ...] = ()
    """-M/--machine: `_MACHINE_ID` values (any of them; empty: every host)."""
    hosts: tuple[str, ...] = ()
    """-H/--host: `_HOSTNAME` values or globs (`web-*`, fnmatch as -u's; any of them; empty: every host)."""

    container_scopes: bool = False
    """Also PID 1's lines about a Docker container's scope (`docker-ID.scope`), whatever `units` says: the service
    takes the end of a watched container's scope as its stop (engine/absence_stops.py), and a scope is no unit a
    site watches. Read in full (PID 1's lines always are): `accepts` decides, not sd-journal matches."""

    scopes: tuple[str, ...] = ()
    """Container ids (CONTAINER_ID_FULL) whose scope lines of PID 1 a one-shot read selects besides `units`
    (selection_terms: sd-journal matches, where the follower's `container_scopes` lets Python decide): `scan
    -u docker.service` sees a container's stop as the service does (journal.with_container_scopes)."""

    rule_level: Callable[[Entry], int | None] | None = field(default=None, compare=False)
    """For -p, given by a command that has rules (Detector.rule_level): the level of an entry that has none of its
    own (level_source "none": no PRIORITY, as a syslog file's line without `<PRI>`, and no level in its text), the
    worst signature rule that matches it. -p never drops a line for a level it does not have: the kernel's OOM
    kill in a syslog file is err to `-p err` because kernel-oom-kill (error) matches it."""

    def admits(self, entry: Entry) -> bool:
        """-p: is this entry's effective priority selected? An entry whose level claims nothing is taken at the
        worse of it and the level of the worst signature rule that matches it (`rule_level`, a rule's severity:
        critical crit, error err, warning warning): one with no level at all, one whose level is only its stream's
        default (journald's 6 for stdout, Docker's 6 or its stderr naming no level for a container's), and
        systemd's own lines about a unit (PID 1's or a user manager's: it writes "Start request repeated too
        quickly." at notice). `-p err` kept neither GHC's MVar deadlock on stdout nor a crash loop's start limit
        (helper-165's and helper-166's trials). A program's own level in its text counts as it is."""
        if self.priorities is None:
            return True
        level = entry.effective_priority
        if self.rule_level is not None and (level is None or _claims_nothing(entry)) and \
                (ruled := self.rule_level(entry)) is not None and (level is None or ruled < level):
            level = ruled
        return level is not None and self.priorities[0] <= level <= self.priorities[1]

    @property
    def globs(self) -> tuple[str, ...]:
        return tuple(unit for unit in self.units if is_glob(unit))

    @property
    def empty(self) -> bool:
        """Can no entry be selected? (--until before the epoch, --since after --until: journal times are
        unsigned, so an entry can never be older than 1970.)"""
        return (self.until_usec is not None and self.until_usec < 0) or (
            self.since_usec is not None and self.until_usec is not None and self.since_usec > self.until_usec)

    def accepts_hosts(self, fields: Mapping[str, Sequence[str]], realtime_usec: int) -> bool:
        """`accepts` but for the units: the time (--since/--until) and the hosts (-M, -H)."""
        if self.since_usec is not None and realtime_usec < self.since_usec:
            return False
        if self.until_usec is not None and realtime_usec > self.until_usec:
            return False
        if self.machines and not any(value in self.machines for value in fields.get("_MACHINE_ID", ())):
            return False
        return not self.hosts or any(value in self.hosts or any(glob_matches(host, value) for host in self.hosts
                                                                if is_glob(host))
                                     for value in fields.get("_HOSTNAME", ()))

    def takes_text_unit(self, unit: str) -> bool:
        """-u over a text log's line, which has no unit of journald's (it is grouped as `(identifier)`, or as
        `(unit)` when PID 1's line names one, sources/text.py): does a -u name or glob name it? `-u myapp`
        (myapp.service) takes `(myapp)` and `(myapp.service)`, `-u 'my*'` either; a pasted `journalctl -u myapp`
        scanned with `-u myapp` selected none of its lines (helper-187). The program's name stands for its
        unit here: that is all text says (`sshd` is not ssh.service)."""
        if not self.units:
            return True
        name = source_name(unit)
        spellings = {name, unit_name(name)} if name else set()
        return any(spelling in self.units or any(glob_matches(glob, spelling) for glob in self.globs)
                   for spelling in spellings)

    def accepts(self, fields: Mapping[str, Sequence[str]], realtime_usec: int) -> bool:
        """The Python twin of the journal matches (time and units), for offline inputs, on every value of
        each field (an sd-journal match holds when any of a field's values equals it; a glob holds where
        journalctl's expansion would have found the value); the priority is `admits`'s business,
        once the entry is made."""
        if not self.accepts_hosts(fields, realtime_usec):
            return False
        if not self.units:
            return True
        if self.container_scopes and (("1" in fields.get("_PID", ()) and any(
                CONTAINER_SCOPE.fullmatch(unit) for unit in fields.get("UNIT", ()))) or (
                MANAGER_OWN in fields.get("_SYSTEMD_USER_UNIT", ()) and any(
                CONTAINER_SCOPE.fullmatch(unit) for unit in fields.get("USER_UNIT", ())))):
            return True  # (a user manager's: rootless Docker's; only its own user's containers stop: absence_stops)
        if patterns := self.globs:
            units = [*self.units, *glob_values(patterns, lambda name: fields.get(name, ()))]
        else:
            units = list(self.units)
        return any(
            all(value in fields.get(name, ()) for name, value in term.items())
            for unit in units if not is_glob(unit)
            for term in unit_terms(unit)
        )


def _claims_nothing(entry: Entry) -> bool:
    """Is an entry's level no claim of its program's: a stream's default with no level in its text (journald's 6
    for stdout, Docker's for a container's stdout, its stderr's "stream" notice), or systemd's own line?"""
    if entry.level_source == "stream":
        return True
    fields = entry.fields
    return (entry.level_source == "journal" and entry.priority == 6 and (
        fields.get("_TRANSPORT") == "stdout" or container_of(entry.unit) is not None)) or managers_line(fields)
