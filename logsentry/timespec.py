"""Durations and points in time as systemd reads them: a duration wherever logsentry takes one (rule files,
the site config, `silence add --for`, "-1h" and "2 days ago" in `--since`) is read by systemd's own parse_sec
grammar (systemd.time(7)), so a value copied from a unit file ("10min", "1.5h", "2h 30min", "500ms") means
the same here; points in time as `journalctl --since` takes them.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

USEC_PER_SEC = 1_000_000
USEC_INFINITY = 2**64 - 1
"""systemd's usec_t infinity: parse_sec refuses sums that reach it (ERANGE)."""

_UNITS: tuple[tuple[str, int], ...] = (
    ("seconds", USEC_PER_SEC), ("second", USEC_PER_SEC), ("sec", USEC_PER_SEC), ("s", USEC_PER_SEC),
    ("minutes", 60 * USEC_PER_SEC), ("minute", 60 * USEC_PER_SEC), ("min", 60 * USEC_PER_SEC),
    ("months", 2_629_800 * USEC_PER_SEC), ("month", 2_629_800 * USEC_PER_SEC), ("M", 2_629_800 * USEC_PER_SEC),
    ("msec", 1_000), ("ms", 1_000), ("m", 60 * USEC_PER_SEC),
    ("hours", 3600 * USEC_PER_SEC), ("hour", 3600 * USEC_PER_SEC), ("hr", 3600 * USEC_PER_SEC),
    ("h", 3600 * USEC_PER_SEC),
    ("days", 86400 * USEC_PER_SEC), ("day", 86400 * USEC_PER_SEC), ("d", 86400 * USEC_PER_SEC),
    ("weeks", 7 * 86400 * USEC_PER_SEC), ("week", 7 * 86400 * USEC_PER_SEC), ("w", 7 * 86400 * USEC_PER_SEC),
    ("years", 31_557_600 * USEC_PER_SEC), ("year", 31_557_600 * USEC_PER_SEC), ("y", 31_557_600 * USEC_PER_SEC),
    ("usec", 1), ("us", 1), ("\u03bcs", 1), ("\u00b5s", 1),
)
"""systemd's extract_multiplier table (src/basic/time-util.c), in its order: the first suffix the text starts
with wins ("ms" before "m", "min" before "m"; "M" is a month of 30.44 days, "y" a year of 365.25 days)."""

_WHITESPACE = " \t\n\r"
_NUMBER = re.compile(r"(?:\+?([0-9]+))?(?:\.([0-9]*))?")
"""strtoll's digits (a sign needs digits after it), then systemd's optional fraction."""
_EXAMPLES = '"90s", "10min", "1.5h" or "2h 30min"'


class TimeSpecError(ValueError):
    """A duration or timestamp that cannot be read; the message says what was expected."""


def wall_usec() -> int:
    """The wall clock in journal units (microseconds since the epoch)."""
    return time.time_ns() // 1000


