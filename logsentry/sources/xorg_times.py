"""Xorg's log file times (sources/applog.py reads them). os/log.c's LogSWrite stamps each line of the log file with
`[%10.3f] ` (xorg-server 1.8, 2010, to 21; `[%Y-%m-%d %H:%M:%S] ` since 2023, which applog's year-first layout reads):
the seconds of CLOCK_MONOTONIC, no time of day. xf86Init.c's InitOutput writes one among its banner's first lines,
`xf86MsgVerb(xf86LogFileFrom, 0, "Log file: \\"%s\\", Time: %s", ...)`, ctime(3)'s local time after `(==)` (`(++)`
with -logfile): `[    23.457] (==) Log file: "/var/log/Xorg.0.log", Time: Fri Nov 27 12:17:03 2026`. Each line is
that time plus its seconds since; the banner's lines before it take its time (a program's log's lines before its
first time), and a file without it is not read so: a bracket of seconds is no time of day (dmesg's have six digits,
Xorg's three).
"""

from __future__ import annotations

import re

from .text_times import MONTH_PATTERN, month_number

UPTIME = re.compile(r"\[ *(?P<up>\d{1,10})\.(?P<upf>\d{3})\] ")
"""Xorg's log line: the seconds of CLOCK_MONOTONIC when it was written."""
_START = re.compile(
    r"\[ *\d{1,10}\.\d{3}\] \((?:==|\+\+)\) Log file: \"[^\"\n]*\", Time: (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    r"(?P<mon>" + MONTH_PATTERN + r") (?P<d>[ 1-3]?\d) (?P<h>[0-2]\d):(?P<mi>[0-5]\d):(?P<s>[0-6]\d) (?P<y>\d{4})")


def uptime_usec(found: re.Match[str]) -> int:
    """UPTIME's seconds, in µs."""
    return int(found["up"]) * 1_000_000 + int(found["upf"]) * 1_000


def start_time(line: str) -> tuple[int, int, int, int, int, int] | None:
    """The local time (year, month, day, hour, minute, second) of Xorg's line that gives one, None for another."""
    found = _START.match(line)
    if found is None:
        return None
    return (int(found["y"]), month_number(found["mon"]), int(found["d"]), int(found["h"]), int(found["mi"]),
            int(found["s"]))
