"""Following a journal live through the C scanner (_journalscan.c in follow mode), like `journalctl -f`.

The scanner's thread reads the backlog and then waits on the journal's inotify descriptor (sd-journal
follows appends, rotation, vacuuming and new files in a directory itself); it hands entries over in
batches, screened as for `scan`: candidates in full, the rest as ScreenedRuns. This side waits on a
descriptor the scanner makes readable when a batch is ready, at most `wait_s` at a time, so the caller's
loop comes round (watchdog, signals, housekeeping) whether or not entries come.
"""

from __future__ import annotations

import logging
import select
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from ..hosts import claims
from ..model import Entry, Screen, ScreenedRun
from ..timespec import wall_usec
from . import _journalscan
from .journal import NO_MATCH, JournalGap, JournalLocation, StartAt, cursor_realtime, wanted_fields
from .screening import batch_list, open_scanner, resolved_selection
from .selection import Selection
from .values import with_fields

AT_TAIL = -1
"""The scanner's `lines_back` for "start at the journal's tail" (_journalscan.c position())."""
MAX_SAID = 1024
"""Journal locations whose disowned entries were logged (once each per process), at most."""

log = logging.getLogger("logsentry")
_said: set[str] = set()


def disowned_entry(entry: Entry) -> Entry:
    """The entry without its `_MACHINE_ID`, for a file that cannot vouch for the machine it claims: a
    journal-remote file's sender writes every field, _MACHINE_ID included, so its claim to be this machine
    (the one whose units logsentry restarts) would let any host of a fleet restart the collector's units. As
    an entry of no known machine it is still judged, but never restarted (engine/policy.py)."""
    return with_fields(entry, {name: value for name, value in entry.fields.items() if name != "_MACHINE_ID"})


@dataclass(frozen=True)
class ReadUpTo:
    """Everything up to and including the entry at `cursor` has been handed over (the end of a batch): a
    caller that has processed the items before this one may save `cursor` to resume after them."""

    cursor: str


FollowItem = Entry | ScreenedRun | JournalGap | ReadUpTo | None
"""What ScanningFollower yields; None (CAUGHT_UP) each time it has handed over all there is."""


class Keep:
    """The selection for entries that came in full, as sd-journal matches would have made it: the scanner
    applies it to the screened ones (matches pass by entries at a journal's live end, see _journalscan.c)."""

    def __init__(self, selection: Selection | None):
        self.nothing = selection is None  # -u globs that matched no unit
        self.selection = replace(selection, since_usec=None, until_usec=None) if selection else Selection()
        self.units = frozenset(self.selection.units)
        self.machines = frozenset(self.selection.machines)
        self.hosts = frozenset(self.selection.hosts)
        self.everything = not (self.nothing or self.units or self.machines or self.hosts)

    def __call__(self, entry: Entry) -> bool:
        if self.nothing:
            return False
        fields = entry.fields
        if ((not self.units or fields.get("_SYSTEMD_UNIT") in self.units)
                and (not self.machines or fields.get("_MACHINE_ID") in self.machines)
                and (not self.hosts or fields.get("_HOSTNAME") in self.hosts)):
            return True  # the common case, one value each
        values = {name: value.split("\n") for name, value in fields.items()}  # several values: joined
        return self.selection.accepts(values, entry.realtime_usec)


