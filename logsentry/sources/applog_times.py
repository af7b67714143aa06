"""Where a line of a program's own log has its time (sources/applog.py reads the lines): the layouts its docstring
names, as one regex (STAMP) and the readers of a JSON line's time key."""

from __future__ import annotations

import json
import re
from datetime import date

from .access_times import ACCESS as _ACCESS
from .access_times import HAPROXY as _HAPROXY
from .access_times import UWSGI
from .text_times import MONTH_PATTERN, SHORT_MONTH_PATTERN, local_usec, month_number, utc_usec
from .xorg_times import UPTIME as _XORG_UPTIME
from .xorg_times import start_time
from .zone_names import abbreviation_offset, offset_text

_HMS = r"(?P<{0}h>[0-2]\d):(?P<{0}mi>[0-5]\d):(?P<{0}s>[0-6]\d)"

GLOG_EARLY = "ERROR: logging before flag.Parse: "
"""What glog writes before each line a Go program logs before its flags are parsed (golang/glog glog.go output: `if
!flag.Parsed() { os.Stderr.Write([]byte("ERROR: logging before flag.Parse: ")) ...}`, klog up to v1 alike), whatever
the line's severity: `ERROR: logging before flag.Parse: E0923 10:53:38.381441   15863 reflector.go:205] ...`. STAMP
reads the glog header behind it (trial 69's 18 was untimed, dated at the file's time) and sources/applog.py makes the
header the line's MESSAGE, so its level is the header's letter (I, W, E, F), not the prefix's ERROR."""

