"""A boot console's job and the lines printed while it ran, for the card of systemd-console-job-failed.

On the console PID 1 prints a job's begin (src/core/job.c job_emit_begin_status_message: the unit type's
`starting_stopping` format, mount.c's "Mounting %s...", swap.c's "Activating swap %s...", else "Starting %s...",
after 9 blanks where a status word goes) and its end (`[  OK  ] Mounted %s.`, `[FAILED] Failed to mount %s.`,
`[ TIME ] Timed out mounting %s.`), each naming the unit's Description. Between the two come the lines the job's
own process wrote there: trial 72's 35, `[    9.926960] mount[1411]: mount: /local: wrong fs type, bad option, bad
superblock on /dev/nvme1n1p1, ...` before `[FAILED] Failed to mount Local Directory (/local).`, the one line that
says why. Its card showed the `[DEPEND]` lines PID 1 printed before the failure's reprint at the paste's end as
"its program's last lines", not that one. Here a job's lines are those read after its begin and before its end
that are no status line of PID 1's (a bracketed six-character word, or the 9 blanks of a begin): other jobs' output
may interleave on a busy console, so they are the lines printed while it ran, not proven its own. Text only; log
text is the console's claim, shown as such, never acted on.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque

Line = tuple[int, str]

CONSOLE_RULE = "systemd-console-job-failed"
"""The rule whose key (its `description` group) names the job."""
KEPT = 5
"""Lines kept per job, the last ones before its end (last_lines.COUNT)."""
MAX_JOBS = 256
"""Jobs running at once and failed jobs remembered, each at most (a console's text is its writer's to make up)."""

_BEGIN = re.compile(r" {0,9}(?:Starting|Mounting|Activating swap) (?P<description>\S.{0,255}?)\.\.\.")
_END = re.compile(r"\[(?P<word>  OK  |FAILED| TIME )\] (?:Failed to (?:start|mount|activate swap|listen on)"
                  r"|Timed out (?:starting|mounting|activating swap)|Started|Mounted|Activated swap|Listening on"
                  r"|Finished|Reached target) (?P<description>\S.{0,255}?)\.?")
"""A job's end (job.c job_print_done_status_message, the unit types' `finished_start_job` formats): a failure's
words as systemd-console-job-failed matches them, a success's to end a job that worked."""
_STATUS = re.compile(r"\[[^\]]{6}\] | {9}\S")
"""PID 1's status lines (`[DEPEND] Dependency failed for ...`, `[  OK  ] ...`, a begin's 9 blanks): no job's output."""


class ConsoleJobs:
    """The jobs a console's text begins and ends, per (machine, description), and the lines read while each ran."""

    def __init__(self) -> None:
        self.running: OrderedDict[tuple[str, str], deque[Line]] = OrderedDict()
        self.failed: OrderedDict[tuple[str, str], tuple[Line, ...]] = OrderedDict()
        """A failed job's last lines before its first failure line."""

    def line(self, machine: str, usec: int, message: str) -> None:
        """A text's line, in reading order."""
        if message[:1] in " [":
            if (begun := _BEGIN.fullmatch(message)) is not None:
                self.running[(machine, begun["description"])] = deque(maxlen=KEPT)
                if len(self.running) > MAX_JOBS:
                    self.running.popitem(last=False)
                return
            if (ended := _END.fullmatch(message)) is not None:
                job = (machine, ended["description"])
                lines = self.running.pop(job, None)
                if lines is not None and ended["word"] != "  OK  " and job not in self.failed:
                    self.failed[job] = tuple(lines)
                    if len(self.failed) > MAX_JOBS:
                        self.failed.popitem(last=False)
                return
            if _STATUS.match(message):
                return
        for (host, _), lines in self.running.items():
            if host == machine:
                lines.append((usec, message))

    def said(self, machine: str, description: str) -> tuple[Line, ...] | None:
        """The lines read while the failed job of that description ran, before it failed; None when its begin was
        not read (the paste was cut after it)."""
        return self.failed.get((machine, description))
