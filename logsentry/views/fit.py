"""Cutting a log line to the width it is shown in: its start and end kept, an ellipsis for its middle (views/report.py
cards and tables)."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..engine.access_levels import access_request
from .escape import one_line
from .json_said import json_said

_PREFIX_PART = re.compile(r"\[[^\]\n]{0,80}\]\s?|[^\s:\[]{1,40}(?:\[\d+\])?:\s|[A-Z]{3,9}:?\s")
"""A piece of a line's leading prefix: `[...]` fields, a program's `name: ` or `name[pid]: `, a level `FATAL: `."""


def _prefix_end(line: str, limit: int) -> int:
    """Where the line's prefix ends, as far as whole pieces of it fit within `limit` characters."""
    end = 0
    while (piece := _PREFIX_PART.match(line, end)) is not None and piece.end() <= limit:
        end = piece.end()
    return end


_PLACEHOLDER = re.compile(r"<(?:[A-Z][A-Z0-9]*|\*)>")
"""What a template puts for a variable part (engine/templates/tokens.py: `<NUM>`, `<STR>`, drain's `<*>`)."""


def _placeholder_around(line: str, cut: int) -> tuple[int, int] | None:
    """The placeholder that a cut at `cut` would split (`<ST…` reads as nothing), as (start, end)."""
    for found in _PLACEHOLDER.finditer(line, max(cut - 16, 0), cut + 16):
        if found.start() < cut < found.end():
            return found.span()
    return None


_LEADING_TIME = re.compile(
    r"(?P<klog>[IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ "  # glog/klog: its level letter is kept
    r"|\[?\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?\]?(?: (?:UTC|GMT))? "
    r"|[A-Z][a-z]{2} [ 0-3]\d \d\d:\d\d:\d\d(?:\.\d{1,9})? ")
"""A program's own time at the start of its line (ISO 8601, nginx's `2024/01/02 ...`, syslog's `Dec  2 ...`,
glog/klog's `E1221 09:18:51.293278  1 `): the card shows the entry's time, so a line too long for its row drops
it before cutting what it says."""


_PROTOCOL = re.compile(r' HTTP/[0-9.]{1,3}"$')
"""A request's protocol before its closing quote and status: the first to go from an access log line cut short."""


