"""Journal field values as text, the same way for every source."""

from __future__ import annotations


def decode(value: bytes | list[bytes]) -> str:
    """Journal values are bytes, usually but not always UTF-8 (MESSAGE may be anything); a field that an
    entry carries several times comes as a list and is joined with newlines."""
    if isinstance(value, list):
        value = b"\n".join(value)
    return value.decode("utf-8", "replace")
