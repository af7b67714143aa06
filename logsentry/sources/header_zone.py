"""The zone journalctl wrote its times in, from its header's abbreviation (`-- Logs begin at Mon 2021-03-01 13:07:53
CET, end at Mon 2021-03-01 16:10:01 CET. --`; systemd 248 on: `-- Journal begins at ..., ends at ... --`).

journalctl prints `short` times in its machine's local zone and says which in that header only. A paste read on
another machine took them as this machine's local time: trial 58's Unbound paste (CET) came an hour off, and its
own Unix time in each line showed it. An abbreviation names a zone only at a date (`CET` is Europe/Berlin's in
winter, `CEST` in summer; `IST` is India's, Ireland's and Israel's): the header's is looked up in the system's
time zone database (zoneinfo) at the header's own date and time, and read only when every zone that uses it then
has the same UTC offset; then the zone named like it (`CET`, `EET`, `EST5EDT`) if there is one, else the first by
name, carries the times, summer time included. Else (an abbreviation of zones apart, or none) the times stay
this machine's local time and the reader says why.
"""

from __future__ import annotations

import functools
import os
import re
import time
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

_TIME = (r"\w+ (?P<{0}date>\d{{4}}-\d\d-\d\d) (?P<{0}hms>\d\d:\d\d:\d\d) "
         r"(?P<{0}zone>[A-Za-z][A-Za-z0-9+-]{{0,9}}|[+-]\d\d(?:\d\d)?)\b")
HEADER = re.compile(r"(?:Logs begin at|Journal begins at) " + _TIME.format("") +
                    r"(?:, (?:end at|ends at) " + _TIME.format("end") + ")?")
"""journalctl's header (src/journal/journalctl.c: `-- Logs begin at %s, end at %s. --`, from 248 `-- Journal
begins at %s, ends at %s. --`), its times as format_timestamp writes them: weekday, date, time, abbreviation."""

_FOUND: dict[tuple[str, str, str], tuple[zoneinfo.ZoneInfo | None, tuple[tuple[str, str], ...]]] = {}


@dataclass(frozen=True)
class HeaderZone:
    """What a header's abbreviation says: the zone to read the times in (None: this machine's local time) and a
    sentence for the reader's note (None: nothing to tell, the machine's own zone or UTC)."""

    zone: tzinfo | None
    note: str | None
    unread: str = ""
    """The zone it named that was taken as local time (an abbreviation of several offsets, no zone's offset)."""


SINCE = re.compile(r"\s+Active: .* since " + _TIME.format("") + ";")
"""`systemctl status`'s state line (systemctl-show.c print_status_info: `Active: failed (Result: exit-code) since Wed
2022-05-25 10:11:12 CEST; 5min ago`): the same machine's zone as the journal lines under it, when no header says it."""


def header_zone(marker: str) -> HeaderZone | None:
    """The zone a journalctl header (`marker`: the text between its `-- ` and ` --`) names, or None for another
    line or a zone this machine's local time already is."""
    found = HEADER.match(marker)
    return None if found is None else _named(found, "journalctl's header")


def status_zone(line: str) -> HeaderZone | None:
    """The zone `systemctl status`'s `Active: ... since` line names (SINCE), or None, as header_zone."""
    found = SINCE.match(line)
    return None if found is None else _named(found, "systemctl status's Active: line")


def _named(found: re.Match[str], where: str) -> HeaderZone | None:
    abbreviation = found["zone"]
    try:
        when = datetime.strptime(f"{found['date']} {found['hms']}", "%Y-%m-%d %H:%M:%S")
        end = None if found.groupdict().get("enddate") is None else (
            datetime.strptime(f"{found['enddate']} {found['endhms']}", "%Y-%m-%d %H:%M:%S"), found["endzone"])
        local = time.localtime(time.mktime(when.timetuple()))
    except (ValueError, OverflowError):
        return None
    if local.tm_zone == abbreviation and (end is None or time.localtime(time.mktime(end[0].timetuple())).tm_zone
                                          == end[1]):
        return None  # (this machine's zone: read as ever)
    if abbreviation[0] in "+-" and (end is None or end[1] == abbreviation):  # (a zone without an abbreviation)
        offset = timedelta(hours=int(abbreviation[1:3]), minutes=int(abbreviation[3:5] or 0))
        if offset > timedelta(hours=14) or int(abbreviation[3:5] or 0) >= 60:
            return HeaderZone(None, f"{where} says its times are at UTC{abbreviation}, which is no zone's offset: "
                                    f"read as this machine's local time ({local.tm_zone})", abbreviation)
        return HeaderZone(timezone(-offset if abbreviation[0] == "-" else offset),
                          f"times read at UTC{abbreviation}, as {where} says")
    if abbreviation in ("UTC", "GMT") and (end is None or end[1] == abbreviation):
        return HeaderZone(zoneinfo.ZoneInfo("UTC"), f"times read in UTC, as {where} says")
    zone, apart = _zones(abbreviation, when, end)
    if zone is None:
        return HeaderZone(None, unread_note(where, abbreviation, apart, local.tm_zone), abbreviation)
    named = "" if zone.key == abbreviation else f" ({zone.key})"
    return HeaderZone(zone, f"times read in {abbreviation}{named}, as {where} says")


