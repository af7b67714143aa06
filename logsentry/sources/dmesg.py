"""The kernel ring buffer as `dmesg` prints it: what a bug report pastes for an OOM kill, a hung task, a disk error.

util-linux dmesg (sys-utils/dmesg.c; layouts checked against util-linux 2.38's own output) prints a record's time
and then its text, with no host and no identifier:

* `[ 1234.567890] text`: seconds since boot (the default, and `-x`, `-r`);
* `[Wed Dec  2 19:21:53 2026] text`: local clock time (`-T`, `--ctime`), its weekday and month in the language
  dmesg ran in (record_ctime's `_("%a %b %e %H:%M:%S %Y")` is translated: `[wo jul 28 05:19:43 2021]` in Dutch,
  SickChill/sickchill#7362, read as lines of no time before, its ext4 error unseen; months as locale_months.py);
* `2026-12-02T19:21:53,001997+00:00 text`: ISO 8601 with a comma (`--time-format iso`);
* `[Dec 2 19:38] text`, then `[  +0.000240] text` (seconds after the record before): `-H`, `--time-format
  reltime` (a time to the minute, with no year, when one is printed, then the time since the record before);
* `[<    0.000240>] text`: `--time-format delta` (only the time since the record before: kept from 0, like
  seconds since boot);
* `kern  :err   : ` before the time with `-x` (facility and level names), `<3>` with `-r` (syslog PRI).

journalctl's `short-monotonic` also starts with `[ seconds]`, but then names a host and an identifier
(`myhost kernel: text`, `myhost sshd[812]: text`); `dmesg_lines` tells them apart on a file's first lines.

A record of the kernel's facility (every record when dmesg printed none) is read as journald reads /dev/kmsg:
`SYSLOG_IDENTIFIER=kernel`, `_TRANSPORT=kernel`, so the kernel rules (gated on that transport) apply; its text is
kept whole (a segfault's `python3[4242]: segfault at 0 ...` is the kernel's line). A record of another facility
(`-x`, `-r`: a process wrote to /dev/kmsg) is that process's line (`systemd[1]: text`), not the kernel's, and so
is systemd's own `systemd[1]: text` when dmesg printed no facility (SERVICE_MANAGER). Text
proves nothing either way: sources/text.py marks every such entry `from_text`, and nothing is acted on.

Seconds since boot have no date: such times are kept as they are (µs from 1970-01-01; the report shows them as
seconds after boot: timespec.BOOT_RELATIVE) and the reader says so once; `dmesg -T` or `--time-format iso` prints
clock times.
"""

from __future__ import annotations

import re

from ..timespec import BOOT_RELATIVE
from .text_line import SOURCE_MONOTONIC, TextLine
from .text_times import SHORT_MONTH_PATTERN, local_usec, month_number, utc_usec
from .text_years import Years

FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
              "res0", "res1", "res2", "res3", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
              "local7")
"""dmesg's facility names (`-x`), in syslog's order: the index is the facility's number."""
LEVELS = ("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug")
"""dmesg's level names (`-x`): the index is the syslog priority."""

_LINE = re.compile(
    r"(?:<(?P<pri>\d{1,3})>)?"
    r"(?:(?P<fac>[a-z0-9]{3,8}) *:(?P<lvl>[a-z]{3,6}) *: )?"
    r"(?:\[ *(?P<mono>\d{1,10})\.(?P<mfrac>\d{6})(?: < *\d{1,10}[.,]\d{6}>)?\]"
    r"|\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|[^\W\d_][^\s\d\]]{0,9}) (?P<mon>" + SHORT_MONTH_PATTERN + r") "
    r"(?P<day> [1-9]|[12]\d|3[01]) "
    r"(?P<hms>\d\d:\d\d:\d\d) (?P<year>\d{4})\]"
    r"|(?P<date>\d{4}-\d\d-\d\d)T(?P<ihms>\d\d:\d\d:\d\d),(?P<ifrac>\d{6})(?P<zone>[+-]\d\d:\d\d)"
    r"|\[(?P<hmon>" + SHORT_MONTH_PATTERN + r") ?(?P<hday>0?[1-9]|[12]\d|3[01]) (?P<hhm>\d\d:\d\d)\]"
    r"|\[ *\+(?P<rel>\d{1,10})[.,](?P<relf>\d{6})\]"
    r"|\[< *(?P<delta>\d{1,10})[.,](?P<deltaf>\d{6})>\])"
    r" ?(?P<msg>.*)", re.DOTALL)