class ScanningFollower:
    """Entries (candidates of `screen` in full; with no screen, every entry), ScreenedRuns, ReadUpTo marks,
    a JournalGap when the saved cursor's entry is gone, and CAUGHT_UP (None) when it has read all there is
    (then again at least every `wait_s` while nothing comes). Start points and gaps as StartAt says.

    `poked`: the scanner has no inotify instance of its own (Linux allows 128 per user); at the journal's
    end it waits until poke() says the file changed (sources/fanin.py watches a directory for it), in
    batches of at most `batch_entries` (bounded memory when hundreds are open), handed over at most once every
    `coalesce_usec` µs (0: the scanner's 3 ms; a collector's hundreds of hosts wait longer, see fanin.py).

    `disowned`: machine ids the location cannot vouch for (fanin.py: this machine's, in a journal-remote
    file); entries claiming one come without `_MACHINE_ID` (disowned_entry), said once per location. With
    `vouched` (cli/tail.py), only while it says no, asked before each batch that has such an entry: a directory
    followed gains files (a host's first upload) that sd-journal reads at once, whatever it held at the start."""

    def __init__(self, location: JournalLocation, selection: Selection, screen: Screen | None = None,
                 extra_fields: Iterable[str] = (), start: StartAt | None = None, wait_s: float = 1.0,
                 poked: bool = False, batch_entries: int = 0, coalesce_usec: int = 0,
                 disowned: tuple[str, ...] = (), vouched: Callable[[], bool] | None = None):
        self.location = location
        self.selection = selection
        self.screen = screen
        self.fields = wanted_fields(extra_fields)
        self.start = start or StartAt()
        self.wait_s = wait_s
        self.poked = poked
        self.batch_entries = batch_entries
        self.coalesce_usec = coalesce_usec
        self.disowned = disowned
        self.vouched = vouched
        self._scanner: _journalscan.Scanner | None = None
        self._keep = Keep(None)
        self._sets: dict[str, list[str] | None] = {}
        self._admits: Callable[[Entry], bool] | None = None

    def fileno(self) -> int:
        """A descriptor that is readable when entries are ready (while iterating), for callers that wait on
        it with other events themselves (wait_s=0)."""
        assert self._scanner is not None
        return self._scanner.fileno()

    def poke(self) -> None:
        """Poked mode: the file changed, read on (no-op before open() and after the end)."""
        if self._scanner is not None:
            self._scanner.poke()

    def open(self) -> None:
        """Open the journal and start reading now (else the first next() does), so that fileno() is valid
        before iterating. Raises JournalOpenError (an OSError)."""
        if self._scanner is not None:
            return
        location, start = self.location, self.start
        selection = resolved_selection(location, self.selection)
        # -u globs that match nothing yet: follow nothing (a one-shot read just stops)
        matches = [NO_MATCH] if selection is None else None
        keep = Keep(selection)
        selection = selection or replace(self.selection, units=())
        since = start.since_usec if start.since_usec is not None else wall_usec()  # "now": after the matches
        lines_back = start.lines_back if start.since_usec is None else 0
        if start.since_usec is None and not lines_back and start.cursor is None:
            lines_back = AT_TAIL  # "now" is the journal's tail, not a time: an entry stamped before now comes too
        # The matches only position the reader (-n counts matching entries); the scanner then selects itself.
        sets = {} if keep.everything or (selection.hosts and self.screen is not None) else \
            {"units": sorted(keep.units) if keep.units or keep.nothing else None,
             "machines": sorted(keep.machines) or None}
        extra: dict[str, object] = {"poked": True, "batch_entries": self.batch_entries} if self.poked else {}
        if self.coalesce_usec:
            extra["coalesce_usec"] = self.coalesce_usec
        if self.disowned:
            # with no `vouched` to ask, the claim is disowned whatever the batch: the scanner summarises the
            # entries no rule can match as of no machine itself (not each in full, to be disowned here)
            extra.update(disowned=list(self.disowned), disown_screened=self.vouched is None)
        self._scanner = open_scanner(location, replace(selection, since_usec=since, until_usec=None), self.screen,
                                     self.fields, matches, follow=True, cursor=start.cursor,
                                     lines_back=lines_back,
                                     **sets, **extra)
        self._keep, self._sets = keep, sets
        self._admits = selection.admits if selection.priorities is not None else None  # None: admits() takes all

    def _disown(self, items: list[Entry | ScreenedRun], scanner: _journalscan.Scanner) -> list[Entry | ScreenedRun]:
        """The items with every entry that claims a disowned machine id disowned (the scanner hands those in full
        that a rule may match, or all while `vouched` may yet say yes; the rest it summarised as of no machine:
        disown_screened), logged once per location."""
        disowned = self.disowned
        if not any(isinstance(item, Entry) and claims(item.machine_id, disowned) for item in items) or \
                (self.vouched is not None and self.vouched()):
            if self.vouched is None and scanner.disowned_screened():
                self._say(None, disowned[0])
            return items  # (vouched: asked once the batch's files are on disk, before any entry of it is handed over)
        for index, item in enumerate(items):
            if isinstance(item, Entry) and claims(item.machine_id, disowned):
                items[index] = disowned_entry(item)
                self._say(item.unit or "no unit", item.machine_id)
        return items

    def _say(self, unit: str | None, machine_id: str) -> None:
        """Log, once per location, that its entries claim this machine (`unit`: of one entry; None: of a run)."""
        where = ", ".join(map(str, self.location.files)) or str(self.location.directory or "the journal")
        if where in _said or len(_said) >= MAX_SAID:
            return
        _said.add(where)
        log.warning("%s: an entry%s claims this machine's _MACHINE_ID %s, which only this machine's own journal files "
                    "can vouch for (its sender wrote every field): taken as an entry of no known machine, never "
                    "restarted here", where, f" of {unit}" if unit is not None else "", machine_id)

    def close(self) -> None:
        """Stop reading and close the journal (what iterating to the end, or closing the iterator, does)."""
        scanner, self._scanner = self._scanner, None
        if scanner is not None:
            scanner.close()

    def __iter__(self) -> Iterator[FollowItem]:
        self.open()
        scanner = self._scanner
        assert scanner is not None
        start, keep, sets, admits = self.start, self._keep, self._sets, self._admits
        try:
            if start.cursor is not None and (resumed := scanner.gap_usec()) is not None:
                yield JournalGap(start.cursor, cursor_realtime(start.cursor), resumed)
            ready, at_end = select.poll(), False  # poll, not select: a collector's descriptors pass 1024
            ready.register(scanner.fileno(), select.POLLIN)
            while True:
                taken = scanner.take()
                if taken is None:
                    # At the end: nothing came for wait_s, the caller's loop comes round. Within a backlog
                    # the next batch is milliseconds away.
                    if not ready.poll(1000 * self.wait_s if at_end else 1000) and at_end:
                        yield None
                    continue
                batch, cursor, at_end = taken
                items = batch_list(batch, admits, keep if sets else None)
                yield from self._disown(items, scanner) if self.disowned else items
                if cursor is not None:
                    yield ReadUpTo(cursor)
                if at_end:
                    yield None
        finally:
            self._scanner = None
            scanner.close()
