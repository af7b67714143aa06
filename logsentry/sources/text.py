"""Text logs people send: `journalctl` text output, classic syslog files, `dmesg`, a program's own log file
and Docker json-file logs.

Detected by content (`sniff_text`, called from export.sniff), read line by line in bounded memory:

* `journalctl` in its `short`, `short-precise`, `short-iso`, `short-iso-precise`, `short-unix` and
  `short-monotonic` outputs, with its `-- Boot ID --`, `-- No entries --`, `-- Logs begin at ... --` lines
  and its indented continuation lines of multi-line messages;
* RFC 3164 syslog (`Dec 20 10:00:00 host ident[pid]: text`, what rsyslog writes to /var/log/syslog, with or
  without a `<PRI>`), rsyslog's high-precision file format (an RFC 3339 time instead), and RFC 5424;
* the kernel ring buffer as `dmesg` prints it (sources/dmesg.py);
* a program's own log file, each record starting with its time (sources/applog.py);
* Docker's `json-file` logs (`{"log": "...\\n", "stream": "stderr", "time": "..."}`), partial lines joined.

Identifier, PID, host, time (and the priority, where the text has it) are recovered. A time without a year
(RFC 3164, `short`) gets one: the first line's year is the latest that puts it no later than the reference
(the `-- Logs begin at ..., end at ... --` line's end, else the file's modification time, else now), and the
year moves on each time the month steps back by more than half a year (December to January).

Text proves nothing: anyone can print `systemd[1]:` or `kernel:`. Lines are still read the way a journal
entry would be (`systemd[1]:` as `_PID=1`, `kernel:` as `_TRANSPORT=kernel`, `smartd[911]:` as `_COMM=smartd`:
a daemon's syslog(3) ident is its process name) so that rules gated on those fields apply, and each entry
carries `from_text`, which the JSON output shows on its evidence. Such entries have no trusted unit (`(ident)`,
as for any entry without one; `(shop-web.service)` for PID 1's `systemd[1]: shop-web.service: ...`); logsentry
acts only on journals it follows (`tail --act`, the service), never on text.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO

from ..model import Entry
from ..timespec import YEAR_GUESSED
from .applog import AppLogParser
from .applog_times import stamp
from .dmesg import DmesgParser
from .manager_paste import head_of
from .pg_csvlog import read_csvlog
from .plain import PlainParser
from .ruby_logger import joined as logger_joined
from .selection import (
    MANAGER_OWN,
    USER_MANAGER,
    Selection,
    untrusted_source,
    valid_unit_name,
)
from .sleep_lines import SleepLines
from .status_paste import PlainStatus, status_failures
from .syslog_text import SyslogParser, iso_usec
from .systemctl_status import STATUS_HINT, StatusFailure, loaded_unit, status_unit
from .text_hosts import PlaceholderHosts
from .text_layouts import ISO_TIME, WALL_GREETING
from .text_line import LineParser, TextLine, read_lines, read_owned_lines
from .text_line import Warn as Warn  # re-exported: export.py, json_lines.py
from .text_owners import NO_CONTAINER, Container, claim, containers
from .text_pieces import Broken, broken_line, cut_open
from .text_steps import StepsBack
from .text_years import Years
from .values import entry_from

TEXT_KINDS = ("text", "dmesg", "applog", "docker", "plain", "csvlog")
"""What sources/text_sniff.py names: line-based syslog/journalctl text, dmesg's output, a program's own log file
(sources/applog.py), Docker json-file logs, and lines without a time (sources/plain.py)."""

MAX_MESSAGE = 256 * 1024
"""Bytes kept of a message built from continuation lines or Docker partial lines."""
MAX_EARLY = 10_000
"""Lines of a program's log kept before its first time (they take that time); more are skipped, with a warning."""


