"""JSON lines (`journalctl -o json`): one object per line, parsed whole when it is small, streamed when
it is too long to hold or nested too deep for json.loads (StreamedObject), within dump.py's bounds."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

from ..model import Entry
from .boot_clocks import BootClocks
from .dump import (
    BoundedReader,
    FieldBuffer,
    InputFormatError,
    Truncated,
    dump_entry,
    kept_fields,
)
from .json_streamed import StreamedObject, json_text
from .selection import Selection
from .text import Warn, warn_on_stderr
from .values import decode

JSON_LINE_IN_MEMORY = 1024 * 1024
"""JSON lines up to this size are parsed whole (json.loads, fast); longer ones are streamed."""


def _json_values(value: Any) -> list[str] | None:
    """journalctl -o json: a string, a list of byte values for non-UTF-8 data, null for huge values,
    or a list of those when a field occurs several times. Anything else (objects, deeper lists) is no
    journal value: the field is left out."""
    if value is None or isinstance(value, bool | _Object):
        return None
    if isinstance(value, str):
        return [json_text(value)]
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


def _json_fields(pairs: list[tuple[str, Any]], keep: frozenset[str], where: str) -> FieldBuffer:
    """A JSON object's members as an entry's fields; a key given twice is a field given twice."""
    fields = FieldBuffer(keep, where)
    for key, value in pairs:
        name = json_text(key)
        values = _json_values(value) if name in keep else None
        if values is None:
            fields.skip(name, 0)
            continue
        for text in values:
            data = text.encode("utf-8", "surrogatepass")
            fields.add(name, data, len(data))
    return fields


def read_json_lines(stream: IO[bytes], name: str, selection: Selection, wanted: tuple[str, ...],
                    warn: Warn = warn_on_stderr, latest: list[int] | None = None) -> Iterator[Entry]:
    """One JSON object per line. Lines up to JSON_LINE_IN_MEMORY bytes are parsed whole; a longer line is
    parsed as it streams by (StreamedObject), keeping MAX_VALUE_KEPT bytes of a value."""
    reader = BoundedReader(stream, name)
    keep = kept_fields(wanted)
    clocks = BootClocks()  # its boots' clock jumps (sources/boot_clocks.py)
    line_number = 0
    try:
        while True:
            raw = reader.readline(JSON_LINE_IN_MEMORY + 1)
            if not raw:
                return
            line_number += 1
            where = f"{name}: line {line_number}"
            if len(raw) > JSON_LINE_IN_MEMORY and not raw.endswith(b"\n"):
                fields = StreamedObject(reader, raw, keep, where).parse()
            else:
                if not raw.strip():
                    continue
                try:
                    document = json.loads(raw, object_pairs_hook=_Object)
                except RecursionError:  # nested deeper than the interpreter recurses: parse it iteratively
                    fields = StreamedObject(BoundedReader(io.BytesIO(b""), name), raw, keep, where).parse()
                except ValueError as error:
                    if not raw.endswith(b"\n"):  # the last line, cut off: a download that ended early
                        raise Truncated(f"{where}: the input ends inside it ({error})") from None
                    raise InputFormatError(f"{where}: expected a JSON object per line ({error})") from None
                else:
                    if not isinstance(document, _Object):
                        raise InputFormatError(f"{where}: expected a JSON object per line (got "
                                               f"{_json_kind(document)})")
                    fields = _json_fields(document, keep, where)
            entry = dump_entry(fields, selection, wanted, where, latest, clocks)
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
