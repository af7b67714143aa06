"""Offline input: journal export format (`journalctl -o export`), and the detection of every dump format.

The format is detected from the content (sniff), and gzip is undone on the way, so a dump a colleague
mailed can be scanned on any machine. The same Selection applies as for the native reader; the bounds
within which a hostile dump is read are dump.py's, JSON lines are json_lines.py's.
"""

from __future__ import annotations

import gzip
import re
import struct
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, BinaryIO

from ..model import Entry
from .applog_times import JOURNAL_KEYS, TIME_KEYS
from .boot_clocks import BootClocks
from .dump import (
    CHUNK,
    DATA_SIZE_MAX,
    JOURNAL_MAGIC,
    MAX_VALUE_KEPT,
    BoundedReader,
    FieldBuffer,
    InputFormatError,
    Truncated,
    dump_entry,
    head,
    kept_fields,
    open_binary,
)
from .json_lines import read_json_lines
from .plain import is_text
from .selection import DEFAULT_FIELDS, Selection
from .text import TEXT_KINDS, Warn, read_text_kind, warn_on_stderr
from .text_deep import DEEP_BYTES, deep_kind
from .text_recurring import marked, readable_again
from .text_sniff import SNIFF_BYTES, sniff_text
from .values import decode

__all__ = ["ExportSource", "InputFormatError", "head", "open_binary", "read_export", "sniff"]


_FIELD_NAME = re.compile(rb"[A-Z_][A-Z0-9_]{0,63}")
"""A journal field's name as journald takes it (journal-file.c, field_name_valid: uppercase letters, digits and
`_`, no digit first, at most 64): a logfmt line's first pair (go-kit's `level=info`, Grafana's `logger=context`)
is none, and was read as an export and refused with journald's limits (helper D17: Loki, fluent-bit, Grafana)."""
_JOURNAL_JSON_KEY = re.compile(rb'"(?:' + b"|".join(re.escape(key.encode()) for key in JOURNAL_KEYS) + rb')" ?:')
"""A key of journalctl -o json's (applog.JOURNAL_KEYS): a JSON line with one is the journal's, read by json_lines.py."""
_TIME_KEY = re.compile(rb'"(?:' + b"|".join(re.escape(key.encode()) for key in TIME_KEYS) + rb')" ?:')
"""A key a program's JSON log names its time with (applog.TIME_KEYS), whose value applog could not read: still JSON
lines, whose reader says which line and why."""


def sniff(ahead: bytes) -> str:
    """"journal", "json", "export", "empty", one of text.TEXT_KINDS ("plain": text no other reader takes) from the
    first bytes of a file (its head, SNIFF_BYTES; text whose head holds no timed line, by the layout of its first
    timed line further on, text_deep.py, when the caller gave more: dump.head(stream, DEEP_BYTES)). Raises
    InputFormatError for anything else (binary)."""
    kind = _sniff(ahead[:SNIFF_BYTES])
    if kind == "plain" and len(ahead) > SNIFF_BYTES and (deep := deep_kind(ahead)) is not None:
        return deep
    return kind


def _sniff(head: bytes) -> str:
    """sniff's judgement of a file's head."""
    if head.startswith(JOURNAL_MAGIC):
        return "journal"
    text_kind = sniff_text(head)  # journalctl/syslog text, Docker json-file (sources/text.py)
    if text_kind is not None:
        return text_kind
    stripped = head.lstrip()
    if not stripped:
        return "empty"
    if stripped.startswith(b"{"):
        first = stripped.split(b"\n", 1)[0]
        if _JOURNAL_JSON_KEY.search(first) or _TIME_KEY.search(first) or not is_text(head):
            return "json"  # journalctl -o json (or a program's JSON log whose time cannot be read: said so)
        return "plain"  # a program's JSON log with no time logsentry knows: lines without a time (sources/plain.py)
    first_line = stripped.split(b"\n", 1)[0].removesuffix(b"\r")
    name = first_line.split(b"=", 1)[0]
    if (b"=" in first_line or len(first_line) == len(name)) and _FIELD_NAME.fullmatch(name):
        return "export"
    if is_text(head):
        return "plain"  # lines without a time a reader knows (sources/plain.py), said when read
    if (nul := head.find(b"\0")) >= 0:  # a program, an image, a core dump: no log (helper-124: /bin/ls was told
        # to give journalctl -o short-iso, as if it were a log without times)
        raise InputFormatError(f"binary data (a NUL byte at offset {nul}), not a log: logsentry reads journal files, "
                               "journalctl's exports (-o export, -o json, gzip or not) and text logs")
    raise InputFormatError("not a journal file, journal export format or JSON lines (journalctl -o json), nor "
                           "journalctl/syslog text, dmesg output, a program's log whose lines start with their time "
                           "or a Docker json-file log. Lines without a time (journalctl -o cat) cannot be counted "
                           "in time: give journalctl -o short-iso or -o export output instead")