LOGGER_JOIN_USEC = 1_000_000
"""How soon after a Ruby Logger line with only tags the same logger's next line comes to be read with it (Rails writes
them in one go: µs apart; ruby_logger.py)."""
_MARKER = re.compile(r"-- (?P<what>.*) --")
WRAP_WIDTH = 64
"""A line at least this long may have been wrapped where it was pasted (a terminal's 80 columns, an issue's text
box): a line after it that fits no layout is taken for its rest, for neither side. Trial 58's journal pasted at 80
columns (`...start_fileserver.sh[1754]: time="2018-01-09T17:0` / `6:35Z" level=info ...`) and trial 59's kamailio
syslog wrapped at words had more pieces than lines, and were read as text without times, hosts or levels. Read, a
piece is joined to the line before as it was written (no line feed: `Failed with r` / `esult 'exit-code'.`)."""
_TERMINAL_WIDTHS = frozenset((80, 100, 120, 132, 160, 200))
"""Widths a terminal or `fold` wraps at: a line that long, with a piece after it, was cut inside a word."""
_HEADER_START = re.compile(r"-- (?:Logs begin at|Journal begins at) .*")

_SEPARATOR = re.compile(r"--|\ufeff?")
"""grep's line between context groups (`grep -C2`: `--` alone) and a line that is nothing (a byte-order mark):
skipped, and no evidence of any layout."""
_CATALOG = re.compile(r"\u2591\u2591(?: .*)?|-- .*")
"""`journalctl -x`'s explanation of an entry from the message catalog, a line each after it: `░░ Subject: Unit
failed` (systemd 246 and later, in a UTF-8 locale), `-- Subject: ...` (earlier, or another locale). journalctl's
words, not the program's: skipped, never joined to the message. `journalctl -xe` is what systemd's own errors tell
people to run, so it is what they paste."""
COMMAND = re.compile(r"(?:[^\s$#%>]{1,128}(?: [^\s$#%>]{1,128})? ?[$#%>] +|[$#%>] +)?(?:sudo +(?:-[A-Za-z]+ +)*)?"
                     r"(?:systemctl|journalctl|dmesg|tail|cat|less|grep|zcat|zgrep|docker|podman|kubectl) [^\n]*")
"""The command typed to show what follows, maybe behind the shell's prompt, pasted with its output (`pi@raspberrypi:~ $
sudo systemctl status mopidy`, `[root@db ~]# journalctl -u nginx`, `$ sudo tail -f /var/log/syslog`): the shell's
words, not a log's. Skipped in syslog text, never joined to the message before; in the sniffer (text_sniff.py) it
counts for neither side, as systemctl status's header does: with both counted against it, a paste of one journal line
under a prompt and a header was read as plain text, its time, host, unit and level lost (trial 63's 31)."""
_DOCKER_ID = re.compile(r"([0-9a-f]{12})[0-9a-f]{52}-json\.log")


def reference_time(path: Path) -> float:
    """What a year-less time may not be later than: the file's modification time (a log file is written to
    as it goes), or now for standard input."""
    if str(path) == "-":
        return time.time()
    try:
        return os.stat(path).st_mtime
    except OSError:
        return time.time()


_UNIT_PREFIX = re.compile(r"([^\s:]{1,255}): |Unit ([^\s:]{1,255}) entered failed state\.$"
                          r"|([^\s:]{1,255}) (?:failed"
                          r"|(?:holdoff time over|has no holdoff time), scheduling restart)\.$"
                          r"|start request repeated too quickly for ([^\s:]{1,255})$"
                          r"|(?:Starting|Started|Stopping|Stopped|Finished|Failed to start) ([^\s:]{1,255}) - "
                          r"|Failed to start ([^\s:]{1,255}\.(?:service|socket|mount|timer|path|swap|target))\.$")
"""systemd's lines about a unit begin with its name (log_unit_*: "shop-web.service: Failed with result ..."); systemd
219's (CentOS/RHEL 7) name it elsewhere: "Unit X entered failed state.", "X failed.", "X holdoff time over, scheduling
restart.", "start request repeated too quickly for X"; 252 before its description ("Stopped X - My API.", "Failed to
start X - My API."), and a unit without a description by its name ("Failed to start X.service."): that line was
a unit of its own, `(systemd)`, and `-u X` missed it (helper-190)."""


PID1_ONLY = frozenset({"init.scope", "-.slice"})
"""Units only PID 1 runs: a `systemd[N]:` line about one is no user manager's."""


