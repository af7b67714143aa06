"""Durations ("90s", "1h30m") and points in time as `journalctl --since` takes them.

Rule files use the strict compact form (no spaces) so a typo is an error, not a surprise; the command
line also takes systemd's spelled-out units and relative forms such as "-1h", "2 days ago", "today".
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

USEC_PER_SEC = 1_000_000

_UNIT_USEC: dict[str, int] = {}
for _names, _usec in (
    (("us", "usec"), 1),
    (("ms", "msec"), 1_000),
    (("s", "sec", "second", "seconds"), USEC_PER_SEC),
    (("m", "min", "minute", "minutes"), 60 * USEC_PER_SEC),
    (("h", "hr", "hour", "hours"), 3600 * USEC_PER_SEC),
    (("d", "day", "days"), 86400 * USEC_PER_SEC),
    (("w", "week", "weeks"), 7 * 86400 * USEC_PER_SEC),
):
    for _name in _names:
        _UNIT_USEC[_name] = _usec

_COMPACT_PART = re.compile(r"(\d+)(us|ms|s|m|h|d|w)")
_SPELLED_PART = re.compile(r"\s*(\d+)\s*([a-z]+)")


class TimeSpecError(ValueError):
    """A duration or timestamp that cannot be read; the message says what was expected."""


def wall_usec() -> int:
    """The wall clock in journal units (microseconds since the epoch)."""
    return time.time_ns() // 1000


def parse_duration(text: str) -> int:
    """Compact duration for rule files: "90s", "5m", "1h30m" -> microseconds (> 0)."""
    pos, total = 0, 0
    while pos < len(text):
        part = _COMPACT_PART.match(text, pos)
        if part is None:
            break
        total += int(part.group(1)) * _UNIT_USEC[part.group(2)]
        pos = part.end()
    if not text or pos != len(text) or total <= 0:
        raise TimeSpecError(f'expected a duration like "90s", "5m" or "1h30m" (got {text!r})')
    return total


def parse_spelled_duration(text: str) -> int:
    """Duration as systemd spells it: "1h", "30min", "2 days", "1h 30min" -> microseconds."""
    pos, total, found = 0, 0, False
    text = text.strip()
    while pos < len(text):
        part = _SPELLED_PART.match(text, pos)
        if part is None or part.group(2) not in _UNIT_USEC:
            raise TimeSpecError(f'expected a duration like "1h", "30min" or "2 days" (got {text!r})')
        total += int(part.group(1)) * _UNIT_USEC[part.group(2)]
        pos, found = part.end(), True
    if not found:
        raise TimeSpecError(f'expected a duration like "1h", "30min" or "2 days" (got {text!r})')
    return total


_ABSOLUTE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%d",
                     "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M")
_TIME_OF_DAY_FORMATS = ("%H:%M:%S", "%H:%M:%S.%f", "%H:%M")
_EPOCH_SECONDS = re.compile(r"@([0-9]{1,12})(?:\.([0-9]{1,6})[0-9]*)?")

USEC_FORMATTABLE_MAX = 253_402_214_399_999_999
"""systemd's USEC_TIMESTAMP_FORMATTABLE_MAX (9999-12-30 23:59:59 UTC): journalctl takes no later time."""


def _zone(name: str) -> tzinfo | None:
    """A time zone named after a time as systemd's parse_timestamp takes it: "UTC" or a tz database name
    ("Europe/Berlin", "CET")."""
    if name in ("UTC", "Z"):
        return UTC
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*", name):
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return None


def _in_range(usec: int, text: str) -> int:
    if not 0 <= usec <= USEC_FORMATTABLE_MAX:
        raise TimeSpecError(f"expected a time from 1970-01-01 to 9999-12-30 UTC, as journalctl takes it (got {text!r})")
    return usec


