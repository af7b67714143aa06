"""The native journal reader: the only module that imports systemd.

It uses the low-level `_Reader` and fetches only the fields detection needs: converting every field of
every entry (what `journal.Reader` iteration does) is where the time goes on a large journal. `scan`, `tail`
and the service read through the C scanner (screening.py, follow.py); JournalSource is the reference they are
tested against and the reader of `scan` without a screen. The start points and gaps of following live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from systemd import journal

from ..model import Entry
from .dump import JOURNAL_MAGIC
from .selection import (
    CONTAINER_ID,
    CONTAINER_ID_FIELD,
    DEFAULT_FIELDS,
    MANAGER_OWN,
    USER_MANAGER,
    Selection,
    expand_units,
    glob_matches,
    is_glob,
    parent_of,
    unit_terms,
)
from .values import decode, entry_from


class JournalOpenError(OSError):
    """The journal (or a given file or directory) cannot be opened."""


LOCAL_JOURNAL_DIRS = (Path("/var/log/journal"), Path("/run/log/journal"))


def journal_files_in(directory: Path) -> list[Path]:
    """The journal files sd-journal would open for `directory`: in it and in its subdirectories (one
    per machine id), active (`.journal`) and archived or dirty (`.journal~`) ones."""
    found: list[Path] = []
    for folder in (directory, *sorted(p for p in directory.iterdir() if p.is_dir())) if directory.is_dir() else ():
        try:
            found.extend(sorted(p for p in folder.iterdir() if p.name.endswith((".journal", ".journal~"))))
        except OSError:
            continue
    return found


def unreadable_reason(directories: tuple[Path, ...]) -> str | None:
    """Why no journal could be read from these directories (no journal file in them, or none that opens
    as one), or None when at least one file looks like a journal: sd-journal skips what it cannot open,
    and a scan of nothing must not read as "nothing found"."""
    problems = []
    files = [path for directory in directories for path in journal_files_in(directory)]
    for path in files:
        try:
            with open(path, "rb") as stream:
                if stream.read(len(JOURNAL_MAGIC)) == JOURNAL_MAGIC:
                    return None
            problems.append(f"{path.name}: not a journal file")
        except OSError as error:
            problems.append(f"{path.name}: {error.strerror or error}")
    if not files:
        return "no journal files in it" if len(directories) == 1 else "no journal files in either"
    return "no readable journal file (" + "; ".join(problems[:5]) + (", ..." if len(problems) > 5 else "") + ")"


@dataclass(frozen=True)
class JournalLocation:
    """Where to read: the local journal (both empty), a directory, or explicit files."""

    directory: Path | None = None
    files: tuple[Path, ...] = ()

    def check_readable(self) -> None:
        """Raise JournalOpenError when a directory (or the local journal) holds no journal file that opens."""
        if self.files:
            return
        directories = (self.directory,) if self.directory is not None else LOCAL_JOURNAL_DIRS
        reason = unreadable_reason(directories)
        if reason is not None:
            where = self.directory or " or ".join(map(str, LOCAL_JOURNAL_DIRS))
            raise JournalOpenError(f"{where}: cannot read a journal: {reason}")

    def open(self) -> journal._Reader:
        try:
            if self.files:
                # Absolute paths: wait() on a relative one fails with errno 89 (measured).
                return journal._Reader(flags=0, files=[str(f.resolve()) for f in self.files])
            if self.directory is not None:
                return journal._Reader(flags=0, path=str(self.directory.resolve()))
            return journal._Reader()
        except OSError as error:
            raise self.open_error(error) from error

    def open_error(self, error: OSError) -> JournalOpenError:
        """What failing to open this location is called, by either reader."""
        where = self.directory or ", ".join(map(str, self.files)) or "the local journal"
        return JournalOpenError(f"{where}: cannot open journal: {error}")


def selection_terms(selection: Selection) -> list[str]:
    """The selection's units as sd-journal match terms: "FIELD=value", "|" for a disjunction ("&" would be a
    conjunction). Not the priorities: `-p` selects by effective priority, which a `PRIORITY=` match cannot
    express (an entry at PRIORITY=6 may say ERROR), so sources apply Selection.admits after reading."""
    terms: list[str] = []
    for unit in selection.units:
        for term in unit_terms(unit):
            terms.extend(f"{name}={value}" for name, value in term.items())
            terms.append("|")
    if selection.units:
        # PID 1's lines about the containers' scopes (Selection.scopes), and a user manager's about its rootless ones
        managers = sorted({manager for unit in selection.units
                           if USER_MANAGER.fullmatch(manager := parent_of(unit) or unit) and manager != unit})
        for container in selection.scopes:
            terms.extend(("_PID=1", f"UNIT=docker-{container}.scope", "|"))
            for manager in managers:
                terms.extend((f"_SYSTEMD_UNIT={manager}", f"_SYSTEMD_USER_UNIT={MANAGER_OWN}",
                              f"USER_UNIT=docker-{container}.scope", "|"))
    # -M/-H: ANDed with the units (values of one field are ORed by sd-journal)
    for field, values in (("_MACHINE_ID", selection.machines), ("_HOSTNAME", selection.hosts)):
        if values:
            if terms and terms[-1] == "|":
                terms[-1] = "&"
            elif terms:
                terms.append("&")
            terms.extend(f"{field}={value}" for value in values)
    return terms


MAX_SCOPES = 2_000
"""The most container ids whose scope lines a narrowed scan adds as matches (a CI host's journal may name tens of
thousands of short-lived containers); past it, none are (README: a stopped container may then show as silent)."""


def with_container_scopes(location: JournalLocation, selection: Selection) -> Selection:
    """`selection` with the containers the journal names (CONTAINER_ID_FULL, the journald log driver's) as
    `scopes` and `container_scopes` on, when -u narrows it: their scope's end (PID 1's "docker-ID.scope:
    Deactivated successfully.") is a container's stop, which the silence watch must see (engine/absence_stops.py)
    as the service does. Unchanged without -u (every line is read), or when the journal cannot be read (the
    scan's own reader says why)."""
    if not selection.units or (values := field_values(location, CONTAINER_ID_FIELD)) is None:
        return selection
    ids = [value for value in values if CONTAINER_ID.fullmatch(value)]
    return replace(selection, container_scopes=True, scopes=tuple(ids) if len(ids) <= MAX_SCOPES else ())


def field_values(location: JournalLocation, field: str) -> list[str] | None:
    """The values of `field` in the journal (decoded, sorted, each once), or None when it cannot be opened or read:
    the callers' own reader says why."""
    try:
        reader = location.open()
    except OSError:
        return None
    try:
        return sorted({decode(value) for value in reader.query_unique(field)})
    except OSError:
        return None
    finally:
        reader.close()


def onto_newest(reader: journal._Reader, until_usec: int | None) -> bool:
    """Put `reader` on its newest entry (of its matches) stamped at or before `until_usec` (µs of journal time;
    None: its last entry); whether there is one."""
    if until_usec is None:
        reader.seek_tail()
    else:
        reader.seek_realtime(until_usec + 1)
    # (before its first entry, previous() still gives the first: checked by its time)
    return bool(reader._previous()) and (until_usec is None or int(reader._get_realtime()) <= until_usec)


def journal_end_usec(location: JournalLocation, selection: Selection) -> int | None:
    """The time (µs) of the journal's newest entry of the selection's hosts (-M/-H), at or before --until, whatever
    its -u says: where a scan narrowed to some units ends, so that a selected unit's silence runs to the time the
    host went on logging, as without -u. None when there is none or the journal cannot be read (the scan's own
    reader says why)."""
    try:
        reader = location.open()
    except OSError:
        return None
    try:
        for field, values in (("_MACHINE_ID", selection.machines), ("_HOSTNAME", selection.hosts)):
            for value in values:
                reader.add_match(f"{field}={value}")
            if values:
                reader.add_conjunction()
        return int(reader._get_realtime()) if onto_newest(reader, selection.until_usec) else None
    except OSError:
        return None
    finally:
        reader.close()


def resolve_globs(reader: journal._Reader, selection: Selection) -> Selection | None:
    """The selection with its unit globs replaced by the units they match in this journal, as journalctl
    expands them (the values of _SYSTEMD_UNIT, UNIT, OBJECT_SYSTEMD_UNIT, COREDUMP_UNIT, _SYSTEMD_SLICE);
    None when no entry can be selected (every -u was a glob that matched nothing, or --until before 1970)."""
    if selection.empty:
        return None
    if not selection.globs:
        return selection
    units = expand_units(selection.units, lambda field: (decode(value) for value in reader.query_unique(field)))
    return replace(selection, units=units) if units else None


def with_host_globs(location: JournalLocation, selection: Selection) -> Selection:
    """`selection` with the journal's `_HOSTNAME` values each -H glob (`web-*`) matches added beside it, as -u globs
    are expanded (fnmatch, journalctl's): sd-journal matches exact values only. The glob stays, for a dump's lines
    (Selection.accepts_hosts matches it) and for unseen_hosts to say one that matched nothing. Unchanged without a
    glob, or when the journal cannot be read (the scan's own reader says why)."""
    globs = [host for host in selection.hosts if is_glob(host)]
    if not globs or (known := field_values(location, "_HOSTNAME")) is None:
        return selection
    found = [host for host in known if any(glob_matches(glob, host) for glob in globs)]
    return replace(selection, hosts=tuple(dict.fromkeys([*selection.hosts, *found])))


NO_MATCH = "LOGSENTRY_SELECTS_NOTHING=1"
"""A match for a live follow whose -u globs matched no unit (a one-shot read just stops)."""


def apply_selection(reader: journal._Reader, selection: Selection) -> bool:
    """Push unit filters into sd-journal matches (indexed, so far cheaper than Python), unit globs expanded
    first; False when nothing can match."""
    resolved = resolve_globs(reader, selection)
    if resolved is None:
        reader.add_match(NO_MATCH)
        return False
    for term in selection_terms(resolved):
        if term == "|":
            reader.add_disjunction()
        elif term == "&":
            reader.add_conjunction()
        else:
            reader.add_match(term)
    return True


class RawFields(Mapping[str, str]):
    """The wanted fields of one entry, decoded only when looked at (most never are)."""

    __slots__ = ("_raw", "_wanted")

    def __init__(self, raw: Mapping[str, bytes | list[bytes]], wanted: frozenset[str]):
        self._raw = raw
        self._wanted = wanted

    def __getitem__(self, name: str) -> str:
        value = self._raw[name] if name in self._wanted else None
        if value is None:
            raise KeyError(name)
        return decode(value)

    def __contains__(self, name: object) -> bool:
        return name in self._wanted and name in self._raw

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._wanted if name in self._raw)

    def __len__(self) -> int:
        return sum(1 for name in self._wanted if name in self._raw)


def entry_from_fields(raw: Mapping[str, bytes | list[bytes]], realtime_usec: int, cursor: str,
                      wanted: frozenset[str]) -> Entry:
    """An Entry from an entry's raw field values (all of them, or at least MESSAGE, PRIORITY, the
    subject-unit fields and the wanted ones)."""

    def get(name: str) -> str | None:
        value = raw.get(name)
        if value is None:
            return None
        return decode(value)

    return entry_from(get, realtime_usec, cursor, RawFields(raw, wanted))


class EntryReader:
    """Turns the reader's current position into an Entry.

    One `_get_all()` call (raw bytes, converted in C) costs a quarter of a dozen `_get()` calls, most of
    which raise KeyError for fields an entry lacks (measured); only the wanted fields are then decoded.
    """

    def __init__(self, reader: journal._Reader, fields: tuple[str, ...]):
        self.reader = reader
        self.fields = frozenset(fields)

    def current(self) -> Entry:
        reader = self.reader
        return entry_from_fields(reader._get_all(), reader._get_realtime(), reader._get_cursor(), self.fields)


def wanted_fields(extra_fields: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*DEFAULT_FIELDS, *extra_fields)))