_PROCESS = re.compile(r"(?P<ident>[^\s\[:]{1,64})(?:\[(?P<pid>\d{1,10})\])?: (?P<msg>.*)", re.DOTALL)
"""A process's own line written to /dev/kmsg: `ident[pid]: text`, as syslog(3) writes it."""
SERVICE_MANAGER = re.compile(r"(?P<ident>systemd(?:-[a-z0-9-]{1,40})?)\[(?P<pid>\d{1,10})\]: "
                              r"(?!segfault at )(?P<msg>.*)", re.DOTALL)
"""systemd's own lines in a dmesg that prints no facility: PID 1 and its daemons (systemd-journald, -udevd, -fsck)
write to /dev/kmsg before journald runs and whenever it is down (src/basic/log.c falls back to the kernel log), so
a journald crash loop is told only there (systemd/systemd#4449's `dmesg -T`: `systemd[1]: Unit
systemd-journald.service entered failed state.`, read as the kernel's, and systemd's rules never saw it). The kernel
prints a task's segfault after its comm (`systemd[1]: segfault at ...` when PID 1 crashes): that one stays the
kernel's."""
_JOURNALCTL = re.compile(r"\[ *\d+\.\d{6}\] (?P<host>[A-Za-z0-9][A-Za-z0-9._-]*) (?P<ident>[^\s:\[\]]+)"
                         r"(?P<pid>\[\d+\])?: (?!segfault at [0-9a-f]+ ip )")
"""journalctl -o short-monotonic: after the time a host, then `ident[pid]:` (or `ident:` when the entry has no
_PID, as the kernel's: `kernel:`). Not the kernel's own segfault line of a task whose name has a space (Plex's `PMS
Butler[3444]: segfault at 9c ip ...`, Firefox's `Web Content[...]`: arch/x86/mm/fault.c show_signal_msg prints the
task's comm, `%s[%d]: segfault at %lx ip %px sp %px error %lx`), which read as a host and an identifier: a one-line
paste of it lost its segfault (trial 67), and one such line made a whole dmesg read as journalctl's."""

_APACHE = re.compile(r"\[[^\]]{10,40}\] \[(?:[a-z_0-9]*:)?(?:emerg|alert|crit|error|warn|notice|info|debug|trace\d)\] ")
"""Apache httpd's error log (`[Sun Dec 04 04:47:44 2005] [error] ...`, 2.4: `[... 2026] [proxy:error] [pid 812]`):
its ctime-like time in brackets is not dmesg's `-T` (sources/applog.py reads it)."""

MONOTONIC_NOTE = ("dmesg's times are seconds since boot (or since the first record), without a date: they are "
                  "shown as seconds after boot, `--since`/`--until` and -o json's realtime_usec count them from "
                  "1970-01-01 (dmesg -T or --time-format iso prints clock times)")


def dmesg_lines(lines: list[str]) -> int:
    """How many of `lines` (a file's first lines) are dmesg's; 0 when its `[ seconds]` lines are journalctl's
    short-monotonic output instead: one of them names the kernel or a PID after a host (`web1 kernel:`,
    `web1 sshd[812]:`), as journalctl prints them. A run of dmesg's lines can share a first word and look like a
    host and an identifier (`dmesg | grep nvme`: `[ 1.2] nvme nvme0: I/O 12 QID 4 timeout`); journalctl's lines of
    entries with no PID and no kernel's among them are read as dmesg's (a journal-remote import's, at worst)."""
    if any(_APACHE.match(line) for line in lines):
        return 0
    bracketed = [found for line in lines if line.startswith("[") and (found := _JOURNALCTL.match(line))]
    if any(found["ident"] == "kernel" or found["pid"] for found in bracketed):
        return 0
    return sum(_LINE.match(line) is not None for line in lines)