def fit(line: str, width: int) -> str:
    """A line (made visible, on one line) cut to `width` terminal cells in its middle: its start (the level, the
    program's prefix) and its end (where signatures usually are) are kept, an ellipsis stands for the rest;
    neither cut splits a template's placeholder (the end takes it whole, the start stops before it). A line too
    long for its row first loses the program's own time at its start (an ellipsis for it; glog's level letter
    kept): `E1221 09:18:51.293278  1 runtime.go:78] Observed a panic: ...` shows `E…runtime.go:78] Observed a
    panic: ...`, not the time and the line's last words. Cells, not characters: a CJK character or an emoji
    fills two, and a line of them cut to `width` characters was still too wide (rich then cut its end too). An
    access log line keeps its request and status (engine/access_levels.access_request), an ellipsis either side."""
    line = one_line(line)
    if cell_len(line) <= width:
        return line
    chars = width
    while (over := cell_len(cut := _fit(line, chars)) - width) > 0 and chars > 10:
        chars -= max(1, (over + 1) // 2)  # (a character fills one cell or two)
    return cut


def _fit(line: str, width: int) -> str:
    """fit() in characters."""
    if len(line) <= width:
        return line
    if (request := access_request(line)) is not None and (shown := _request(line, request, width)):
        return shown
    if (time := _LEADING_TIME.match(line)) is not None and time.end() < len(line):
        mark = (time["klog"] or "") + "…"
        return mark + _cut(line[time.end():], width - len(mark), 2)
    return _cut(line, width, 3)


def _request(line: str, request: tuple[int, int, int], width: int) -> str | None:
    """An access log line as its request and status (and size), an ellipsis for what is before and after (client,
    time, referrer, user agent: the client's words), the request cut in its middle, its protocol first; None when
    too narrow for that (10 characters of the request)."""
    start, quoted, end = request
    before, after = "…" if start else "", "…" if end < len(line) else ""
    asked, status = line[start:quoted], line[quoted:end]
    if len(before + asked + status + after) > width:  # (the path's end says more than its protocol)
        asked = _PROTOCOL.sub('…"', asked, count=1)
    room = width - len(before + status + after)
    return before + _cut(asked, room, 2) + status + after if room >= 10 else None


def _cut(line: str, width: int, share: int) -> str:
    """fit's cut in the middle, keeping at least 1/`share` of the width from the start (a half once the time is
    gone: what the program says comes first)."""
    if len(line) <= width:
        return line
    width = max(width, 10)
    head = max(_prefix_end(line, width // 2), width // share)
    tail_start = len(line) - (width - head - 1)
    if (split := _placeholder_around(line, tail_start)) is not None:
        tail_start = split[0] if width - 1 - (len(line) - split[0]) >= width // 4 else split[1]
    head = width - 1 - (len(line) - tail_start)
    if (split := _placeholder_around(line, head)) is not None:
        head = split[0]
    return f"{line[:head]}…{line[tail_start:]}"


_NAME_PIECE = re.compile(r"[^-._@:/]+[-._@:/]*|[-._@:/]+")
"""A piece of a unit's, host's or rule's name up to and with the separators after it (name_lines)."""


def name_lines(name: str, width: int) -> list[str]:
    """A name (a unit, a host, a rule id: made visible) on lines of at most `width` cells, broken after its
    separators (`-`, `.`, `@`, `_`, `:`), a container's or user unit's subject first after its unit
    (`user@1000.service/` over `app-gnome-org.gnome.Terminal-1234.scope`); only a piece longer than the width is
    cut inside. A table's fold broke a long name anywhere (`billing-database-pri` over `mary-replica-sync.se`
    over `rvice` in an 80-column scan): read badly, found in no `journalctl -u` by a glance."""
    if cell_len(name) <= width:
        return [name]
    width = max(width, 1)
    unit, separator, part = name.partition("/")
    lines: list[str] = []
    for half in [unit + separator, part] if separator and part else [name]:
        line = ""
        for piece in _NAME_PIECE.findall(half):
            if line and cell_len(line + piece) > width:
                lines.append(line)
                line = ""
            line += piece
            while cell_len(line) > width:  # a piece longer than the width: cut by cells
                cut = 0
                while cell_len(line[: cut + 1]) <= width:
                    cut += 1
                lines.append(line[: max(cut, 1)])
                line = line[max(cut, 1):]
        if line:
            lines.append(line)
    return lines


MIN_COLUMN = 10
"""The narrowest a leading column gets to leave the example its share (leading_widths)."""


def leading_widths(width: int, wanted: list[int], fixed: int) -> list[int]:
    """The widths of a table's leading columns, each `wanted` as wide (its content up to its cap), given way in
    their order down to MIN_COLUMN until the last column (the example line) keeps a quarter of the `width` cells
    left after `fixed` (borders, padding, the counts), and at least 20: sized to their content alone, a long unit
    name and rule id left it one cell (`…`) at 60 columns."""
    room = width - fixed
    over = sum(wanted) - (room - max(20, room // 4))
    widths = list(wanted)
    for index, cells in enumerate(widths):
        if over <= 0:
            break
        give = min(over, max(0, cells - MIN_COLUMN))
        widths[index] -= give
        over -= give
    return widths


class Fitted:
    """A line cut by fit() to the width its table cell really gets (rich decides it from the columns' ratios and
    the terminal): fitted to a guessed width, a line one character too wide lost its end to rich's own ellipsis
    after fit() had cut its middle (helper-120's trial: `…ERROR [main] c.a.billing.db.Poo…ion during pool
    initializat…`)."""

    def __init__(self, line: str, style: str = ""):
        self.line = one_line(line)
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(fit(self.line, options.max_width), style=self.style, no_wrap=True, overflow="ellipsis")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(10, cell_len(self.line)), cell_len(self.line))


MAX_SHOWN = 600
"""Characters of a line a card shows whole, wrapped (`wrapped`); a longer one is cut in its middle (fit)."""


def wrapped(label: Text, line: str, style: str) -> Table:
    """`label` and the line (on one line, cut by fit to MAX_SHOWN) wrapped in the width beside it: a card's hit
    lines, template, silence's last line and a failure's last lines, whole where a row would cut them; a JSON line
    as `app: message` (json_said)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(label, Text(fit(json_said(line), MAX_SHOWN), style=style))  # (a JSON line: what it said)
    return grid
