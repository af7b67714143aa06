"""Offline input: journal export format (`journalctl -o export`) and JSON lines (`journalctl -o json`).

The format is detected from the content, and gzip is undone on the way, so a dump a colleague mailed
can be scanned on any machine. The same Selection applies as for the native reader.

Hostile dumps are read in bounded memory, one entry at a time, with journald's own limits
(src/shared/journal-importer.h, what systemd-journal-remote applies to the same format): a field value of
at most DATA_SIZE_MAX bytes, an entry of at most ENTRY_SIZE_MAX bytes and ENTRY_FIELD_COUNT_MAX fields.
Within those, values are streamed: only the first MAX_VALUE_KEPT bytes of a value are kept (the engine
matches the first 64 Ki characters of a message, which never take more), the rest is skipped unread into
memory, and the fields no one looks at are not kept at all. A 1.5 MB gzip bomb is then a few MB of
memory, not gigabytes.

One rule for a field an entry carries several times, in every source, as the journal reader presents it
(systemd's `_get_all` gives the values as a list, values.decode joins them with newlines, and the C
scanner does the same): the values joined with newlines, in the order the dump gives them. A `-u` match
holds when any of the values equals it, as an sd-journal match does.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import struct
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from ..model import Entry
from .selection import DEFAULT_FIELDS, SUBJECT_FIELDS, UNIT_VALUE_FIELDS, Selection
from .text import SNIFF_BYTES, TEXT_KINDS, read_text_kind, sniff_text
from .values import decode, entry_from

GZIP_MAGIC = b"\x1f\x8b"
JOURNAL_MAGIC = b"LPKSHHRH"

# journald's limits (systemd src/shared/journal-importer.h)
DATA_SIZE_MAX = 1024 * 1024 * 768
ENTRY_SIZE_MAX = 1024 * 1024 * 770
ENTRY_FIELD_COUNT_MAX = 1024
MAX_VALUE_KEPT = 4 * 64 * 1024
"""Bytes kept of one field value: engine/detector.py matches the first 64 Ki characters (MAX_MATCH_CHARS),
at most 4 UTF-8 bytes each."""
JSON_LINE_IN_MEMORY = 1024 * 1024
"""JSON lines up to this size are parsed whole (json.loads, fast); longer ones are streamed."""
CHUNK = 64 * 1024
USEC_MAX = 2**64 - 1
"""__REALTIME_TIMESTAMP is an unsigned 64-bit number in the journal."""

SPECIAL_FIELDS = ("__REALTIME_TIMESTAMP", "__CURSOR")
"""Address fields: one value (the last one given wins, as systemd's importer does)."""

Warn = Callable[[str], None]


def warn_on_stderr(message: str) -> None:
    print(f"logsentry: warning: {message}", file=sys.stderr, flush=True)


class InputFormatError(ValueError):
    """Input that is none of the formats logsentry reads, or is damaged; says where."""


class Truncated(InputFormatError):
    """The input ended inside an entry (a cut-off download): the entries before it are good."""


def open_binary(path: Path) -> BinaryIO:
    """Open a file (or "-" for stdin) for peeking and reading, undoing gzip when the content says so."""
    if str(path) == "-":
        if sys.stdin is None:
            raise InputFormatError("-: no standard input (it is closed)")
        stream: BinaryIO = sys.stdin.buffer
    else:
        stream = open(path, "rb")  # noqa: SIM115 - the caller closes it
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)  # type: ignore[type-var]
    if head(stream, 2) == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    return stream


def head(stream: BinaryIO, size: int = SNIFF_BYTES) -> bytes:
    """The first bytes of a stream opened by open_binary, without consuming them."""
    try:
        peeked: bytes = stream.peek(size)  # type: ignore[attr-defined]
    except (EOFError, OSError, zlib.error) as error:
        raise InputFormatError(f"damaged gzip stream ({error})") from None
    return peeked[:size]