STAMP = re.compile(
    r"(?:(?:time|ts|t|timestamp)=\"?|(?:PANI|FATA|ERRO|WARN|INFO|DEBU|TRAC)(?=\[\d{4}-)"
    r"|(?:Zigbee2MQTT:)?(?:info |warn |error|debug) (?=\d{4}-)"
    r"|(?:Jicofo|JVB|Jigasi|Jibri) (?=\d{4}-)"
    r"|(?:TRACE|DEBUG|INFO|WARN|ERROR|FATAL) +\[[^\]\n]{1,80}\] (?=\d{4}-)"
    r"|\[(?:TRACE|DEBUG|INFO|WARN|ERROR|FATAL) {0,2}\] (?=\d{4}-)|\[\d{1,10}\] (?=\d{4}/\d\d/\d\d \d\d:)"
    r"|\[\d{1,10} - [!-Z\\^-~][ -Z\\^-~]{0,63}\] (?=\d{4}-[01]\d-[0-3]\d \d\d:)"
    r"|\[\d{1,10}\] (?=[0-3]?\d/[01]?\d/\d{4} -- )"
    r"|\[(?:debug|info|notice|warning|error|critical|alert|emergency)\] (?=\d{4}-)"
    r"|(?:TRACE|DEBUG|INFO|WARN|ERROR|FATAL) {1,2}(?=\d{4}-[01]\d-[0-3]\d[ T][0-2]\d:)"
    r"|<[DWCFXdwcfx]>(?=\d{4}-[01]\d-[0-3]\d [0-2]\d:)"
    r"|\[ (?:[CEWNI]|D[23]?) (?=\d{4}-[01]\d-[0-3]\d [0-2]\d:)"  # Phusion Passenger's LoggingKit
    r"|(?:EMERG|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFO|DEBUG|CONNECT) {2,6}(?=[A-Z][a-z]{2} [0-3]\d [0-2]\d:)"
    r"|[DIWEFA], \[(?=\d{4}-[01]\d-[0-3]\dT[0-2]\d:)"  # Ruby's Logger: ruby_logger.py
    r"|" + re.escape(GLOG_EARLY) + r"(?=[IWEF]\d{4} ))?"
    r"\[?(?:"
    r"(?P<y>\d{4})([-/.])(?P<mo>[01]\d)\2(?P<d>[0-3]\d)(?:[T ]|  |(?P<svl>_))"
    r"(?P<h>[0-2]\d|(?<=  )\d):(?P<mi>[0-5]\d):(?P<s>[0-6]\d)"
    r"(?:[.,](?P<f>\d{1,9}))?(?: ?(?P<z>Z|UTC|GMT|[+-][0-2]\d(?::?[0-5]\d)?)(?!\w|:(?! ))"
    r"| (?!(?:INFO|WARN|ERROR|DEBUG|TRACE|FATAL|LOG|CRIT|ALERT|EMERG|NOTE|PANIC|ERR|WRN|INF|DBG|FTL|TRC)\b)"
    r"(?P<zn>[A-Z]{3,5})(?![\w:]))?"
    r"|(?P<cw>Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<cmon>" + MONTH_PATTERN + r") (?P<cd>[ 0-3]?\d) " + _HMS.format("c") +
    r"(?:\.(?P<cf>\d{1,9}))? (?P<cy>\d{4})"
    r"|(?:\d{1,10}:[XCSM]|\[\d{1,10}\]) (?P<rd>[0-3]\d) (?P<rmon>" + MONTH_PATTERN + r") (?:(?P<ry>\d{4}) )?" +
    _HMS.format("r") + r"(?:\.(?P<rf>\d{3}))?(?= [.*#-] )"
    r"|[IWEF](?:(?P<gy>\d{4})|(?P<gyy>\d\d))?(?P<gmo>[01]\d)(?P<gd>[0-3]\d) " + _HMS.format("g") +
    r"(?:\.(?P<gf>\d{6})|(?= +\d{1,10} [!-9;-\\^-~]+:\d+\] ))"
    r"|(?P<hy>\d\d)(?P<hmo>[01]\d)(?P<hd>[0-3]\d) (?:(?P<hh>[0-2]\d)(?P<hmi>[0-5]\d)(?P<hs>[0-6]\d)"
    r"| ?(?P<kh>[0-2]?\d):(?P<kmi>[0-5]\d):(?P<ks>[0-6]\d))"
    r"|(?P<sy>\d\d)/(?P<smo>[01]\d)/(?P<sd>[0-3]\d) " + _HMS.format("s") +
    r"|(?P<vd>[0-3]?\d)/(?P<vmo>[01]?\d)/(?P<vy>\d{4}) -- " + _HMS.format("v") + r"(?= - )"
    r"|(?P<nd>[0-3]\d)\.(?P<nmo>[01]\d)\.(?P<ny>\d{4}) " + _HMS.format("n") + r"(?:\.(?P<nf>\d{1,9}))?"
    r"|(?P<epoch>[12]\d{9})(?:\.(?P<ef>\d{1,9}))?"
    r"|(?P<ud>[1-3]?\d) (?P<umon>" + MONTH_PATTERN + r") " + _HMS.format("u") + r"(?= - )"
    r"|(?P<td>[0-3]\d)-(?P<tmon>" + SHORT_MONTH_PATTERN + r")\.?-(?P<ty>\d{4}) " + _HMS.format("t") +
    r"(?:\.(?P<tf>\d{3}(?:\d{3})?))?(?: (?P<tz>UTC|GMT)(?=\]))?"
    r"|(?P<jmon>" + SHORT_MONTH_PATTERN + r")\.? (?P<jd>[0-3]?\d), (?P<jy>\d{4}) (?P<jh>1[0-2]|0?[1-9]):"
    r"(?P<jmi>[0-5]\d):(?P<js>[0-6]\d) (?P<jp>[AP]M)"
    r"|(?P<oh>[0-2]\d):(?P<omi>[0-5]\d):(?P<os>[0-6]\d)[.,](?P<of>\d{3})"
    r"(?= \[| (?:TRACE|DEBUG|INFO|WARN|ERROR|FATAL) |\] \((?:II|WW|EE)\) )"
    r"|[EWINDCAXd] \[(?P<qd>[0-3]\d)/(?P<qmon>" + MONTH_PATTERN + r")/(?P<qy>\d{4}):" + _HMS.format("q") +
    r" (?P<qz>[+-][0-2]\d[0-5]\d)\]"
    r"|(?P<mz>[A-Z]{2,5}|[+-][01]\d(?:[0-5]\d)?) (?P<mmon>" + MONTH_PATTERN + r") (?P<md>[ 1-3]?\d) " +
    _HMS.format("m") + r"(?=\] (?:emergency|alert|critical|error|warning|notice|info|debug) {1,5}: )"
    r"|(?P<wa>[0-3]?\d)/(?P<wb>[0-3]?\d)/(?P<wy>\d{4}), (?P<wh>[0-2]?\d):(?P<wmi>[0-5]\d):(?P<ws>[0-6]\d)"
    r"(?:[ \u202f](?P<wp>[AP]M))?(?=\] )"
    r"|(?P<bmon>" + MONTH_PATTERN + r") (?P<bd>[ 0-3]?\d) " + _HMS.format("b") + r"(?:\.(?P<bf>\d{3}))?"
    r"(?=\] [A-Z]{3,8}\[\d{1,10}\]|\] [A-Za-z0-9_.-]{1,64}(?: \(\d{1,10}\))?: )"
    r"|=[A-Z]+(?: [A-Z]+)? REPORT==== (?P<ed>[1-3]?\d)-(?P<emon>" + MONTH_PATTERN + r")-(?P<ey>\d{4})::" +
    _HMS.format("e") + r"(?:\.(?P<ef2>\d{1,6}))? ==="
    r"| {0,9}\d{1,10}:(?P<zy>\d{4})(?P<zmo>[01]\d)(?P<zd>[0-3]\d):(?P<zh>[0-2]\d)(?P<zmi>[0-5]\d)(?P<zs>[0-6]\d)"
    r"\.(?P<zf>\d{3})(?= )"
    r"|(?:node=[^\s=]{1,253} )?type=[A-Z0-9_]{1,40} msg=audit\((?P<au>[1-9]\d{8,10})\.(?P<auf>\d{3}):\d{1,20}\)"
    r"|(?P<hex>[3-7][0-9a-f]{7})(?:\.[0-9a-f]{8})?(?= \S)"
    r"|(?P<pmon>" + MONTH_PATTERN + r") (?P<pd>[0-3]\d) (?P<ph>[0-2]\d):(?P<pmi>[0-5]\d)(?= : )"
    r"|\{error_logger,\{\{(?P<ly>\d{4}),(?P<lmo>1[0-2]|[1-9]),(?P<ld>3[01]|[12]\d|[1-9])\},"
    r"\{(?P<lh>1\d|2[0-3]|\d),(?P<lmi>[1-5]?\d),(?P<ls>[1-5]?\d|60)\}\}"
    r"|(?P<xmon>" + MONTH_PATTERN + r") (?P<xd>[ 0-3]?\d) " + _HMS.format("x") + r"(?:\.(?P<xf>\d{1,6}))?(?= \S|: \S)"
    r"|\((?P<dy>\d{4})-(?P<dmo>[01]\d)-(?P<dd>[0-3]\d) (?P<dh> \d|1\d|2[0-3]):(?P<dmi>[0-5]\d):(?P<ds>[0-6]\d)"
    r"(?::(?P<df>\d{6}))?\)(?=: \[)"
    r"|\((?P<fw>Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<fmon>" + MONTH_PATTERN + r") (?P<fd>[ 1-3]\d) " + _HMS.format("f") +
    r"(?::(?P<ff>\d{6}))? (?P<fy>\d{4})\)(?= \[)"
    r")\]?(?=[\s|:\],\"-]|$)")
