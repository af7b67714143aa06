"""The fast journal reader for `scan`: a C thread reads and screens, Python sees only what rules need.

Most entries of a journal match no rule. The scanner (_journalscan.c) reads each entry once in C, in a
thread of its own, and checks the detector's Screen on its message and effective priority (the level in
its text when PRIORITY is missing or 6, sources/levels.h, the twin of engine/levels.py); entries that pass
come to Python in full (as JournalSource would give them), the others as ScreenedRun summaries. The
pipeline treats both exactly as it treats JournalSource's entries (tests/test_screening.py holds it to
that), at a third of the cost, with reading and matching on two cores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from ..model import Entry, Screen, ScreenedRun
from . import _journalscan
from .journal import JournalLocation, resolve_globs, selection_terms, wanted_fields
from .selection import SUBJECT_FIELDS, Selection
from .values import entry_from


def scanner_limits(screen: Screen) -> tuple[list[tuple[bytes, int]], int]:
    """The screen in the scanner's terms: (literal bytes, priority limit) pairs and the limit of rules
    without a literal (NO_LIMIT for none, -1 when there are no such rules)."""

    def limit(value: int | None) -> int:
        return _journalscan.NO_LIMIT if value is None else min(value, _journalscan.NO_LIMIT)

    literals = [(literal.encode(), limit(value)) for literal, value in screen.literals]
    always = max((limit(value) for value in screen.always), default=-1)
    return literals, always


def resolved_selection(location: JournalLocation, selection: Selection) -> Selection | None:
    """The selection with its unit globs expanded against this journal (None: nothing can be selected).
    Raises JournalOpenError when the journal cannot be opened or read."""
    if not (selection.globs or selection.empty):
        return selection
    reader = location.open()  # raises JournalOpenError itself
    try:
        return resolve_globs(reader, selection)
    except OSError as error:
        raise location.open_error(error) from error
    finally:
        reader.close()


def open_scanner(location: JournalLocation, selection: Selection, screen: Screen | None, fields: tuple[str, ...],
                 matches: list[str] | None = None, **extra: Any) -> _journalscan.Scanner:
    """A Scanner over `location` with `selection` (globs resolved already) and `screen` (None: every entry
    comes in full); `extra` are the follow-mode arguments (follow, cursor, lines_back)."""
    literals, always = scanner_limits(screen) if screen is not None else ([], _journalscan.NO_LIMIT)
    try:
        return _journalscan.Scanner(
            directory=str(location.directory.resolve()) if location.directory is not None else None,
            files=[str(path.resolve()) for path in location.files],
            # As systemd.journal opens them: the local journal with LOCAL_ONLY, given paths as they are.
            flags=0 if location.directory is not None or location.files else _journalscan.LOCAL_ONLY,
            matches=selection_terms(selection) if matches is None else matches,
            since_usec=-1 if selection.since_usec is None else selection.since_usec,
            until_usec=-1 if selection.until_usec is None else selection.until_usec,
            literals=literals, always_limit=always,
            wanted=list(dict.fromkeys(("MESSAGE", "PRIORITY", *SUBJECT_FIELDS, *fields))),
            # -p: the effective priority cannot be an sd-journal match; the scanner applies it to the
            # entries it understands, Python to the candidates it could not (the level NOT_LOOKED)
            priority_low=-1 if selection.priorities is None else selection.priorities[0],
            priority_high=-1 if selection.priorities is None else selection.priorities[1],
            **extra)
    except OSError as error:
        raise location.open_error(error) from error


def batch_list(batch: list[_journalscan.Candidate | _journalscan.Run], admits: Callable[[Entry], bool] | None,
               keep: Callable[[Entry], bool] | None = None) -> list[Entry | ScreenedRun]:
    """A scanner batch as Entries (the candidates `admits` (-p; None: all) and `keep` (None: all) take) and
    ScreenedRuns, in journal order: one list, not a generator resumed per item (the live follower hands over
    hundreds of small batches a second). A candidate they leave out that carries its host's clock jump comes
    screened out (a sign of life, as a run's entries are): the jump must reach the silence tracker (helper-167's
    F13: `-p err` left a resume's jump, on PID 1's line, and paged every unit)."""
    items = [candidate_entry(*item) if len(item) < 6 else ScreenedRun(*item) for item in batch]
    if admits is None and keep is None:
        return items
    kept: list[Entry | ScreenedRun] = []
    for item in items:  # (each asked once)
        if isinstance(item, ScreenedRun) or ((admits is None or admits(item)) and (keep is None or keep(item))):
            kept.append(item)
        elif item.clock_jump is not None:
            kept.append(replace(item, screened_out=True))
    return kept


class ScreeningJournalSource:
    """Entries (in full) and ScreenedRuns, in journal order, from a JournalLocation with a Selection.
    `disowned`: machine ids whose entries are disowned: a screened one is summarised as of no machine, one in full
    comes with its claim (the caller disowns it: learning.py)."""

    def __init__(self, location: JournalLocation, selection: Selection, screen: Screen,
                 extra_fields: Iterable[str] = (), disowned: tuple[str, ...] = ()):
        self.location = location
        self.selection = selection
        self.screen = screen
        self.fields = wanted_fields(extra_fields)
        self.disowned = disowned

    def __iter__(self) -> Iterator[Entry | ScreenedRun]:
        location = self.location
        selection = resolved_selection(location, self.selection)
        if selection is None:
            return
        extra: dict[str, Any] = {"disowned": list(self.disowned), "disown_screened": True} if self.disowned else {}
        scanner = open_scanner(location, selection, self.screen, self.fields, **extra)
        try:
            admits = selection.admits if selection.priorities is not None else None  # None: admits() takes all
            while (batch := scanner.read()) is not None:
                yield from batch_list(batch, admits)
        finally:
            scanner.close()


def candidate_entry(realtime_usec: int, cursor: str, fields: dict[str, str], text_level: int,
                    clock_jump: tuple[int, int] | None = None) -> Entry:
    """An Entry from a candidate's fields (already text; more than the wanted ones, never fewer), the level the
    scanner read in its text (or NOT_LOOKED) and its host's clock jump, if the scanner saw one (Entry.clock_jump)."""
    return entry_from(fields.get, realtime_usec, cursor, fields, text_level, clock_jump=clock_jump)
