"""Which text layout a file's first bytes are in (sources/text.py reads them): Docker json-file records, dmesg's
lines, journalctl/syslog text, a program's own log (sources/applog.py), or none of them (sources/export.py then
tries the journal's own formats, and lines without a time, sources/plain.py, last)."""

from __future__ import annotations

import re

from ..engine.daemon_levels import CEPH_CLUSTER
from .applog_times import RUNTIME_STAMP, TIME_KEYS, stamped
from .dmesg import dmesg_lines
from .pg_csvlog import is_csvlog
from .systemctl_status import status_unit
from .text import _CATALOG, _MARKER, _SEPARATOR, COMMAND, WRAP_WIDTH
from .text_layouts import LINE, LOGREAD, RFC5424, WALL_GREETING
from .text_pieces import broken_line

SNIFF_BYTES = 4096
"""How much of a file's start sniff_text sees (export.head's default)."""
_DOCKER = re.compile(rb'\{\s*"log"\s*:')
_NO_HOST = re.compile(r"\[|(?i:trace|debug|info|notice|warn|warning|error|err|fatal|crit|critical|panic|alert"
                      r"|emerg|stdout|stderr)\b|(?:TRC|DBG|INF|WRN|FTL|PNC)$"
                      r"|[IWEF](?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])$"
                      r"|\d{4}-[01]\d-[0-3]\d|[^\s=\"]*[=\"]|[EWIDT]!$")
"""Where LINE's host (or, without one, its identifier) is a level (in any case), a stream name or a bracket, the
line is a program's own (`2026-11-28T10:14:30Z ERROR db: connection refused`, Go's and zap's layout; winston's `...
info: kernel: text`; a CRI container log's `... stderr F text`), not syslog's `time host ident: text`: read as one,
its level would be a host and its words an identifier, `kernel:` among them. A glog/klog mark (`E1201`, level and
month-day) is one too: `kubectl logs --timestamps` puts its RFC 3339 time before a Kubernetes component's klog line
(`2025-12-01T10:00:01.1Z E1201 10:00:01.123400  1 controller.go:42] text`), which read as syslog had the mark
for host, `10` for identifier, each line its own unit and no level. So is a date, or a logfmt pair (`key=`, a quote):
a line with a time of its own behind another's (a log viewer's, a runtime's that `_RUNTIME` does not know: `2025-12-16
T04:06:35.485Z 2025-12-16T04:06:35Z ERR ...`) had the date for host and `10` for identifier (helper-173's
Dokploy/dokploy#2330), and `time="...` was an identifier. So is Telegraf's indicator (`2022-02-20T05:02:11Z I! Loaded
outputs: influxdb`, logger.go): read as syslog, `I!` was a host, `Loaded outputs` an identifier, and each `E!` line
after it, fitting no syslog layout, a continuation of that message (trial 59). So are zerolog's ConsoleWriter levels
(rs/zerolog globals.go FormattedLevels: TRC DBG INF WRN ERR FTL PNC; console.go writes the time, the level, the
caller, the message): `2025-05-07T11:58:34+02:00 WRN Listening without TLS but ServerURL does not start with http://`
fitted with `WRN` for host and its words for identifier, so a headscale file of two lines was read as syslog's, its
`ERR listen tcp :8080: bind: ...` too, with `ERR` for host and `listen tcp ` for unit, while one line alone was a
program's own log read right (trial 62's 05: `-p err` found nothing)."""
_LEVEL_LAST = re.compile(r"\s(?i:trace|debug|info|notice|warn|warning|error|err|fatal|crit|critical|panic|alert"
                         r"|emerg)\Z")
