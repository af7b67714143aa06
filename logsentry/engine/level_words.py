"""Level words and their syslog priorities: the vocabulary every step of engine/levels.py reads a level with.

Split from levels.py so that its structured steps (engine/structured_levels.py) and its prefix steps share one
table; the C twin is sources/levels.h's lv_lookup and lv_word_level.
"""

from __future__ import annotations

import re

LEVEL_WORDS: dict[str, int] = {
    "emerg": 0, "emergency": 0, "panic": 0, "pnc": 0,
    "alert": 1,
    "crit": 2, "critical": 2, "fatal": 2, "ftl": 2,
    "err": 3, "error": 3, "eror": 3, "severe": 3,
    "warn": 4, "warning": 4, "wrn": 4,
    "notice": 5, "note": 5,
    "info": 6, "information": 6, "informational": 6, "inf": 6, "log": 6,
    "debug": 7, "dbug": 7, "dbg": 7, "trace": 7, "trc": 7, "verbose": 7, "fine": 7, "finer": 7, "finest": 7,
    # java.util.logging's level names in a JVM's language (Level.getLocalizedName, the JDK's sun.util.logging
    # resources), as Tomcat's and SimpleFormatter's lines write them (`GRAVE [main] ...`, `AVERTISSEMENT: ...`):
    # French, Spanish, Italian and Portuguese SEVERE, German SEVERE; their WARNING; French INFO (ASCII ones only)
    "grave": 3, "schwerwiegend": 3, "avertissement": 4, "warnung": 4, "advertencia": 4, "avvertenza": 4, "infos": 6,
}
"""Level words (lower case) and their syslog priority."""

NUMBERED = ("debug", "trace")
"""Words that may end in one digit 1-8 (PostgreSQL's DEBUG1..5, Apache's trace1..8): debug."""

WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
"""A word as the grammar reads it: ASCII letters, then letters and digits."""


def word_level(word: str, any_case: bool) -> int | None:
    """The priority of a level word written ERROR (always), or Error / error (only when `any_case`)."""
    if not (word.isupper() or (any_case and (word.islower() or (word[0].isupper() and word[1:].islower())))):
        return None
    lower = word.lower()
    level = LEVEL_WORDS.get(lower)
    if level is None and len(lower) > 1 and lower[-1] in "12345678" and lower[:-1] in NUMBERED:
        return 7
    return level


POSTGRES_LEVELS: dict[str, int] = {"FATAL": 3, "PANIC": 2}
"""PostgreSQL's severities that mean less than the words do elsewhere, as PostgreSQL itself sends them to syslog
(elog.c: FATAL is LOG_ERR, PANIC LOG_CRIT): a FATAL ends one session (a failed login, a refused connection),
a PANIC the whole server. Read so where the word is PostgreSQL's: followed by its colon and two spaces
(`FATAL:  password authentication failed ...`), or in its csvlog's severity field or jsonlog's `error_severity`
(levels._postgres_csv_level, structured_levels.POSTGRES_JSON_KEY): one failed login is no critical page. Its
ERROR (a failed statement) stays err, where its WARNING and ERROR are LOG_NOTICE and LOG_WARNING in syslog."""