class JournalSource:
    """Reads entries in journal order from a JournalLocation, with a Selection applied, then stops.

    Every entry is read in full. `scan` reads through the screening scanner instead (screening.py), which
    is several times faster; this is the reader for when no screen applies, and the reference the
    scanner is tested against.
    """

    def __init__(self, location: JournalLocation, selection: Selection, extra_fields: Iterable[str] = ()):
        self.location = location
        self.selection = selection
        self.fields = wanted_fields(extra_fields)

    def __iter__(self) -> Iterator[Entry]:
        reader = self.location.open()
        try:
            if not apply_selection(reader, self.selection):
                return
            if self.selection.since_usec is not None:
                reader.seek_realtime(self.selection.since_usec)
            else:
                reader.seek_head()
            until = self.selection.until_usec
            admits = self.selection.admits
            current = EntryReader(reader, self.fields).current
            while reader._next():
                entry = current()
                if until is not None and entry.realtime_usec > until:
                    return
                if admits(entry):
                    yield entry
        finally:
            reader.close()


@dataclass(frozen=True)
class StartAt:
    """Where following begins: after a saved cursor, at a time, N entries back, or (default) at the tail."""

    cursor: str | None = None
    since_usec: int | None = None
    lines_back: int = 0


@dataclass(frozen=True)
class JournalGap:
    """The saved cursor is gone (vacuumed or rotated away): entries between these times were never read."""

    after_cursor: str
    missing_from_usec: int | None
    resumed_at_usec: int


CAUGHT_UP = None
"""Yielded by a follower (sources/follow.py) whenever it has read everything there is, before it waits."""


CANARY_FIELD = "LOGSENTRY_CANARY"


def send_canary(token: str) -> None:
    """Write a canary entry to the local journal (the service must read it back: it can see the journal),
    under logsentry's own name at info level: without SYSLOG_IDENTIFIER journald names it after the
    interpreter ("python3[469]")."""
    journal.send(f"logsentry canary {token}", PRIORITY=6, SYSLOG_IDENTIFIER="logsentry", **{CANARY_FIELD: token})


def cursor_realtime(cursor: str) -> int | None:
    """The realtime stamp inside a cursor string ("...;t=5af3107a40000;..."), if it has one."""
    for part in cursor.split(";"):
        if part.startswith("t="):
            try:
                return int(part[2:], 16)
            except ValueError:
                return None
    return None