def _entry(line: TextLine, where: str, selection: Selection, status: str | None = None) -> Entry | None:
    """The entry of a record; `status`: the unit of the `systemctl status` output it was printed under."""
    fields = line.fields
    if not selection.accepts_hosts({name: [value] for name, value in fields.items()}, line.usec):
        return None  # (-u: once the unit it goes with is known, below)
    # A PRIORITY here is no journal's: a syslog line's <PRI>, or Docker's stream (stderr 3, as its journald driver:
    # a default, where the text's level counts too, values.entry_from)
    syslog = "SYSLOG_FACILITY" in fields
    entry = entry_from(fields.get, line.usec, where, fields, docker_stream=not syslog, ceiling=line.ceiling)
    source = entry.level_source if entry.level_source != "journal" else "syslog" if syslog else "stream"
    entry = replace(entry, from_text=True, level_source=source)
    if entry.unit == untrusted_source("systemd") and (named := _UNIT_PREFIX.match(entry.message)) \
            and "." in (name := next(group for group in named.groups() if group)) and valid_unit_name(name):
        # PID 1's line about a unit goes with that unit, still marked as text's (a kernel OOM kill's failure
        # that such a line joins was headed "(systemd)", naming neither the kernel nor the unit killed); RHEL 7's
        # rsyslog writes PID 1's as "systemd:" (no PID); another systemd's is a user manager's (`journalctl --user
        # -u app` pasted: "systemd[900]: app.service: Failed with result ..."), read as its journal entry would be
        # (selection.managers_line), unless it names what only PID 1 runs (a user@ manager, init.scope, -.slice)
        # or no process (0): text is never acted on
        pid = fields.get("_PID")
        added = {} if fields.get("_SYSTEMD_USER_UNIT") == MANAGER_OWN else {"_PID": "1"} if pid is None \
            else {} if pid in ("1", "0") or name in PID1_ONLY or USER_MANAGER.fullmatch(name) \
            else {"_SYSTEMD_USER_UNIT": MANAGER_OWN, "USER_UNIT": name}  # (a user unit's status header: status_paste)
        entry = replace(entry, unit=untrusted_source(name), fields={**entry.fields, **added} if added else entry.fields)
    elif status is not None:
        entry = replace(entry, unit=untrusted_source(status))
    return entry if selection.takes_text_unit(entry.unit) and selection.admits(entry) else None


def wrapped_header(line: str) -> bool:
    """journalctl's header cut by a wrap where it was pasted (`-- Logs begin at ... CET, end at ... CET` / `. --`):
    read whole, it names the paste's zone and year; cut, both were lost and the times came two years and an hour
    off (helper-187)."""
    return len(line) >= WRAP_WIDTH and _HEADER_START.fullmatch(line) is not None and not _MARKER.fullmatch(line)



