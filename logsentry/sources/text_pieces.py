"""Pieces of a line a paste cut in two (sources/text.py joins them back): a syslog line broken before its tag, a
program's line cut inside a quote or a parenthesis."""

from __future__ import annotations

import re

from .text_layouts import LINE


class Broken:
    """A line of no layout just folded into the entry before (`kept`: that entry's message before it, -1 when there
    was none and it was skipped; `cut_width`: read_text's before it), which the next line may turn out to finish
    (broken_line)."""

    __slots__ = ("cut_width", "kept", "line", "number")

    def __init__(self, line: str, number: int, kept: int, cut_width: int):
        self.line, self.number, self.kept, self.cut_width = line, number, kept, cut_width


_PID_REST = re.compile(r"\[\d{1,10}\]:|:")
"""The rest of a syslog tag broken before its `[pid]:` or `:`."""
_TAG_REST = re.compile(r"[^\s\[\]:]{1,255}(?:\[\d{1,10}\])?: ")
"""A whole syslog tag at the start of the rest: the line was broken at the blank before it."""


def broken_line(first: str, rest: str) -> str | None:
    """The syslog line a paste broke in two, `first` and `rest`, as it was written, or None when they are no such
    halves: the break fell inside its tag (`Sep  5 14:39:38 nas systemd` / `[1]: qbittorrent.service: Failed with
    result 'core-dump'.`, trial 62's 09, the poster's copy) or at the blank before it (`... nas` / `systemd[1]: ...`).
    Neither half fits a layout, and each was folded into the entry before as its continuation: its message then ended
    in the pieces, and a rule anchored at its end (systemd-main-process-killed's `status=11/SEGV$`) matched nothing.
    Joined (nothing between before the tag's `[pid]:` or `:`, else a blank) they are one line of LINE's layout whose
    message starts in the rest and whose identifier has no blank: the first half is the time, the host and maybe the
    identifier, nothing of a message (`May 02 10:41:27 Our pdns instance exited ...` and a line after it naming a
    `listener: ` are two lines of PowerDNS's, no broken one). Indented halves are journalctl's continuation lines,
    never a broken line (read_text and text_sniff ask this)."""
    if not first or not rest or first[0].isspace() or rest[0].isspace():
        return None
    joint = "" if _PID_REST.match(rest) else " " if _TAG_REST.match(rest) else None
    if joint is None:
        return None
    joined = first + joint + rest
    found = LINE.match(joined)
    if found is None or found.start("msg") < len(first) + len(joint) or " " in found["ident"]:
        return None
    return joined


def cut_open(before: str, rest: str) -> bool:
    """`before` leaves a double quote or a parenthesis open that `rest` closes: a line cut inside them (a program's
    log pasted wrapped, trial 63's 05: `... DatabaseError(__Unknown, "f` / `ile is not a database")': src/...`)."""
    if before.count('"') % 2 and rest.count('"') % 2:
        return True
    return before.count("(") > before.count(")") and rest.count(")") > rest.count("(")
