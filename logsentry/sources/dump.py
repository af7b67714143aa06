"""What every dump reader shares: journald's limits, gzip undone and damage worded, an entry's fields held
within bounds while it is read, and the Entry made of them.

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
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO

from ..model import Entry
from .boot_clocks import BootClocks
from .selection import SUBJECT_FIELDS, UNIT_VALUE_FIELDS, Selection
from .stdin_spool import stdin_stream
from .text_compose import compose_stripped
from .text_deep import replayable
from .text_indent import dedented
from .text_sniff import SNIFF_BYTES
from .values import decode, entry_from

GZIP_MAGIC = b"\x1f\x8b"
JOURNAL_MAGIC = b"LPKSHHRH"
"""The first bytes of every journal file (systemd's journal-def.h, Header.signature)."""

# journald's limits (systemd src/shared/journal-importer.h)
DATA_SIZE_MAX = 1024 * 1024 * 768
ENTRY_SIZE_MAX = 1024 * 1024 * 770
ENTRY_FIELD_COUNT_MAX = 1024
MAX_VALUE_KEPT = 4 * 64 * 1024
"""Bytes kept of one field value: engine/detector.py matches the first 64 Ki characters (MAX_MATCH_CHARS),
at most 4 UTF-8 bytes each."""
CHUNK = 64 * 1024
USEC_MAX = 2**64 - 1
"""__REALTIME_TIMESTAMP is an unsigned 64-bit number in the journal."""

SPECIAL_FIELDS = ("__REALTIME_TIMESTAMP", "__CURSOR", "__MONOTONIC_TIMESTAMP")
"""Address fields: one value (the last one given wins, as systemd's importer does)."""

class InputFormatError(ValueError):
    """Input that is none of the formats logsentry reads, or is damaged; says where."""


class Truncated(InputFormatError):
    """The input ended inside an entry (a cut-off download): the entries before it are good."""


def open_binary(path: Path) -> BinaryIO:
    """Open a file (or "-" for stdin) for peeking and reading, undoing gzip when the content says so, the
    indent every line of a paste shares (sources/text_indent.py) and `docker compose logs`' prefix
    (sources/text_compose.py); text whose head holds no timed line can be peeked at further (sources/text_deep.py)."""
    if str(path) == "-":
        if sys.stdin is None:
            raise InputFormatError("-: no standard input (it is closed)")
        stream: BinaryIO = stdin_stream(sys.stdin.buffer)  # kept whole when it fits (sources/stdin_spool.py)
    else:
        stream = open(path, "rb")  # noqa: SIM115 - the caller closes it
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)  # type: ignore[type-var]
    if head(stream, 2) == GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream)  # type: ignore[assignment]
    try:
        peeked = head(stream)
    except InputFormatError:
        return stream  # damage: the caller's own look at the head says so, naming the input
    stream = dedented(stream, peeked)  # a paste indented as a whole, without its indent (text_indent.py)
    try:
        peeked = head(stream)
    except InputFormatError:
        return stream
    stream = compose_stripped(stream, peeked)  # `docker compose logs`, without its prefix (text_compose.py)
    try:
        peeked = head(stream)
    except InputFormatError:
        return stream
    return replayable(stream, peeked)  # a head of lines without a time: looked further into (text_deep.py)


def head(stream: BinaryIO, size: int = SNIFF_BYTES) -> bytes:
    """The first bytes of a stream opened by open_binary, without consuming them."""
    try:
        peeked: bytes = stream.peek(size)  # type: ignore[attr-defined]
    except (EOFError, OSError, zlib.error) as error:
        raise InputFormatError(f"damaged gzip stream ({error})") from None
    return peeked[:size]


class FieldBuffer:
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


def dump_entry(fields: FieldBuffer, selection: Selection, wanted: tuple[str, ...], where: str,
               latest: list[int] | None = None, clocks: BootClocks | None = None) -> Entry | None:
    """The entry of a dump's fields, if `selection` takes it; `latest` (one item, or empty): the newest entry's time
    of the dump's -M/-H hosts up to --until, whatever -u says, kept up to date (ExportSource.ends); `clocks`: the
    dump's boots' clocks, whose jumps the entries taken carry (Entry.clock_jump)."""
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
    clock = (texts.get("_MACHINE_ID", [""])[-1], texts.get("_BOOT_ID", [""])[-1])  # (its boot's clock)
    if clocks is not None and clock[1] and (mono := fields.values.get("__MONOTONIC_TIMESTAMP")) \
            and mono[-1].isdigit() and len(mono[-1]) <= 20:
        clocks.note(realtime, int(mono[-1]), *clock)
    if latest is not None and (not latest or realtime > latest[0]) and selection.accepts_hosts(texts, realtime):
        latest[:] = [realtime]
    if not selection.accepts(texts, realtime):
        return None
    joined = {name: "\n".join(values) for name, values in texts.items()}
    entry = entry_from(joined.get, realtime, joined.get("__CURSOR") or where,
                       {name: joined[name] for name in wanted if name in joined},
                       clock_jump=clocks.take(*clock) if clocks is not None else None)
    if selection.admits(entry):
        return entry
    if entry.clock_jump is not None and clocks is not None:
        clocks.put_back(*clock, *entry.clock_jump)  # passed on to the next entry taken
    return None


def kept_fields(wanted: tuple[str, ...]) -> frozenset[str]:
    """The fields an Entry is made of: the rest of a dump is skipped."""
    return frozenset(("MESSAGE", "PRIORITY", "_BOOT_ID", *SPECIAL_FIELDS, *SUBJECT_FIELDS, *UNIT_VALUE_FIELDS,
                      *wanted))


class BoundedReader:
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
