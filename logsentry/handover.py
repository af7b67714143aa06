"""Where the live reader is, per machine, for the first start's hand-over between the history learner and the
live pipeline (baseline_keeper.py).

At the first start the service follows the journal from its end at once, every unit cold, while a thread learns
the last 14 days up to the journal's end; the lines written after the start are read by both, and only the
learner, which knows their units' history, can judge them. Which lines are "after the start" must be said per
machine: on a collector (`journal_directory`) each host's file is followed from its own newest entry
(sources/fanin.py), and a host's clock may run minutes ahead of or behind ours, so the wall clock at the start
says nothing about its lines. A `Passed` is, per `_MACHINE_ID`, the journal time (µs) of the newest entry a
reader has passed, looked up from the reader's own positions (one cursor, or one per host file): at the start,
where the live reader begins; at the adoption, how far it has read.

It rests on one assumption: a machine's entries reach its files in the order of their journal time (lines after
a clock stepped back, or two entries stamped the same µs at a boundary, may be judged by neither side or by
both).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .sources.fanin_files import list_directory
from .sources.journal import JournalLocation, cursor_realtime

log = logging.getLogger("logsentry")

LEARN_DELAY_ENV = "LOGSENTRY_TEST_LEARN_DELAY_S"
"""Test-only: seconds the first start's learner waits before it reads, so that lines written after the start are
read by it with the history (tests/test_first_start_handover.py). Never in the config file."""
HANDOVER_DELAY_ENV = "LOGSENTRY_TEST_HANDOVER_DELAY_S"
"""Test-only: seconds the learner waits between reaching the journal's end and handing its baselines over, which
widens the window whose lines only the hand-over judges. Never in the config file."""
MAX_DELAY_S = 60.0


def delay_for_tests(name: str) -> float:
    """The seconds in the environment variable `name` (LEARN_DELAY_ENV, HANDOVER_DELAY_ENV; 0 when unset; a
    value that is no number from 0 to MAX_DELAY_S is said and ignored)."""
    text = os.environ.get(name)
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_DELAY_S:
        log.warning("%s=%r is not a number of seconds from 0 to %g: ignored", name, text, MAX_DELAY_S)
        return 0.0
    return value


@dataclass(frozen=True)
class Passed:
    """Per machine id, the journal time (µs) of its newest entry a reader had passed; a machine not named is at
    `default_usec` (-1: none of its entries was passed, as for a host whose file appears later)."""

    newest: Mapping[str, int] = field(default_factory=dict)
    default_usec: int = -1
    files: Mapping[str, tuple[Path, ...]] = field(default_factory=dict)
    """Of a collector, per machine the files of the hosts it was found in: reading on reads those, not every
    host's file."""

    def of(self, machine: str) -> int:
        return self.newest.get(machine, self.default_usec)

    def after(self, machine: str, usec: int) -> bool:
        """Is a line of `machine` at `usec` past what the reader had passed?"""
        return usec > self.of(machine)


def newest_at(location: JournalLocation, cursor: str) -> dict[str, int]:
    """Per machine of the journal at `location`, the time of its newest entry at or before the entry at `cursor`
    in that journal's order (a reader positioned there has passed them all). Raises JournalOpenError."""
    reader = location.open()
    newest: dict[str, int] = {}
    try:
        machines = sorted(value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                          for value in reader.query_unique("_MACHINE_ID"))
        for machine in machines:
            reader.flush_matches()
            reader.add_match(f"_MACHINE_ID={machine}")
            reader.seek_cursor(cursor)
            if reader._previous():
                newest[machine] = int(reader._get_realtime())
    except OSError as error:
        raise location.open_error(error) from error
    finally:
        reader.close()
    return newest


def passed(directory: Path | None, cursor: str | None, positions: Mapping[str, str] | None) -> Passed:
    """How far the live reader has read (sources/follow.py, sources/fanin.py): a collector's `positions` (stem ->
    cursor of the last entry handed over from that host's files), else the one `cursor` of the local journal or
    `directory`. Of a collector, a machine with no position is new (all its lines are after the start); of one
    journal, an entry without a machine id is judged by the cursor's own time. Raises JournalOpenError."""
    if directory is not None and positions is not None:
        try:
            listing = list_directory(directory)
        except OSError as error:
            raise JournalLocation(directory=directory).open_error(error) from error
        newest: dict[str, int] = {}
        where: dict[str, tuple[Path, ...]] = {}
        for stem, position in sorted(positions.items()):
            active = listing.active.get(stem)
            files = tuple(([active[0]] if active else []) + [path for path, _inode in listing.archives.get(stem, [])])
            if files:
                for machine, usec in newest_at(JournalLocation(files=files), position).items():
                    newest[machine] = max(usec, newest.get(machine, -1))
                    where[machine] = (*where.get(machine, ()), *files)
        return Passed(newest, files=where)
    if cursor is None:
        return Passed()
    return Passed(newest_at(JournalLocation(directory=directory), cursor), cursor_realtime(cursor) or -1)
