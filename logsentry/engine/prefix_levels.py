"""Step 5 of the text level grammar (engine/levels.py): a level token after the program's own prefix, starting
within MAX_PREFIX characters (`prefix_level`, with `timestamp_level` its shortcut for the commonest shapes). The
grammar, what is skipped as prefix and which tokens are levels, is documented in engine/levels.py; the C twin is
sources/levels.h's lv_prefix_level.
"""

from __future__ import annotations

import re

from .level_words import LEVEL_WORDS, POSTGRES_LEVELS, WORD, word_level

PHP_LEVELS: dict[str, int] = {
    "Fatal error": 2, "Parse error": 3, "Recoverable fatal error": 3, "Catchable fatal error": 3,
    "Warning": 4, "Notice": 5, "Deprecated": 5, "Strict Standards": 5,
}
"""PHP's error_log prefixes (main.c php_error_cb: "PHP %s:  %s in %s on line %d")."""

MAX_PREFIX = 200
"""The level token starts within this many characters (a prefix is all ASCII: as many bytes)."""
MAX_BRACKET = 128
"""A bracketed prefix group holds at most this many characters, printable ASCII without `[`."""


# Character classes, all ASCII: the C twin reads bytes, and any non-ASCII character ends a token there too.
_WORD = WORD
_TOKEN = re.compile(
    r"(?:[ \t]|\x1b\[[0-9;]*m)*"  # blanks: spaces, tabs and ANSI colour codes (SGR)
    r"(?:(\[[ -Z\\^-~]{0," + str(MAX_BRACKET) + r"}\])"  # a bracket group: printable ASCII but [ and ]
    r"|([0-9][!-Z\\^-~]*)"  # a timestamp or number: printable ASCII but space, [ and ]
    r"|([-|]+)(?=[ \t]|\Z)"  # a separator
    r"|([A-Za-z][A-Za-z0-9]*))")  # a word
_NUMBERS = re.compile(r"(?:(?:[ \t]|\x1b\[[0-9;]*+m)+[0-9][!-Z\\^-~]*+)*")  # more numbers
# (no possessive repeat of a group here or in _TIMESTAMP_LEVEL: Debian 12's Python 3.11.2 matched `)++`/`)*+` wrong,
# ' 12:17:03 ' for ' 12:17:03' (a CPython re bug fixed in a later 3.11), and read no level of Squid's, Telegraf's and
# Prosody's lines; each token is bounded by a blank, so the greedy repeats never backtrack far)
_TIMESTAMP_LEVEL = re.compile(
    r"((?:[0-9][!-Z\\^-~]*+[ \t]++)+)"  # 1: numbers: a date, a time, a pid
    r"(?:(?:([A-Z]{1,5})|[+-][0-9]{2}(?::?[0-9]{2})?)[ \t]++)?"  # 2: a time zone (or a numeric offset: no group)
    r"(?:\[[0-9][0-9 :.,/+-]{0,127}+\][ \t]*+)*"  # brackets of digits: [1845], [2024-01-02 10:00:00 +0000]
    r"(?:[A-Za-z][A-Za-z0-9_.-]*+@[A-Za-z0-9_.-]*+[ \t]++)?"  # PostgreSQL's user@db
    r"(?:([A-Z][A-Z0-9]*+)(?=[ \t:\[\]/\x1b]|\Z)|\[ *+([A-Za-z]++) *+\])")  # 3: a word in capitals; 4: [word]
