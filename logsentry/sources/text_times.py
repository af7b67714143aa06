"""The times text logs write, as µs since the epoch: one reckoning for the text layouts (sources/text.py,
sources/dmesg.py, sources/applog.py), which each only say where the numbers are."""

from __future__ import annotations

import calendar
import re
import time
from datetime import datetime, tzinfo

from .locale_months import LOCALE_MONTHS

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""The months' English abbreviations, as syslog, ctime(3) and strftime's %b write them."""
MONTH_PATTERN = "(?:" + "|".join(MONTHS) + ")"


SHORT_MONTH_PATTERN = "(?:" + "|".join(re.escape(name) for name in sorted((*MONTHS, *LOCALE_MONTHS), key=len,
                                                                          reverse=True)) + ")"
"""A month as journalctl's `short` layouts print it, in English or another locale's (sources/locale_months.py)."""


def month_number(name: str) -> int:
    """1 for "Jan" .. 12 for "Dec", and for another locale's abbreviation (LOCALE_MONTHS: "4月" is 4); ValueError
    for anything else."""
    return LOCALE_MONTHS.get(name) or MONTHS.index(name) + 1


def fraction_usec(digits: str | None) -> int:
    """The µs of a second's decimal fraction written with any number of digits (beyond 6 cut, not rounded)."""
    return int((digits or "0")[:6].ljust(6, "0"))


def zone_offset(zone: str) -> int:
    """Seconds east of UTC of `Z`, `UTC`, `GMT`, `+03`, `+0300` or `+03:00`."""
    if zone[0] not in "+-":
        return 0
    digits = zone[1:].replace(":", "")
    offset = int(digits[:2]) * 3600 + int(digits[2:] or 0) * 60
    return offset if zone[0] == "+" else -offset


def utc_usec(year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: str | None,
             zone: str) -> int:
    """A time written with its zone (zone_offset's forms)."""
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - zone_offset(zone)
    return seconds * 1_000_000 + fraction_usec(fraction)


def local_usec(year: int, month: int, day: int, hour: int, minute: int, second: int,
               fraction: str | None = None, near_usec: int | None = None, zone: tzinfo | None = None) -> int:
    """A time written without a zone: this machine's local time, or `zone`'s when the text names it elsewhere
    (sources/header_zone.py). OverflowError or ValueError when it is none. A wall time the end of summer time writes
    twice (02:30 in Europe on the last Sunday of October) is the one nearer `near_usec` (the line before's time) when
    given, else the first: read as the first both times, a steady unit's lines stepped back an hour and then ahead,
    and every unit was paged silent (helper-169's E5)."""
    if zone is not None:
        first = datetime(year, month, day, hour, minute, second, tzinfo=zone)
        seconds = int(first.timestamp())
        if near_usec is not None:
            other = int(first.replace(fold=1).timestamp())
            if abs(other * 1_000_000 - near_usec) < abs(seconds * 1_000_000 - near_usec):
                seconds = other
        return seconds * 1_000_000 + fraction_usec(fraction)
    key = (time.tzname[0], (year, month, day, hour, minute))  # (TZ may change: tests set it)
    if (start := _STARTS.get(key)) is not None and 0 <= second < 60:
        return (start + second) * 1_000_000 + fraction_usec(fraction)
    seconds = int(time.mktime((year, month, day, hour, minute, second, 0, 0, -1)))
    shifts = _twice(seconds, key[1])
    if not shifts and 0 <= second < 60:
        if len(_STARTS) >= 4096:
            _STARTS.clear()
        _STARTS[key] = seconds - second
    if near_usec is not None:
        for shift in shifts:
            other = seconds + shift
            if abs(other * 1_000_000 - near_usec) < abs(seconds * 1_000_000 - near_usec):
                seconds = other
                break
    elif shifts:
        # the first: mktime's pick of the two is glibc's (the second, in CET), and a paste that began inside the
        # hour read 02:20, 02:50, then 02:10 an hour after the first pass, as a step back (helper-190)
        seconds = min(seconds, *(seconds + shift for shift in shifts))
    return seconds * 1_000_000 + fraction_usec(fraction)


_READINGS: dict[tuple[str, tuple[int, ...]], tuple[int, ...]] = {}
_STARTS: dict[tuple[str, tuple[int, ...]], int] = {}
"""(zone name, local wall minute) -> its start (Unix s), for a minute read one way only: a text's lines share their
minutes, and mktime per line was a tenth of reading a syslog file."""


def _twice(seconds: int, minute: tuple[int, int, int, int, int]) -> tuple[int, ...]:
    """How far (s) the other readings of a local wall minute lie from `seconds` (one of its readings): () but in the
    hour summer time's end writes twice. Per minute, its readings' starts (Unix s) are kept, not the shifts: which
    reading mktime gives for such a minute depends on glibc's previous call (its tm_isdst guess), and shifts kept
    from one call were wrong for the other reading (a test of that hour before another made every unit silent)."""
    key = (time.tzname[0], minute)  # (TZ may change: tests set it)
    start = seconds - seconds % 60  # (zones change their offset on a minute)
    readings = _READINGS.get(key)
    if readings is None:
        if len(_READINGS) >= 4096:
            _READINGS.clear()
        readings = _READINGS[key] = tuple(sorted({start, *(  # (summer time moves the clock an hour; Lord Howe 30 min)
            start + shift for shift in (3600, -3600, 1800, -1800)
            if tuple(time.localtime(start + shift))[:5] == minute)}))
    return tuple(reading - start for reading in readings if reading != start)