"""Where LINE's identifier holds a blank and its last word is a level, the line is a program's own too, its level
just before its first `: ` after a prefix of its own: Sidekiq 3 to 5's `2014-09-10T15:43:49Z 60056 TID-oxwbvr7zk
ERROR: heartbeat: Waited 1 sec` (sidekiq/sidekiq#1941) read as syslog had the pid for host, `TID-oxwbvr7zk ERROR`
for identifier and no level (trial 4). A syslog identifier is the program's name: it ends in no level word.
Nor is a line of Ceph's cluster log file syslog's (engine/daemon_levels.CEPH_CLUSTER: /var/log/ceph/ceph.log's
`2026-11-27T12:17:03.150432+0000 mon.a (mon.0) 1234 : cluster [WRN] ...`), though it fits LINE with its sender for
host and rank for identifier: read so, each sender was a unit and `[ERR]` behind `: ` no level, Jewel's `mon.0
10.0.0.1:6789/0 123 : ...` had its address for identifier."""
_ZABBIX = re.compile(r" {1,9}\d{1,10}:\d{8}:\d{6}\.\d{3} ")
"""Zabbix's log line (src/libs/zbxlog/log.c: `"%6li:%.4d%.2d%.2d:%.2d%.2d%.2d.%03ld "`): its PID padded to six, so
every PID below 100000 starts it with blanks, which read as a continuation line's indent; an entrypoint's
`** Starting Zabbix agent` before them was the only line judged, and the paste had no time (trial 60's 23)."""
_WORD_THEN_TIME = re.compile(r"[A-Za-z]{3,9} \d{4}-[01]\d-[0-3]\d[T ]")
"""A word, then a year-first time: a line that fits LINE with an rsyslog template's severity before its time
(text_layouts._LEVEL_FIRST) is syslog's only when no line of the file has another word there: a program's own
`info 2023-12-04T19:47:21.123+01:00 main app: started` then `error ...` would fit with its info lines, and its
error lines, fitting none, would be folded into the line before."""
_RUNTIME = re.compile(RUNTIME_STAMP)
"""A container runtime's time (`docker logs -t`): what follows is the container's line, not syslog's `host ident:`."""
_JOURNAL_JSON = re.compile(r'"(?:__CURSOR|__REALTIME_TIMESTAMP)"')
"""journalctl -o json's first keys: a JSON line longer than the head without them, cut off there, is a program's
own (sources/applog.py reads the whole line; zap's first record with a 5 KB field was refused with
"__REALTIME_TIMESTAMP: expected microseconds", helper B)."""
_TIME_KEY = re.compile(r'"(?:' + "|".join(re.escape(key) for key in TIME_KEYS) + r')" ?:')
"""A key applog.py takes a JSON line's time from, as the cut line shows it."""


def syslog_fit(line: str) -> bool:
    """Whether `line` fits LINE as syslog's or journalctl's `time host ident: text` (sniff_text's test)."""
    found = LINE.match(line)
    return found is not None and not _NO_HOST.match(found["host"] or found["ident"]) \
        and not _LEVEL_LAST.search(found["ident"]) and not _RUNTIME.match(line) and not CEPH_CLUSTER.match(line)