def sniff(head: bytes) -> str:
    """"journal", "json", "export" or "empty" from the first bytes of a file."""
    if head.startswith(JOURNAL_MAGIC):
        return "journal"
    text_kind = sniff_text(head)  # journalctl/syslog text, Docker json-file (sources/text.py)
    if text_kind is not None:
        return text_kind
    stripped = head.lstrip()
    if not stripped:
        return "empty"
    if stripped.startswith(b"{"):
        return "json"
    first_line = stripped.split(b"\n", 1)[0].removesuffix(b"\r")
    name = first_line.split(b"=", 1)[0]
    if name and (b"=" in first_line or len(first_line) == len(name)) and name.replace(b"_", b"").isalnum():
        return "export"
    raise InputFormatError("not a journal file, journal export format or JSON lines (journalctl -o json), nor "
                           "journalctl/syslog text or a Docker json-file log")


class _Fields:
    """One entry's fields while it is read: the values of the fields someone looks at (bounded), the
    entry's size and field count against journald's limits."""

    __slots__ = ("count", "keep", "size", "values", "where")

    def __init__(self, keep: frozenset[str], where: str):
        self.keep = keep
        self.values: dict[str, list[bytes]] = {}
        self.size = 0
        self.count = 0
        self.where = where

    def wants(self, name: str) -> bool:
        return name in self.keep

    def skip(self, name: str, full_size: int) -> None:
        """A field that is counted against the limits but not kept (no value the journal could hold)."""
        self._count(name, full_size)

    def _count(self, name: str, full_size: int) -> None:
        self.count += 1
        self.size += len(name) + 1 + full_size
        if self.count > ENTRY_FIELD_COUNT_MAX:
            raise InputFormatError(f"{self.where}: more than {ENTRY_FIELD_COUNT_MAX} fields, journald's limit "
                                   "(ENTRY_FIELD_COUNT_MAX)")
        if self.size > ENTRY_SIZE_MAX:
            raise InputFormatError(f"{self.where}: larger than {ENTRY_SIZE_MAX} bytes, journald's limit "
                                   "(ENTRY_SIZE_MAX)")

    def add(self, name: str, value: bytes, full_size: int) -> None:
        self._count(name, full_size)
        if name not in self.keep:
            return
        if name in SPECIAL_FIELDS:
            self.values[name] = [value]
            return
        values = self.values.setdefault(name, [])
        kept = sum(len(v) + 1 for v in values)
        if kept < MAX_VALUE_KEPT:
            values.append(value[:MAX_VALUE_KEPT - kept])


def _entry(fields: _Fields, selection: Selection, wanted: tuple[str, ...], where: str) -> Entry | None:
    stamps = fields.values.get("__REALTIME_TIMESTAMP")
    stamp = stamps[-1] if stamps else None
    if stamp is None or not stamp.isdigit():  # bytes: ASCII digits only ("²" is a digit to str.isdigit)
        got = None if stamp is None else decode(stamp[:40])
        raise InputFormatError(f"{where}: __REALTIME_TIMESTAMP: expected microseconds since the epoch (got {got!r})")
    if len(stamp) > 20 or int(stamp) > USEC_MAX:
        raise InputFormatError(f"{where}: __REALTIME_TIMESTAMP: expected microseconds since the epoch, at most "
                               f"2^64-1 as in the journal (got {decode(stamp[:40])!r})")
    realtime = int(stamp)
    texts = {name: [decode(value) for value in values] for name, values in fields.values.items()}
    if not selection.accepts(texts, realtime):
        return None
    joined = {name: "\n".join(values) for name, values in texts.items()}
    entry = entry_from(joined.get, realtime, joined.get("__CURSOR") or where,
                       {name: joined[name] for name in wanted if name in joined})
    return entry if selection.admits_priority(entry.effective_priority) else None


def kept_fields(wanted: tuple[str, ...]) -> frozenset[str]:
    """The fields an Entry is made of: the rest of a dump is skipped."""
    return frozenset(("MESSAGE", "PRIORITY", *SPECIAL_FIELDS, *SUBJECT_FIELDS, *UNIT_VALUE_FIELDS, *wanted))


