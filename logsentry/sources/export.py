"""Offline input: journal export format (`journalctl -o export`) and JSON lines (`journalctl -o json`).

The format is detected from the content, and gzip is undone on the way, so a dump a colleague mailed
can be scanned on any machine. The same Selection applies as for the native reader.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from ..model import Entry
from .selection import DEFAULT_FIELDS, Selection
from .text import TEXT_KINDS, read_text_kind, sniff_text
from .values import decode, entry_from

GZIP_MAGIC = b"\x1f\x8b"
MAX_FIELD_BYTES = 128 * 1024 * 1024  # journald itself refuses entries far smaller; bounds memory on bad input
JOURNAL_MAGIC = b"LPKSHHRH"


class InputFormatError(ValueError):
    """Input that is none of the formats logsentry reads, or is damaged; says where."""


def open_binary(path: Path) -> BinaryIO:
    """Open a file (or "-" for stdin) for peeking and reading, undoing gzip when the content says so."""
    if str(path) == "-":
        stream: BinaryIO = sys.stdin.buffer
    else:
        stream = open(path, "rb")  # noqa: SIM115 - the caller closes it
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)  # type: ignore[type-var]
    if head(stream, 2) == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    return stream


def head(stream: BinaryIO, size: int = 4096) -> bytes:
    """The first bytes of a stream opened by open_binary, without consuming them."""
    peeked: bytes = stream.peek(size)  # type: ignore[attr-defined]
    return peeked[:size]


def sniff(head: bytes) -> str:
    """"journal", "json" or "export" from the first bytes of a file."""
    if head.startswith(JOURNAL_MAGIC):
        return "journal"
    text_kind = sniff_text(head)  # journalctl/syslog text, Docker json-file (sources/text.py)
    if text_kind is not None:
        return text_kind
    stripped = head.lstrip()
    if stripped.startswith(b"{"):
        return "json"
    first_line = stripped.split(b"\n", 1)[0]
    name = first_line.split(b"=", 1)[0]
    if name and (b"=" in first_line or len(first_line) == len(name)) and name.replace(b"_", b"").isalnum():
        return "export"
    raise InputFormatError("not a journal file, journal export format or JSON lines (journalctl -o json), nor "
                           "journalctl/syslog text or a Docker json-file log")


def _entry_from_fields(
    fields: dict[str, str], selection: Selection, wanted: tuple[str, ...], where: str
) -> Entry | None:
    stamp = fields.get("__REALTIME_TIMESTAMP")
    if stamp is None or not stamp.isdigit():
        raise InputFormatError(f"{where}: __REALTIME_TIMESTAMP: expected microseconds since the epoch (got {stamp!r})")
    realtime = int(stamp)
    if not selection.accepts(fields, realtime):
        return None
    entry = entry_from(fields.get, realtime, fields.get("__CURSOR") or where,
                       {name: fields[name] for name in wanted if name in fields})
    return entry if selection.admits_priority(entry.effective_priority) else None


def read_export(stream: IO[bytes], name: str, selection: Selection, wanted: tuple[str, ...]) -> Iterator[Entry]:
    """Journal export format: KEY=value lines, or KEY, a 64-bit little-endian size and raw bytes."""
    fields: dict[str, str] = {}
    entry_number = 1
    line_number = 0
    while True:
        line = stream.readline(MAX_FIELD_BYTES + 1)
        line_number += 1
        if len(line) > MAX_FIELD_BYTES:
            raise InputFormatError(f"{name}: line {line_number}: longer than {MAX_FIELD_BYTES} bytes")
        if not line or line == b"\n":
            if fields:
                entry = _entry_from_fields(fields, selection, wanted, f"{name}: entry {entry_number}")
                if entry is not None:
                    yield entry
                fields = {}
                entry_number += 1
            if not line:
                return
            continue
        line = line.removesuffix(b"\n")
        key, sep, value = line.partition(b"=")
        if not sep:
            size_bytes = stream.read(8)
            if len(size_bytes) != 8:
                raise InputFormatError(f"{name}: line {line_number}: field {decode(key)}: truncated binary size")
            (size,) = struct.unpack("<Q", size_bytes)
            if size > MAX_FIELD_BYTES:
                raise InputFormatError(f"{name}: line {line_number}: field {decode(key)}: {size} bytes, expected at "
                                       f"most {MAX_FIELD_BYTES}")
            value = stream.read(size)
            if len(value) != size or stream.read(1) != b"\n":
                raise InputFormatError(f"{name}: line {line_number}: field {decode(key)}: truncated binary value")
        fields[decode(key)] = decode(value)


def _json_text(text: str) -> str:
    """A JSON string as text: JSON can escape lone surrogates ("\\ud800"), which no encoder or matcher
    downstream accepts; they become U+FFFD, as undecodable bytes do in journal values."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def _json_value(value: Any) -> str | None:
    """journalctl -o json: a string, a list of byte values for non-UTF-8 data, null for huge values,
    or a list of those when a field occurs several times (joined with newlines)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _json_text(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        if all(isinstance(item, int) for item in value):
            try:
                return decode(bytes(value))
            except ValueError:
                return None
        parts = [_json_value(item) for item in value]
        return "\n".join(part for part in parts if part is not None)
    return None


def read_json_lines(
    stream: IO[bytes], name: str, selection: Selection, wanted: tuple[str, ...]
) -> Iterator[Entry]:
    for line_number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        where = f"{name}: line {line_number}"
        try:
            document = json.loads(raw)
        except ValueError as error:
            raise InputFormatError(f"{where}: expected a JSON object per line ({error})") from None
        if not isinstance(document, dict):
            raise InputFormatError(f"{where}: expected a JSON object per line (got {type(document).__name__})")
        fields = {_json_text(key): text for key, value in document.items()
                  if (text := _json_value(value)) is not None}
        entry = _entry_from_fields(fields, selection, wanted, where)
        if entry is not None:
            yield entry


class ExportSource:
    """Entries from an export-format or JSON-lines file (plain or gzip), detected by content."""

    def __init__(self, path: Path, selection: Selection, extra_fields: tuple[str, ...] = ()):
        self.path = path
        self.selection = selection
        self.fields = tuple(dict.fromkeys((*DEFAULT_FIELDS, *extra_fields)))

    def __iter__(self) -> Iterator[Entry]:
        name = str(self.path)
        with open_binary(self.path) as stream:
            kind = sniff(head(stream))
            if kind == "journal":
                raise InputFormatError(f"{name}: a journal file inside a compressed stream; decompress it first")
            if kind in TEXT_KINDS:
                yield from read_text_kind(kind, stream, self.path, self.selection)
                return
            reader = read_json_lines if kind == "json" else read_export
            entries = reader(stream, name, self.selection, self.fields)
            yield from entries
