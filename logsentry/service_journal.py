"""The service's side of the journal: where it reads from, what it reads, and the bookkeeping of the entries
the scanner summarised (ScreenedRuns) that the service keeps per entry for full ones.

The service reads through the C scanner in follow mode (sources/follow.py): entries some rule may match
come in full, the rest as runs, so a busy host costs a few µs of CPU an entry instead of about 10.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from .config import SiteConfig
from .engine.detector import Detector
from .model import ScreenedRun
from .sources.fanin import FanInFollower
from .sources.follow import ScanningFollower
from .sources.journal import CANARY_FIELD, JournalLocation, StartAt
from .sources.selection import Selection

CANARY_LITERAL = "logsentry canary "
"""The start of every canary message (journal.send_canary): such entries always come in full."""


def follower_for(config: SiteConfig, detector: Detector, cursor: str | None,
                 positions: dict[str, str] | None = None) -> ScanningFollower | FanInFollower:
    """The watched units (and our own, for the canary) after `cursor` (else from now), screened by the
    detector's rules; the canary's literal is added so its entry comes with its LOGSENTRY_CANARY field.
    A journal_directory is read host by host from `positions` (sources/fanin.py: one merged reader passes by
    entries that reach a host's file stamped before one read from another's)."""
    units = config.watched_units()
    selection = Selection(units=(*units, config.own_unit) if units else ())
    screen = detector.screen()
    screen = replace(screen, literals=(*screen.literals, (CANARY_LITERAL, None)))
    fields = (*detector.needed_fields, CANARY_FIELD, "_HOSTNAME")
    if config.journal_directory is not None and positions is not None:
        return FanInFollower(config.journal_directory, selection, screen, fields, positions, wait_s=1.0)
    start = StartAt(cursor=cursor) if cursor else StartAt()
    return ScanningFollower(JournalLocation(directory=config.journal_directory), selection, screen, fields, start,
                            wait_s=1.0)


def run_times(run: ScreenedRun) -> memoryview:
    """The journal times (µs) of the run's entries."""
    times = memoryview(run._arrays[0]).cast("q")
    return times[run.first_index:run.first_index + run.count]


def needs_entries(run: ScreenedRun, own_unit: str, now_usec: int, newest_usec: int, ahead_usec: int,
                  behind_usec: int) -> bool:
    """Must the run go entry by entry? When it holds our own unit's lines (never fed to the pipeline) or a
    time the service clamps (ahead of the clock, or far behind the newest entry)."""
    if run.peak_usec > now_usec + ahead_usec or any(span[0] == own_unit for span in run.spans):
        return True
    return min(run_times(run)) < max(newest_usec, run.peak_usec) - behind_usec


def recent_lines(run: ScreenedRun, per_span: int) -> Iterator[tuple[int, int, str]]:
    """The last `per_span` lines of each of the run's spans, as (span index, journal time, message), oldest
    first per span: what alerts quote as a unit's last lines."""
    times, _priorities, _levels, span_ids, ends, messages = run._arrays
    time_at, span_at, end_at = memoryview(times).cast("q"), memoryview(span_ids).cast("H"), \
        memoryview(ends).cast("Q")
    wanted = [min(per_span, span[1]) for span in run.spans]
    left = sum(wanted)
    found: list[list[tuple[int, int, str]]] = [[] for _ in run.spans]
    index = run.first_index + run.count - 1
    while left and index >= run.first_index:
        span = span_at[index]
        if len(found[span]) < wanted[span]:
            start = end_at[index - 1] if index else 0
            found[span].append((span, time_at[index], messages[start:end_at[index]].decode("utf-8", "replace")))
            left -= 1
        index -= 1
    for lines in found:
        yield from reversed(lines)
