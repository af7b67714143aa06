"""What the service asks of a screened run (model.ScreenedRun) from the scanner's per-entry arrays, in C
(sources/_runs.c): whether it must go entry by entry, and its units' last lines for alerts."""

from __future__ import annotations

import struct
from collections import deque

from .actions.alert import MAX_LINE
from .model import ScreenedRun
from .sources._runs import last_lines, low_and_units, remember_lines
from .sources.last_lines import UnitLines

__all__ = ["lines_up_to", "needs_entries", "recent_lines", "remember_recent"]


def needs_entries(run: ScreenedRun, own_units: tuple[str, ...], now_usec: int, newest_usec: int, ahead_usec: int,
                  behind_usec: int) -> bool:
    """Must the run go entry by entry? When it holds our own units' lines (never fed to the pipeline) or a
    time the service clamps (ahead of the clock, or far behind the newest entry). The spans are looked at in C
    (sources/_runs.c low_and_units), all own units in one call."""
    if run.peak_usec > now_usec + ahead_usec:
        return True
    low, own = low_and_units(run._arrays[0], run.first_index, run.first_index + run.count, run.spans, own_units)
    return own or low < max(newest_usec, run.peak_usec) - behind_usec


def recent_lines(run: ScreenedRun, per_span: int, max_chars: int = MAX_LINE) -> list[list[tuple[int, str]]]:
    """The last `per_span` lines of each of the run's spans, in span order, as (journal time, message cut to
    `max_chars`), oldest first: what alerts quote as a unit's last lines. In C (sources/_runs.c): walking a
    run's entries back in Python cost a tenth of the service's time on a busy journal."""
    times, _priorities, _levels, span_ids, ends, messages = run._arrays
    return last_lines(times, span_ids, ends, messages, run.first_index, run.first_index + run.count,
                      [min(per_span, span[1]) for span in run.spans], max_chars)


def remember_recent(run: ScreenedRun, context: UnitLines, per_span: int, keep: int, max_units: int) -> None:
    """Keep the last `per_span` lines of each of the run's spans among their units' last ones (`context.add` of
    `recent_lines`, span after span; `keep` lines a unit, `max_units` units). In C (sources/_runs.c): the
    per-span Python of the two cost 0.6 µs an entry of the service's ~10 on screened runs (bench/service_replay.py,
    6.7 spans a run of 13 entries)."""
    times, _priorities, _levels, span_ids, ends, messages = run._arrays
    remember_lines(times, span_ids, ends, messages, run.first_index, run.first_index + run.count, run.spans,
                   run.units, per_span, MAX_LINE, context, keep, max_units, deque)


def lines_up_to(run: ScreenedRun, key: str, at_usec: int, message: str, per_span: int,
                after: int = 0) -> tuple[list[tuple[int, str]], int]:
    """The last `per_span` lines of unit `key`'s span in the run up to and including its entry at `at_usec` with
    `message` (found by time, span and message; from entry index `after` on first, as a run's hits come in
    order, then from the run's start), oldest first, and that entry's index; ([], after) when it holds none.
    Messages are compared as alerts quote them (decoded with U+FFFD for bad bytes, cut to MAX_LINE characters):
    the hit's message was decoded so, the run holds the raw bytes. An entry of the span at that time whose text
    differs stands in when none matches: the lines up to it beat none."""
    spans = [index for index, unit in enumerate(run.units) if unit == key]
    if not spans:
        return [], after
    times, _priorities, _levels, span_ids, ends, messages = run._arrays
    ids, end_at = memoryview(span_ids).cast("H"), memoryview(ends).cast("Q")
    needle, first, stop = struct.pack("=q", at_usec), run.first_index * 8, (run.first_index + run.count) * 8
    said, stand_in = message[:MAX_LINE], -1
    for begin in dict.fromkeys((max(first, after * 8), first)):
        found = times.find(needle, begin, stop)
        while found != -1:
            index = found // 8
            if found % 8 == 0 and ids[index] in spans:
                start = end_at[index - 1] if index else 0
                # MAX_LINE characters take at most 4 bytes each (a bad byte is one U+FFFD): a UTF-8 sequence
                # cut by this slice decodes past them.
                if messages[start:min(end_at[index], start + 4 * MAX_LINE + 4)].decode("utf-8", "replace")[
                        :MAX_LINE] == said:
                    return _lines_up_to(run, spans, index, per_span), index
                stand_in = max(stand_in, index)
            found = times.find(needle, found + 1, stop)
    if stand_in >= 0:
        return _lines_up_to(run, spans, stand_in, per_span), stand_in
    return [], after


def _lines_up_to(run: ScreenedRun, spans: list[int], index: int, per_span: int) -> list[tuple[int, str]]:
    """The last `per_span` lines of the run's `spans` up to and including entry `index`, oldest first."""
    times, _priorities, _levels, span_ids, ends, messages = run._arrays
    wanted = [per_span if span in spans else 0 for span in range(len(run.spans))]
    per = last_lines(times, span_ids, ends, messages, run.first_index, index + 1, wanted, MAX_LINE)
    return sorted((line for span in spans for line in per[span]), key=lambda line: line[0])[-per_span:]
