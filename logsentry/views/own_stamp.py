"""A program's own time at the start of a line shown beside logsentry's time column (a card's "its program's last
lines before it"): pgbouncer's `2026-12-04 09:00:00.119 UTC [812] WARNING ...` was shown as `09:00:00.119
2026-12-04 09:00:00.119 UTC [812] WARNING ...`, the time twice (rough edge 65's 5). Where the program's time is the
line's, it is left out of the text; where the line's time is whole seconds (a journalctl or syslog paste) and the
program's is within that second, the column shows the program's, which is finer: nothing is lost. Only a time with
the year first (ISO 8601 and its kin, the most written): another layout's words around its time (a level, a thread)
are no time and stay."""

from __future__ import annotations

from ..sources.applog_times import STAMP, dated_usec, named_zone

SECOND_USEC = 1_000_000


def without_own_stamp(at: int, message: str) -> tuple[int, str]:
    """(time to show, text to show) of a line read at `at` (µs): `message` without its program's own time when that
    time is the line's to the ms shown, or finer within the line's whole second; else as it is."""
    found = STAMP.match(message)
    if found is None or found["y"] is None or found.start("y") != message.startswith("["):
        return at, message
    try:
        own = dated_usec(found, named_zone(found))
    except (OverflowError, ValueError):
        return at, message
    if own // 1000 != at // 1000 and not (at % SECOND_USEC == 0 and at <= own < at + SECOND_USEC):
        return at, message  # (another time than the line's: the program's own word, kept)
    rest = message[found.end():]
    if message.startswith("["):
        if not rest.startswith("]"):
            return at, message
        rest = rest[1:]
    rest = rest.lstrip(" \t")
    return (own, rest) if rest else (at, message)
