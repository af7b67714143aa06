"""A text in no layout that is PID 1's own output, without times or identifiers: `journalctl -o cat _PID=1` or
`-u app` with systemd's debug level, a screen of `systemd-analyze log-level debug` output copied into a bug report
(trial 72's 22: `oomtest.service: A process of this unit has been killed by the OOM killer.`, `oomtest.service:
Failed with result 'oom-kill'.`). Read with the file's name as identifier, PID 1's words were no unit's and every
systemd rule (gated on its PID) passed them by: one excerpt warning, the OOM kill not named.

Only systemd writes a line led by a unit's name (src/core's log_unit_*: `app.service: ...`), but a program may quote
one, so one line never makes a file PID 1's: half the head's lines or more must be led by a unit's name, and one of
them be PID 1's exact wording of a unit's state or end (MANAGER_WORDS). Then those lines alone are read as systemd's
(sources/text.py's _entry gives such a line PID 1's and its unit's, as RHEL 7's `systemd:` without a PID); the
others stay the file's. A user manager (`systemd --user`) writes the same words: its units read as PID 1's. As for
every text, the fields are only what the text claims (Entry.from_text): nothing is acted on."""

from __future__ import annotations

import re
from typing import IO

from .kernel_console import HEAD_BYTES
from .selection import UNIT_SUFFIXES

UNIT_LINE = re.compile(r"[\w:@.\\-]{1,255}(?:" + "|".join(re.escape(suffix) for suffix in UNIT_SUFFIXES) + r"): (?=\S)")
"""A line led by a unit's name, as log_unit_* writes PID 1's lines about a unit."""
MANAGER_WORDS = re.compile(r"(?:Failed with result '[a-z-]{1,40}'|(?:Main|Control) process exited, code=\w{1,10}, "
                           r"status=\S{1,40}|Changed [a-z-]{1,40} -> [a-z-]{1,40}|Deactivated successfully\.|"
                           r"Succeeded\.|(?:A process of this unit has been|Process of control group was) killed by "
                           r"the OOM killer\.|Scheduled restart job, restart counter is at \d{1,10}\.)$")
"""PID 1's wordings of a unit's state or end after its name (src/core/service.c's `Failed with result '%s'.`,
`Main process exited, code=%s, status=%s`, unit.c's `Changed %s -> %s` (debug), `Deactivated successfully.` (246+,
`Succeeded.` before), unit.c's OOM lines, service.c's restart counter): no program writes them after a unit's name."""
HEAD_LINES = 60
"""How many of the head's lines are looked at."""


def manager_output(head: bytes) -> bool:
    """Are `head`'s lines (a file's first bytes, of no layout) PID 1's own output (the module's test)?"""
    lines = unit_lines = worded = 0
    for raw in head.split(b"\n")[:HEAD_LINES]:
        line = raw.decode("utf-8", "replace").strip()
        lines += bool(line)
        if (led := UNIT_LINE.match(line)) is not None:
            unit_lines += 1
            worded += MANAGER_WORDS.fullmatch(line, led.end()) is not None
    return worded > 0 and unit_lines >= 2 and 2 * unit_lines >= lines


def head_of(stream: IO[bytes]) -> bytes:
    """The stream's first bytes, peeked (not consumed); none for a stream that cannot peek."""
    peek = getattr(stream, "peek", None)
    head = peek(HEAD_BYTES) if peek is not None else b""
    return head[:HEAD_BYTES] if isinstance(head, bytes) else b""
