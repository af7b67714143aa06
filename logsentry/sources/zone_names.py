"""A zone's abbreviation written after a program's own time (PostgreSQL's `%m`/`%t`: `2023-05-01 10:00:00.123 CET
[123] LOG:  ...`, in its log_timezone) as a UTC offset, when the abbreviation names one.

An abbreviation carries its summer time (`CET` +01:00, `CEST` +02:00) but not always one offset: `IST` is India's,
Ireland's summer and Israel's, `CST` China's and the US Central's. The system's time zone database (zoneinfo) is
asked once a year of lines: every zone at noon on the 1st and the 15th of each month, each abbreviation with the
offsets it had; one offset reads, several (or none: `INFO` is no zone's) leave the time as this machine's local
time, as before. Read as local time, a CET server's paste on a UTC machine came an hour off (helper-183)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from functools import lru_cache


@lru_cache(maxsize=4)
def _offsets(year: int) -> dict[str, frozenset[timedelta]]:
    """Each abbreviation the database's zones used in `year` (sampled twice a month), with its UTC offsets."""
    found: dict[str, set[timedelta]] = {}
    for name in zoneinfo.available_timezones():
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (ValueError, OSError):
            continue
        for month in range(1, 13):
            for day in (1, 15):
                at = datetime(year, month, day, 12, tzinfo=zone)
                if (abbreviation := at.tzname()) and (offset := at.utcoffset()) is not None:
                    found.setdefault(abbreviation, set()).add(offset)
    return {abbreviation: frozenset(offsets) for abbreviation, offsets in found.items()}


def _offsets_of(abbreviation: str, year: int) -> frozenset[timedelta]:
    """The UTC offsets `abbreviation` stood for in `year` (none for a year datetime cannot hold around it)."""
    return _offsets(year).get(abbreviation, frozenset()) if 1 <= year <= 9998 else frozenset()


def abbreviation_offset(abbreviation: str, year: int) -> timedelta | None:
    """The UTC offset `abbreviation` stands for in `year`, or None when it stands for several or for none."""
    if abbreviation in ("UTC", "GMT", "Z"):
        return timedelta(0)
    offsets = _offsets_of(abbreviation, year)
    return next(iter(offsets)) if len(offsets) == 1 else None


def offset_text(offset: timedelta) -> str:
    """`offset` as text_times.zone_offset reads it (`+01:00`, `-05:00`, `+05:45`)."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def several_offsets(abbreviation: str, year: int) -> bool:
    """`abbreviation` is a zone's in `year`, of several UTC offsets (`CST`, `IST`): worth saying it was not read."""
    return len(_offsets_of(abbreviation, year)) > 1