"""A record's time at the start of its line, in the layouts sources/applog.py's docstring names (also as a logfmt line's
first pair: `time="2026-11-28T10:14:29Z" level=error ...`, logrus; `ts=...`, go-kit; `time=...`, slog). Trial 64's,
untimed before: murmur's `<W>` before its time (src/murmur/main.cpp: `"<%1>%2 %3"`; trial 64's N2 pasted `<w>`),
tinyproxy's level padded to 9 before its `%b %d %H:%M:%S` (src/log.c: `"%-9s %s [%ld]: "`), MPD's time to the
minute (src/LogBackend.cxx log_date: `"%b %d %H:%M : "`, pmon) and the Erlang VM's primitive error logger's tuple
(OTP kernel error_logger.erl before OTP 21, display2: `erlang:display({error_logger,Tag,F,A})`, Tag
erlang:localtime()'s `{{Y,M,D},{H,Mi,S}}`, ly). Trial 69's: MariaDB's error log from 10.2 on pads its hour with a blank
(sql/log.cc print_buffer_to_file: `"%d-%02d-%02d %2d:%02d:%02d %lu [%s] "`), so before 10:00 two blanks and one digit
follow the date (`2022-02-06  7:47:15 0 [Note] ...`), from 10:00 one blank and two; a year-first date's hour is one
digit only after two blanks (the file's lines all y: one layout, in order across 09:59 to 10:00). And glog's
GLOG_EARLY before its header. SSSD's debug log (src/util/debug.c sss_vdebug_fn, 2.4 on: `"(%d-%02d-%02d %2d:%02d:%02d"`
of localtime, `":%.6ld"` of its µs with debug_microseconds, `"): "`, then `"[%s] [%s] (%#.4x): "` of its name, the
function and the level: `(2020-11-13 12:13:40): [ifp] [sss_dp_init] (0x0010): ...`, dy; before 2.4 ctime's first 19
characters, the µs, the year, `"(%s:%.6ld %d) "`: `(Fri Nov 13 12:13:40 2020) [sssd[be[x]]] ...`, fmon): each anchored
on the bracket its name opens after it (trial 76's 38: untimed, every line at the file's time). Ruby's Logger
(lib/logger/formatter.rb: `"%.1s, [%s #%d] %5s -- %s: %s\n"`, before logger 1.4 `"%s, [%s#%d] ..."` with a blank
after the time, `%Y-%m-%dT%H:%M:%S.%6N`, local time): its severity's letter and `, [` before the time (`E, [2019-05-18
T14:48:53.547843 #2050] ERROR -- prog: msg`; trial 78's 15, a Rails log, untimed: seven years off)."""
TIME_KEYS = ("time", "ts", "timestamp", "@timestamp", "t", "@t", "date", "asctime", "datetime")
"""A JSON log line's time, the first of these keys present (zap `ts`, logrus/slog/zerolog `time`, pino `time`,
logstash `@timestamp`, CLEF `@t`, python-json-logger `asctime`, Monolog's JsonFormatter `datetime`): Unix seconds,
milliseconds, µs or ns by magnitude, or a time as above (without a zone: local time)."""
JOURNAL_KEYS = ("__REALTIME_TIMESTAMP", "MESSAGE", "__CURSOR")
"""A JSON line with one of these is journalctl -o json's, read by sources/json_lines.py."""

