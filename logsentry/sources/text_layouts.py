"""The layouts of a text log's lines that carry their own time (sources/text.py): journalctl's `short` forms and
syslog's (RFC 3164, RFC 3339 with rsyslog's file format, RFC 5424, OpenWrt's logread)."""

from __future__ import annotations

import re
from contextlib import suppress

from .dmesg import FACILITIES
from .selection import parse_priority
from .text_times import SHORT_MONTH_PATTERN

# The time at the start of a line, one alternative per layout.
_BSD_TIME = (r"(?P<mon>" + SHORT_MONTH_PATTERN + r") (?P<day>[ 0-3]?\d) "
             r"(?P<hms>\d\d:\d\d:\d\d)(?:\.(?P<frac>\d{1,9}))?")
ISO_TIME = (r"(?P<date>\d{4}-\d\d-\d\d)[T ](?P<ihms>\d\d:\d\d:\d\d)(?:[.,](?P<ifrac>\d{1,9}))?"
             r"(?P<zone>Z|[+-]\d\d:?\d\d)")
_UNIX_TIME = r"(?P<unix>\d{1,12})\.(?P<ufrac>\d{6})"
_FULL_TIME = (r"[^\W\d]{2,12}\.? (?P<fdate>\d{4}-\d\d-\d\d) (?P<fhms>\d\d:\d\d:\d\d)(?:\.(?P<ffrac>\d{1,9}))? "
              r"(?P<fzone>[A-Za-z]{1,6}|[+-]\d\d(?::?\d\d)?)")
"""journalctl's `short-full` and `with-unit` (`Tue 2026-12-01 09:52:38 UTC`): the weekday in the locale's words, the
zone as strftime's %Z names it (UTC and GMT are read as such, an offset as written, another name as this machine's
local time, as `short`'s times are)."""
_MONOTONIC = r"\[\s*(?P<mono>\d+)\.(?P<mfrac>\d{6})(?:\s*<\s*\d+\.\d{6}\s*>)?\s*\]"
"""`short-monotonic`'s `[ 5.000000]`, and `short-delta`'s with the time since the entry before (`[107986.833043 <
28.066755 >]`, blank on the first)."""
_PRI = r"(?:[^\s:<]{1,255}:(?:\d{1,10}:)?(?=[^\s:]))?(?:<(?P<pri>\d{1,3})>)?"
"""A syslog PRI, and before it the file name `grep -H` (and `grep -n`'s line number) puts before each line: a paste of
`grep sshd auth.log*` (`auth.log.1:May 24 12:16:23 gitlab sshd[27143]: ...`, helper-172's remotelabz/remotelabz#382)
was lines of no layout."""
# host, then identifier with an optional [pid], then ": " (journalctl prints "ident[pid]: text").
_TAG = (r"(?!\d{1,2}:\d\d)(?P<ident>[^\s\[:][^\[:]{0,255}?(?:\[(?!\d+\])[^\[\]\s:]{1,64}(?:\[[^\[\]\s:]{1,64}\])?\])?)"
        r"(?:\[(?P<pid>\d{1,10})\])?: ?(?P<msg>.*)")
"""A syslog tag and the message after it: `ident[pid]: text` (LINE's, after its host; LOGREAD's, after its level)."""
_REST = r" (?:(?P<host>[^\s:]\S*(?<!:))  ?| )?" + _TAG
"""After the time: the host, unless journalctl left it out (`--no-hostname`, an entry without _HOSTNAME: `[ 5.0]
app: text`; a host never ends in `:`; an empty one leaves two blanks, as journalctl prints an entry whose
_HOSTNAME is empty: `jan 02 15:17:27  systemd-resolved[508625]: ...`, helper-178), then `ident[pid]: text`. An
identifier may end in a bracketed name, itself maybe with one inside, that is no PID: SSSD's processes tag their
lines `sssd[be[DOMAIN]]`, `sssd[nss]` (src/util/debug.c: `sssd[%s]` of the process's debug_prg_name, `be[%s]` for a
domain's back end), and a journalctl or syslog paste of SSSD's was lines of no layout (helper-176: SSSD/sssd#5282).
Two blanks may follow a host (Unraid's syslog: `Oct 23 22:07:05 TowerOLD  upsmon[3788]: ...`): read with one, the host
was part of an identifier `TowerOLD  upsmon` (trial 59)."""

UNTAGGED = re.compile(_BSD_TIME + r" (?P<host>[^\s:]\S*(?<!:)) (?P<msg>exiting on signal \d{1,3}|-- MARK --"
                      r"|last message repeated \d{1,9} times?)[ \t]*$")
"""The syslog daemon's own lines, which sysklogd writes with no tag (syslogd.c's logmsg of its own messages, as BSD's
syslogd did: `Jul  7 06:45:55 nas exiting on signal 15`, its `-- MARK --` and `last message repeated 3 times`): read
as no layout, its clean stop was folded into the line before as a continuation, and each reboot of a sysklogd host
was an unclean one (trial 70's Kurobox NAS: five error cards). Only these wordings: another line without a tag is
some program's continuation."""

WALL_GREETING = re.compile(r"\x07?Message from syslogd@(?P<host>[^\s@]{1,255}) at (?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?"
                           r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<day>[ 0-3]?\d) "
                           r"(?P<hms>\d\d:\d\d:\d\d)(?: (?P<year>\d{4}))? \.\.\.[ \t]*")
