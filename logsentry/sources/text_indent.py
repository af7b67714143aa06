"""A paste indented as a whole: every line of a log copied into a markdown code block, a mail or a forum quote
starts with the same tab or spaces, or the same quote marker (`> `, in a mail or an issue's markdown). Read as it
is, no line starts with its time (sources/text_sniff.py judges no indented line: it takes it for a continuation
line), so the paste was lines without a time, and the rules anchored at a line's start (`^Fatal Assertion`,
`^\\S+: Failed with result`) missed it (the trial's t05, a MongoDB log indented by a tab: 'Nothing found').

`dedented` strips that indent from every line when, and only when, every non-blank line of the whole input starts
with it: the indent is the whitespace the non-blank lines of the head share (as textwrap.dedent finds it), then
the whole input is checked line by line, in bounded memory. A log whose continuation lines alone are indented (a
stack trace's `\\tat ...` under its record, journalctl's multi-line messages) shares no indent and reads as it did;
so does a log with one line at the margin anywhere, even past the head. A file is checked and read again from
its start; standard input and pipes, read once, are copied to a temporary file first (in memory up to
SPOOL_MEMORY, then on disk), only when their head is indented as a whole.
"""

from __future__ import annotations

import io
import tempfile
import zlib
from typing import IO, TYPE_CHECKING, BinaryIO

from .text_sniff import SNIFF_BYTES

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

CHUNK = 64 * 1024
"""A line is read in pieces of at most this many bytes: the indent is only ever at a line's start."""
SPOOL_MEMORY = 1024 * 1024
"""Bytes of standard input or a pipe kept in memory before the copy goes to a temporary file."""
BOM = b"\xef\xbb\xbf"
_BLANKS = b" \t"
_QUOTE = b" \t>"
"""What a quoted paste's lines start with: blanks, and a mail's or markdown's quote marker (`> `, nested `> > `): an
issue's log quoted with `> ` was lines without a time (trial 60's 07, the very openvpn paste a rule cites)."""


def _blank(line: bytes) -> bool:
    """Is the line blank, or a quote's empty line (`>`)?"""
    return not line.strip(b" \t\r\n>")


def common_indent(head: bytes) -> bytes:
    """The spaces and tabs every non-blank line of `head` starts with (b"" when they share none, or there is no
    such line); the last line of a full head may be cut short and is not judged."""
    lines = head.removeprefix(BOM).split(b"\n")
    if len(head) >= SNIFF_BYTES and len(lines) > 1:
        lines.pop()
    indents = [line[:len(line) - len(line.lstrip(_QUOTE))] for line in lines if not _blank(line)]
    if not indents:
        return b""
    shortest, longest = min(indents), max(indents)  # the common prefix of all is theirs
    size = next((at for at, (one, other) in enumerate(zip(shortest, longest, strict=False)) if one != other),
                len(shortest))
    return shortest[:size]


class _Failure:
    """What ended a copy of a stream early (gzip damage): raised again where the copy ends."""

    def __init__(self) -> None:
        self.error: BaseException | None = None


def _shared(lines: IO[bytes], indent: bytes, copy: IO[bytes] | None = None,
            failure: _Failure | None = None) -> bool:
    """Whether every non-blank line of `lines` (from where it is) starts with `indent`; with `copy`, every byte
    read goes to it and the whole stream is read (a damaged gzip stream's error is kept in `failure`)."""
    shared, start = True, True
    try:
        while piece := lines.readline(CHUNK):
            if copy is not None:
                copy.write(piece)
            if start and shared and not (_blank(piece) if b">" in indent else not piece.strip()) and \
                    not piece.removeprefix(BOM).startswith(indent):
                shared = False
                if copy is None:
                    return False
            start = piece.endswith(b"\n")
    except (EOFError, OSError, zlib.error) as error:  # gzip damage: the reader words it where the copy ends
        if failure is not None:
            failure.error = error
    return shared


class Dedent(io.RawIOBase):
    """The lines of `source` without `indent` at their start (a line without it is kept as it is: a blank one).
    A subclass cuts another prefix by its own `cut` (sources/text_compose.py)."""

    def __init__(self, source: IO[bytes], indent: bytes, failure: _Failure | None = None,
                 owner: IO[bytes] | None = None):
        super().__init__()
        self.source, self.indent, self.failure, self.owner = source, indent, failure, owner
        self.pending = b""
        self.start = True
        self.first = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        wanted = len(view)
        parts = [self.pending]
        size = len(self.pending)
        while size < wanted:
            piece = self.source.readline(CHUNK)
            if not piece:
                if size == 0 and self.failure is not None and self.failure.error is not None:
                    error, self.failure.error = self.failure.error, None
                    raise error
                break
            if self.first and piece.startswith(BOM):
                parts.append(BOM)
                size += len(BOM)
                piece = piece[len(BOM):]
            self.first = False
            if self.start:
                piece = self.cut(piece)
            self.start = piece.endswith(b"\n")
            parts.append(piece)
            size += len(piece)
        data = b"".join(parts)
        given = min(len(data), wanted)
        view[:given] = data[:given]
        self.pending = data[given:]
        return given

    def cut(self, line: bytes) -> bytes:
        """`line` (the start of a line) without its prefix (a quote's empty line, `>`, is blank)."""
        if line.startswith(self.indent):
            return line[len(self.indent):]
        if b">" in self.indent and _blank(line):
            return line[len(line.rstrip(b"\r\n")):]
        return line

    def close(self) -> None:
        if not self.closed:
            self.source.close()
            if self.owner is not None:
                self.owner.close()
        super().close()


def dedented(stream: BinaryIO, peeked: bytes) -> BinaryIO:
    """`stream` (its head `peeked`), or a stream of its lines without the indent all its non-blank lines share."""
    indent = common_indent(peeked)
    if not indent:
        return stream
    if stream.seekable():
        shared = _shared(stream, indent)
        stream.seek(0)
        return io.BufferedReader(Dedent(stream, indent), CHUNK) if shared else stream
    spool = tempfile.SpooledTemporaryFile(SPOOL_MEMORY)  # noqa: SIM115 - closed with the stream returned
    failure = _Failure()
    shared = _shared(stream, indent, spool, failure)
    spool.seek(0)
    return io.BufferedReader(Dedent(spool, indent if shared else b"", failure, stream),
                             CHUNK)