class _Reader:
    """Bounded reads from a (possibly gzip) stream, with damage worded as InputFormatError."""

    def __init__(self, stream: IO[bytes], name: str):
        self.stream = stream
        self.name = name

    def _call(self, method: Callable[[int], bytes], size: int) -> bytes:
        try:
            return method(size)
        except EOFError:  # gzip: "Compressed file ended before the end-of-stream marker was reached"
            raise Truncated(f"{self.name}: the gzip stream ends early") from None
        except (gzip.BadGzipFile, zlib.error) as error:
            raise InputFormatError(f"{self.name}: damaged gzip stream ({error})") from None

    def readline(self, size: int) -> bytes:
        return self._call(self.stream.readline, size)

    def read(self, size: int) -> bytes:
        return self._call(self.stream.read, size)

    def skip(self, size: int) -> int:
        """Read and drop `size` bytes; how many there were."""
        done = 0
        while done < size:
            got = len(self.read(min(CHUNK, size - done)))
            if not got:
                break
            done += got
        return done


def read_export(stream: IO[bytes], name: str, selection: Selection, wanted: tuple[str, ...],
                warn: Warn = warn_on_stderr) -> Iterator[Entry]:
    """Journal export format: KEY=value lines, or KEY, a 64-bit little-endian size and raw bytes; an empty
    line ends an entry. CRLF line ends are read as LF (a text value never ends in CR: journalctl writes
    such values in the binary form). An entry cut off by the end of the input is a warning."""
    reader = _Reader(stream, name)
    keep = kept_fields(wanted)
    entry_number, line_number = 1, 0
    entry_line = 1
    fields = _Fields(keep, f"{name}: entry 1 (line 1)")
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
                    entry = _entry(fields, selection, wanted, f"{name}: entry {entry_number} (line {entry_line})")
                    if entry is not None:
                        yield entry
                    entry_number += 1
                if not line:
                    return
                entry_line = line_number + 1
                fields = _Fields(keep, f"{name}: entry {entry_number} (line {entry_line})")
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


def _json_values(value: Any) -> list[str] | None:
    """journalctl -o json: a string, a list of byte values for non-UTF-8 data, null for huge values,
    or a list of those when a field occurs several times. Anything else (objects, deeper lists) is no
    journal value: the field is left out."""
    if value is None or isinstance(value, bool | _Object):
        return None
    if isinstance(value, str):
        return [_json_text(value)]
    if isinstance(value, int | float):
        return [str(value)]
    if isinstance(value, list):  # not an _Object: checked above
        if value and all(isinstance(item, int) and not isinstance(item, bool) for item in value):
            if not all(0 <= item <= 255 for item in value):
                return None
            return [decode(bytes(value))]
        parts: list[str] = []
        for item in value:
            if isinstance(item, list) and not isinstance(item, _Object):
                if not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in item):
                    continue
                parts.append(decode(bytes(item)))
            elif item is not None and not isinstance(item, bool | _Object):
                parts.extend(_json_values(item) or ())
        return parts or None
    return None


class _Object(list[tuple[str, Any]]):
    """A JSON object as its members in order (json.loads' object_pairs_hook): a key may come twice."""


def _json_fields(pairs: list[tuple[str, Any]], keep: frozenset[str], where: str) -> _Fields:
    """A JSON object's members as an entry's fields; a key given twice is a field given twice."""
    fields = _Fields(keep, where)
    for key, value in pairs:
        name = _json_text(key)
        values = _json_values(value) if name in keep else None
        if values is None:
            fields.skip(name, 0)
            continue
        for text in values:
            data = text.encode("utf-8", "surrogatepass")
            fields.add(name, data, len(data))
    return fields


