"""The time in brackets after a client's address: an access log's (Common or Combined Log Format) and HAProxy's
own line; sources/applog.py reads a program's log by them when no time starts its line."""

from __future__ import annotations

import re

from .text_times import MONTH_PATTERN, month_number

_HMS = r"(?P<{0}h>[0-2]\d):(?P<{0}mi>[0-5]\d):(?P<{0}s>[0-6]\d)"

ACCESS = re.compile(
    r"\S{1,253} \S{1,64} (?:\S{1,256}|\"[^\"\n]{0,256}\") \[(?P<ad>[0-3]\d)/(?P<amon>" + MONTH_PATTERN +
    r")/(?P<ay>\d{4}):" + _HMS.format("a") + r"(?:\.(?P<af>\d{1,6}))? (?P<az>[+-][0-2]\d[0-5]\d)\] \"")
"""An access log's line in the Common or Combined Log Format (Apache's `%h %l %u %t \"%r\"`, nginx's `combined`):
`10.0.0.5 - - [05/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 502 ...`, its time after the client, identity and
user, the request quoted after it."""


HAPROXY = re.compile(
    r"[0-9A-Fa-f:.]{2,45}:\d{1,5} \[(?P<hd>[0-3]\d)/(?P<hmon>" + MONTH_PATTERN + r")/(?P<hy>\d{4}):" +
    _HMS.format("h") + r"\.(?P<hf>\d{3})\] ")
"""HAProxy's own log line without a syslog header (`log stdout format raw`, a container's output): the client's
address and port, then the accept date in brackets (`option httplog`'s and `option tcplog`'s `%ci:%cp [%tr]` or
`[%t]`: `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in ...`, haproxy's doc/configuration.txt), local time,
milliseconds and no zone. Read as a time, not as one instant for every line (helper-163's trial: a healthy 8-hour
log's stray 500s fired error-burst as if they came within a minute)."""


_CTIME = (r"\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<imon>" + MONTH_PATTERN + r") (?P<iday>[ 1-3]\d) " + _HMS.format("i") +
          r" (?P<iy>\d{4})\]")
UWSGI = re.compile(
    r"(?:\*\*\* Starting uWSGI \S{1,64} (?:\(CGI mode\) )?\(\d{2}bit\) on (?=.{26} \*\*\*$)"
    r"|(?:\{address space usage: \d{1,20} bytes/\d{1,20}MB\} (?:\{rss usage: \d{1,20} bytes/\d{1,20}MB\} )?)?"
    r"\[pid: \d{1,10}\|app: -?\d{1,10}\|req: -?\d{1,10}/\d{1,20}\] [^\s{}()\[\]]{0,253} \([^\s{}()\[\]]{0,256}\) "
    r"\{\d{1,10} vars in \d{1,20} bytes\} )" + _CTIME + r" ")
"""uWSGI's own lines with a time, which is ctime's (`%a %b %e %T %Y`, local time) in brackets mid-line: its banner
(core/uwsgi.c: `"*** Starting uWSGI %s (%dbit) on [%.*s] ***\\n"`, ctime of its start) and its request log line
(core/logging.c, uwsgi_logit_simple: `"[pid: %d|app: %d|req: %d/%llu] %.*s (%.*s) {%d vars in %d bytes} [%.*s] %.*s
%.*s => generated ..."`, the client's address, the remote user, then the request's start time; memory-report's
`{address space usage: ...} ` before it). Anchored on uWSGI's layout up to the time, with no blank, bracket, brace or
parenthesis in the address or user, so a client's words (a forwarded address, a URI after the time) cannot make a
line's time. Between them a uWSGI log holds the application's lines without a time (tracebacks, print output): they
take the time of the uWSGI line before (trial 75's 06 and 07: untimed, 6 hours and 7 days of tracebacks one instant)."""


def uwsgi_numbers(found: re.Match[str]) -> tuple[int, int, int, int, int, int]:
    """Year, month, day, hour, minute and second of a UWSGI match's time (local time)."""
    return (int(found["iy"]), month_number(found["imon"]), int(found["iday"]), int(found["ih"]), int(found["imi"]),
            int(found["is"]))