def sniff_text(head: bytes) -> str | None:
    """"docker", "dmesg", "text", "csvlog" or "applog" when `head` (a file's first bytes) holds Docker json-file
    records, dmesg's lines (more of them than of journalctl's or syslog's layouts), log lines in one of the text
    layouts, PostgreSQL's csvlog (sources/pg_csvlog.py) or lines that start with a program's own time
    (sources/applog.py); None otherwise (another format, or unknown).

    Text is judged on up to 20 lines (blank and indented lines, grep's `--`, journalctl's own lines, systemctl
    status's header and a shell command pasted with its output not counted), not the first alone: a log cut out
    of a longer one (`tail -c`, a rotated piece, a copy from a terminal) often starts inside a line, and one such
    line must not get the whole file refused. journalctl's `-- ... --` lines and indented continuation lines count
    for neither side, nor do lines that fit none right after a long one that fits (or such a line: WRAP_WIDTH);
    the file is text when some lines fit a layout and they are at least as many as those that fit none, or more
    than those that fit none after an untimed head: lines with no time at all before the first that fits (a
    program's stderr pasted above its journal lines; read_text keeps them as the file's lines). The last line of a
    full head may be cut off, so it is not judged."""
    if _DOCKER.match(head):
        return "docker"
    lines = head.split(b"\n")
    cut = len(head) >= SNIFF_BYTES  # the head's last line may go on past it
    if len(lines) > 1 and cut:
        lines.pop()
    markers = fits = misfits = 0
    level_first = 0  # lines that fit with a severity before their time
    other_first = False  # a line with another word before a year-first time
    judged: list[str] = []
    untimed = 0  # judged lines before the first that fits, and those that fit none among them
    head_misfits = 0
    wrapped = False  # the line before fits a layout, or was wrapped after one, and is long enough to wrap
    half: tuple[str, bool] | None = None
    """The line before, of no layout, and whether it counted as one: the first half of a broken line (read_text)?"""
    wall = ""  # the line before is a syslog daemon's greeting (WALL_GREETING) from this host: this one is its message
    for raw in lines:
        line = raw.decode("utf-8", "replace").rstrip("\r").removeprefix("\ufeff")
        if len(judged) >= 20:
            break
        before, half = half, None
        if wall and line.strip():
            # its message, a syslog line without its time (read with its greeting): it fits, as the greeting does (a
            # shell session where walls came among a program's output is a syslog text, not plain text)
            fits += line[:1].isspace() or line.startswith(wall + " ")
            wall = ""
            continue
        if (greeting := WALL_GREETING.fullmatch(line)) is not None:
            judged.append(line)
            if not fits:
                untimed, head_misfits = len(judged) - 1, misfits
            fits, wall, wrapped = fits + 1, greeting["host"], False
        elif _MARKER.fullmatch(line) or _CATALOG.fullmatch(line):
            markers += 1
            wrapped = False
        elif COMMAND.fullmatch(line) or status_unit(line) is not None:
            wrapped = False  # (the shell's command and systemctl status's header: neither side's)
        elif line and (not line[0].isspace() or _ZABBIX.match(line)) and not _SEPARATOR.fullmatch(line):
            judged.append(line)
            found = LINE.match(line)
            if found is None or found["lsev"] is None:
                other_first |= _WORD_THEN_TIME.match(line) is not None
            if ((found is not None) and not _NO_HOST.match(found["host"] or found["ident"])
                    and not _LEVEL_LAST.search(found["ident"]) and not _RUNTIME.match(line)
                    and not CEPH_CLUSTER.match(line)) or RFC5424.match(line) or LOGREAD.match(line):
                if not fits:
                    untimed, head_misfits = len(judged) - 1, misfits
                fits += 1
                level_first += found is not None and found["lsev"] is not None
            elif before is not None and (joined := broken_line(before[0], line)) is not None and syslog_fit(joined):
                fits, misfits = fits + 1, misfits - before[1]  # (the two halves of a broken line: one that fits)
            elif not wrapped:
                misfits += 1
                half = (line, True) if found is None else None
                continue  # (a line of no layout: what follows it is no piece of a fitting one)
            elif found is None:
                half = (line, False)
            wrapped = len(line) >= WRAP_WIDTH
        else:
            wrapped = False
    if other_first:  # (not an rsyslog template's: its lines with a severity first are none of syslog's)
        fits, misfits = fits - level_first, misfits + level_first
    # `[ 12.345678] text` fits LINE too, its words as host; dmesg prints no `-- Boot ... --` lines
    if not markers and 2 * dmesg_lines(judged) >= len(judged) > 0:
        return "dmesg"
    if fits and fits >= misfits:
        return "text"
    if fits and misfits - head_misfits < fits and not stamped(judged[:untimed]):
        # trial 64's 26: gerbera's nine stderr lines, then PID 1's `May 15 22:22:39 pot systemd[1]: gerbera.service:
        # Main process exited, code=killed, status=11/SEGV`, was plain text, its SEGV no unit's and at no time
        return "text"
    if is_csvlog(judged):
        return "csvlog"  # (before applog's: its rows start with a time too, its records span lines)
    times = stamped(judged)
    if 2 * times >= len(judged) > 0 or (times and not fits):
        # a program's own log: its time, then its words; or a few such lines among others without a time (a
        # container's log: PostgreSQL's lines among its entrypoint's, a Redis crash report): they keep their time
        return "applog"
    if cut and len(judged) == 1 and judged[0].startswith("{") and not _JOURNAL_JSON.search(judged[0]) \
            and _TIME_KEY.search(judged[0]):
        return "applog"  # one JSON line longer than the head: journalctl -o json's begin with __CURSOR
    if fits:
        return None
    return "text" if markers and not misfits else None  # "-- No entries --"
