"""Durations ("90s", "1h30m") and points in time as `journalctl --since` takes them.

Rule files use the strict compact form (no spaces) so a typo is an error, not a surprise; the command
line also takes systemd's spelled-out units and relative forms such as "-1h", "2 days ago", "today".
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

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


_ABSOLUTE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
_TIME_OF_DAY_FORMATS = ("%H:%M:%S", "%H:%M")


def _local_midnight(now: datetime, days: int) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=days)


def _to_usec(moment: datetime) -> int:
    return round(moment.timestamp() * USEC_PER_SEC)


def parse_timestamp(text: str, now_usec: int | None = None) -> int:
    """A point in time as journalctl takes it, in the local time zone -> microseconds since the epoch.

    Accepts "2026-11-02 10:00[:00]", "2026-11-02", "10:00", "now", "today", "yesterday", "tomorrow",
    "-1h", "+30min", "2 days ago" and "@1700000000".
    """
    if now_usec is None:
        now_usec = wall_usec()
    now = datetime.fromtimestamp(now_usec / USEC_PER_SEC).astimezone()
    spec = text.strip()
    named = {"now": now, "today": _local_midnight(now, 0), "yesterday": _local_midnight(now, -1),
             "tomorrow": _local_midnight(now, 1)}
    if spec in named:
        return now_usec if spec == "now" else _to_usec(named[spec])
    if spec.startswith("@"):
        try:
            return round(float(spec[1:]) * USEC_PER_SEC)
        except ValueError:
            pass
    elif spec[:1] in "+-" and spec[1:]:
        sign = -1 if spec[0] == "-" else 1
        return now_usec + sign * parse_spelled_duration(spec[1:])
    elif spec.endswith(" ago"):
        return now_usec - parse_spelled_duration(spec[: -len(" ago")])
    for fmt in _ABSOLUTE_FORMATS:
        try:
            return _to_usec(datetime.strptime(spec, fmt).astimezone())
        except ValueError:
            continue
    for fmt in _TIME_OF_DAY_FORMATS:
        try:
            clock = datetime.strptime(spec, fmt)
        except ValueError:
            continue
        return _to_usec(now.replace(hour=clock.hour, minute=clock.minute, second=clock.second, microsecond=0))
    raise TimeSpecError(
        'expected a time like "2026-11-02 10:00", "10:00", "today", "yesterday", "-1h" or "2 days ago"'
        f" (got {text!r})"
    )


def format_usec(usec: int, *, with_date: bool = True) -> str:
    """Local time, millisecond precision, the way an operator compares it with journalctl output."""
    moment = datetime.fromtimestamp(usec / USEC_PER_SEC).astimezone()
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