CRI = re.compile(r"\S+ (?P<stream>stdout|stderr) [FP] (?P<text>.*)", re.DOTALL)
"""A container's line as the kubelet's CRI runtime writes it (/var/log/containers/*.log, containerd and CRI-O:
`2026-11-28T10:14:29.301234567Z stderr F text`, F a full line, P part of a longer one, kept as it is): the text is
the MESSAGE, as the container wrote it, so the rules anchored on its start see it (`panic: ...`), and stderr is
priority 3, stdout 6, as Docker's journald driver and sources/text.py's Docker reader have them."""
RUNTIME_STAMP = r"\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\d\.\d{7,9}Z "
"""The time `docker logs -t` and `kubectl logs --timestamps` write before a container's line: Go's RFC3339Nano in UTC
(nanoseconds, trailing zeros cut: 7 to 9 digits but for one time in a thousand). journalctl prints at most µs (6
digits) and a numeric zone, a program's own log seldom more than µs: such a time is the runtime's, not the line's."""
PREFIXED = re.compile(r"\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\d(?:\.\d{1,9})?(?:Z|[+-][0-2]\d:[0-5]\d) "
                       r"(?P<text>(?:[IWEF][01]\d[0-3]\d [0-2]\d:[0-5]\d:[0-6]\d\.\d{6} |\{).*)"
                       r"|" + RUNTIME_STAMP + r"(?P<any>.*)", re.DOTALL)
"""A container's line behind the RFC 3339 time `kubectl logs --timestamps` and `docker logs -t` put before it, when
the line is one that carries its own time and level: a Kubernetes component's klog line (`2026-11-28T10:14:29.30Z
E1128 10:14:29.301234  1 controller.go:42] text`) or a JSON record. That line is the MESSAGE, as journald stores
it from Docker's journald driver, so its level is read where the program wrote it (klog's `E`, JSON's "level"):
behind the time, neither was read (helper U4). And any line behind a container runtime's own time (RUNTIME_STAMP):
`docker logs -t`'s `2024-04-09T17:33:12.238986028Z nginx: [emerg] host not found ...` is nginx's `nginx: [emerg] ...`
(helper D17: openSUSE/supportutils#196 lost `nginx:` as an identifier, and nginx-emerg with it)."""

OUTER = re.compile(r"\d{4}-[01]\d-[0-3]\d [0-2]\d:[0-5]\d:[0-6]\d (?=(?:time|ts|t|timestamp)=\"?\d{4}-|\{)")
"""An unzoned time a viewer puts before a record that carries its own (Docker Desktop's container log view: `2026-05-26
09:03:38 time="2026-05-26T08:03:38Z" level=error msg=...`, the viewer's local time to the second): when the record's
own time has a zone (inner_record), the record is the line, its time and level read where its program
wrote them. Read as the whole line, the prefix was taken for UTC on a UTC machine (an hour off the record's own) and
the level behind it was lost (trial 63's 20)."""

