"""Where entries come from: the native journal (local, a directory, journal files) or offline dumps."""

from __future__ import annotations

import heapq
import itertools
import os
import stat
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

from ..model import Entry, Screen, ScreenedRun
from .export import ExportSource, InputFormatError, head, open_binary, sniff
from .journal import JournalLocation, JournalOpenError, JournalSource
from .screening import ScreeningJournalSource
from .selection import Selection
from .text import warn_on_stderr
from .text_deep import DEEP_BYTES

__all__ = ["InputFormatError", "JournalOpenError", "Selection", "kind_of", "open_entries"]


def kind_of(path: Path) -> str:
    """"journal", a dump's format (sniffed from its head), or "stream" for stdin and any input that is not a
    regular file: a pipe (`--file <(zcat x.export.gz)`) is read once, its head sniffed by the dump reader
    itself; sniffing it here consumed that head, and the reader then found nothing."""
    if str(path) == "-":
        return "stream"
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise InputFormatError(f"{path}: cannot read: {error.strerror or error}") from None
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode):
        return "stream"
    try:
        with open_binary(path) as stream:
            return sniff(head(stream, DEEP_BYTES))
    except OSError as error:
        raise InputFormatError(f"{path}: cannot read: {error.strerror or error}") from None
    except InputFormatError as error:
        raise InputFormatError(f"{path}: {error}") from None
    except (EOFError, zlib.error) as error:  # a gzip stream too damaged to peek into
        raise InputFormatError(f"{path}: damaged gzip stream ({error})") from None


@overload
def open_entries(selection: Selection, *, directory: Path | None = None, files: Sequence[Path] = (),
                 extra_fields: Iterable[str] = (), screen: None = None,
                 ends: list[int] | None = None) -> Iterator[Entry]: ...


@overload
def open_entries(selection: Selection, *, directory: Path | None = None, files: Sequence[Path] = (),
                 extra_fields: Iterable[str] = (), screen: Screen,
                 ends: list[int] | None = None) -> Iterator[Entry | ScreenedRun]: ...


def open_entries(
    selection: Selection,
    *,
    directory: Path | None = None,
    files: Sequence[Path] = (),
    extra_fields: Iterable[str] = (),
    screen: Screen | None = None,
    ends: list[int] | None = None,
) -> Iterator[Entry] | Iterator[Entry | ScreenedRun]:
    """All selected entries: journal files together (sd-journal interleaves them by time), then the export, JSON
    and text files, interleaved by time as well (each file in its own order: a rotated log's files named newest
    first, `--file syslog --file syslog.1`, were read that way, and a hang in the newer one went unseen behind
    the older one's day of learning: helper-169's E17). Format errors are raised before the first entry is read.

    With a screen, journals are read by the screening scanner: entries no rule can match then come as
    ScreenedRun summaries (Pipeline.run takes both). `ends`: with -u, each dump's newest entry's time is appended
    once it is read (ExportSource.ends: where a narrowed scan's input ends)."""
    fields = tuple(extra_fields)
    journal_files = [path for path in files if kind_of(path) == "journal"]
    dumps = [path for path in files if path not in journal_files]
    sources: list[Iterable[Entry | ScreenedRun]] = []
    if journal_files or directory is not None or not files:
        location = JournalLocation(directory=directory, files=tuple(journal_files))
        location.check_readable()
        sources.append(JournalSource(location, selection, fields) if screen is None else
                       ScreeningJournalSource(location, selection, screen, fields))
    readers = [ExportSource(path, selection, fields, ends=ends) for path in dumps]
    if len(readers) > 1:
        sources.append(_once(readers, [str(path) for path in dumps]))
    else:
        sources.extend(readers)
    return itertools.chain.from_iterable(sources)


def _tagged(reader: Iterable[Entry], index: int) -> Iterator[tuple[int, int, Entry]]:
    return ((entry.realtime_usec, index, entry) for entry in reader)


def _once(readers: Sequence[Iterable[Entry]], names: Sequence[str]) -> Iterator[Entry]:
    """The files' entries interleaved by time, each line that another file holds too (the same time, host, unit,
    PID and message: Debian's rsyslog writes a daemon's lines to both syslog and daemon.log) read once, with a
    warning: read twice, a brute force's lines counted double (helper-170's trial). A file's own repeated lines
    are all kept."""
    tagged = [_tagged(reader, index) for index, reader in enumerate(readers)]
    at: int | None = None
    counts: dict[tuple[str, str, str | None, str], list[int]] = {}
    twice = [0] * len(readers)
    for usec, index, entry in heapq.merge(*tagged, key=lambda item: item[:2]):
        if usec != at:
            at, counts = usec, {}
        key = (entry.machine_id, entry.unit, entry.fields.get("_PID"), entry.message)
        mine = counts.setdefault(key, [0] * len(readers))
        mine[index] += 1
        if mine[index] <= max(count for other, count in enumerate(mine) if other != index):
            twice[index] += 1
            continue
        yield entry
    for index, count in enumerate(twice):
        if count:
            warn_on_stderr(f"{names[index]}: {count:,} line(s) were in a file given before it too (the same time, "
                           "host, program and message): read once")
