"""The native journal reader: the only module that imports systemd.

It uses the low-level `_Reader` and fetches only the fields detection needs: converting every field of
every entry (what `journal.Reader` iteration does) is where the time goes on a large journal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from systemd import journal

from ..model import Entry
from .selection import Selection, subject_unit, unit_terms

# Fields every Entry carries besides MESSAGE/PRIORITY/unit: enough to print "ident[pid]" and to
# follow a unit's invocations.
DEFAULT_FIELDS = ("SYSLOG_IDENTIFIER", "_PID", "MESSAGE_ID", "_SYSTEMD_INVOCATION_ID")


class JournalOpenError(OSError):
    """The journal (or a given file or directory) cannot be opened."""


def decode(value: bytes) -> str:
    """Journal values are bytes that are usually, not always, UTF-8."""
    return value.decode("utf-8", "replace")


@dataclass(frozen=True)
class JournalLocation:
    """Where to read: the local journal (both empty), a directory, or explicit files."""

    directory: Path | None = None
    files: tuple[Path, ...] = ()

    def open(self) -> journal._Reader:
        try:
            if self.files:
                # Absolute paths: wait() on a relative one fails with errno 89 (measured).
                return journal._Reader(flags=0, files=[str(f.resolve()) for f in self.files])
            if self.directory is not None:
                return journal._Reader(flags=0, path=str(self.directory.resolve()))
            return journal._Reader()
        except OSError as error:
            where = self.directory or ", ".join(map(str, self.files)) or "the local journal"
            raise JournalOpenError(f"{where}: cannot open journal: {error}") from error


def apply_selection(reader: journal._Reader, selection: Selection) -> None:
    """Push unit and priority filters into sd-journal matches (indexed, so far cheaper than Python)."""
    for unit in selection.units:
        for term in unit_terms(unit):
            for name, value in term.items():
                reader.add_match(f"{name}={value}")
            reader.add_disjunction()
    if selection.priorities is not None:
        if selection.units:
            reader.add_conjunction()
        low, high = selection.priorities
        for level in range(low, high + 1):
            reader.add_match(f"PRIORITY={level}")


class JournalSource:
    """Reads entries in journal order from a JournalLocation, with a Selection applied."""

    def __init__(self, location: JournalLocation, selection: Selection, extra_fields: Iterable[str] = ()):
        self.location = location
        self.selection = selection
        self.fields = tuple(dict.fromkeys((*DEFAULT_FIELDS, *extra_fields)))

    def __iter__(self) -> Iterator[Entry]:
        reader = self.location.open()
        try:
            apply_selection(reader, self.selection)
            if self.selection.since_usec is not None:
                reader.seek_realtime(self.selection.since_usec)
            else:
                reader.seek_head()
            yield from self._read(reader)
        finally:
            reader.close()

    def _read(self, reader: journal._Reader) -> Iterator[Entry]:
        until = self.selection.until_usec
        get_raw = reader._get

        def get(name: str) -> str | None:
            try:
                return decode(get_raw(name))
            except KeyError:
                return None

        while reader._next():
            realtime = reader._get_realtime()
            if until is not None and realtime > until:
                return
            message = get("MESSAGE") or ""
            priority_text = get("PRIORITY")
            fields = {name: value for name in self.fields if (value := get(name)) is not None}
            yield Entry(
                realtime_usec=realtime,
                message=message,
                unit=subject_unit(get),
                priority=int(priority_text) if priority_text and priority_text.isdigit() else None,
                cursor=reader._get_cursor(),
                fields=fields,
            )


def is_journal_file(path: Path) -> bool:
    """Journal files start with the magic "LPKSHHRH"."""
    try:
        with open(path, "rb") as handle:
            return handle.read(8) == b"LPKSHHRH"
    except OSError:
        return False