RADVD = re.compile(r"\[[A-Z][a-z]{2} [ 0-3]?\d [0-2]\d:[0-5]\d:[0-6]\d\] (?P<ident>[A-Za-z0-9_.-]{1,64})"
                   r"(?: \((?P<pid>\d{1,10})\))?: ")
"""radvd's log file and stderr (log.c vlog: `"[%s] %s (%d): "` of LOG_TIME_FORMAT `%b %d %H:%M:%S`, its ident and pid;
before 2.x `"[%s] %s: "`): `[Jun 02 10:50:54] radvd (42324): sendmsg: No route to host`, the ident and pid the
line's identifier and PID. Untimed, such a file was all at its own time (trial 63's 26)."""

METALOG = re.compile(r"[A-Z][a-z]{2} [ 0-3]?\d [0-2]\d:[0-5]\d:[0-6]\d \[(?P<ident>[A-Za-z0-9_./-]{1,64})\] ")
"""metalog's log file (src/metalog.c build_log_line's default format: its stamp `%b %e %T`, then the program in
brackets, then the message): `Jul 31 20:37:59 [radvd] received RS or RA on br0 ...`; the program the line's
identifier, where the file's name was (trial 63's 25)."""

ZONEMINDER = re.compile(r"\S+ \S+ (?P<ident>[A-Za-z0-9_.-]{1,255})\[(?P<pid>[0-9]{1,10})\]\."
                        r"(?:INF|WAR|ERR|FAT|PNC|AUD|DB[1-9]|DBG)(?: \[|-[A-Za-z0-9_.+-]+/[0-9]+ \[)")
"""ZoneMinder's log file line after its time (engine/daemon_levels.py: Logger.pm's `'%s.%06d %s[%d].%s [%s:%d] [%s]'`,
zm_logger.cpp's `"%s %s[%d].%s-%s/%d ["`): the process's id and its pid, which sources/applog.py takes for the
line's identifier and PID (a ZoneMinder log is one file per process, zmdc.log, zmc_m1.log, ..., pasted together)."""


_LOGFMT_TIME = re.compile(r"[A-Za-z_][\w.-]*=[^\n]*?(?<=\s)(?=(?:time|ts|t|timestamp)=\"?\d{4}-)")
"""A logfmt line whose time pair is not its first: go-kit's `level=info caller=x.go:1 ts=2021-12-21T09:18:51Z`
(Loki, promtail, fluent-bit's Go plugins), Grafana's `logger=context t=2024-11-11T02:47:38Z level=error`. Matches
up to that pair, where STAMP then reads the time (helper D17: both were read as an export and refused)."""


def stamp(line: str) -> re.Match[str] | None:
    """The record's time at the line's start, or at a logfmt line's time pair (_LOGFMT_TIME), or in an access
    log's brackets (_ACCESS, _HAPROXY)."""
    found = STAMP.match(line)
    if found is None and (pair := _LOGFMT_TIME.match(line)) is not None:
        found = STAMP.match(line, pair.end())
    if found is None and "[" in line[:600]:
        found = _ACCESS.match(line) or _HAPROXY.match(line)
    if found is None and line.startswith("["):
        found = _XORG_UPTIME.match(line)
    if found is None and line.startswith(("[pid: ", "*** Starting uWSGI ", "{address space usage: ")):
        found = UWSGI.match(line)
    return found


def stamped(lines: list[str]) -> int:
    """How many of `lines` start with a time in one of the layouts, or are a JSON log line with a time; Xorg's
    seconds only when one of `lines` is its line with the time of day (xorg_times.start_time)."""
    xorg = any(start_time(line) is not None for line in lines)
    return sum(((found := stamp(line)) is not None and (xorg or found.re is not _XORG_UPTIME))
               or json_time(line) is not None for line in lines)


MAX_USEC = 253_402_300_800 * 1_000_000
"""Year 10000 (µs since the epoch): a later time, or one before 1970, is no time of a log line."""