def parse_sec(text: str, every_unit: bool = False) -> int:
    """A time span as systemd reads one in unit files and on its command lines (parse_sec, systemd.time(7)) ->
    microseconds: "90s", "10min", "1.5h", "2h 30min", "5 m", "500ms", "1d", "3 weeks", a bare number in seconds.
    Parts add up; each is a number (a decimal fraction too) and a unit. "infinity" is no span logsentry can use.
    With `every_unit`, a number without a unit after a part with one is refused, though systemd reads it as seconds:
    a rule's `within = "1h30"` was 1h 30s, where its writer meant 1h30min (parse_duration's readers: no time span
    systemd writes, format_timespan, leaves a unit out, so no value copied from its output is refused)."""
    bad = TimeSpecError(f"expected a duration like {_EXAMPLES}, as systemd writes time spans (got {text!r})")
    pos = len(text) - len(text.lstrip(_WHITESPACE))
    if text.startswith("infinity", pos):
        raise TimeSpecError(f"expected a duration like {_EXAMPLES}: infinity is none logsentry can use (got {text!r})")
    total, something = 0, False
    before = ""  # the parts read so far, as written
    while True:
        pos += len(text[pos:]) - len(text[pos:].lstrip(_WHITESPACE))
        if pos == len(text):
            if not something:
                raise bad
            return total
        number = _NUMBER.match(text, pos)
        assert number is not None  # every part of the pattern is optional
        whole, fraction = number.group(1), number.group(2)
        if (whole is None and fraction is None) or fraction == "":  # no digits; "3." and "3.sec" (refused)
            raise bad
        after = number.end()
        unit_at = after + len(text[after:]) - len(text[after:].lstrip(_WHITESPACE))
        multiplier = USEC_PER_SEC
        pos = unit_at
        for suffix, usec in _UNITS:
            if text.startswith(suffix, unit_at):
                multiplier, pos = usec, unit_at + len(suffix)
                break
        else:
            if unit_at == after and after < len(text):  # "12.34.56", "1x": no unit, no space before what follows
                raise bad
            if something and every_unit:  # "1h30": seconds to systemd, half an hour to its writer
                unitless = number[0].strip()
                raise TimeSpecError(f"expected a duration like {_EXAMPLES}, a unit after each number: {unitless} "
                                    f"after {before.strip()} has none, and systemd would read it as "
                                    f"{before.strip()} {unitless}s (got {text!r})")
        before = text[:pos]
        total += int(whole or "0") * multiplier
        for place, digit in enumerate(fraction or ""):
            total += int(digit) * (multiplier // 10 ** (place + 1))
        if total >= USEC_INFINITY:
            raise TimeSpecError(f"expected a duration like {_EXAMPLES}: this one overflows (got {text!r})")
        something = True


MAX_DURATION_USEC = 10_000 * 31_557_600 * USEC_PER_SEC
"""10,000 years: windows, silences and relative times are added to journal times, int64 µs in the C steps
(about 292,000 years in all); systemd's own bound, 2**64 µs, would overflow them (OverflowError in scan)."""


def parse_duration(text: str, zero: bool = False) -> int:
    """A duration longer than 0 (or 0 too with `zero`: restart.cooldown "0"), as systemd writes it (parse_sec, a unit
    after each number): rule files, the site config, --for. Raises TimeSpecError past MAX_DURATION_USEC."""
    usec = _bounded(parse_sec(text, every_unit=True), text)
    if usec < 0 or (usec == 0 and not zero):
        raise TimeSpecError(f"expected a duration like {_EXAMPLES}, longer than 0 (got {text!r})")
    return usec


def parse_spelled_duration(text: str) -> int:
    """A duration as systemd writes it, 0 allowed (a relative time: "-1h", "2 days ago"), at most
    MAX_DURATION_USEC."""
    return _bounded(parse_sec(text), text)


_FORMAT_UNITS = (("y", 31_557_600 * USEC_PER_SEC), ("month", 2_629_800 * USEC_PER_SEC), ("w", 7 * 86400 * USEC_PER_SEC),
                 ("d", 86400 * USEC_PER_SEC), ("h", 3600 * USEC_PER_SEC), ("min", 60 * USEC_PER_SEC),
                 ("s", USEC_PER_SEC), ("ms", 1_000), ("us", 1))


def timespan(usec: int) -> str:
    """A duration as systemd writes one (format_timespan's units: "1h 30min", "5min", "500ms"), exact, so that
    a value `config check` shows can be copied back into a config, rule file or unit file."""
    parts = []
    for unit, size in _FORMAT_UNITS:
        if usec >= size:
            parts.append(f"{usec // size}{unit}")
            usec %= size
    return " ".join(parts) or "0"


def _bounded(usec: int, text: str) -> int:
    if usec > MAX_DURATION_USEC:
        raise TimeSpecError(f"expected a duration like {_EXAMPLES}, at most 10000y (got {text!r})")
    return usec


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


def _span(spec: str, text: str) -> int:
    """The duration of a relative time (`-1h`, `2 days ago`), its error naming the time as written (`-1x`, not
    `1x`: helper-179)."""
    try:
        return parse_spelled_duration(spec)
    except TimeSpecError as error:
        raise TimeSpecError(str(error).replace(f"(got {spec!r})", f"(got {text!r})")) from None


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
        return _in_range(now_usec + sign * _span(spec[1:], text), text)
    elif zone is None and spec.endswith(" ago"):
        return _in_range(now_usec - _span(spec[: -len(" ago")], text), text)
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


BOOT_RELATIVE: set[str] = set()
"""The layouts this command read times since boot from, with no clock time (plain `dmesg`'s `[ 1843.202000]`:
sources/dmesg.py adds it; the CLI's group empties it at each command). Their times are kept as µs since the epoch,
so a card said `first matching line 1970-01-01 00:30:43.202 UTC` (a new user's dmesg, nu240's 8): format_usec shows
them as seconds after boot instead (`since_boot`)."""
BOOT_RELATIVE_BELOW = 946_684_800 * USEC_PER_SEC
"""2000-01-01 (µs since the epoch): with a boot-relative input read, an earlier time is one of its times since boot
(30 years of uptime), a later one a clock's (another input's: a journal scanned with the dmesg)."""


def since_boot(usec: int) -> bool:
    """Is this time one of a boot-relative input's (BOOT_RELATIVE), to be shown as seconds after boot?"""
    return bool(BOOT_RELATIVE) and 0 <= usec < BOOT_RELATIVE_BELOW


def format_usec(usec: int, *, with_date: bool = True) -> str:
    """Local time, millisecond precision, the way an operator compares it with journalctl output; a time since boot
    (`since_boot`) as `1843.202 s after boot` (`1843.202 s` without the date: a column beside such times)."""
    if since_boot(usec):
        return f"{usec // USEC_PER_SEC}.{usec % USEC_PER_SEC // 1000:03d} s" + (" after boot" if with_date else "")
    try:
        moment = datetime.fromtimestamp(usec / USEC_PER_SEC).astimezone()
    except (ValueError, OverflowError, OSError):  # beyond year 9999 (a dump can say anything): as journalctl -o short
        return f"@{usec // USEC_PER_SEC}.{usec % USEC_PER_SEC // 1000:03d}"
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
    return f"{text}.{moment.microsecond // 1000:03d}"


YEAR_GUESSED: dict[str, tuple[int, int]] = {}
"""Per text input whose times carry no year, which it took from the file's time (sources/text_years.Years.guess, said
on stderr): the span of its times (µs; sources/text.py adds it; the CLI's group empties it at each command). A card
whose first line falls in one says its year is a guess (`year_guessed`): a 2017 paste's card read `first matching
line 2026-10-11 06:07:26` like a date the log gave (trial 78's section 8)."""


def year_guessed(usec: int) -> bool:
    """Is this time one of a text's whose year was taken from the file's time (YEAR_GUESSED)?"""
    return any(low <= usec <= high for low, high in YEAR_GUESSED.values())


TAKEN_AS_LOCAL: set[str] = set()
"""The zones an input named that logsentry could not read (`IST`: zones of several offsets use it), whose times it
took as this machine's local time, in this command: zone_label says so (sources/syslog_text.py adds them; the CLI's
group empties it at each command). A card said "13:45:18.000 UTC" of an IST paste as if its zone were known."""


def zone_label(*usecs: int, as_read: bool = True) -> str:
    """The zone format_usec shows these times in, as `date` names it (`UTC`, `CET`; `CET/CEST` when a summer-time
    change falls between them): a report's times follow the viewer's TZ, not the input's, and a paste read in its
    header's CET showed 12:08 on a UTC machine, unlabelled, beside the paste's 13:08 (helper-183). `as_read`: times
    read from the input, which say so when a zone it named was taken as local time (TAKEN_AS_LOCAL). "" for times
    since boot (`since_boot`): they have no zone."""
    names: list[str] = []
    if usecs and all(since_boot(usec) for usec in usecs):
        return ""  # (seconds after boot: no zone)
    for usec in usecs:
        try:
            name = datetime.fromtimestamp(usec / USEC_PER_SEC).astimezone().strftime("%Z")
        except (ValueError, OverflowError, OSError):  # beyond year 9999: format_usec says @seconds, in UTC
            name = "UTC"
        if name and name not in names:
            names.append(name)
    label = "/".join(names)
    if as_read and TAKEN_AS_LOCAL:
        return f"{label} (the log's {'/'.join(sorted(TAKEN_AS_LOCAL))} taken as {label})"
    return label


def zoned(text: str, *usecs: int, as_read: bool = True) -> str:
    """`text` (times shown by format_usec) and their zone_label after a space; `text` alone when they have none
    (seconds after boot)."""
    label = zone_label(*usecs, as_read=as_read)
    return f"{text} {label}" if label else text


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