def read_export(stream: IO[bytes], name: str, selection: Selection, wanted: tuple[str, ...],
                warn: Warn = warn_on_stderr, latest: list[int] | None = None) -> Iterator[Entry]:
    """Journal export format: KEY=value lines, or KEY, a 64-bit little-endian size and raw bytes; an empty
    line ends an entry. CRLF line ends are read as LF (a text value never ends in CR: journalctl writes
    such values in the binary form). An entry cut off by the end of the input is a warning."""
    reader = BoundedReader(stream, name)
    keep = kept_fields(wanted)
    clocks = BootClocks()  # its boots' clock jumps (sources/boot_clocks.py)
    entry_number, line_number = 1, 0
    entry_line = 1
    fields = FieldBuffer(keep, f"{name}: entry 1 (line 1)")
    try:
        while True:
            line_number += 1
            line = reader.readline(CHUNK)
            full = len(line)
            if line and not line.endswith(b"\n"):
                # A long line: keep its start (a field name and the kept part of its value), skip the rest.
                while (more := reader.readline(CHUNK)):
                    if len(line) < MAX_VALUE_KEPT + CHUNK:
                        line += more
                    full += len(more)
                    if full > DATA_SIZE_MAX + CHUNK:
                        raise InputFormatError(f"{name}: line {line_number}: longer than {DATA_SIZE_MAX} bytes, "
                                               "journald's limit (DATA_SIZE_MAX)")
                    if more.endswith(b"\n"):
                        break
                else:
                    if fields.count:
                        raise Truncated(f"{name}: entry {entry_number} (line {entry_line}): the input ends "
                                        "inside it")
            stripped = line.removesuffix(b"\n").removesuffix(b"\r")
            if not line or not stripped:
                if fields.count:
                    entry = dump_entry(fields, selection, wanted, f"{name}: entry {entry_number} (line {entry_line})",
                                       latest, clocks)
                    if entry is not None:
                        yield entry
                    entry_number += 1
                if not line:
                    return
                entry_line = line_number + 1
                fields = FieldBuffer(keep, f"{name}: entry {entry_number} (line {entry_line})")
                continue
            key, sep, value = stripped.partition(b"=")
            field = decode(key)
            if sep:
                fields.add(field, value, full - len(key) - 1)
                continue
            size_bytes = reader.read(8)
            if len(size_bytes) != 8:
                raise Truncated(f"{name}: entry {entry_number} (line {entry_line}): field {field!r} at line "
                                f"{line_number}: the input ends inside its binary size")
            (size,) = struct.unpack("<Q", size_bytes)
            if size > DATA_SIZE_MAX:
                raise InputFormatError(f"{name}: line {line_number}: field {field!r}: {size} bytes, expected at "
                                       f"most {DATA_SIZE_MAX} (journald's DATA_SIZE_MAX)")
            if fields.wants(field):
                data = reader.read(min(size, MAX_VALUE_KEPT))
                got = len(data) + reader.skip(size - len(data))
            else:
                data, got = b"", reader.skip(size)
            end = reader.read(1)
            if got != size or not end:
                raise Truncated(f"{name}: entry {entry_number} (line {entry_line}): field {field!r} at line "
                                f"{line_number}: the input ends inside its {size}-byte value")
            if end == b"\r":
                end = reader.read(1)
            if end != b"\n":
                raise InputFormatError(f"{name}: line {line_number}: field {field!r}: expected a newline after its "
                                       f"{size}-byte value (got {end!r})")
            fields.add(field, data, size)
    except Truncated as error:
        warn(f"{error}: ignored")


def _journal_in_stream(stream: BinaryIO) -> str:
    """Why a journal file that came as a stream cannot be read: journal files are read from a path (sd-journal
    maps them), so gzip's, standard input's or a pipe's bytes are not enough."""
    if isinstance(stream, gzip.GzipFile):
        return "a journal file compressed with gzip: journal files are read uncompressed only; decompress it first"
    return ("a journal file through a pipe or standard input: journal files are read from a path (as journalctl "
            "reads them); give the file itself (--file PATH or -D DIR)")


class ExportSource:
    """Entries from an export-format or JSON-lines file (plain or gzip), detected by content."""

    def __init__(self, path: Path, selection: Selection, extra_fields: tuple[str, ...] = (),
                 warn: Warn = warn_on_stderr, ends: list[int] | None = None):
        self.path = path
        self.selection = selection
        self.fields = tuple(dict.fromkeys((*DEFAULT_FIELDS, *extra_fields)))
        self.warn = warn
        self.ends = ends
        """With -u: the time of the dump's newest entry of the -M/-H hosts is appended here once it is read (the
        input's end for a scan narrowed to units, as journal.journal_end_usec for a journal)."""

    def __iter__(self) -> Iterator[Entry]:
        name = str(self.path)
        if self.selection.empty:
            return
        with open_binary(self.path) as stream:
            try:
                kind = sniff(head(stream, DEEP_BYTES))
            except InputFormatError as error:
                raise InputFormatError(f"{name}: {error}") from None
            if kind == "empty":
                return
            if kind == "journal":
                raise InputFormatError(f"{name}: {_journal_in_stream(stream)}")
            if kind in TEXT_KINDS:
                yield from marked(read_text_kind(kind, stream, self.path, self.selection, self.warn),
                                  (lambda: self._read_ahead(kind)) if readable_again(self.path) else None)
                return
            reader = read_json_lines if kind == "json" else read_export
            # with -u, the newest entry of any unit is where the dump ends (dump.dump_entry keeps it)
            latest: list[int] | None = [] if self.ends is not None and self.selection.units else None
            yield from reader(stream, name, self.selection, self.fields, self.warn, latest)
            if self.ends is not None and latest:
                self.ends.extend(latest)

    def _read_ahead(self, kind: str) -> Iterator[Entry]:
        """The text file's entries read once more, for text_recurring, without its warnings (the real read gives
        them); none past an error (the real read raises it). Over the whole file, not --since/--until's window: the
        lines before it are the units' history, as a journal's are (a window that began 11 min before an outage made
        the outage its unit's first hour, which text_recurring takes for its start-up: no card, a new user's try)."""
        whole = replace(self.selection, since_usec=None, until_usec=None)
        try:
            with open_binary(self.path) as stream:
                if sniff(head(stream, DEEP_BYTES)) == kind:
                    yield from read_text_kind(kind, stream, self.path, whole, _unsaid)
        except (OSError, InputFormatError):
            return


def _unsaid(_message: str) -> None:
    """A warning of the read ahead, said again by the real read."""