"""The greeting a syslog daemon writes on every terminal before a message its configuration sends to all users
(`*.emerg :omusrmsg:*`, `*.emerg *`): sysklogd's and the BSD syslogds' wallmsg/fprintlog F_WALL, `"\r\n\7Message
from syslogd@%s at %.24s ...\r\n"` with ctime(3)'s `Tue Aug  7 08:23:43 2018`; rsyslog's RSYSLOG_WallFmt,
`"\r\n\7Message from syslogd@%HOSTNAME% at %timegenerated% ...\r\n %syslogtag%%msg%\n\r"`, its time in RFC 3164's
`Aug  7 08:23:43`. The message is the next line (WALL_MESSAGE): what an operator pastes from the terminal when the
alert came (trial 78's 39, haproxy's `backend ... has no server available!` at emerg, was read as two lines without
a time, and no rule matched its tag's line)."""
WALL_MESSAGE = re.compile(_TAG, re.DOTALL)
"""The message line after WALL_GREETING, once the host sysklogd and the BSD syslogds write before it (`fang kernel:
Oops: ...`) or the blank rsyslog writes (` haproxy[24439]:backend ...`, no blank after its tag's colon) is off: a
syslog tag and the message."""

SEVERITY_WORDS = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
"""The severity names rsyslog writes, in syslog's order (rsyslog/rsyslog runtime/msg.c: syslog_severity_names, what
`%syslogseverity-text%` and its alias `%syslogpriority-text%` write, and `%pri-text%` after its facility's name and
a dot). The names rsyslog also reads in a selector (`error`, `warn`, `panic`) it never writes."""
RSYSLOG_FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
                      "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4",
                      "local5", "local6", "local7")
"""rsyslog's facility names (runtime/msg.c: syslog_fac_names), the index the facility's number."""
FACILITY_LEVEL = re.compile(r"(?P<fac>[a-z0-9]{3,8})\.(?P<lvl>[a-z]{3,7})")
"""BusyBox syslogd's and OpenWrt's `facility.level` (`daemon.crit`), read as a level by facility_level_pri."""


def facility_level_pri(word: str) -> str | None:
    """The syslog PRI (as its digits) a `facility.level` word names, by syslog.h's facility names and the level
    names and aliases `-p` takes (`daemon.err`, `daemon.error`, `local3.warn`); None for any other word. Wherever a
    text reader meets one before an identifier it is the line's level: read as a host or part of the identifier, the
    level was lost and each level made a unit of its own (rough edge 65's 1, 2)."""
    if (found := FACILITY_LEVEL.fullmatch(word)) is None or found["fac"] not in FACILITIES:
        return None
    with suppress(ValueError):
        return str(FACILITIES.index(found["fac"]) * 8 + parse_priority(found["lvl"]))
    return None


_LEVEL_FIRST = r"(?:(?P<lfac>[a-z][a-z0-9]{2,7}\.)?(?P<lsev>" + "|".join(SEVERITY_WORDS) + r")) "
"""A severity (or `facility.severity`) an rsyslog template writes before the time, in the lower case rsyslog writes
it: `err 2023-12-04T19:47:21.371608+00:00 c21 auditd[3899]: Unable to set audit pid, exiting` (a template of
`%syslogseverity-text% %timestamp:::date-rfc3339% %hostname% %syslogtag%%msg%`): each line was of no layout, the
file untimed and its levels lost (trial 61's 14). Not its `uppercase` option's `INFO`, `DEBUG`: log4j's `%p %d`
writes those too, and its `ERROR` and `WARN` lines after them, fitting no layout, were folded into the line before
(sources/text_sniff.py also refuses a file where another word comes before a time)."""

LINE = re.compile(_PRI + "(?:" + _LEVEL_FIRST + ")?"
                  "(?:" + "|".join((_BSD_TIME, ISO_TIME, _UNIX_TIME, _FULL_TIME, _MONOTONIC)) + ")" + _REST, re.DOTALL)
RFC5424 = re.compile(
    r"<(?P<pri>\d{1,3})>1 (?P<ts>-|" + ISO_TIME + r") (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+) "
    r"(?P<sd>-|(?:\[(?:[^\]\"]|\"(?:[^\"\\]|\\.)*\")*\])+)(?: (?P<msg>.*))?", re.DOTALL)
LOGREAD = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<day>[ 0-3]\d) "
    r"(?P<hms>\d\d:\d\d:\d\d) (?P<year>\d{4})(?: \[\d{1,12}\.\d{3}\])? "
    r"(?P<fac>[a-z0-9]{3,8})\.(?P<lvl>[a-z]{3,7})[ \t]+"
    r"(?:kernel: ?(?P<kmsg>.*)|\[(?P<npid>\d{1,10})\]: ?(?P<nmsg>.*)|" + _TAG + ")", re.DOTALL)
"""OpenWrt's `logread` (ubox log/logread.c, log_notify: `"%s %s%s.%s%s %s\n"`: ctime(3)'s local time with the year,
`-t`'s `[seconds.ms] `, the facility and level by syslog.h's names, ` kernel:` for the kernel's lines, then the
message, a program's `ident[pid]: text`): `Fri Oct 24 18:22:23 2025 daemon.crit dnsmasq[1]: FAILED to start up`
(openwrt/luci#6959). Read as a time alone, the identifier stayed the file's and `daemon.crit` no level (helper-176).
ctime's names are the C locale's, and no host is written. A line whose writer gave no identifier has its `[pid]: `
alone (`Sat Apr 30 23:44:04 2022 daemon.err [3263]: <err> [modem1] port ttyUSB2 timed out ...`: syslog(3) without
openlog's ident, as ModemManager's lines under procd show; `npid`, `nmsg`): read as no layout, each was folded into
the line before as its continuation, its level lost (trial 61's 24). Any run of blanks may follow the level (rough
edge 65's 2)."""