def json_time(line: str) -> tuple[int, bool] | None:
    """json_read's time when it is one (1970 to 9999), else None."""
    try:
        found = json_read(line)
    except (OverflowError, ValueError):
        return None
    return found if found is not None and 0 < found[0] < MAX_USEC else None


def json_read(line: str) -> tuple[int, bool] | None:
    """The time of a program's JSON log line (TIME_KEYS; µs) and whether it was read as local time (it had no
    zone), None for anything else (journalctl -o json's lines)."""
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: arrays nested 100k deep
        return None
    if not isinstance(record, dict) or any(key in record for key in JOURNAL_KEYS):
        return None
    value = next((record[key] for key in TIME_KEYS if key in record), None)
    if isinstance(value, dict) and len(value) == 1 and "$date" in value:
        value = value["$date"]  # MongoDB's log (4.4+): {"t":{"$date":"2023-02-08T08:46:02.382+00:00"}, ...}
        if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("$numberLong"), str):
            value = int(value["$numberLong"]) if value["$numberLong"].isdigit() else None  # canonical: ms
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return (value * 1_000_000 if value < 10**11 else value * 1_000 if value < 10**14 else
                value if value < 10**17 else value // 1_000), False
    if isinstance(value, float) and value > 0:
        return round(value * (1e6 if value < 1e11 else 1e3 if value < 1e14 else 1 if value < 1e17 else 1e-3)), False
    if isinstance(value, str) and (found := STAMP.fullmatch(value)) is not None and found["y"] is not None:
        zone = named_zone(found)
        return dated_usec(found, zone), zone is None
    return None


def named_zone(found: re.Match[str]) -> str | None:
    """The offset (`+01:00`) of STAMP's year-first time's zone as written: `Z`, `+03`, or an abbreviation that names
    one offset in that year (zone_names.py: PostgreSQL's `2023-05-01 10:00:00.123 CET`), or UTC's for svlogd's
    `_` between date and time; None for none or one of several."""
    if found["z"] is not None:
        return str(found["z"])
    if found["svl"] is not None:
        return "+00:00"  # runit's svlogd -tt: `YYYY-MM-DD_HH:MM:SS.xxxxx`, UTC (svlogd(8))
    if found["zn"] is not None and (offset := abbreviation_offset(found["zn"], int(found["y"]))) is not None:
        return offset_text(offset)
    return None


def dated_usec(found: re.Match[str], zone: str | None) -> int:
    """The time of STAMP's year-first layout: at `zone` (named_zone's, looked up once by the caller), or local time
    without one."""
    numbers = (int(found["y"]), int(found["mo"]), int(found["d"]), int(found["h"]), int(found["mi"]), int(found["s"]))
    return utc_usec(*numbers, found["f"], zone) if zone is not None else local_usec(*numbers, found["f"])


_ANCHORS = ("y", "cmon", "rmon", "gmo", "hy", "sy", "vd", "nd", "epoch", "umon", "tmon", "jmon", "oh", "emon", "mmon",
            "wy", "bmon", "qmon", "zy", "au", "pmon", "ly", "xmon", "hex", "dy", "fmon")
"""STAMP's alternatives, each by a group only it has."""


def layout_of(found: re.Match[str]) -> str:
    if found.re is _ACCESS:
        return "access"
    if found.re is _HAPROXY:
        return "haproxy"
    if found.re is _XORG_UPTIME:
        return "xorg"
    if found.re is UWSGI:
        return "uwsgi"
    return next(group for group in _ANCHORS if found[group] is not None)


FULL_DATES = frozenset({"y", "cmon", "tmon", "jmon", "nd", "vd", "zy", "emon", "qmon", "ly", "dy", "fmon"})
"""STAMP's layouts with a year, month, day and time of day: a line in one of them is a record of its own even in a log
whose first line had another (second_layout). So are Redis's and glog's with their year (`rmon` with `ry`, `gmo` with
`gy` or CockroachDB's `gyy`) and old MySQL's `YYMMDD HH:MM:SS` in its exact shape (MYSQL_OLD)."""
MYSQL_OLD = re.compile(r"\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]) (?: \d|1\d|2[0-3]):[0-5]\d:[0-5]\d")
"""The time mysqld writes before its crash banner in every version (MariaDB sql/signal_handler.cc handle_fatal_signal:
`"%02d%02d%02d %2d:%02d:%02d "` of localtime, then `[ERROR] mysqld got signal 11 ;`) and on every line up to MySQL 5.6
and MariaDB 10.1 (sql/log.cc print_buffer_to_file, InnoDB's ut_print_timestamp): the hour padded with a blank, so
`201010  9:17:39` before 10:00. In a MariaDB 10.2+ log (year-first lines) the crash line took the line before's time,
16 minutes early, and the card listed lines after the crash as its last before it (trial 76's 13). Read as a second
layout only in this shape with a real date: a 6-digit number a program prints first is no time."""
DAY_USEC = 86_400 * 1_000_000
BACK_USEC = 600 * 1_000_000
"""How far after (a day) and before (10 minutes: two writers' buffers) the last time read a second layout's time may
lie (sources/applog.py): further, it is a date a message holds, not the line's time. A Django app's print of a date
(`2019-10-15 00:00:00`, trial 75's 07) came 17 h before the uWSGI line it followed."""


def second_layout(found: re.Match[str] | None, layout: str) -> bool:
    """Whether a line in a layout other than its file's first is read with its own: when it starts with a full date in
    a layout of its own shape (FULL_DATES), an access log's or HAProxy's line (access_times), or uWSGI's.
    catalina.out mixes Tomcat's JULI lines (`12-Jun-2018 14:25:14.961 INFO [main] ...`) with each webapp's own logging
    (logback's `2018-06-12 14:36:54 [INFO ](c.n.p...) ...`): held to the first layout, 43 minutes of a pinpoint
    collector's lines took the last Tomcat line's time (trial 75's 02). gunicorn run with `--access-logfile -
    --error-logfile -` writes its access lines (`10.0.3.34 - - [07/Dec/2026:10:01:28 +0000] "GET ..."`) among its own
    and the app's year-first lines: each access line took the app line before's time, and the log ended 5 minutes
    early (new user 76's 2). An access line's time is the server's, in the place its layout gives it after the
    client's address, identity and user, which hold no blank; the request a client writes comes after it. No Unix
    time, time of day alone or date without a year (a continuation line's `2999999999 rows`), no date inside a line
    (a logfmt pair's after others), no date alone on its line (a value a program printed); sources/applog.py also wants
    the time near the last one read (BACK_USEC, DAY_USEC). uWSGI's lines (access_times.UWSGI) are such a layout too,
    beside a Flask app's `[2019-08-04 09:43:34,696] ERROR in app: ...`."""
    if found is None:
        return False
    if found.re is not STAMP:
        return found.re in (UWSGI, _ACCESS, _HAPROXY)
    if found.start() != 0 or not found.string[found.end():].strip():
        return False
    return layout in FULL_DATES or (layout == "rmon" and found["ry"] is not None) \
        or (layout == "gmo" and (found["gy"] or found["gyy"]) is not None) \
        or (layout == "hy" and MYSQL_OLD.fullmatch(found.group()) is not None and _real_date(found))


def _real_date(found: re.Match[str]) -> bool:
    """Whether MYSQL_OLD's date is one of the calendar's (no 31 April, no 30 February)."""
    try:
        date(2000 + int(found["hy"]), int(found["hmo"]), int(found["hd"]))
    except ValueError:
        return False
    return True


def sssd_numbers(found: re.Match[str]) -> tuple[int, int, int, int, int, int, str | None] | None:
    """Year, month, day, hour, minute, second and µs digits of STAMP's SSSD layouts (dy, fmon: local time), None for
    another layout."""
    if found["dy"] is not None:
        return (int(found["dy"]), int(found["dmo"]), int(found["dd"]), int(found["dh"]), int(found["dmi"]),
                int(found["ds"]), found["df"])
    if found["fmon"] is not None:
        return (int(found["fy"]), month_number(found["fmon"]), int(found["fd"]), int(found["fh"]), int(found["fmi"]),
                int(found["fs"]), found["ff"])
    return None


def inner_record(line: str) -> str:
    """`line` without a viewer's unzoned time before it (OUTER) when the record behind it carries its own
    time with a zone, a logfmt time pair's (`time="2026-05-26T08:03:38Z"`) or a JSON record's; else `line`."""
    outer = OUTER.match(line)
    if outer is None:
        return line
    record = line[outer.end():]
    if record.startswith("{"):
        timed = json_time(record)
        return record if timed is not None and not timed[1] else line
    found = stamp(record)
    return record if found is not None and found.re is STAMP and found["y"] is not None \
        and named_zone(found) is not None else line
