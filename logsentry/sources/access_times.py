"""The time in brackets after a client's address: an access log's (Common or Combined Log Format) and HAProxy's
own line; sources/applog.py reads a program's log by them when no time starts its line."""

from __future__ import annotations

import re

from .text_times import MONTH_PATTERN

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