def read_json_lines(stream: IO[bytes], name: str, selection: Selection, wanted: tuple[str, ...],
                    warn: Warn = warn_on_stderr) -> Iterator[Entry]:
    """One JSON object per line. Lines up to JSON_LINE_IN_MEMORY bytes are parsed whole; a longer line is
    parsed as it streams by (_StreamedObject), keeping MAX_VALUE_KEPT bytes of a value."""
    reader = _Reader(stream, name)
    keep = kept_fields(wanted)
    line_number = 0
    try:
        while True:
            raw = reader.readline(JSON_LINE_IN_MEMORY + 1)
            if not raw:
                return
            line_number += 1
            where = f"{name}: line {line_number}"
            if len(raw) > JSON_LINE_IN_MEMORY and not raw.endswith(b"\n"):
                fields = _StreamedObject(reader, raw, keep, where).parse()
            else:
                if not raw.strip():
                    continue
                try:
                    document = json.loads(raw, object_pairs_hook=_Object)
                except RecursionError:  # nested deeper than the interpreter recurses: parse it iteratively
                    fields = _StreamedObject(_Reader(io.BytesIO(b""), name), raw, keep, where).parse()
                except ValueError as error:
                    if not raw.endswith(b"\n"):  # the last line, cut off: a download that ended early
                        raise Truncated(f"{where}: the input ends inside it ({error})") from None
                    raise InputFormatError(f"{where}: expected a JSON object per line ({error})") from None
                else:
                    if not isinstance(document, _Object):
                        raise InputFormatError(f"{where}: expected a JSON object per line (got "
                                               f"{_json_kind(document)})")
                    fields = _json_fields(document, keep, where)
            entry = _entry(fields, selection, wanted, where)
            if entry is not None:
                yield entry
    except Truncated as error:
        warn(f"{error}: ignored")


def _json_kind(document: Any) -> str:
    if isinstance(document, list):
        return "an array"
    if isinstance(document, str):
        return "a string"
    if document is None:
        return "null"
    return type(document).__name__


