"""A text log's lines (read_lines), and one record read from them before it is an Entry: shared by the text
layouts' parsers (sources/text.py, sources/dmesg.py, sources/applog.py), which sources/text.py's read_text drives."""

from __future__ import annotations

import gzip
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from typing import IO, Protocol, TypeVar

SOURCE_MONOTONIC = "_SOURCE_MONOTONIC_TIMESTAMP"
"""journald's field for a kernel entry's own time since boot (µs, from /dev/kmsg): a text's kernel line keeps its
printk stamp (`[    2.510442] `, dmesg's or one a syslog file kept) there, which tells a boot's lines when its banner
was not kept (engine/excerpts.py)."""
MAX_LINE = 256 * 1024
"""Bytes kept of one line (the engine matches the first 64 Ki characters of a message); the rest is skipped."""

Warn = Callable[[str], None]
T = TypeVar("T")


class TextLine:
    """A record's time (µs since the epoch), the journal fields its text shows, and where its text starts in
    the line (a continuation line indented as far loses that indent); `ceiling`, the level its text is read at no
    worse than (a program's log: an exception line under a record that said its level, applog_records.py), or None.
    Mutable: continuation lines are added to `fields["MESSAGE"]`."""

    __slots__ = ("ceiling", "fields", "indent", "usec")

    def __init__(self, usec: int, fields: dict[str, str], indent: int, ceiling: int | None = None):
        self.usec = usec
        self.fields = fields
        self.indent = indent
        self.ceiling = ceiling


class LineParser(Protocol):
    """What read_text asks of a layout's parser."""

    def parse(self, line: str) -> TextLine | None:
        """The record this line starts, or None (a continuation of the last one, or a line of no record)."""

    def marker(self, what: str) -> None:
        """journalctl's `-- what --` line."""

    def note(self) -> str | None:
        """What to tell of the times once, after the first record (a year or a zone guessed)."""


_NULS = re.compile(rb"\0+")
_RSYSLOG_ESCAPE = re.compile(r"#0(11|12|15|33)")
_RSYSLOG_CHARS = {"11": "\t", "12": "\n", "15": "\r", "33": "\x1b"}


def rsyslog_unescaped(message: str) -> str:
    """A message as its program wrote it, where rsyslog wrote it to a file escaped: its parser replaces each
    control character by `#` and three octal digits ($EscapeControlCharactersOnReceive, on by default:
    runtime/parser.c SanitizeMsg), so a multi-line message (PostgreSQL's `...: No space left on device` then its
    HINT line, a Python traceback) is one line with `#012` in it, and a rule anchored at its line's end never
    matched (helper-172: a Synapse ENOSPC missed). Only the escapes of a tab, a line feed, a carriage return and
    an escape (ANSI colours) are read back: the other control characters are rare in messages, and "#001234" (an
    order number) stays as written."""
    if "#0" not in message:
        return message
    return _RSYSLOG_ESCAPE.sub(lambda found: _RSYSLOG_CHARS[found[1]], message)


def read_lines(stream: IO[bytes], name: str, warn: Warn) -> Iterator[str]:
    """The stream's lines as text (invalid UTF-8 replaced), each cut to MAX_LINE bytes; gzip damage and a
    cut-off gzip stream end the input with a warning (the lines before it are good)."""
    return (line for _, line in read_owned_lines(stream, name, warn, None))


def read_owned_lines(stream: IO[bytes], name: str, warn: Warn, owners: deque[T] | None,
                     nobody: T | None = None) -> Iterator[tuple[T | None, str]]:
    """read_lines, each line with its owner: the next of `owners` (a queue the stream fills with one item a line
    as it reads it: text_compose's containers), `nobody` when there is no queue."""
    number = nuls = 0
    try:
        while True:
            raw = stream.readline(MAX_LINE)
            if not raw:
                return
            owner = owners.popleft() if owners else nobody
            number += 1
            if not raw.endswith(b"\n") and len(raw) == MAX_LINE:
                warn(f"{name}: line {number}: longer than {MAX_LINE} bytes; the rest is skipped")
                while True:
                    more = stream.readline(MAX_LINE)
                    if not more or more.endswith(b"\n"):
                        break
            raw = raw.rstrip(b"\n").removesuffix(b"\r")
            if b"\0" in raw:  # a syslog file a crash left with a block of NULs before the next line: one break
                nuls += 1
                if nuls == 1:
                    warn(f"{name}: line {number}: NUL bytes (a crash leaves them in a log file) taken as a line break")
                yield from ((owner, part.decode("utf-8", "replace")) for part in _NULS.split(raw) if part.strip())
                continue
            yield owner, raw.decode("utf-8", "replace")
    except EOFError:
        warn(f"{name}: the gzip stream ends early; read up to line {number}")
    except (gzip.BadGzipFile, zlib.error) as error:
        warn(f"{name}: damaged gzip stream after line {number} ({error})")
