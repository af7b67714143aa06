"""Text whose lines carry no time a reader knows: what people paste and attach most.

`docker logs` and `kubectl logs` without their timestamp options, `journalctl -o cat`, a program's stdout saved
to a file, a stack trace or panic copied into a bug report: the failure's words are all there, only the times
are not (or are in a layout no other reader takes). Refused, the signatures that name those words never ran on
them; read here, each line is an entry, as journald stores each line a service writes to stdout (so a rule
anchored on a line's start matches a stack trace's `panic: ...` or `Caused by: ...` as it would in the journal),
in order, all at one instant: the file's modification time (the lines were written before it), or now for
standard input. The reader says so once, on stderr: a rule that counts lines within a window counts every line
of the file as one instant, and the anomaly rules have no history to judge by. The identifier is the file's name,
as for a program's log (sources/applog.py); the level is read from each line's own words (engine/levels.py).

sources/export.py's `sniff` takes text as plain only when no other reader takes it and it is text: no NUL byte
and at most 1 in 100 of its characters undecodable as UTF-8, so a binary file is still refused.
"""

from __future__ import annotations

import re
import time
from contextlib import suppress

from ..engine.level_words import LEVEL_WORDS
from ..timespec import format_usec
from .dmesg import SERVICE_MANAGER
from .kernel_console import kernel_console
from .log_names import identifier
from .manager_paste import UNIT_LINE, manager_output
from .text_layouts import facility_level_pri
from .text_line import SOURCE_MONOTONIC, TextLine
from .text_years import Days

MAX_UNDECODABLE = 0.01
"""The share of a head's characters that may be undecodable as UTF-8 for it to be text (a Latin-1 é now and then
is; a binary file is not)."""


def is_text(head: bytes) -> bool:
    """Is `head` (a file's first bytes) text a person could read?"""
    if not head.strip() or b"\x00" in head:
        return False
    text = head.decode("utf-8", "replace")
    return text.count("\ufffd") <= MAX_UNDECODABLE * len(text) and any(char.isalpha() for char in text)


PRINTK_TIME = re.compile(r"\[\s*\d+\.\d+\] ")
"""The time since boot the kernel prints before each message when printk.time is on (`[ 1234.567890] `):
rsyslog's imklog keeps it in the line, journald strips it from MESSAGE. Rules are written against the
journal's MESSAGE, so it goes, as journald does (sources/syslog_text.py; here, the kernel's untimed lines)."""


def printk_stamp(message: str) -> tuple[str, str | None]:
    """A kernel line's message without its printk stamp (PRINTK_TIME), and the stamp as µs since boot (digits, as
    journald writes _SOURCE_MONOTONIC_TIMESTAMP), or None when it has none."""
    if (stamp := PRINTK_TIME.match(message)) is None:
        return message, None
    seconds, _, fraction = stamp.group().strip("[] ").partition(".")
    return message[stamp.end():], str(int(seconds) * 1_000_000 + int((fraction + "000000")[:6]))
_TAG = re.compile(r"(?:(?P<level>[a-z0-9]{3,8}\.[a-z]{3,7})[ \t]+)?"
                  r"(?P<ident>[A-Za-z][\w.@-]{0,63})\[(?P<pid>\d{1,10})\]: ?")
"""A syslog tag, `ident[pid]: `, at the line's start: journalctl's or a syslog file's lines with the time and host
columns cut off (corosync/corosync#389's paste: `corosync[228119]:  [TOTEM ] A processor failed, ...`). Read as the
line's identifier and PID (the file's name was every line's, so `systemd[1]: app.service: Failed ...` was no unit's
line), as a syslog file's are: the text's word. A level word is no identifier (`ERROR[0001]: `). BusyBox syslogd's
`facility.level` before it (`daemon.crit ingest[1]: ...`, its time cut off) is the line's level, as with its time."""
_GREP_FILE = re.compile(r"[^\s:]{1,255}\.log(?:\.[0-9]{1,3})?(?:\.gz)?:(?:[0-9]{1,10}:)?(?=\S)")
"""The log file's name `grep -H` (and `grep -n`'s line number) puts before each line of a program's log without a
time: trial 59's pgbackrest paste (`postgresql-2022-12-25_00.log:ERROR: [082]: unable to push WAL file ...`) had
it in every message, and its `ERROR:` was no level (a timed line's goes as text_layouts._PRI's does)."""
COMM_CHARS = 15
"""journald's `_COMM` is the kernel's task name: at most 15 bytes (TASK_COMM_LEN 16 with its NUL)."""

