"""Standard input read whole before it is judged, so that a paste piped in is judged as the same bytes read by name.

Why: a text file read by name is read twice (sources/text_recurring.py reads it ahead to know its units' normal: a
line that recurs, a long unit's history); standard input cannot be read twice, so `journalctl -u myapi | logsentry scan
--file -` carded a healthy API's routine cleanup job that `--file saved.txt` of the same bytes did not (a new user's
try, 2026-12-07). Up to SPOOL_BYTES of it are kept in memory, read once per process; input longer than that is read
as a stream, its head from memory then the rest, once only (as before: no read ahead).
"""

from __future__ import annotations

import io
import sys
from typing import BinaryIO

from .text_deep import Replay

SPOOL_BYTES = 64 * 1024 * 1024
"""Standard input kept whole up to this many bytes (about 300,000 journalctl lines); more is read as a stream."""
CHUNK = 1024 * 1024


class _Spool:
    """What standard input held: `whole` once it ended within SPOOL_BYTES, else its head and the stream after it;
    `source`: the stream it came from (another one, as a test's CliRunner gives each run, is read afresh)."""

    def __init__(self) -> None:
        self.source: object = None
        self.head = b""
        self.whole = False
        self.rest: BinaryIO | None = None


_SPOOL = _Spool()


def _fill(stream: BinaryIO) -> None:
    _SPOOL.source, _SPOOL.whole = stream, False
    parts: list[bytes] = []
    size = 0
    while size <= SPOOL_BYTES:
        # read1: what one read gives; read(n) would wait for n bytes, and a terminal's Ctrl-D ends one read only
        part = stream.read1(CHUNK) if hasattr(stream, "read1") else stream.read(CHUNK)
        if not part:
            _SPOOL.whole = True
            break
        parts.append(part)
        size += len(part)
    _SPOOL.head = b"".join(parts)
    _SPOOL.rest = None if _SPOOL.whole else stream


def stdin_stream(stream: BinaryIO | None = None) -> BinaryIO:
    """Standard input's bytes (`stream`: sys.stdin.buffer), from the start each time while it fits SPOOL_BYTES; else
    once, as a stream (a second call raises InputFormatError: the first read took it). Raises OSError as reading
    does."""
    from .dump import InputFormatError

    stream = stream if stream is not None else sys.stdin.buffer
    if _SPOOL.source is not stream:
        _fill(stream)
    if _SPOOL.whole:
        return io.BytesIO(_SPOOL.head)
    rest = _SPOOL.rest
    if rest is None:
        raise InputFormatError(f"-: standard input was read already (it held more than {SPOOL_BYTES >> 20} MiB)")
    _SPOOL.rest = None
    return io.BufferedReader(Replay(_SPOOL.head, rest))


def stdin_whole() -> bool:
    """Was standard input read whole (so it can be read again from its start)? Reads it if it was not yet."""
    if sys.stdin is None:
        return False
    if _SPOOL.source is not sys.stdin.buffer:
        stdin_stream()
    return _SPOOL.whole
