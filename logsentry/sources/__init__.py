"""Where entries come from: the native journal (local, a directory, journal files) or offline dumps."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ..model import Entry
from .export import ExportSource, InputFormatError, head, open_binary, sniff
from .journal import JournalLocation, JournalOpenError, JournalSource, Screen
from .selection import Selection

__all__ = ["InputFormatError", "JournalOpenError", "Selection", "open_entries"]


def _kind_of(path: Path) -> str:
    if str(path) == "-":
        return "stream"
    try:
        with open_binary(path) as stream:
            return sniff(head(stream))
    except OSError as error:
        raise InputFormatError(f"{path}: cannot read: {error.strerror or error}") from None
    except InputFormatError as error:
        raise InputFormatError(f"{path}: {error}") from None


def open_entries(
    selection: Selection,
    *,
    directory: Path | None = None,
    files: Sequence[Path] = (),
    extra_fields: Iterable[str] = (),
    screen: Screen | None = None,
) -> Iterator[Entry]:
    """All selected entries: journal files together (sd-journal interleaves them by time), then each
    export/JSON file in its own order. Format errors are raised before the first entry is read."""
    fields = tuple(extra_fields)
    journal_files = [path for path in files if _kind_of(path) == "journal"]
    dumps = [path for path in files if path not in journal_files]
    sources: list[Iterable[Entry]] = []
    if journal_files or directory is not None or not files:
        location = JournalLocation(directory=directory, files=tuple(journal_files))
        sources.append(JournalSource(location, selection, fields, screen))
    sources.extend(ExportSource(path, selection, fields) for path in dumps)
    return itertools.chain.from_iterable(sources)