_OFFSET = re.compile(r"(?:[ \t]|\x1b\[[0-9;]*m)*[+-][0-9]{2}(?::?[0-9]{2})?(?=[ \t])")
"""A numeric UTC offset after a time, as the zone (Fluentd's `%Y-%m-%d %H:%M:%S %z`: `2018-12-01 14:41:44 +0000
[warn]: ...`), or the hours alone, as strftime's %Z names a zone without an abbreviation (PgBouncer's log_time,
`2024-06-12 13:02:23.005 +03 [2865569] WARNING C-0x...: pooler error: ...` in Europe/Istanbul)."""
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]* - ")  # Python logging: %(name)s between " - "
_AT = re.compile(r"[A-Za-z0-9_.-]*@[A-Za-z0-9_.-]*(?=[ \t])")  # PostgreSQL: %u@%d
_IDENT = re.compile(r"[A-Za-z0-9_.-]*\[[0-9]+(?::[0-9]+)?\]:?(?=[ \t])")  # syslog's ident[pid], unbound's [pid:tid]
_CODE_PLACE = re.compile(r"[A-Za-z0-9_./-]{1,120}\.(?:c|cc|cpp|cxx|h|hpp):[0-9]{1,6}:"
                         r"[A-Za-z_~][A-Za-z0-9_:~]{0,120}\(\): ")
"""A C or C++ source place after the time, the level after it: ProxySQL's proxy_error/proxy_warning (include/
proxysql_debug.h: `%s %s:%d:%s(): [ERROR] `, `2019-02-16 20:53:43 MySQL_HostGroups_Manager.cpp:303:connect_error():
[ERROR] Shunning server ...`): its lines had no level (trial 59)."""
_PGPOOL_PID = re.compile(r" [0-9]{1,10}: ")
"""pgpool-II's default log_line_prefix `%t: pid %p: ` (`2020-07-15 15:42:20: pid 5503: FATAL:  ...`), then
PostgreSQL's severities (trial 59: no level read)."""
_LIBRESWAN = "pluto: "
"""Libreswan's pluto up to 4.1 names itself before its level, first or after its log file's time (programs/pluto/
log.c loglog/libreswan_log: `"%s: %s\n"` of strftime's `%b %e %T`, since 4.x `%b %e %T.%06ld: `; plutomain.c: a bare
`fprintf(stderr, "pluto: FATAL: unable to create lock dir: ...")` before exiting): `Jun  8 18:37:34: pluto: warning:
chdir("/run/pluto/") to dumpdir failed ...`, `pluto: FATAL: unable to create lock dir: "/run/pluto/": No such file or
directory` had no level (trial 62's 19). Its `warning: `, `ERROR: `, `FATAL: ` and `FATAL ERROR: ` after it are level
words; later releases write them without the name (include/logjam.h WARNING_PREFIX .. FATAL_PREFIX)."""
_SOURCE_LEVEL = re.compile(r"[A-Za-z0-9_.:@/-]+(?:\t| {2,})([A-Za-z]+)(?:\t| {2,})")
"""After a time, a source's name and the level, each followed by a tab or blanks: Prosody's file log
(core/loggingmanager.lua: the name, a tab or blanks to `source_width`, the level, a tab: `Jan 26 17:19:20
modulemanager\terror\tError initializing module ...`; Jitsi Meet's XMPP server)."""
_PADDED_IDENT = re.compile(r"[A-Za-z0-9_.-]+ +\[[0-9]+\]:(?=[ \t])")
"""A name padded before `[pid]:` after a time (Python logging's `%(name)-24s[%(process)d]:`, fail2ban's
`2017-12-05 16:32:37,435 fail2ban.utils          [10775]: ERROR   ...`: its level was not read)."""
_APACHE = re.compile(r"[A-Za-z0-9_]*:([A-Za-z][A-Za-z0-9]*)")

