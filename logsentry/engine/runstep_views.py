"""Where the anomaly step (engine/runstep.py) finds a pending entry again: the run it came in, or the batch of
entries that came in full, by its position (serial << 32 | index)."""

from __future__ import annotations

from ..model import NO_PRIORITY, Entry, ScreenedRun, screened_level, span_fields


class RunView:
    """A run's arrays, cast once, and its entries one at a time (as ScreenedRun.entries builds them)."""

    def __init__(self, run: ScreenedRun) -> None:
        times, self.priorities, self.levels, span_ids, ends, self.messages = run._arrays
        self.times, self.span_ids, self.ends = (memoryview(times).cast("q"), memoryview(span_ids).cast("H"),
                                                memoryview(ends).cast("Q"))
        self.run = run

    def message(self, index: int) -> str:
        start = self.ends[index - 1] if index else 0
        return self.messages[start:self.ends[index]].decode("utf-8", "replace")

    def entry(self, index: int) -> Entry:
        span = self.run.spans[self.span_ids[index]]
        raw, level = self.priorities[index], self.levels[index]
        priority = None if raw == NO_PRIORITY else raw
        return Entry(self.times[index], self.message(index), span[0], priority, "", span_fields(span), True,
                     *screened_level(priority, level))


class FullBatch:
    """Entries that came in full and were handed to the C step (`one`), by position as a run's RunView."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def entry(self, index: int) -> Entry:
        return self.entries[index]

    def message(self, index: int) -> str:
        return self.entries[index].message