_BUILDKIT_OWN = re.compile(r"#\d{1,5} (?:\d{1,7}\.\d{1,3} |\[|DONE \d|CACHED$|CANCELED$|ERROR: |building with \")")
"""A line only BuildKit's plain progress writes (`docker build --progress=plain`, buildx, buildctl; moby/buildkit
util/progress/progressui: printer.go's `#%d %s` for a step's name, `#%d DONE %.1fs`, `#%d CACHED`, `#%d CANCELED`,
`#%d ERROR: %s`; display.go's log lines, `#%d ` and the seconds since the step began, `%.3f` under 10 s, `%.2f` under
100, `%.1f` above; buildx's `#0 building with "default" instance ...`). From one on, the text is a build's."""
_BUILDKIT_STEP = re.compile(r"#\d{1,5} (?:\d{1,7}\.\d{1,3} )?")
"""A build's line's step prefix, and its seconds when it is a log line of the step's program: the message is what
follows, the program's own words (pip's `ERROR: No matching distribution ...`), as rules anchor on them."""
_BUILDKIT_LOGGED = re.compile(r"\d{1,7}\.\d{1,3} ")
"""A step's log line again, with its seconds alone, in the failed steps' logs docker prints after the build
(display.go printErrorLogs: between `------` lines, under ` > NAME:`)."""
BUILD_IDENT = "docker-build"
"""A build's lines' identifier: one program's output, which a failure's card quotes whole (the file's name was
every line's, and every line's message started with its step and seconds)."""


_CLOCK = re.compile(r"(?P<hms>\d\d:\d\d:\d\d)(?:[.,](?P<frac>\d{1,6}))? (?:(?P<host>[^\s:\[\]]{1,255}) )?"
                    r"(?=kernel: |[A-Za-z][\w.@-]{0,63}\[\d{1,10}\]: )")
"""A time of day without a date, and maybe a host, before a syslog tag: a journalctl or syslog paste with its date
column cut off (trial 72's 08, `11:10:05 localhost.localdomain systemd[1]: systemd-userdbd.service: start operation
timed out. Terminating.`; trial 71's 57, `22:39:31 kernel: i915 0000:00:02.0: [drm] GPU HANG: ...`). Read as the
line's time on the latest date that puts the first no later than the file's time (text_years.Days, as a year-less
date takes its year), the host as its _HOSTNAME, the tag as it is without a time: as the file's time, every tagged
line was no unit's and PID 1's lines passed every systemd rule. A tag is needed: `12:00:01 worker started` is a
program's own words."""


