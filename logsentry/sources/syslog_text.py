"""journalctl's text and syslog files, line by line (sources/text.py reads them): each line's time, host,
identifier, PID and priority where the text has them; journalctl's own `-- ... --` lines set where the logs end (a
year-less time's reference) and in which zone its times are written (sources/header_zone.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from datetime import date, timedelta, timezone, tzinfo

from ..timespec import TAKEN_AS_LOCAL
from .dmesg import FACILITIES
from .header_zone import SINCE, HeaderZone, header_zone, status_zone
from .plain import COMM_CHARS, printk_stamp
from .selection import COREDUMP_MESSAGE_ID, parse_priority
from .text_layouts import (
    ISO_TIME,
    LINE,
    LOGREAD,
    RFC5424,
    RSYSLOG_FACILITIES,
    SEVERITY_WORDS,
    UNTAGGED,
    WALL_MESSAGE,
    facility_level_pri,
)
from .text_line import SOURCE_MONOTONIC, TextLine, rsyslog_unescaped
from .text_times import local_usec, month_number, utc_usec
from .text_years import Years

_OWN_DATE = re.compile(r"(?<![\d.:/-])(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?=[ T])"
                       r"|^[IWEF](?P<gy>(?:19|20)\d\d)(?P<gm>[01]\d)(?P<gd>[0-3]\d)"
                       r" (?=[0-2]\d:[0-5]\d:[0-6]\d\.\d{6} )")
"""A full date near the start of a syslog line's message (a program's own time behind journalctl's or syslog's):
the year a year-less time lacks, when its month and day are the line's (text_years.Years.dated_by_line). glog's
with a year too, its level and `yyyymmdd` first (absl/glog's log prefix with the year, as Dragonfly writes it: `Dec  4
03:10:37 host dragonfly[2542781]: F20241204 03:10:37.370811 2542862 epoll_socket.cc:260] Check failed: ...`, read
as 2026 from the file's time, trial 64's 19)."""
_HEADER_END = re.compile(r"ends? at \w+ (\d{4})-(\d\d)-(\d\d)")
_OWN_ZONED = re.compile(r"(?:^\[?|(?<![\w.-])(?:ts|time|t|timestamp)=\"?|\"(?:time|ts|timestamp|@timestamp|t)\": ?\")"
                        + ISO_TIME + r"(?![\d:])")
"""A program's own time with its zone where it writes its own (the message's start, a logfmt time pair, a JSON time
key): promtail's `level=error ts=2019-10-25T13:13:32.43Z caller=...` behind a syslog time without a zone."""
OWN_CLOCK_SLACK_USEC = 60_000_000
"""How far a program's own time may be from the syslog time (read as UTC) beside it, less a whole quarter hour,
for their difference to be the syslog time's UTC offset: the syslog daemon stamps a line as it comes, well within a
minute of the program's writing it."""


def _year_near(year: int, month: int, day: int, line_month: int, line_day: int) -> int | None:
    """The year of the line's month and day within a day of the program's own date (year, month, day), or None: a
    program writing UTC beside a syslog time in another zone is a day apart around midnight (trial 59: telegraf's
    `2025-04-23T04:22:04Z` in a line of `Apr 22 21:22:04`, read as 2026 from the file's time)."""
    try:
        own = date(year, month, day)
    except ValueError:
        return None
    for candidate in (year, year - 1, year + 1):
        with suppress(ValueError):
            if abs((date(candidate, line_month, line_day) - own).days) <= 1:
                return candidate
    return None


def _own_date(dated: re.Match[str]) -> tuple[int, int, int]:
    """_OWN_DATE's year, month and day, from its ISO date or glog's `yyyymmdd`."""
    year, month, day = (dated[key] or dated["g" + key] for key in "ymd")
    return int(year), int(month), int(day)


def iso_usec(date: str, hms: str, frac: str | None, zone: str) -> int:
    year, month, day = (int(part) for part in date.split("-"))
    hour, minute, second = (int(part) for part in hms.split(":"))
    return utc_usec(year, month, day, hour, minute, second, frac, zone)




_FACILITY_LEVEL = re.compile(r"(?P<fac>[a-z0-9]{3,8})\.(?P<lvl>[a-z]{3,7})[ \t]+(?P<ident>\S.*)")
"""BusyBox syslogd's `facility.level` before the identifier (OpenWrt's `logread`: `Mar  2 17:26:41 mantis auth.info
sshd[5147]: ...`): the identifier was `auth.info sshd`, a unit of its own per level (helper-172's
Ysurac/openmptcprouter#868). A line with no tag after it has words with a blank before its first colon: BusyBox's own
`syslog.info syslogd started: BusyBox v1.27.2` (sysklogd/syslogd.c timestamp_and_log_internal, LOG_SYSLOG) was unit
`(syslogd started)` (trial 63's 01); its words are the message, the syslog facility's identifier `syslogd`, another's
none. Any run of blanks may follow the level (`daemon.err  myapp[12]: ...`): with two, the identifier was
`daemon.err  myapp`, no level and a unit of its own (rough edge 65's 2)."""
_SEVERITY_FIRST = re.compile(r"(?P<lvl>EMERG|ALERT|CRIT|ERR|WARNING|NOTICE|INFO|DEBUG) (?P<ident>[^\s\[]\S*)")
"""rsyslog's `%syslogseverity-text:::uppercase%` between the host and the tag, as SONiC's template writes its syslog
(`Aug 19 13:29:06.181422 sonic CRIT bgp#zebra[76]: ...`): the identifier was `CRIT bgp#zebra` and the line had no
level (trial 59: zebra's failed assertion went unseen)."""
_LINK_GLYPH = re.compile(r"(?:\[\U0001F855\]|\[LNK\]) ")
"""journalctl's link to a message's catalog entry, printed before the message on a terminal (src/shared/logs-show.c:
terminal_urlify of SPECIAL_GLYPH_EXTERNAL_LINK, `[LNK]` in ASCII): a paste keeps it, and no rule anchored at the
message's start matched systemd-coredump's or PID 1's lines behind it (helper-173's SolDoesTech/HyprV3#18)."""
_SYSLOGD_VERSION = re.compile(r"syslogd \d[\w.#-]{0,30}")
"""sysklogd's own start line tags itself with its version (syslogd.c: `"syslogd " VERSION "." PATCHLEVEL ": restart."`):
the program is syslogd, as its untagged lines' (text_layouts.UNTAGGED)."""
_COREDUMP = re.compile(r"Process \d+ \([^)\n]*\) of user \d+ dumped core\.")


def _fields(host: str | None, ident: str | None, pid: str | None, pri: str | None, message: str,
            severity: str | None = None) -> dict[str, str]:
    """A line's entry fields; `severity` a level without a facility (when `pri` is None)."""
    if (glyph := _LINK_GLYPH.match(message)) is not None:
        message = message[glyph.end():]
    if host and ident and pri is None and severity is None and facility_level_pri(host) is not None:
        host, ident = None, f"{host} {ident}"  # (no host: BusyBox's `facility.level` after the time, read below)
    if ident and pri is None and (tagged := _FACILITY_LEVEL.fullmatch(ident)) \
            and (named := facility_level_pri(f"{tagged['fac']}.{tagged['lvl']}")) is not None:
        ident, pri = tagged["ident"], named  # (a word that names no level: as written)
        if any(blank in ident for blank in " \t"):  # no tag: the words before the first colon are the message's
            message = f"{ident}: {message}"
            ident = "syslogd" if tagged["fac"] == "syslog" else None
    if ident and _SYSLOGD_VERSION.fullmatch(ident):  # sysklogd's `syslogd 1.5.0#6.2: restart.`: the tag its version's
        ident = "syslogd"
    if ident and pri is None and (worded := _SEVERITY_FIRST.fullmatch(ident)):
        ident, severity = worded["ident"], str(parse_priority(worded["lvl"].lower()))
    uptime = None
    if ident == "kernel" and pid is None:
        message, uptime = printk_stamp(message)
    if ident == "init.scope" and pid == "1":  # (`journalctl -o with-unit` names PID 1 by its unit)
        ident = "systemd"
    fields = {"MESSAGE": rsyslog_unescaped(message)}
    if host and host != "-":
        fields["_HOSTNAME"] = host
    if ident and ident != "-":
        fields["SYSLOG_IDENTIFIER"] = ident
        if ident == "kernel" and pid is None:
            fields["_TRANSPORT"] = "kernel"  # what journalctl prints for _TRANSPORT=kernel entries
            if uptime is not None:  # (its printk time, as journald keeps a kernel entry's: engine/excerpts.py)
                fields[SOURCE_MONOTONIC] = uptime
        else:
            fields["_COMM"] = ident[:COMM_CHARS]  # the process, as journald would record it for its own syslog(3)
    if pid and pid != "-":
        fields["_PID"] = fields["SYSLOG_PID"] = pid
    if ident == "systemd-coredump" and _COREDUMP.match(message):  # the fields the journal's entry has (a text's
        fields["MESSAGE_ID"], fields["_UID"] = COREDUMP_MESSAGE_ID, "0"  # words are its claims, as its PIDs are)
    if pri is not None and int(pri) < 192:
        fields["PRIORITY"] = str(int(pri) & 7)
        fields["SYSLOG_FACILITY"] = str(int(pri) >> 3)
    elif severity is not None:  # (a severity without its facility)
        fields["PRIORITY"] = severity
    return fields


def _pid_alone(facility: str, level: str, pid: str, message: str) -> dict[str, str]:
    """A logread line whose writer gave no identifier (`daemon.err [3263]: text`): its own entry at its facility and
    level, named by what logread shows, `[3263]`, as SYSLOG_IDENTIFIER (the unit `([3263])`): the lines of that one
    process go together, as they would under a name, and apart from the other programs'. No _COMM: the line names no
    program. (Without a name the unit was blank in the report; a PID is no program's name, so a restart is a new
    one, which is all the line tells.)"""
    fields = _fields(None, f"[{pid}]", pid, facility_level_pri(f"{facility}.{level}"), message)
    fields.pop("_COMM", None)
    return fields


def _leading_level(found: re.Match[str]) -> tuple[str | None, str | None]:
    """The PRI and the severity an rsyslog template wrote before the time (text_layouts._LEVEL_FIRST), as `_fields`
    takes them: a `facility.severity` as a `<PRI>`, a severity alone as the level without a facility (a facility's
    name rsyslog does not write: neither)."""
    severity, facility = found["lsev"], found["lfac"]
    if severity is None:
        return None, None
    level = SEVERITY_WORDS.index(severity)
    if facility is None:
        return None, str(level)
    if (name := facility[:-1]) not in RSYSLOG_FACILITIES:
        return None, None
    return str(RSYSLOG_FACILITIES.index(name) * 8 + level), None


_WEEKDAY_FIRST = frozenset("MTWFS")
"""The first letters of ctime's weekdays (an OpenWrt logread line's start)."""


_AGO = re.compile(r"(\d{1,6}) ?(years?|months?|weeks?|days?|h|min)\b")
_AGO_SECONDS = {"year": 31_557_600, "month": 2_629_800, "week": 604_800, "day": 86_400, "h": 3_600, "min": 60}
"""systemd's units in a relative time (src/basic/time-util.c format_timestamp_relative: `1 year 2 months ago`,
`3 weeks 1 day ago`, `1 day 3h ago`, `5h 2min ago`; seconds and less change no day)."""


def ago_seconds(text: str) -> int:
    """At most how long ago `text` (`  2 days ago`, what follows the `;` of systemctl status's `since ...;`) says, in
    seconds: systemd rounds down to its last unit (2 days 23 hours print as `2 days ago`), so one more of it; 0 when
    it says none before its `ago`."""
    said, found, _ = text.partition(" ago")
    parts = [(int(number), _AGO_SECONDS[unit.rstrip("s")]) for number, unit in _AGO.findall(said)] if found else []
    return sum(number * unit for number, unit in parts) + min((unit for _, unit in parts), default=0)


def wall_clocked(head: bytes) -> bool:
    """Do more of the timed lines in a text's `head` (its first bytes) carry a clock's time than a time since boot
    (`short-monotonic`'s, a console's printk stamp `[ 1109.950000] `)? Then a time since boot is no time of theirs:
    a shell session pasted with a console's line among its syslog lines (trial 72's 33: `[ 1109.950000]
    systemd-journald[644]: Failed to send WATCHDOG=1 ...` above `Apr 20 17:47:44 witherspoon systemd[1]: Caught
    <ABRT> ...`) was read from 1970, and so were the lines before it."""
    walls = monos = 0
    for line in head.decode("utf-8", "replace").splitlines():
        if (found := LINE.match(line)) is not None:
            monos += found["mono"] is not None
            walls += found["mono"] is None
    return walls > 0 and walls >= monos


class SyslogParser:
    def __init__(self, reference: float, head: bytes = b""):
        self.years = Years(reference)
        self.boot_offset = 0
        self.last_monotonic = 0
        self.wall = wall_clocked(head)
        """The text's times are a clock's (`wall_clocked`): a line's time since boot is none of theirs."""
        self.last_wall: int | None = None
        """The latest clock time read (µs): a line with a time since boot only is read at it in a text whose times
        are a clock's."""
        self.last_local: int | None = None  # the last local time read (µs): local_usec's near_usec
        self.zone: tzinfo | None = None
        """The zone journalctl's header names (header_zone.py), else None: this machine's local time."""
        self.zone_note: str | None = None
        self.zone_said = False
        """A journalctl header or `systemctl status` line said the zone (maybe this machine's own)."""

    def note(self) -> str | None:
        """What to tell of the times once the first line is read."""
        said = [note for note in (self.years.guess(), self.zone_note) if note is not None]
        return "; ".join(said) if said else None

    def marker(self, what: str) -> None:
        """journalctl's own lines: a new boot (monotonic time restarts), where the logs begin and end, and the
        zone its times are in."""
        if what.startswith("Boot ") or what == "Reboot":
            self.boot_offset = self.last_monotonic
        end = _HEADER_END.search(what)
        if what.startswith(("Logs begin at", "Journal begins at")) and end:
            self.years.set_reference(int(end[1]), int(end[2]), int(end[3]))
        self._take_zone(header_zone, what)

    def status_property(self, line: str) -> None:
        """A line that is no log line: when it is `systemctl status`'s `Active: ... since` line, its time's zone is the
        journal lines' under it, unless journalctl's header said one (header_zone.status_zone)."""
        if (since := SINCE.match(line)) is None:
            return  # (most such lines are a message's continuation)
        self._take_zone(status_zone, line)
        # (the lines under it: no later than when systemctl printed it, `since` plus its "; 2 days ago": a running
        # unit's lines come after its start, a failed one's before its failure)
        try:
            printed = date.fromisoformat(since["date"]) + timedelta(seconds=ago_seconds(line[since.end():]))
        except (ValueError, OverflowError):  # (no such day, or an 'ago' past year 9999: a garbled or forged paste)
            return
        self.years.dated_by_line(printed.year, printed.month, printed.day, "systemctl status's Active: line")

    def wall_usec(self, date: str, hms: str) -> int | None:
        """A `YYYY-MM-DD` and `HH:MM:SS` of the paste's own (a `systemctl status` header's), read as its lines' are;
        None when it is no time."""
        try:
            year, month, day = (int(part) for part in date.split("-"))
            hour, minute, second = (int(part) for part in hms.split(":"))
            return self._local_usec(year, month, day, hour, minute, second, None)
        except (OverflowError, ValueError):
            return None

    def _take_zone(self, named: Callable[[str], HeaderZone | None], text: str) -> None:
        """The zone the first header or status line names (each costs a lookup: the later ones are not read)."""
        if self.zone_note is None and (zone := named(text)) is not None:
            self.zone, self.zone_note = zone.zone, zone.note
            if zone.unread:
                TAKEN_AS_LOCAL.add(zone.unread)
        self.zone_said |= text.startswith(("Logs begin at", "Journal begins at")) or SINCE.match(text) is not None

    def _own_clock_zone(self, message: str, wall: tuple[int, int, int, int, int, int], fraction: str | None) -> None:
        """The zone of the first line's syslog time, which has none, from the program's own zoned time in its message
        (_OWN_ZONED), when no journalctl header or status line said one: their difference, a whole quarter hour
        within OWN_CLOCK_SLACK_USEC, up to 14 h, is the UTC offset the syslog daemon wrote its times at, and the
        file's times are read at it. Read as this machine's local time, promtail's `Oct 25 08:13:32 loki.local
        promtail[9748]: level=error ts=2019-10-25T13:13:32.43Z ...` (UTC-5) was 5 h off on a machine in UTC (trial
        61's 35). Only the first line's: a zone learnt later would put the lines read before it hours apart from
        those after it."""
        if (own := _OWN_ZONED.search(message, 0, 200)) is None:
            return
        try:
            said = iso_usec(own["date"], own["ihms"], own["ifrac"], own["zone"])
            as_utc = utc_usec(*wall, fraction, "Z")
            local = local_usec(*wall, fraction)
        except (OverflowError, ValueError):
            return
        offset = round((as_utc - said) / 900_000_000) * 900_000_000
        if abs(as_utc - said - offset) > OWN_CLOCK_SLACK_USEC or abs(offset) > 14 * 3600_000_000 \
                or offset == as_utc - local:
            return  # (no zone's offset, or this machine's own: read as ever)
        minutes = abs(offset) // 60_000_000
        self.zone = timezone(timedelta(minutes=minutes if offset > 0 else -minutes))
        written = own.string[own.start("date"):own.end()]
        self.zone_note = (f"times read at UTC{'+' if offset > 0 else '-'}{minutes // 60:02d}:{minutes % 60:02d}, the "
                          f"offset of the first line's time from its program's own ({written})")

    def _local_usec(self, year: int, month: int, day: int, hour: int, minute: int, second: int,
                    fraction: str | None) -> int:
        """A time without a zone in the text: in the header's zone, else this machine's local time."""
        self.last_local = local_usec(year, month, day, hour, minute, second, fraction, self.last_local, self.zone)
        return self.last_local

    def parse(self, line: str) -> TextLine | None:
        found = LINE.match(line)
        if found is None and (found := UNTAGGED.match(line)) is None:
            return self._logread(line) if line[:1] in _WEEKDAY_FIRST else self._rfc5424(line)
        if found["mon"]:
            month, day = month_number(found["mon"]), int(found["day"])
            if self.years.year is None and (dated := _OWN_DATE.search(found["msg"], 0, 160)) is not None \
                    and (year := _year_near(*_own_date(dated), month, day)):
                self.years.dated_by_line(year, month, day)
            hour, minute, second = (int(part) for part in found["hms"].split(":"))
            year = self.years.of(month, day)
            if self.last_local is None and not self.zone_said and self.zone_note is None:
                self._own_clock_zone(found["msg"], (year, month, day, hour, minute, second), found["frac"])
            try:
                usec = self._local_usec(year, month, day, hour, minute, second, found["frac"])
            except (OverflowError, ValueError):
                return None
        elif found["date"]:
            try:
                usec = iso_usec(found["date"], found["ihms"], found["ifrac"], found["zone"])
            except ValueError:
                return None
        elif found["unix"]:
            usec = int(found["unix"]) * 1_000_000 + int(found["ufrac"])
        elif found["fdate"]:
            try:
                usec = self._full_usec(found["fdate"], found["fhms"], found["ffrac"], found["fzone"])
            except (OverflowError, ValueError):
                return None
        elif self.wall:  # (a console's line among a clock's: at the time before it)
            if self.last_wall is None:
                return None  # (before the first clock time: read as a line without one, at it: sources/text.py)
            usec = self.last_wall
        else:  # monotonic: time since boot, kept increasing across boots
            self.last_monotonic = usec = self.boot_offset + int(found["mono"]) * 1_000_000 + int(found["mfrac"])
        if found.re is UNTAGGED or not found["mono"]:
            self.last_wall = usec
        if found.re is UNTAGGED:  # (the syslog daemon's own line: its time, host and message)
            return TextLine(usec, _fields(found["host"], "syslogd", None, None, found["msg"]), found.start("msg"))
        pri, severity = (found["pri"], None) if found["pri"] else _leading_level(found)
        fields = _fields(found["host"], found["ident"], found["pid"], pri, found["msg"], severity)
        if found["mono"] and fields.get("_TRANSPORT") == "kernel":  # (short-monotonic's time: the kernel's own)
            fields.setdefault(SOURCE_MONOTONIC, str(int(found["mono"]) * 1_000_000 + int(found["mfrac"])))
        return TextLine(usec, fields, found.start("msg"))

    def wall_message(self, greeting: re.Match[str], line: str) -> TextLine | None:
        """The message a syslog daemon wrote to the terminals (text_layouts.WALL_GREETING), from its greeting's host and
        time and `line`, the line after it: `HOST TAG: MSG` (sysklogd, BSD) or ` TAG:MSG` (rsyslog); None when `line` is
        neither. A greeting's time without a year takes one as a syslog line's does (text_years.Years)."""
        host = greeting["host"]
        if line.startswith(host + " "):
            rest = line[len(host) + 1:]
        elif line[:1] in (" ", "\t"):
            rest = line.lstrip(" \t")
        else:
            return None
        if (tagged := WALL_MESSAGE.fullmatch(rest)) is None:
            return None
        month, day = month_number(greeting["mon"]), int(greeting["day"])
        hour, minute, second = (int(part) for part in greeting["hms"].split(":"))
        if greeting["year"] is not None:
            year = int(greeting["year"])
            self.years.dated_by_line(year, month, day, "the greeting's own date")
        else:
            year = self.years.of(month, day)
        try:
            usec = self._local_usec(year, month, day, hour, minute, second, None)
        except (OverflowError, ValueError):
            return None
        self.last_wall = usec
        fields = _fields(host, tagged["ident"], tagged["pid"], None, tagged["msg"])
        return TextLine(usec, fields, len(line) - len(rest) + tagged.start("msg"))

    def _full_usec(self, date: str, hms: str, frac: str | None, zone: str) -> int:
        if zone in ("UTC", "GMT", "Z") or zone[0] in "+-":
            return iso_usec(date, hms, frac, zone)
        year, month, day = (int(part) for part in date.split("-"))
        hour, minute, second = (int(part) for part in hms.split(":"))
        return self._local_usec(year, month, day, hour, minute, second, frac)

    def _logread(self, line: str) -> TextLine | None:
        """OpenWrt's logread line (text_layouts.LOGREAD), its `facility.level` the PRIORITY and facility."""
        found = LOGREAD.match(line)
        if found is None or found["fac"] not in FACILITIES:
            return None
        month, day = month_number(found["mon"]), int(found["day"])
        hour, minute, second = (int(part) for part in found["hms"].split(":"))
        try:
            usec = self._local_usec(int(found["year"]), month, day, hour, minute, second, None)
        except (OverflowError, ValueError):
            return None
        if found["npid"] is not None:
            return TextLine(usec, _pid_alone(found["fac"], found["lvl"], found["npid"], found["nmsg"]),
                            found.start("nmsg"))
        tag = f"{found['fac']}.{found['lvl']} {'kernel' if found['kmsg'] is not None else found['ident']}"
        message = found["kmsg"] if found["kmsg"] is not None else found["msg"]
        fields = _fields(None, tag, found["pid"], None, message)
        return TextLine(usec, fields, found.start("kmsg" if found["kmsg"] is not None else "msg"))

    def _rfc5424(self, line: str) -> TextLine | None:
        found = RFC5424.match(line)
        if found is None or found["ts"] == "-":
            return None
        try:
            usec = iso_usec(found["date"], found["ihms"], found["ifrac"], found["zone"])
        except ValueError:
            return None
        message = (found["msg"] or "").removeprefix("\ufeff")
        fields = _fields(found["host"], found["app"], found["procid"] if found["procid"].isdigit() else None,
                         found["pri"], message)
        if found["msgid"] != "-":
            fields["SYSLOG_MSGID"] = found["msgid"]
        return TextLine(usec, fields, len(line))
