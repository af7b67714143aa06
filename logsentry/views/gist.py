"""A line as a table's example shows it: what it says happened, without the program's own time and prefix, wrapped
in its cell and cut at its end. The below-threshold table cut the whole line in its middle to one row of its
narrow column: `…[1234] FAT…postgres"` and `[2015-1…et by peer').` in 80 columns (a new user's trial, nu230)."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from ..engine.access_levels import access_request
from .escape import one_line
from .fit import fit
from .own_stamp import stamp_cut

MAX_ROWS = 3
"""Rows of its cell an example takes at most: as many as a long unit name beside it takes."""

_PREFIX = re.compile(r"(?:\[[^\]\n]{0,60}\]|[^\s:\[\]]{1,40}\[\d+\]:|(?:PANIC|FATAL|CRITICAL|CRIT|ERROR|ERR|WARNING"
                     r"|WARN|NOTICE|INFO|LOG|DEBUG)\b:?)\s+")
"""A piece of a line's prefix: `[...]` fields (a pid, Celery's `[ERROR/MainProcess]`), a program's `name[pid]:`, a
level word; a `name: ` alone stays (Celery's `consumer: Cannot connect ...`, a unit's `x.service: Failed ...`)."""


def gist(line: str) -> str:
    """What the line says, without its own time (own_stamp.stamp_cut) and prefix pieces (`_PREFIX`), so long as
    something is left: PostgreSQL's `2024-03-01 08:00:03.123 UTC [1234] FATAL:  password authentication failed for
    user "postgres"` is `password authentication failed for user "postgres"`."""
    text = stamp_cut(one_line(line))
    end = 0
    while (piece := _PREFIX.match(text, end)) is not None and piece.end() < len(text):
        end = piece.end()
    return text[end:]


class Gist:
    """An example line (`gist`) wrapped in the width its table cell gets, on MAX_ROWS rows at most, an ellipsis at
    its end when it goes on: its start says what happened. An access log line is its request and status (fit)."""

    def __init__(self, line: str, style: str = ""):
        self.line = one_line(line)
        self.access = access_request(self.line) is not None
        self.text = self.line if self.access else gist(line)
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.access:  # (an access log line's request and status say it: fit() keeps them, on one row)
            yield Text(fit(self.line, options.max_width), style=self.style, no_wrap=True, overflow="ellipsis")
            return
        rows = list(Text(self.text, style=self.style).wrap(console, max(options.max_width, 1), overflow="fold"))
        if len(rows) > MAX_ROWS:
            rows = rows[:MAX_ROWS]
            rows[-1].rstrip()
            rows[-1].truncate(max(options.max_width - 1, 0))
            rows[-1].append("…")
        yield from rows

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(10, cell_len(self.text)), cell_len(self.text))
