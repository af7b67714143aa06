"""The identifier a log file's records get from its name (sources/applog.py, sources/plain.py): no host, unit or
identifier is in a program's own log or a paste, so its name says whose lines they are."""

from __future__ import annotations

import re
from pathlib import Path

_SUFFIXES = re.compile(r"(?:\.(?:gz|\d{1,3}|log|txt|out|err|json|jsonl|ndjson|csv))+$")
_DATED = re.compile(r"[-_.]\d{4}-?[01]\d-?[0-3]\d(?:[-_T]?[0-2]\d[0-5]\d(?:[0-5]\d)?)?$")
"""A date (and time) a rotation or the program put in the name: PostgreSQL's default log_filename
`postgresql-%Y-%m-%d_%H%M%S`, Tomcat's `catalina.2026-12-04`, logrotate's `dateext` `-20261204`: tomorrow's file is
the same program's (a new user's csvlog was `(postgresql-2026-12-04_000000.csv)`)."""


GENERIC_NAMES = frozenset({"access", "all", "app", "application", "console", "current", "daemon", "debug", "default",
                           "err", "error", "errors", "general", "info", "log", "main", "out", "output", "server",
                           "service", "stderr", "stdout", "system", "trace", "warn", "warning"})
"""Log file names that say what a log is, not whose: `/var/log/nginx/error.log` was `(error)` (helper-124), Cassandra's
`/var/log/cassandra/system.log` `(system)`, which read as systemd's (helper-174)."""
_NO_OWNER = frozenset({"", ".", "..", "log", "logs", "var", "tmp", "home", "root"})
"""Directory names that say no program's name either."""


def identifier(name: str) -> str:
    """The identifier a file's records get: its name without `.log`, `.txt`, `.json`, `.csv`, rotation numbers, a date
    (_DATED) or `.gz`; a
    generic name (GENERIC_NAMES) in a program's directory of a log directory with that directory's name in front:
    `nginx-error` for /var/log/nginx/error.log."""
    if name == "-":
        return "stdin"
    path = Path(name).absolute()  # (`error.log` read in /var/log/nginx: nginx)
    base = _SUFFIXES.sub("", path.name) or path.name
    base = _SUFFIXES.sub("", _DATED.sub("", base)) or base  # (`app.log-20261204.gz`: the date, then `.log`)
    owner, above = path.parent.name, path.parent.parent.name
    # only a program's own directory of logs names it: /var/log/nginx/, /opt/shop/logs/worker/ (a download
    # folder or a scratch directory says nothing of whose the log is)
    if base.lower() in GENERIC_NAMES and owner.lower() not in _NO_OWNER and above.lower() in ("log", "logs"):
        return f"{owner}-{base}"
    return base