class PlainParser:
    """Lines without a time to records (a text_line.LineParser): each line one, at `reference` (s since the epoch).
    By the stream's `head`: a kernel console's lines (sources/kernel_console.py), each the kernel's but systemd's own
    (`systemd[1]: ...`, as dmesg.py reads them); PID 1's own output (sources/manager_paste.py), its lines led by a
    unit's name systemd's."""

    def __init__(self, name: str, reference: float, reference_name: str, head: bytes = b""):
        self.kernel = kernel_console(head)
        self.manager = not self.kernel and manager_output(head)
        self.days = Days(reference)
        """The dates of times of day without one (_CLOCK); its `midnight` None until a line has one."""
        self.ident = identifier(name)
        self.usec = int(reference * 1_000_000)
        self.reference_name = reference_name
        self.build = False
        """A BuildKit build's output (_BUILDKIT_OWN): read as BUILD_IDENT's lines, without step prefixes."""
        self.failed_logs = False
        """Between the `------` lines of a failed step's logs, after the build."""

    def parse(self, line: str) -> TextLine:
        if self.build or _BUILDKIT_OWN.match(line):
            return self._build_line(line)
        if (grepped := _GREP_FILE.match(line)) is not None:
            line = line[grepped.end():]
        host, whole = None, line
        if (clock := _CLOCK.match(line)) is not None:
            with suppress(ValueError):  # (no such time of day: the line as it is, at the time before)
                hour, minute, second = (int(part) for part in clock["hms"].split(":"))
                fraction = int((clock["frac"] or "").ljust(6, "0")[:6])
                self.usec = int(self.days.at(hour, minute, second) * 1_000_000) + fraction
                line, host = line[clock.end():], clock["host"]
        if not self.kernel and (stamp := PRINTK_TIME.match(line)) is not None and _TAG.match(line, stamp.end()):
            line = line[stamp.end():]  # (a console's printk stamp before a tag: no clock time)
        if line.startswith("kernel: "):  # the kernel's syslog tag, no PID: its lines as syslog_text reads them
            return self._kernel_line(line, len("kernel: "), host)
        if self.kernel and SERVICE_MANAGER.fullmatch(line) is None:
            return self._kernel_line(line, 0, host)
        if self.manager and host is None and UNIT_LINE.match(line):
            return TextLine(self.usec, {"MESSAGE": line, "SYSLOG_IDENTIFIER": "systemd"}, 0)
        tagged = _TAG.match(line)
        pri = facility_level_pri(tagged["level"]) if tagged is not None and tagged["level"] else None
        if tagged is None or tagged["ident"].lower() in LEVEL_WORDS or (tagged["level"] and pri is None):
            return TextLine(self.usec, {"MESSAGE": whole, "SYSLOG_IDENTIFIER": self.ident}, 0)
        ident, pid = tagged["ident"], tagged["pid"]
        fields = {"MESSAGE": line[tagged.end():], "SYSLOG_IDENTIFIER": ident, "_PID": pid, "SYSLOG_PID": pid,
                  "_COMM": ident[:COMM_CHARS]}
        if host is not None:
            fields["_HOSTNAME"] = host
        if pri is not None:
            fields["PRIORITY"], fields["SYSLOG_FACILITY"] = str(int(pri) & 7), str(int(pri) >> 3)
        return TextLine(self.usec, fields, tagged.end())

    def _kernel_line(self, line: str, start: int, host: str | None = None) -> TextLine:
        """The kernel's line from `start` on, without its printk stamp (kept as its time since boot)."""
        message, uptime = printk_stamp(line[start:])
        fields = {"MESSAGE": message, "SYSLOG_IDENTIFIER": "kernel", "_TRANSPORT": "kernel"}
        if host is not None:
            fields["_HOSTNAME"] = host
        if uptime is not None:
            fields[SOURCE_MONOTONIC] = uptime
        return TextLine(self.usec, fields, start)

    def _build_line(self, line: str) -> TextLine:
        """A line of a BuildKit build's output: its step's prefix stripped. Its seconds count from the step's start
        (steps run at once, each from its own), with no clock time: the line is at the file's time, in order."""
        self.build = True
        if line == "------":
            self.failed_logs = not self.failed_logs
        prefix = _BUILDKIT_STEP.match(line) or (_BUILDKIT_LOGGED.match(line) if self.failed_logs else None)
        start = 0 if prefix is None else prefix.end()
        return TextLine(self.usec, {"MESSAGE": line[start:], "SYSLOG_IDENTIFIER": BUILD_IDENT}, start)

    def marker(self, what: str) -> None:
        """Plain text has no journalctl markers."""

    def note(self) -> str | None:
        if self.build:
            return (f"a BuildKit build's output (docker build --progress=plain): its steps' seconds count from each "
                    f"step's start, not a clock, so each line is read as logged at {self.reference_name} "
                    f"({format_usec(self.usec)}), in order, as {BUILD_IDENT}'s")
        if self.days.midnight is not None:
            return (f"lines have a time of day without a date (`11:10:05 host systemd[1]: ...`): the first is read "
                    f"on {time.strftime('%Y-%m-%d', time.localtime(self.days.midnight))}, the latest date that puts "
                    f"it no later than {self.reference_name}, and a line without one at the time before it. For "
                    "dates: journalctl -o short-iso, or dmesg -T")
        if self.kernel:
            return (f"the kernel's lines without printk times (a serial console's or netconsole's capture, "
                    f"printk.time=0, or a paste cut from dmesg without them?): read as the kernel's, each as logged "
                    f"at {self.reference_name} ({format_usec(self.usec)}), in order")
        if self.manager:
            return (f"PID 1's output without times or its tag (journalctl -o cat _PID=1?): its lines led by a unit's "
                    f"name are read as systemd's, each as logged at {self.reference_name} ({format_usec(self.usec)}),"
                    " in order. For times: journalctl -o short-iso")
        return (f"no line carries a time in a layout logsentry reads (journalctl -o cat, docker or kubectl logs "
                f"without timestamps, a pasted trace?): each line is read as logged at {self.reference_name} "
                f"({format_usec(self.usec)}), in order, so rules counting lines within a window count them all "
                "as one instant and the anomaly rules have no history to judge by. For times: journalctl -o "
                "short-iso, docker logs -t, kubectl logs --timestamps")
