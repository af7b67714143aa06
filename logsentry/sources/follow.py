"""Following a journal live through the C scanner (_journalscan.c in follow mode), like `journalctl -f`.

The scanner's thread reads the backlog and then waits on the journal's inotify descriptor (sd-journal
follows appends, rotation, vacuuming and new files in a directory itself); it hands entries over in
batches, screened as for `scan`: candidates in full, the rest as ScreenedRuns. This side waits on a
descriptor the scanner makes readable when a batch is ready, at most `wait_s` at a time, so the caller's
loop comes round (watchdog, signals, housekeeping) whether or not entries come.
"""

from __future__ import annotations

import select
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from ..model import Entry, Screen, ScreenedRun
from ..timespec import wall_usec
from . import _journalscan
from .journal import NO_MATCH, JournalGap, JournalLocation, StartAt, cursor_realtime, wanted_fields
from .screening import batch_items, open_scanner, resolved_selection
from .selection import Selection


@dataclass(frozen=True)
class ReadUpTo:
    """Everything up to and including the entry at `cursor` has been handed over (the end of a batch): a
    caller that has processed the items before this one may save `cursor` to resume after them."""

    cursor: str


FollowItem = Entry | ScreenedRun | JournalGap | ReadUpTo | None
"""What ScanningFollower yields; None (CAUGHT_UP) each time it has handed over all there is."""


class ScanningFollower:
    """Entries (candidates of `screen` in full; with no screen, every entry), ScreenedRuns, ReadUpTo marks,
    a JournalGap when the saved cursor's entry is gone, and CAUGHT_UP (None) when it has read all there is
    (then again at least every `wait_s` while nothing comes). Start points and gaps as StartAt says."""

    def __init__(self, location: JournalLocation, selection: Selection, screen: Screen | None = None,
                 extra_fields: Iterable[str] = (), start: StartAt | None = None, wait_s: float = 1.0):
        self.location = location
        self.selection = selection
        self.screen = screen
        self.fields = wanted_fields(extra_fields)
        self.start = start or StartAt()
        self.wait_s = wait_s
        self._scanner: _journalscan.Scanner | None = None

    def fileno(self) -> int:
        """A descriptor that is readable when entries are ready (while iterating), for callers that wait on
        it with other events themselves (wait_s=0)."""
        assert self._scanner is not None
        return self._scanner.fileno()

    def __iter__(self) -> Iterator[FollowItem]:
        location, start = self.location, self.start
        try:
            selection = resolved_selection(location, self.selection)
        except OSError as error:
            raise location.open_error(error) from error
        # -u globs that match nothing yet: follow nothing (a one-shot read just stops)
        matches = [NO_MATCH] if selection is None else None
        selection = selection or replace(self.selection, units=())
        since = start.since_usec if start.since_usec is not None else wall_usec()  # "now": after the matches
        scanner = open_scanner(location, replace(selection, since_usec=since, until_usec=None), self.screen,
                               self.fields, matches, follow=True, cursor=start.cursor,
                               lines_back=start.lines_back if start.since_usec is None else 0)
        self._scanner = scanner
        try:
            if start.cursor is not None and (resumed := scanner.gap_usec()) is not None:
                yield JournalGap(start.cursor, cursor_realtime(start.cursor), resumed)
            admits, fd, at_end = selection.admits_priority, scanner.fileno(), False
            while True:
                taken = scanner.take()
                if taken is None:
                    # At the end: nothing came for wait_s, the caller's loop comes round. Within a backlog
                    # the next batch is milliseconds away.
                    if not select.select([fd], [], [], self.wait_s if at_end else 1.0)[0] and at_end:
                        yield None
                    continue
                batch, cursor, at_end = taken
                yield from batch_items(batch, admits)
                if cursor is not None:
                    yield ReadUpTo(cursor)
                if at_end:
                    yield None
        finally:
            self._scanner = None
            scanner.close()