class DmesgParser:
    """dmesg's lines to records (a text_line.LineParser); `monotonic` says whether any time was seconds since
    boot."""

    def __init__(self, reference: float) -> None:
        self.monotonic = False
        self.years = Years(reference)
        """`-H`'s dates have no year: the latest that puts the first no later than the file's time."""
        self.last_usec = 0
        """The record before's time: `-H`'s and `delta`'s times are counted from it."""

    def marker(self, what: str) -> None:
        """dmesg prints no `-- ... --` lines."""

    def note(self) -> str | None:
        return MONOTONIC_NOTE if self.monotonic else self.years.guess()

    def parse(self, line: str) -> TextLine | None:
        found = _LINE.match(line)
        if found is None:
            return None
        facility: int | None = None
        priority: int | None = None
        if found["pri"] is not None and int(found["pri"]) < 192:
            facility, priority = int(found["pri"]) >> 3, int(found["pri"]) & 7
        if found["fac"] is not None:
            if found["fac"] not in FACILITIES or found["lvl"] not in LEVELS:
                return None
            facility, priority = FACILITIES.index(found["fac"]), LEVELS.index(found["lvl"])
        try:
            usec = self._usec(found)
        except (OverflowError, ValueError):
            return None
        message = found["msg"]
        fields: dict[str, str] = {}
        process = _PROCESS.fullmatch(message) if facility not in (None, 0) else \
            SERVICE_MANAGER.fullmatch(message) if facility is None else None
        if process is not None:
            message = process["msg"]
            fields["SYSLOG_IDENTIFIER"] = process["ident"]
            fields["_COMM"] = process["ident"][:15]  # the kernel's task name: 15 bytes (TASK_COMM_LEN)
            if process["pid"]:
                fields["_PID"] = fields["SYSLOG_PID"] = process["pid"]
        elif facility in (None, 0):
            fields["SYSLOG_IDENTIFIER"] = "kernel"
            fields["_TRANSPORT"] = "kernel"
            if found["mono"] is not None:  # its printk time: a boot's line, banner or not (engine/excerpts.py)
                fields[SOURCE_MONOTONIC] = str(usec)
        fields["MESSAGE"] = message
        if priority is not None:
            fields["PRIORITY"] = str(priority)
            fields["SYSLOG_FACILITY"] = str(facility)
        return TextLine(usec, fields, found.start("msg") + len(found["msg"]) - len(message))

    def _usec(self, found: re.Match[str]) -> int:
        self.last_usec = usec = self._time(found)
        return usec

    def _time(self, found: re.Match[str]) -> int:
        if found["rel"] is not None:
            return self.last_usec + int(found["rel"]) * 1_000_000 + int(found["relf"])
        if found["delta"] is not None:
            self.monotonic = True
            return self.last_usec + int(found["delta"]) * 1_000_000 + int(found["deltaf"])
        if found["hmon"] is not None:
            month, day = month_number(found["hmon"]), int(found["hday"])
            hour, minute = (int(part) for part in found["hhm"].split(":"))
            return local_usec(self.years.of(month, day), month, day, hour, minute, 0)
        if found["mono"] is not None:
            self.monotonic = True
            BOOT_RELATIVE.add("dmesg")  # (shown as seconds after boot: timespec.format_usec)
            return int(found["mono"]) * 1_000_000 + int(found["mfrac"])
        if found["mon"] is not None:
            hour, minute, second = (int(part) for part in found["hms"].split(":"))
            return local_usec(int(found["year"]), month_number(found["mon"]), int(found["day"]), hour, minute, second)
        year, month, day = (int(part) for part in found["date"].split("-"))
        hour, minute, second = (int(part) for part in found["ihms"].split(":"))
        return utc_usec(year, month, day, hour, minute, second, found["ifrac"], found["zone"])