def _local_midnight(now: datetime, days: int) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=days)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _to_usec(moment: datetime) -> int:
    """An aware datetime in microseconds since the epoch, exactly (a float loses microseconds by 9999)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def parse_timestamp(text: str, now_usec: int | None = None) -> int:
    """A point in time as journalctl takes it, in the local time zone -> microseconds since the epoch.

    Accepts "2026-11-02 10:00[:00[.123]]", "2026-11-02", "10:00", "now", "today", "yesterday", "tomorrow",
    "-1h", "+30min", "2 days ago" and "@1700000000[.5]"; an absolute time or time of day may end in "UTC" or a
    tz database name ("2026-11-02 10:00 Europe/Berlin"). Like journalctl, it refuses times before 1970 or
    after 9999-12-30 (a TZ east of Greenwich puts "1970-01-01" before the epoch).
    """
    if now_usec is None:
        now_usec = wall_usec()
    spec = text.strip()
    zone: tzinfo | None = None
    if " " in spec and (found := _zone(spec.rsplit(" ", 1)[1])) is not None:
        spec, zone = spec.rsplit(" ", 1)[0].strip(), found
    now = datetime.fromtimestamp(now_usec / USEC_PER_SEC, zone).astimezone(zone)
    named = {"now": now, "today": _local_midnight(now, 0), "yesterday": _local_midnight(now, -1),
             "tomorrow": _local_midnight(now, 1)}
    if spec in named:
        return now_usec if spec == "now" else _in_range(_to_usec(named[spec]), text)
    if zone is None and spec.startswith("@"):
        if (seconds := _EPOCH_SECONDS.fullmatch(spec)) is not None:
            fraction = (seconds.group(2) or "").ljust(6, "0")
            return _in_range(int(seconds.group(1)) * USEC_PER_SEC + int(fraction), text)
    elif zone is None and spec[:1] in "+-" and spec[1:]:
        sign = -1 if spec[0] == "-" else 1
        return _in_range(now_usec + sign * parse_spelled_duration(spec[1:]), text)
    elif zone is None and spec.endswith(" ago"):
        return _in_range(now_usec - parse_spelled_duration(spec[: -len(" ago")]), text)
    for fmt in _ABSOLUTE_FORMATS:
        try:
            moment = datetime.strptime(spec, fmt)
        except ValueError:
            continue
        try:
            return _in_range(_to_usec(moment.replace(tzinfo=zone) if zone else moment.astimezone()), text)
        except (OverflowError, ValueError):  # year 1 has no local time: out of range either way
            return _in_range(-1, text)
    for fmt in _TIME_OF_DAY_FORMATS:
        try:
            clock = datetime.strptime(spec, fmt)
        except ValueError:
            continue
        return _in_range(_to_usec(now.replace(hour=clock.hour, minute=clock.minute, second=clock.second,
                                              microsecond=clock.microsecond)), text)
    raise TimeSpecError(
        'expected a time like "2026-11-02 10:00", "2026-11-02 10:00 UTC", "10:00", "today", "yesterday", "-1h", '
        f'"2 days ago" or "@1700000000" (got {text!r})'
    )


def iso_utc(usec: int) -> str:
    """RFC 3339 in UTC with a Z (`2026-12-01T02:00:00.123456Z`), as Alertmanager's API takes times."""
    return datetime.fromtimestamp(usec / 1_000_000, UTC).isoformat().replace("+00:00", "Z")


def format_usec(usec: int, *, with_date: bool = True) -> str:
    """Local time, millisecond precision, the way an operator compares it with journalctl output."""
    try:
        moment = datetime.fromtimestamp(usec / USEC_PER_SEC).astimezone()
    except (ValueError, OverflowError, OSError):  # beyond year 9999 (a dump can say anything): as journalctl -o short
        return f"@{usec // USEC_PER_SEC}.{usec % USEC_PER_SEC // 1000:03d}"
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
    return f"{text}.{moment.microsecond // 1000:03d}"


def format_duration(usec: int) -> str:
    """Human duration: "2.1s", "6h 6m 55s"."""
    if usec < 60 * USEC_PER_SEC:
        return f"{usec / USEC_PER_SEC:.1f}s" if usec < 10 * USEC_PER_SEC else f"{usec // USEC_PER_SEC}s"
    seconds = usec // USEC_PER_SEC
    parts = []
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m"), (1, "s")):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts)
