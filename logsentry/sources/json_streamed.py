"""A JSON object parsed as it streams in (StreamedObject), for `journalctl -o json` lines too long to hold or
nested too deep for json.loads (json_lines.py), within dump.py's bounds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from .dump import CHUNK, ENTRY_SIZE_MAX, MAX_VALUE_KEPT, BoundedReader, FieldBuffer, InputFormatError, Truncated
from .values import decode


def json_text(text: str) -> str:
    """A JSON string as text: JSON can escape lone surrogates ("\\ud800"), which no encoder or matcher
    downstream accepts; they become U+FFFD, as undecodable bytes do in journal values."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text



_STRING_STOP = re.compile(rb'["\\\x00-\x1f]')
_ESCAPE = re.compile(rb'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')
_INTEGER = re.compile(rb"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WHITESPACE = b" \t\r"
_CLOSERS = {0x5B: 0x5D, 0x7B: 0x7D}
MAX_NUMBER_BYTES = 4300  # Python's int-from-string digit limit: json.loads refuses longer numbers too


class StreamedObject:
    """One JSON object parsed iteratively as it streams in (no recursion, whatever the nesting), for lines
    too long to hold or nested too deep for json.loads: the fields json.loads + _json_fields give, with each
    kept value cut to MAX_VALUE_KEPT bytes and values the journal cannot hold (objects, nesting) skipped."""

    def __init__(self, reader: BoundedReader, start: bytes, keep: frozenset[str], where: str):
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
        return json_text(text).encode("utf-8"), total

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

    def _array(self, name: str, fields: FieldBuffer) -> None:
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

    def parse(self) -> FieldBuffer:
        fields = FieldBuffer(self.keep, self.where)
        if self._skip_space() != 0x7B:
            raise self._error("it does not start with '{'")
        self.at += 1
        if self._skip_space() == 0x7D:
            self.at += 1
        else:
            while True:
                key = json_text(self._key(4096))
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
