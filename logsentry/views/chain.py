"""A failure's chain on an incident card (engine/failures.py): each rule that described the failure, when it first
matched, and its line. A line each while every line fits beside its rule; else each line whole, wrapped under its
rule: the chain often holds the one line that says why (a crash's own error, a traceback's exception), and cut to
the column left beside the rules at 80 columns it kept 30 characters of it (`ERROR: cou… Connection refused`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..sources.last_lines import Said
from .escape import one_line
from .fit import MAX_SHOWN, Fitted, fit, wrapped
from .json_said import json_said
from .own_stamp import without_own_stamp

RULE_CELLS = 32
"""The widest the rule column gets (a longer rule id and its count end in an ellipsis)."""
INDENT = 4
"""Cells a wrapped line is indented by, under its time."""
BEFORE_START = "its program's last line before the failure began:"
"""The card's (and the HTML card's) heading of sources/last_lines.Said.before_start."""
AFTER = "its program's lines after its last one:"
"""The card's (and the HTML card's) heading of sources/last_lines.Said.after."""


class ChainView:
    """The chain's rows, (time, rule and count, line), laid out for the width the card gives them."""

    def __init__(self, rows: Sequence[tuple[Text, Text, str]], style: str = "dim"):
        self.rows = [(when, rule, json_said(one_line(line))) for when, rule, line in rows]  # (`app: message`)
        self.style = style
        self.when_cells = max((when.cell_len for when, _, _ in self.rows), default=0)
        self.rule_cells = min(RULE_CELLS, max((rule.cell_len for _, rule, _ in self.rows), default=0))

    def _rule_cells(self, width: int) -> int:
        """The rule column's cells at `width`: RULE_CELLS, or a third of a wide card (a rule below its trigger says
        so and counts its lines: `error-burst (2 lines in this failure, below its trigger)`, 56 cells)."""
        cap = max(RULE_CELLS, width // 3)
        return min(cap, max((rule.cell_len for _, rule, _ in self.rows), default=0))

    def fits(self, width: int) -> bool:
        """Does every line fit whole beside its time and rule (2 cells between columns), each rule in its column?"""
        rule_cells = self._rule_cells(width)
        room = width - self.when_cells - rule_cells - 4
        # (a row of several rules longer than the column: each rule whole, on the lines below)
        return all(cell_len(line) <= room and rule.cell_len <= rule_cells for _, rule, line in self.rows)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.fits(options.max_width):
            grid = Table.grid(padding=(0, 2), expand=True)
            grid.add_column(no_wrap=True, width=self.when_cells)
            grid.add_column(no_wrap=True, overflow="ellipsis", width=self._rule_cells(options.max_width))
            grid.add_column(no_wrap=True, ratio=1)
            for when, rule, line in self.rows:
                grid.add_row(when, rule, Fitted(line, self.style))
            yield grid
            return
        for when, rule, line in self.rows:
            head = Table.grid(padding=(0, 2))
            head.add_column(no_wrap=True, width=self.when_cells, min_width=self.when_cells)
            head.add_column(overflow="fold")  # several rules of one line wrap after a comma
            head.add_row(when, rule)
            yield head
            yield Padding(Text(fit(line, MAX_SHOWN), style=self.style, overflow="fold"), (0, 0, 0, INDENT))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((cell_len(line) for _, _, line in self.rows), default=0)
        return Measurement(min(options.max_width, 20),
                           self.when_cells + self._rule_cells(options.max_width) + 4 + longest)


def last_lines_view(said: Said, clock: Callable[[int], str]) -> list[Text | Table]:
    """"its program's last lines before it:" and each line (its time, the line wrapped beside it), for a failure
    only systemd told (sources/last_lines.py): the program's own account of why, which no rule matched; then its
    last line before the failure began, when that said otherwise (a crash loop's first run). Of a text's incident
    of another rule, its unit's lines before its first and after its last (LastLines.leading). A line's own time
    is shown once (own_stamp.py)."""
    shown: list[Text | Table] = []
    if said.lines:
        shown += [Text("its program's last lines before it:", style="bold"),
                  *(wrapped(Text(" " + clock(at)), line, "dim")
                    for at, line in (without_own_stamp(*line) for line in said.lines))]
    if said.before_start is not None:
        at, line = without_own_stamp(*said.before_start)
        shown += [Text(BEFORE_START, style="bold"), wrapped(Text(" " + clock(at)), line, "dim")]
    if said.after:
        shown += [Text(AFTER, style="bold"), *(wrapped(Text(" " + clock(at)), line, "dim")
                                               for at, line in (without_own_stamp(*line) for line in said.after))]
    return shown