def read_text(stream: IO[bytes], name: str, selection: Selection, reference: float,
              warn: Warn, kind: str = "text") -> Iterator[Entry]:
    """Entries from journalctl/syslog text, or dmesg's or a program's own log (`kind` "dmesg", "applog"); a
    line that fits no layout continues the message before it (journalctl indents a message's further lines),
    or is skipped with a warning when there is none."""
    parser: LineParser
    if kind == "dmesg":
        parser = DmesgParser(reference)
    elif kind == "applog":
        parser = AppLogParser(name, reference)
    elif kind == "plain":
        parser = PlainParser(name, reference, "now (standard input has no file time)" if name == "-" else
                             "the file's time", head_of(stream))
    else:
        parser = SyslogParser(reference, head_of(stream))
        if name == "-":
            parser.years.reference_name = "now (standard input has no file time)"
    pending: TextLine | None = None
    pending_at = ""
    skipped: list[int] = []
    status: str | None = None
    """The unit of the `systemctl status` output being read (systemctl_status.py)."""
    pending_status: str | None = None
    failures: dict[str, StatusFailure] = {}
    """Per unit, what the latest `systemctl status` header of it says of a failure (systemctl_status.py)."""
    header = False
    """Inside a `systemctl status` header: its indented properties are skipped."""
    plain_status = PlainStatus(reference) if isinstance(parser, PlainParser) else None
    hosts = PlaceholderHosts()
    sleep = SleepLines()  # a suspend, told by systemd-sleep's lines (text has no monotonic time to show it)
    steps = StepsBack(wall=isinstance(parser, SyslogParser | AppLogParser))  # (dmesg's restart at a boot)
    early: list[tuple[int, str, Container]] = []
    """A program's log (applog): its lines before its first time, each a record at that time once it comes (a
    container's log opens with its entrypoint's words, a Redis crash report with its banner). Syslog text's too,
    read as plain.py reads them, the file's lines: a program's stderr pasted above its journal lines (trial 64's 26,
    text_sniff.py) was skipped."""
    untimed = PlainParser(name, reference, "")
    default = getattr(parser, "ident", "")  # the file's identifier, which a container's name replaces
    lines = read_owned_lines(stream, name, warn, containers(stream), NO_CONTAINER)
    wrapped = False
    """The line before is long enough to have been wrapped where it was pasted (WRAP_WIDTH): an unindented
    piece after it that fits no layout is its rest, joined as it was written, not as a line of its own."""
    cut_width = 0
    """The longest line so far that a piece followed: a wrap at a fixed width (a terminal's, `fold -w 80`) cuts every
    wrapped line there, in the middle of a word, and its piece is joined as written; a line cut shorter was wrapped at
    a word (an issue's text box) or lost its last blank with the line's end, and a blank goes back between them."""
    this = ""  # the line, and the one before it (`previous`): a wrapped one's end
    opened = ""
    """A journalctl header (`-- Logs begin at ...`) that a wrap cut before its ` --`: the piece after it ends it."""
    broken: Broken | None = None
    """The line before, of no layout, folded into `pending` (syslog text): the first half of a broken line?"""
    wall: re.Match[str] | None = None
    """A syslog daemon's greeting to the terminals (text_layouts.WALL_GREETING): the line after it is its message."""
    walled = False
    """`pending` is a wall message, or a terminal's line after one: an unindented line of no layout after it is the
    terminal's own output (a shell's, a test run's), a line of the file's at its time, not a continuation."""
    for number, (container, line) in enumerate(lines, start=1):
        was_wrapped, wrapped = wrapped, len(line) >= WRAP_WIDTH
        half, broken = broken, None
        if opened:
            line, opened = opened + line, ""
        elif wrapped_header(line):
            opened = line
            continue
        previous, this = this, line
        if _SEPARATOR.fullmatch(line):  # "" too; a blank line indented is a message's (journalctl's indent)
            if status is not None and not header and pending_status == status:
                status = None  # the blank line after a status block's log lines ends it (systemctl_status.py)
            continue
        line = line.removeprefix("\ufeff")
        marker = _MARKER.fullmatch(line)
        if marker:
            parser.marker(marker["what"])
            status = None
            continue
        if isinstance(parser, SyslogParser) and (_CATALOG.fullmatch(line) or COMMAND.fullmatch(line)):
            continue  # journalctl's, or the shell's, not a program's log's
        if isinstance(parser, SyslogParser) and (greeting := WALL_GREETING.fullmatch(line)) is not None:
            wall = greeting  # (syslogd's words: the message, its time and host are read with the next line)
            continue
        if isinstance(parser, SyslogParser) and (unit := status_unit(line)) is not None:
            status, header = unit, True
            failures[unit] = StatusFailure(unit)
            continue
        if isinstance(parser, AppLogParser) and was_wrapped and pending is not None and not line[:1].isspace() \
                and previous.endswith(pending.fields["MESSAGE"]) and cut_open(previous, line) \
                and stamp(line) is None and len(pending.fields["MESSAGE"]) < MAX_MESSAGE:
            # the rest of a program's line wrapped where it was pasted, inside a quote or bracket the rest closes (a
            # line of its own there is a stack trace's, a record at the time before): joined as a syslog line's piece
            at_width = len(previous) in _TERMINAL_WIDTHS or len(previous) == cut_width
            cut_width = max(cut_width, len(previous))
            pending.fields["MESSAGE"] += ("" if previous.endswith(" ") or at_width else " ") + line
            continue
        if plain_status is not None and plain_status.line(line):
            continue  # (a status header pasted alone: systemctl's words, its failure told below: status_paste.py)
        parsed = parser.wall_message(wall, line) if isinstance(parser, SyslogParser) and wall is not None else None
        wall, loose = None, parsed is not None
        if parsed is None:
            parsed = parser.parse(line)  # None for an indented line, but for a program's log (applog.py)
        if parsed is None and half is not None and (joined := broken_line(half.line, line)) is not None \
                and (parsed := parser.parse(joined)) is not None:
            # the rest of a line broken in two: the first half was no continuation of the entry before (nor a line
            # of none, skipped)
            if pending is not None and half.kept >= 0:
                pending.fields["MESSAGE"] = pending.fields["MESSAGE"][:half.kept]
            else:
                early = [held for held in early if held[0] != half.number]
            number, cut_width = half.number, half.cut_width
        if parsed is None and walled and pending is not None and not line[:1].isspace():
            parsed, loose = untimed.parse(line), True  # (the terminal's line after a wall message: the file's own)
            parsed.usec = pending.usec
        if parsed is None:
            if isinstance(parser, SyslogParser):  # (a status header without its glyph, cut off a paste, too)
                parser.status_property(line)
                if status is None and pending is None and (unit := loaded_unit(line)) is not None:
                    status, header = unit, True  # (its first line lost its glyph: skipped, no line of the file's)
                    failures[unit] = StatusFailure(unit)
                    skipped += [at for at, text, _ in early if text.startswith(unit)]
                    early = [held for held in early if not held[1].startswith(unit)]
                if header and status is not None:
                    failures[status].property(line)
            if header or (status is not None and line.startswith(STATUS_HINT)):
                continue
            if pending is not None and len(pending.fields["MESSAGE"]) < MAX_MESSAGE:
                if isinstance(parser, SyslogParser):
                    broken = Broken(line, number, len(pending.fields["MESSAGE"]), cut_width)
                indent = pending.indent
                more = line[indent:] if line[:indent].isspace() else line.lstrip()
                # a piece of a wrapped line, unindented after a long one, is joined as written; not after a sentence's
                # end and before a capital (a line of its own: systemctl's `Notice: journal has been rotated ...`);
                # cut at a terminal's width, or at the longest line's cut before it: nothing between, else a blank
                joint = "\n"
                if was_wrapped and isinstance(parser, SyslogParser) and not line[:1].isspace() \
                        and not (previous.endswith((".", "!", "?")) and line[:1].isupper()):
                    at_width = len(previous) in _TERMINAL_WIDTHS or len(previous) == cut_width
                    cut_width = max(cut_width, len(previous))
                    joint = "" if previous.endswith(" ") or at_width else " "
                pending.fields["MESSAGE"] += joint + more
            elif isinstance(parser, AppLogParser | SyslogParser) and len(early) < MAX_EARLY:
                early.append((number, line, container or NO_CONTAINER))
                if isinstance(parser, SyslogParser):
                    broken = Broken(line, number, -1, cut_width)
            else:
                skipped.append(number)
            continue
        if isinstance(parser, AppLogParser) and pending is not None and parsed.usec - pending.usec <= LOGGER_JOIN_USEC \
                and (ruby := logger_joined(pending.fields["MESSAGE"], parsed.fields["MESSAGE"])) is not None:
            pending.fields["MESSAGE"] = ruby  # (the same Logger's next line: ruby_logger.py)
            continue
        if container:
            claim(parsed, container, default)
        hosts.own(parsed.fields, parsed.usec)  # (a boot under a placeholder name: text_hosts.py)
        if pending is not None:
            entry = sleep.carried(pending, _entry(pending, pending_at, selection, pending_status))
            if pending_status is not None:
                failures[pending_status].saw(pending.fields)
            if entry is not None:
                yield entry
        elif (note := parser.note()) is not None:  # (a status header's failure is dated by it: nu240)
            warn(f"{name}: {note}" + ("; a systemctl status header's failure is told at its Active: line's since"
                                      if plain_status is not None and plain_status.failures else ""))
        if early:
            for at, text, owner in early:
                record = TextLine(parsed.usec, {"MESSAGE": text, "SYSLOG_IDENTIFIER": parser.ident}, 0) \
                    if isinstance(parser, AppLogParser) else untimed.parse(text)
                record.usec = parsed.usec
                if owner:
                    claim(record, owner, default)
                entry = _entry(record, f"{name}:{at}", selection)
                if entry is not None:
                    yield entry
            early = []
        pending, pending_at, pending_status, header, walled = parsed, f"{name}:{number}", status, False, loose
        steps.saw(parsed.usec, number)
    if pending is not None:
        entry = sleep.carried(pending, _entry(pending, pending_at, selection, pending_status))
        if pending_status is not None:
            failures[pending_status].saw(pending.fields)
        if entry is not None:
            yield entry
    if isinstance(parser, SyslogParser):
        yield from status_failures(failures.values(), parser, name, selection, _entry)
    elif plain_status is not None:
        if (alone := plain_status.note()) is not None:
            warn(f"{name}: {alone}")
        yield from status_failures(plain_status.failures.values(), plain_status.clock, name, selection, _entry)
    if (said := steps.note()) is not None:
        warn(f"{name}: {said}")
    if steps.span is not None and isinstance(years := getattr(parser, "years", None), Years) and years.guess():
        YEAR_GUESSED[name] = steps.span  # (a card says its year is a guess, as stderr does: timespec.year_guessed)
    skipped = sorted(skipped + [at for at, _, _ in early])
    if skipped:
        where = ", ".join(map(str, skipped[:5])) + (", ..." if len(skipped) > 5 else "")
        warn(f"{name}: {len(skipped)} line(s) in no log layout logsentry reads were skipped (line {where})")