def unread_note(where: str, abbreviation: str, apart: tuple[tuple[str, str], ...], local: str) -> str:
    """The reader's note of an abbreviation read as this machine's local time, with the zones it may be (`apart`:
    one per UTC offset) and the fix, TZ: "which the time zone database gives no single UTC offset then" left a new
    user to work out `TZ=Asia/Kolkata` from the README."""
    if apart:
        some = ", ".join(f"{name} {offset}" for name, offset in apart[:4]) + (", ..." if len(apart) > 4 else "")
        which = f"which zones at different UTC offsets use ({some})"
    else:
        which = "which no zone of the time zone database uses then"
    example = apart[0][0] if apart else "Region/City"
    return (f"{where} says its times are in {abbreviation}, {which}, so they are read as this machine's local time "
            f"({local}); run logsentry again with TZ set to their zone to read them in it (`TZ={example} logsentry "
            "scan --file ...`)")


def _zone(abbreviation: str, when: datetime, end: tuple[datetime, str] | None) -> zoneinfo.ZoneInfo | None:
    """The zone that reads `abbreviation` at `when` (a wall time) and the end's at the end (_zones), or None."""
    return _zones(abbreviation, when, end)[0]


def _zones(abbreviation: str, when: datetime,
           end: tuple[datetime, str] | None) -> tuple[zoneinfo.ZoneInfo | None, tuple[tuple[str, str], ...]]:
    """The zone that reads `abbreviation` at `when` (a wall time) and the end's abbreviation at the end, when all
    that do agree on the offset at `when`; else None and one zone per offset (its name, `+05:30`), for the note."""
    key = (abbreviation, when.strftime("%Y-%m-%d %H"), "" if end is None else f"{end[1]} {end[0]:%Y-%m-%d %H}")
    if key in _FOUND:
        return _FOUND[key]
    offsets: dict[timedelta | None, list[str]] = {}
    for name in sorted(zoneinfo.available_timezones()):
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (ValueError, OSError):
            continue
        # (either reading of a wall time summer time's end writes twice: `end at Sun 2026-10-25 02:40:00 CET` is
        # the second pass, which the first reading calls CEST, and no zone was found: helper-190)
        at = next((at for fold in (0, 1) if (at := when.replace(tzinfo=zone, fold=fold)).tzname() == abbreviation),
                  None)
        if at is not None and (end is None or any(end[0].replace(tzinfo=zone, fold=fold).tzname() == end[1]
                                                  for fold in (0, 1))):
            offsets.setdefault(at.utcoffset(), []).append(name)
    found: tuple[zoneinfo.ZoneInfo | None, tuple[tuple[str, str], ...]] = (None, tuple(
        (_zone_name(abbreviation, _current(names)), _offset(offset)) for offset, names in sorted(
            offsets.items(), key=lambda item: -(item[0] or timedelta(0))) if offset is not None))
    if len(offsets) == 1:
        found = (zoneinfo.ZoneInfo(_zone_name(abbreviation, next(iter(offsets.values())))), ())
    if len(_FOUND) >= 64:
        _FOUND.clear()
    _FOUND[key] = found
    return found


def _current(names: list[str]) -> list[str]:
    """Of zone names, those tzdata lists as zones now (zone1970.tab: `Asia/Kolkata`, not its old link
    `Asia/Calcutta`), for a note that names one; all of them when it lists none (or is not there)."""
    return [name for name in names if name in _current_zones()] or names


@functools.cache
def _current_zones() -> frozenset[str]:
    for folder in zoneinfo.TZPATH:
        try:
            with open(os.path.join(folder, "zone1970.tab"), encoding="utf-8") as table:
                return frozenset(line.split("\t")[2].strip() for line in table
                                 if not line.startswith("#") and line.count("\t") >= 2)
        except OSError:
            continue
    return frozenset()


def _offset(offset: timedelta) -> str:
    """`+05:30`, `-03:00`: a UTC offset as ISO 8601 writes it."""
    minutes = int(offset.total_seconds()) // 60
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


REGIONS = ("Europe/", "America/", "Asia/", "Australia/", "Pacific/", "Africa/", "Atlantic/", "Indian/")
"""The order in which the zones that read an abbreviation alike are named: the first zone of its name (tzdata's
order) in the first region that has one; "CEST (Africa/Ceuta)" for a German host's paste puzzled a reader
(helper-187), and the offset and summer time are the same in any of them."""


def _zone_name(abbreviation: str, names: list[str]) -> str:
    """The zone to name among `names` (sorted, all reading `abbreviation` alike): the one named after it (tzdata's
    `CET`, `EST5EDT`), else this machine's own zone when it is one of them, else the first by REGIONS."""
    if (own := next((name for name in names if name.startswith(abbreviation)), None)) is not None:
        return own
    if (local := _local_key()) in names:
        return local
    return min(names, key=lambda name: next((rank for rank, region in enumerate(REGIONS) if name.startswith(region)),
                                            len(REGIONS)))


def _local_key() -> str | None:
    """This machine's zone by name (TZ's, else the one /etc/localtime links to), or None."""
    if tz := os.environ.get("TZ", "").lstrip(":"):
        return tz
    _, found, key = os.path.realpath("/etc/localtime").partition("/zoneinfo/")
    return key if found else None