_LETTER_LEVELS = {"D": 7, "I": 6, "W": 4, "E": 3, "C": 2}
"""Tornado's and traitlets' `%(levelname)1.1s`: DEBUG, INFO, WARNING, ERROR, CRITICAL."""
_LETTER_BRACKET = re.compile(r"([DIWEC]) [0-9][!-~]* [0-9]")  # the letter, a date, a time
_PASSENGER = re.compile(r" ([CEWNI]|D[23]?) [0-9]{4}-")
"""Phusion Passenger's LoggingKit (Implementation.cpp _prepareLogEntry: `[ %s %d-%02d-%02d %02d:%02d:%02d.%04llu
%d/T%s file:line ]: `): a blank, the level's marker, a blank and a year-first date. The markers are its levels
crit, error, warn, notice, info, debug, debug2, debug3 (`_PASSENGER_LEVELS`)."""
_PASSENGER_LEVELS = {"C": 2, "E": 3, "W": 4, "N": 5, "I": 6, "D": 7, "D2": 7, "D3": 7}
_TELEGRAF_LEVELS = {"E": 3, "W": 4, "I": 6, "D": 7, "T": 7}
"""Telegraf's level indicators (telegraf.LogLevel.Indicator: "E!" error .. "T!" trace)."""
_JITSI = frozenset({"Jicofo", "JVB", "Jigasi", "Jibri"})
"""Jitsi's components name themselves before the time (jitsi-utils' JitsiLogFormatter, the Debian packages'
logging.properties: `Jicofo 2024-01-13 18:53:26.225 SEVERE: [61] ...`): trial 59's lines had no time nor level."""
NAMED_PREFIXES = frozenset({"PHP", "LibClamAV"} | _JITSI)
"""Words before a level a program writes first (`PHP Fatal error:`, `LibClamAV Error:`, Jitsi's `Jicofo <time>
SEVERE:`: prefix_level)."""
MONTHS = frozenset(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))
WEEKDAYS = frozenset(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
_DOVECOT = re.compile(r"[a-z][a-z0-9-]{0,31}(?:\([!-'*-;=?-~]{0,128}\))?(?:<[!-'*-;=?-~]{0,64}>)*: "
                      r"(Debug|Info|Warning|Error|Fatal|Panic): ")
"""Dovecot's process prefix and level (src/lib/failures.c): `auth-worker(4567): Error: `, `imap-login: Info: `."""
_DOVECOT_LEVELS = {"Debug": 7, "Info": 6, "Warning": 4, "Error": 3, "Fatal": 2, "Panic": 2}
"""As Dovecot sends them to syslog: its Fatal (the process dies) and Panic (a bug) are LOG_CRIT."""
# a word ends at one of these (or the end of the line) to be a level
_ENDS_WORD = frozenset(" \t:[]/\x1b")


# ---- 5. a level after the program's own prefix ------------------------------------------------------

def timestamp_level(line: str) -> int | None:
    """A shortcut for the commonest shapes of step 5 (a timestamp, maybe a zone, pid brackets and user@db,
    then a level): one regex instead of a token loop. It answers only when it finds a level, and only one
    the loop would find too; otherwise the loop decides."""
    found = _TIMESTAMP_LEVEL.match(line)
    if found is None:
        return None
    numbers, zone, capitals, bracketed = found.groups()
    if zone is None and found.end(1) != found.start(3 if capitals is not None else 4) \
            and line[found.end(1)] in "+-" and ":" not in numbers.split()[-1]:
        return None  # a numeric offset only after a time
    if zone is not None:
        if zone == "PHP":
            return None  # PHP's own prefix (the loop reads it before any zone)
        if zone.lower() in LEVEL_WORDS:  # no zone but the level (the regex took it for a zone)
            return LEVEL_WORDS[zone.lower()] if found.start(2) < MAX_PREFIX else None
        if ":" not in numbers.split()[-1]:
            return None  # a zone only after a time
    word = capitals if capitals is not None else bracketed
    if found.start(3 if capitals is not None else 4) >= MAX_PREFIX or capitals in _ZEROLOG_WORDS:
        return None  # (zerolog's FTL and PNC: the loop reads them only right after a time)
    if capitals is not None and word in POSTGRES_LEVELS and line.startswith(":  ", found.end(3)):
        return POSTGRES_LEVELS[word]
    return word_level(word, True) if capitals is None else word_level(word, False)


_ZEROLOG_WORDS = frozenset(("FTL", "PNC"))
"""zerolog's console abbreviations of fatal and panic, a level only right after a time, where its ConsoleWriter
writes them (`3:04PM FTL msg`): elsewhere a word (Pi-hole's daemon is FTL: `[2020-03-04 06:48:07.383 9838] FTL
branch: master`, paged critical at each of its starts: trial 59)."""


def prefix_level(line: str) -> int | None:
    end = len(line)
    at = 0
    after_time = zone_done = name_done = user_done = ident_done = after_separator = ctime = False
    token = -1
    while True:
        token += 1
        if after_time and not zone_done and (offset := _OFFSET.match(line, at)):
            at, zone_done, after_time, after_separator = offset.end(), True, False, False  # "10:00:00 +0000 "
            continue
        found = _TOKEN.match(line, at)
        if found is None or found.start(found.lastindex or 0) >= MAX_PREFIX:
            return None
        bracket, number, separator, word = found.groups()
        stop = found.end()
        if bracket is not None:
            level = _bracket_level(bracket[1:-1])
            if level is not None:
                return level
            at, after_time, after_separator = stop, False, False
        elif number is not None:  # (and the numbers that follow it at once: one regex for the run)
            more = _NUMBERS.match(line, stop).end()  # type: ignore[union-attr]
            if more > stop:  # the last number starts after the run's last blank (or colour code: no ":")
                number = line[max(line.rfind(" ", stop, more), line.rfind("\t", stop, more),
                                  line.rfind("\x1b", stop, more)) + 1:more]
                stop = more
            at, after_time, after_separator = stop, ":" in number, False
            if ctime and line.startswith(" : ", stop):  # FreeRADIUS's "<ctime> : Error: " (src/main/log.c)
                at, after_time, after_separator = stop + 2, False, True
        elif separator is not None:
            at, after_time, after_separator = stop, False, True
        else:
            follows = line[stop] if stop < end else ""
            if follows == ":" and word in POSTGRES_LEVELS and line.startswith(":  ", stop):
                return POSTGRES_LEVELS[word]
            if follows == ":" and word == "Trace":
                return None  # Node's console.trace(): `Trace: [Error: ... SQLITE_BUSY ...]` and a stack, no debug line
            if (follows == "" or follows in _ENDS_WORD) and (after_time or word not in _ZEROLOG_WORDS):
                level = word_level(word, follows == ":")
                if level is not None:
                    return level
            start = stop - len(word)
            if follows == " " and word.lower() == "fatal" and line[stop:stop + 7].lower() == " error:":
                return 2  # unbound's fatal_exit (util/log.c: log_vmsg(LOG_CRIT, "fatal error", ...)), "Fatal error:"
            if word == "LibClamAV" and follows == " ":  # ClamAV's cli_errmsg, cli_warnmsg, ... (others_common.c)
                lead = _WORD.match(line, stop + 1)
                return word_level(lead[0], True) if lead and line.startswith(":", lead.end()) else None
            if word == "PHP" and follows == " ":
                return next((level for phrase, level in PHP_LEVELS.items()
                             if line.startswith(phrase, stop + 1) and line.startswith(":", stop + 1 + len(phrase))),
                            None)
            if after_time and not zone_done and follows in ("", " ", "\t") and len(word) <= 5 and word.isalpha() \
                    and word.isupper():
                at, zone_done, after_time, after_separator = stop, True, False, False
            elif token == 0 and len(word) == 1 and word in "DIWEFAU" and line.startswith(", [", stop):
                at = stop + 1  # Ruby's Logger: "E, [2024-01-02T10:00:00.123456 #1234] ERROR -- prog: msg"
            elif token == 0 and word in _JITSI and follows == " " and "0" <= line[stop + 1:stop + 2] <= "9":
                at = stop + 1  # Jitsi's component before its time: "Jicofo 2024-01-13 18:53:26.225 SEVERE: ..."
            elif not name_done and (token == 0 or after_separator) and (name := _NAME.match(line, start)):
                at, name_done, after_time, after_separator = name.end() - 2, True, False, False
            elif token and not user_done and (user := _AT.match(line, start)):
                at, user_done, after_time, after_separator = user.end(), True, False, False
            elif token == 0 and word in WEEKDAYS and follows == " " and line[stop + 1:stop + 4] in MONTHS \
                    and line.startswith(" ", stop + 4) and "0" <= line[stop + 4:stop + 7].lstrip(" ")[:1] <= "9":
                at, ctime, after_separator = stop + 4, True, False  # ctime(3)'s "Tue Nov 24 12:20:35 2026"
            elif token == 0 and word in MONTHS and follows == " " \
                    and "0" <= line[stop:stop + 3].lstrip(" ")[:1] <= "9":
                at, after_separator = stop, False  # a syslog-style month: "Dec 02 01:10:00 " (Dovecot's log_timestamp)
            elif (token == 0 or after_time) and (dovecot := _DOVECOT.match(line, start)):
                return _DOVECOT_LEVELS[dovecot[1]]
            elif not ident_done and (ident := _IDENT.match(line, start)
                                     or (token and _PADDED_IDENT.match(line, start))):
                at, ident_done, after_time, after_separator = ident.end(), True, False, False
            elif (token == 0 or after_time) and word in _TELEGRAF_LEVELS and line.startswith("! ", stop):
                return _TELEGRAF_LEVELS[word]  # Telegraf's indicator (logger.go: "E! ", "W! ", "I! ", "D! ", "T! ")
            elif after_time and follows == "|" and word.startswith("kid") and word[3:].isdigit():
                at, after_time, after_separator = stop + 1, False, True  # Squid's " kid1| " (debug.cc debugLogKid)
            elif after_time and (sourced := _SOURCE_LEVEL.match(line, start)) is not None \
                    and (level := word_level(sourced[1], True)) is not None:
                return level  # Prosody's "modulemanager\terror\t"
            elif (after_time or after_separator) and (place := _CODE_PLACE.match(line, start)) is not None:
                at, after_time, after_separator = place.end(), False, True  # ProxySQL's "file.cpp:303:func(): "
            elif (after_time or after_separator) and word == "pid" and (pool := _PGPOOL_PID.match(line, stop)):
                at, after_time, after_separator = pool.end(), False, True  # pgpool-II's "%t: pid %p: "
            elif (token == 0 or after_time) and word == "pluto" and line.startswith(": ", stop):
                at, after_time, after_separator = stop + 2, False, True  # libreswan's "pluto: warning: " (_LIBRESWAN)
            else:
                return None


_RABBITMQ_LEVELS = {"erro": 3, "noti": 5, "debu": 7}
"""RabbitMQ 3.9+'s four-letter levels as its logger's text format writes them, lower case alone in brackets
(`2022-01-31 18:01:20.441571+00:00 [erro] <0.692.0> ** Connection attempt ... rejected`); its `[warn]`, `[info]` and
`[crit]` are level words already. Only there: `ERRO[0000]` without logrus's shape is no level (test_levels_formats)."""


def _bracket_level(content: str) -> int | None:
    """The level a bracket group names: `[ERROR]`, `[ warn ]`, `[proxy:error]`, `[<timestamp> ERROR ...]`,
    `[E <timestamp> ...]`, `[ E <timestamp> ... ]` (Passenger's)."""
    if content[:1] in _LETTER_LEVELS and (letter := _LETTER_BRACKET.match(content)):
        return _LETTER_LEVELS[letter[1]]
    if content[:1] == " " and (marker := _PASSENGER.match(content)):
        return _PASSENGER_LEVELS[marker[1]]
    if (rabbitmq := _RABBITMQ_LEVELS.get(content)) is not None:
        return rabbitmq
    stripped = content.strip(" ")
    if stripped and stripped.isalnum():
        return word_level(stripped, True) if stripped[0].isalpha() else None
    apache = _APACHE.fullmatch(content)
    if apache:
        return word_level(apache[1], True)
    parts = [part for part in content.split(" ") if part]
    # a timestamp first (digit-led parts, maybe a zone), then a capitalised level word ending the part or
    # followed by "/" or ":" (env_logger, Celery)
    index = 0
    while index < len(parts) and parts[index][0].isdigit():
        index += 1
    if index == 0 or index == len(parts):
        return None
    word = _WORD.match(parts[index])
    if word is None:
        return None
    rest = parts[index][word.end():]
    if rest and rest[0] not in "/:":
        return None
    return word_level(word[0], rest[:1] == ":")
