"""A cron job's own output inside cronie's log line: the job's text is what the rules judge.

cronie logs each line its job writes (`-s`, SyslogOutput) through log_it (src/do_command.c: `log_it(usernm,
getpid(), "CMDOUT", logbuf, 0)`), which syslog(3)s it as `"(%s) %s (%s)%s%s"` (src/misc.c: the user, the event, the
detail) under the job's child's name, `CROND` (upshifted from crond for ps, CAPITALIZE_FOR_PS): `CROND[1470129]:
(copr) CMDOUT (ERROR: Could not write lockfile ...: No space left on device)`. The journal keeps the same MESSAGE
(syslog(3), no journal API). Rules anchor on a program's own words where it ends or begins them (disk-full on ENOSPC
at the line's end), so behind the envelope the job's failure matched nothing (trial 78's 28: a nightly backup failed
on a full disk, no card). The envelope is taken off where an entry is made (values.entry_from), for every source,
and the job's text read as the message, its level too; the identifier stays cron's.
"""

from __future__ import annotations

import re

CRON_CHILD = frozenset({"CROND", "crond"})
"""The SYSLOG_IDENTIFIER cronie's job-running child logs under (`CROND`; `crond` where built without
CAPITALIZE_FOR_PS)."""
_CMDOUT = re.compile(r"\((?P<user>[^()\s]{1,256})\) CMDOUT \((?P<text>.*)\)", re.DOTALL)
"""log_it's `(USER) CMDOUT (TEXT)`: the user's name (no blank, no parenthesis: a login name), then the line the job
wrote (at most 1023 bytes a piece: logbuf), err 0, so nothing after the closing parenthesis."""


def job_output(identifier: str | None, message: str) -> str | None:
    """The job's own line a cronie CMDOUT `message` wraps, when `identifier` is cronie's child's; else None."""
    if identifier not in CRON_CHILD or (found := _CMDOUT.fullmatch(message)) is None:
        return None
    return found["text"]
