"""A program's own time at the start of a line shown beside logsentry's time column (a card's "its program's last
lines before it"): pgbouncer's `2026-12-04 09:00:00.119 UTC [812] WARNING ...` was shown as `09:00:00.119
2026-12-04 09:00:00.119 UTC [812] WARNING ...`, the time twice (rough edge 65's 5). Where the program's time is the
line's, it is left out of the text; where the line's time is whole seconds (a journalctl or syslog paste) and the
program's is within that second, the column shows the program's, which is finer: nothing is lost. Any layout a
program's own log is read in (sources/applog_times.STAMP, read as sources/applog.py reads it): only the time goes,
what the layout writes around it stays (Redis's `1:S` before it, a level and a thread before log4j's). A weekday
is the time's (ctime's `Wed May  4 07:31:42 2022`, Apache's `[Tue Aug 08 12:40:55.059 2023]`: STAMP's `cw`) and
goes with it: `07:31:42.000 Wed -> ...` was left (trial 74)."""

from __future__ import annotations

import re

from ..sources.applog import AppLogParser
from ..sources.applog_times import STAMP

SECOND_USEC = 1_000_000
BRACKET_SEPARATOR = re.compile(r"\s*[:|,-]\s*")
"""What parts a time from the rest of the bracket it opens: Celery's `[2015-11-20 18:18:08,590: ERROR/MainProcess]`
left `[ : ERROR/MainProcess]` with the time alone cut out (a new user's trial, nu230); `[ERROR/MainProcess]` now."""


def without_own_stamp(at: int, message: str) -> tuple[int, str]:
    """(time to show, text to show) of a line read at `at` (µs): `message` without its program's own time when that
    time is the line's to the ms shown, or finer within the line's whole second; else as it is."""
    found = STAMP.match(message)
    if found is None or (text := _cut(message, found)) is None:
        return at, message
    try:
        own = AppLogParser("", at / SECOND_USEC).time_of(found)
    except (OverflowError, ValueError):
        return at, message
    if own // 1000 != at // 1000 and not (at % SECOND_USEC == 0 and at <= own < at + SECOND_USEC):
        return at, message  # (another time than the line's: the program's own word, kept)
    return own, text


def stamp_cut(message: str) -> str:
    """`message` without its program's own time at its start, whatever that time is (a table's example line, shown
    without a time column: views/gist.py); as it is when it has none."""
    found = STAMP.match(message)
    return message if found is None else _cut(message, found) or message


def _cut(message: str, found: re.Match[str]) -> str | None:
    """The text of `message` with its time (`found`) cut out, what the layout writes around it kept; None when the
    cut would leave a dangling key, a piece of a word or nothing. klog's header (`I1207 10:00:02.500000    1123
    eviction_manager.go:366]`: its level letter and date are one word) stays whole: cut, it read `I 1123
    reconciler_common.go:245]` in a card's last lines, under the same header whole in its quoted lines and chain
    (a new user's trial, nu240's 9)."""
    start = min((found.start(name) for name, value in found.groupdict().items() if value is not None), default=0)
    before, rest = message[:start], message[found.end():]
    if "=" in before or '"' in before:
        return None  # (a logfmt or JSON time pair: its key would be left dangling)
    if before[-1:].isalnum():
        return None  # (a time glued to a word: klog's `I1207 10:00:02.500000`, whose level letter was left alone)
    if before.endswith("[") and (rest.startswith("]") or found.group().endswith("]")):  # (its brackets too)
        before, rest = before[:-1], rest.removeprefix("]")
    elif before.endswith("(") and found.group().endswith(")"):  # (SSSD's parentheses, and the colon after them)
        before, rest = before[:-1], rest.removeprefix(":")
    elif before.endswith("[") and (sep := BRACKET_SEPARATOR.match(rest)) and "]" in rest[sep.end():]:
        rest = rest[sep.end():]  # (a bracket the time shares: its separator goes with it, the bracket stays)
    before, rest = before.strip(), rest.strip(" \t")
    if not rest:
        return None
    return f"{before}{'' if before.endswith('[') else ' '}{rest}" if before else rest
