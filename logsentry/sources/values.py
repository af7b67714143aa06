"""Journal field values as text, the same way for every source."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..model import Entry
from .selection import subject_unit


def decode(value: bytes | list[bytes]) -> str:
    """Journal values are bytes, usually but not always UTF-8 (MESSAGE may be anything); a field that an
    entry carries several times comes as a list and is joined with newlines."""
    if isinstance(value, list):
        value = b"\n".join(value)
    return value.decode("utf-8", "replace")


def priority_of(text: str | None) -> int | None:
    """PRIORITY as a number, when it is ASCII digits (int() also takes "٣", and chokes on "²")."""
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def entry_from(get: Callable[[str], str | None], realtime_usec: int, cursor: str, fields: Mapping[str, str]) -> Entry:
    """The Entry every source makes from an entry's fields as text (`get`), whatever it read them from."""
    return Entry(realtime_usec, get("MESSAGE") or "", subject_unit(get), priority_of(get("PRIORITY")), cursor, fields)
