"""Lines whose program wrote its level as info or debug: no failure by their words for a rule with `info_lines = false`.

A program that writes its own level tells its failures apart from its routine: a cleanup job's `removed 28 expired
sessions` and a 404's `order not found: 68930` at INFO are its routine (a new user's 340-line excerpt of a healthy
gunicorn API paged by excerpt-failure-template on them). A line with no level of its own (journald's default 6 for
stdout, the mission's failures) is not one: its words still count.
"""

from __future__ import annotations

from .prefix_levels import MAX_PREFIX

INFO_LEVEL = 6
POSTGRES_LOG = "LOG:  "
"""PostgreSQL's `LOG` (elog.c's error_severity, two spaces after its colon): its operator's level, read as info
(engine/levels.py) but where it says a server process was killed or an archive command failed: not told as info."""


def told_info(level: int | None, source: str, message: str) -> bool:
    """Did the program write its level as info or debug: an effective priority `level` of 6 or 7 read from its text
    (`source` "text", Entry.level_source), PostgreSQL's `LOG` aside?"""
    return (level is not None and level >= INFO_LEVEL and source == "text"
            and POSTGRES_LOG not in message[:MAX_PREFIX + 10])
