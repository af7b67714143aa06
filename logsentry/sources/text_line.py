"""One record read from a text log, before it is an Entry: shared by the text layouts' parsers (sources/text.py,
sources/dmesg.py, sources/applog.py), which sources/text.py's read_text drives."""

from __future__ import annotations

from typing import Protocol


class TextLine:
    """A record's time (µs since the epoch), the journal fields its text shows, and where its text starts in
    the line (a continuation line indented as far loses that indent). Mutable: continuation lines are added to
    `fields["MESSAGE"]`."""

    __slots__ = ("fields", "indent", "usec")

    def __init__(self, usec: int, fields: dict[str, str], indent: int):
        self.usec = usec
        self.fields = fields
        self.indent = indent


class LineParser(Protocol):
    """What read_text asks of a layout's parser."""

    def parse(self, line: str) -> TextLine | None:
        """The record this line starts, or None (a continuation of the last one, or a line of no record)."""

    def marker(self, what: str) -> None:
        """journalctl's `-- what --` line."""

    def note(self) -> str | None:
        """What to tell of the times once, after the first record (a year or a zone guessed)."""