def read_docker(stream: IO[bytes], name: str, selection: Selection, warn: Warn) -> Iterator[Entry]:
    """Docker json-file records: `log` is the text (a record without a final newline is a partial line that
    the next record continues), `stream` stderr or stdout (priority 3 or 6, as Docker's journald driver
    writes them), `time` RFC 3339 with nanoseconds. The identifier is the container's short id from the file
    name (`<id>-json.log`), or `attrs.tag` when the container was given a tag."""
    found = _DOCKER_ID.fullmatch(Path(name).name)
    default_ident = found[1] if found else Path(name).name.removesuffix(".gz").removesuffix("-json.log")
    parts: list[str] = []
    size = 0
    for number, line in enumerate(read_lines(stream, name, warn), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text, when = record["log"], record["time"]
            if not isinstance(text, str) or not isinstance(when, str):
                raise TypeError("log and time must be strings")
            stamp = re.fullmatch(ISO_TIME, when)
            if stamp is None:
                raise ValueError(f"time {when[:40]!r}")
            usec = iso_usec(stamp["date"], stamp["ihms"], stamp["ifrac"], stamp["zone"])
        except (ValueError, KeyError, TypeError) as error:
            warn(f"{name}: line {number}: not a Docker json-file record ({error}); skipped")
            continue
        if size < MAX_MESSAGE:
            parts.append(text)
            size += len(text)
        if not text.endswith("\n"):
            continue
        message = "".join(parts).removesuffix("\n")
        parts, size = [], 0
        attrs = record.get("attrs")
        tag = attrs.get("tag") if isinstance(attrs, dict) else None
        fields = {"MESSAGE": message, "SYSLOG_IDENTIFIER": tag if isinstance(tag, str) and tag else default_ident,
                  "PRIORITY": "3" if record.get("stream") == "stderr" else "6"}
        entry = _entry(TextLine(usec, fields, 0), f"{name}:{number}", selection)
        if entry is not None:
            yield entry
    if parts:
        warn(f"{name}: the input ends inside a partial line; it is dropped")


def warn_on_stderr(message: str) -> None:
    print(f"logsentry: warning: {message}", file=sys.stderr, flush=True)


def read_text_kind(kind: str, stream: IO[bytes], path: Path, selection: Selection,
                   warn: Warn = warn_on_stderr) -> Iterator[Entry]:
    """The entries of a stream sniff_text named `kind` (one of TEXT_KINDS)."""
    if kind == "docker":
        return read_docker(stream, str(path), selection, warn)
    if kind == "csvlog":
        return read_csvlog(stream, str(path), selection, _entry, warn)
    return read_text(stream, str(path), selection, reference_time(path), warn, kind)