_STRING_STOP = re.compile(rb'["\\\x00-\x1f]')
_ESCAPE = re.compile(rb'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')
_INTEGER = re.compile(rb"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WHITESPACE = b" \t\r"
_CLOSERS = {0x5B: 0x5D, 0x7B: 0x7D}
MAX_NUMBER_BYTES = 4300  # Python's int-from-string digit limit: json.loads refuses longer numbers too


class _StreamedObject:
    """One JSON object parsed iteratively as it streams in (no recursion, whatever the nesting), for lines
    too long to hold or nested too deep for json.loads: the fields json.loads + _json_fields give, with each
    kept value cut to MAX_VALUE_KEPT bytes and values the journal cannot hold (objects, nesting) skipped."""

    def __init__(self, reader: _Reader, start: bytes, keep: frozenset[str], where: str):
        self.reader = reader
        self.buffer = start
        self.at = 0
        self.keep = keep
        self.where = where
        self.consumed = 0

    # -- input --------------------------------------------------------------------------------------------
    def _peek(self) -> int:
        if self.at >= len(self.buffer):
            self.consumed += len(self.buffer)
            if self.consumed > 6 * ENTRY_SIZE_MAX:  # JSON escapes take up to 6 bytes a byte
                raise InputFormatError(f"{self.where}: longer than journald's entry limit (ENTRY_SIZE_MAX) allows")
            self.buffer, self.at = self.reader.readline(CHUNK), 0
            if not self.buffer:
                raise Truncated(f"{self.where}: the input ends inside it")
        return self.buffer[self.at]

    def _skip_space(self) -> int:
        while (char := self._peek()) in _WHITESPACE:
            self.at += 1
        if char == 0x0A:
            raise self._error("the line ends inside the object")
        return char

    def _error(self, what: str) -> InputFormatError:
        return InputFormatError(f"{self.where}: expected a JSON object per line ({what})")

    def _expect(self, char: int) -> None:
        if self._skip_space() != char:
            raise self._error(f"expected {chr(char)!r}")
        self.at += 1

    # -- values -------------------------------------------------------------------------------------------
    def _string(self, limit: int) -> tuple[bytes, int]:
        """The string after the cursor's opening quote: its first `limit` bytes (escaped form, escapes kept
        whole) decoded to UTF-8, and its escaped length."""
        self.at += 1
        kept: list[bytes] = []
        kept_size = total = 0
        keeping = limit > 0
        while True:
            self._peek()
            stop = _STRING_STOP.search(self.buffer, self.at)
            end = len(self.buffer) if stop is None else stop.start()
            piece = self.buffer[self.at:end]
            total += len(piece)
            if keeping:
                kept.append(piece[:limit - kept_size])
                kept_size += len(kept[-1])
                keeping = kept_size < limit
            self.at = end
            if stop is None:
                continue
            if self.buffer[end] == 0x22:
                self.at += 1
                break
            if self.buffer[end] != 0x5C:
                raise self._error("a control character inside a string")
            if len(self.buffer) - end < 6 and not self.buffer.endswith(b"\n"):
                self.buffer, self.at, end = self.buffer[end:] + self.reader.readline(CHUNK), 0, 0
            escape = _ESCAPE.match(self.buffer, end)
            if escape is None:
                raise self._error("an invalid escape in a string")
            size = escape.end() - end
            total += size
            if keeping and kept_size + size <= limit:
                kept.append(escape.group())
                kept_size += size
            else:
                keeping = False
            self.at = escape.end()
        if not limit:
            return b"", total
        raw = b"".join(kept).decode("utf-8", "replace")
        try:
            text = json.loads('"' + raw + '"')
        except ValueError as error:
            raise self._error(str(error)) from None
        return _json_text(text).encode("utf-8"), total

    def _scalar(self) -> tuple[str, str]:
        """A number, true, false or null at the cursor: ("int" | "float", its text as Python prints the
        number json.loads makes of it), or ("none", "")."""
        start = self.at
        token = bytearray()
        while (char := self._peek()) not in b",]}:" and char not in _WHITESPACE and char != 0x0A:
            token.append(char)
            self.at += 1
            if len(token) > MAX_NUMBER_BYTES:
                raise self._error("a number longer than 4300 digits")
        text = bytes(token)
        if text in (b"true", b"false", b"null"):
            return "none", ""
        if text in (b"Infinity", b"-Infinity", b"NaN"):  # json.loads takes them too
            return "float", str(json.loads(text))
        if _NUMBER.fullmatch(text) is None:
            raise self._error(f"an invalid value at {start}: {text[:40].decode('utf-8', 'replace')!r}")
        kind = "int" if _INTEGER.fullmatch(text) else "float"
        return kind, str(json.loads(text))

    def _skip_value(self) -> None:
        """Step over any value, objects and arrays to any depth, keeping nothing."""
        closers: list[int] = []
        while True:
            char = self._skip_space()
            if char == 0x22:
                self._string(0)
            elif char in _CLOSERS:
                self.at += 1
                if self._skip_space() == _CLOSERS[char]:
                    self.at += 1
                else:
                    closers.append(_CLOSERS[char])
                    if char == 0x7B:
                        self._key()
                    continue
            else:
                self._scalar()
            while closers:
                char = self._skip_space()
                self.at += 1
                if char == 0x2C:
                    if closers[-1] == 0x7D:
                        self._key()
                    break
                if char != closers[-1]:
                    raise self._error(f"unexpected {chr(char)!r}")
                closers.pop()
            if not closers:
                return

    def _key(self, limit: int = 0) -> str:
        if self._skip_space() != 0x22:
            raise self._error("expected a string key")
        key, _ = self._string(limit)
        self._expect(0x3A)
        return key.decode("utf-8", "replace")

    def _items(self) -> Iterator[int]:
        """Steps through an array after its '[': yields the first character of each item (the item is
        then the caller's to consume)."""
        self.at += 1
        if self._skip_space() == 0x5D:
            self.at += 1
            return
        while True:
            yield self._skip_space()
            char = self._skip_space()
            self.at += 1
            if char == 0x5D:
                return
            if char != 0x2C:
                raise self._error(f"unexpected {chr(char)!r} in an array")

    def _byte_array(self) -> bytes | None:
        """An array of byte values (the UTF-8 of its bytes), or None when it holds anything else."""
        numbers, valid = bytearray(), True
        for char in self._items():
            if char in b'"[{':
                self._skip_value()
                valid = False
                continue
            kind, text = self._scalar()
            if kind != "int" or not 0 <= int(text) <= 255:
                valid = False
            elif len(numbers) < MAX_VALUE_KEPT:
                numbers.append(int(text))
        return decode(bytes(numbers)).encode("utf-8") if valid else None

    def _array(self, name: str, fields: _Fields) -> None:
        """A field's array as _json_values reads it: byte values, or the values of a repeated field."""
        numbers, all_ints, bytes_valid = bytearray(), True, True
        parts: list[bytes] = []
        kept = 0
        count = 0
        for char in self._items():
            count += 1
            part: bytes | None = None
            if char == 0x22:
                part, _ = self._string(MAX_VALUE_KEPT)
                all_ints = False
            elif char == 0x5B:
                part = self._byte_array()
                all_ints = False
            elif char == 0x7B:
                self._skip_value()
                all_ints = False
            else:
                kind, text = self._scalar()
                if kind == "int":
                    value = int(text)
                    if not 0 <= value <= 255:
                        bytes_valid = False
                    elif len(numbers) < MAX_VALUE_KEPT:
                        numbers.append(value)
                    part = text.encode()
                else:
                    all_ints = False
                    part = text.encode() if kind == "float" else None
            if part is not None and kept < MAX_VALUE_KEPT:
                parts.append(part)
                kept += len(part) + 1
        if count and all_ints:
            if bytes_valid:
                data = decode(bytes(numbers)).encode("utf-8")
                fields.add(name, data, len(data))
            else:
                fields.skip(name, count)
            return
        if not parts:
            fields.skip(name, count)
        for part in parts:
            fields.add(name, part, len(part))

    def parse(self) -> _Fields:
        fields = _Fields(self.keep, self.where)
        if self._skip_space() != 0x7B:
            raise self._error("it does not start with '{'")
        self.at += 1
        if self._skip_space() == 0x7D:
            self.at += 1
        else:
            while True:
                key = _json_text(self._key(4096))
                char = self._skip_space()
                if key not in self.keep or char in b"{":
                    self._skip_value()
                    fields.skip(key, 0)
                elif char == 0x22:
                    text, size = self._string(MAX_VALUE_KEPT)
                    fields.add(key, text, size)
                elif char == 0x5B:
                    self._array(key, fields)
                else:
                    kind, number = self._scalar()
                    if kind == "none":
                        fields.skip(key, 0)
                    else:
                        fields.add(key, number.encode(), len(number))
                char = self._skip_space()
                self.at += 1
                if char == 0x7D:
                    break
                if char != 0x2C:
                    raise self._error(f"unexpected {chr(char)!r} after a value")
        while True:  # the rest of the line: whitespace only
            if self.at >= len(self.buffer):
                self.buffer, self.at = self.reader.readline(CHUNK), 0
                if not self.buffer:
                    break
            char = self.buffer[self.at]
            self.at += 1
            if char == 0x0A:
                break
            if char not in _WHITESPACE:
                raise self._error("more after the object")
        return fields


class ExportSource:
    """Entries from an export-format or JSON-lines file (plain or gzip), detected by content."""

    def __init__(self, path: Path, selection: Selection, extra_fields: tuple[str, ...] = (),
                 warn: Warn = warn_on_stderr):
        self.path = path
        self.selection = selection
        self.fields = tuple(dict.fromkeys((*DEFAULT_FIELDS, *extra_fields)))
        self.warn = warn

    def __iter__(self) -> Iterator[Entry]:
        name = str(self.path)
        if self.selection.empty:
            return
        with open_binary(self.path) as stream:
            try:
                kind = sniff(head(stream))
            except InputFormatError as error:
                raise InputFormatError(f"{name}: {error}") from None
            if kind == "empty":
                return
            if kind == "journal":
                raise InputFormatError(f"{name}: a journal file inside a compressed stream; decompress it first")
            if kind in TEXT_KINDS:
                yield from read_text_kind(kind, stream, self.path, self.selection)
                return
            reader = read_json_lines if kind == "json" else read_export
            yield from reader(stream, name, self.selection, self.fields, self.warn)
