"""Steps 2 and 4 of the text level grammar (engine/levels.py documents the whole grammar and its sources): the
level key of a JSON object line and of a logfmt line. The C twin is in sources/levels.h (lv_json_level,
lv_logfmt_level).
"""

from __future__ import annotations

import re

from .format_levels import MONGO_JSON_START, mongo_json_level
from .level_words import POSTGRES_LEVELS, word_level
from .level_words import WORD as _WORD

JSON_KEYS = ("level", "Level", "lvl", "severity", "Severity", "loglevel", "log_level", "log.level", "levelname",
             "level_name", "@l", "LogLevel", "error_severity")
POSTGRES_JSON_KEY = "error_severity"
"""PostgreSQL's jsonlog (15+, src/backend/utils/error/jsonlog.c write_jsonlog): its severity, FATAL and PANIC read
as POSTGRES_LEVELS."""
LOGFMT_KEYS = ("level", "lvl", "severity", "loglevel", "log_level", "log.level")
JSON_NUMBERS: dict[int, int] = {
    10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2,  # pino, bunyan
    100: 7, 200: 6, 250: 5, 300: 4, 400: 3, 500: 2, 550: 1, 600: 0,  # Monolog (RFC 5424 names)
}
"""Numbers of one scale only: a level of 0 to 7 is read by the object's schema (SMALL_SCALES)."""
GELF_KEY = "short_message"
NEXTCLOUD_KEY = "reqId"
SMALL_SCALES: dict[str, dict[int, int]] = {
    GELF_KEY: {n: n for n in range(8)},
    NEXTCLOUD_KEY: {0: 7, 1: 6, 2: 4, 3: 3, 4: 2},
}
"""A `"level"` of 0 to 7 means different things to different programs, so it is read only where the object says
whose it is, by a top-level key its program always writes: GELF's (the spec's required `short_message`; its level
is syslog's, 0 emerg .. 7 debug) and Nextcloud's and ownCloud's (lib/private/Log/LogDetails.php writes `reqId`
first; ILogger's 0 DEBUG, 1 INFO, 2 WARN, 3 ERROR, 4 FATAL, as its Systemdlog maps them to journald's PRIORITY).
Read as syslog's, a Nextcloud "Login successful" at INFO (1) was an alert and every warning (2) critical. Without
either key a small number is no level."""

KIBANA_JSON_START = '{"type":"log","@timestamp":"'
_KIBANA_JSON = re.compile(r'\{"type":"log","@timestamp":"[^"\\]*","tags":\[((?:"[^"\\]*"(?:,"[^"\\]*")*)?)\]')
_KIBANA_TAG = re.compile(r'"([^"\\]*)"')
KIBANA_LEVELS = {"fatal": 2, "error": 3, "err": 3, "warning": 4, "warn": 4, "info": 6, "debug": 7, "trace": 7}
"""Kibana's JSON log line up to 7.x (src/legacy/server/logging/log_format.js readEvent and log_format_json.js: the
keys `type`, `@timestamp`, `tags`, `pid` in that order, JSON.stringify's, no blanks) carries a log event's level
among its tags only: the new platform's records first (src/core/server/legacy/logging/appenders/legacy_appender.ts:
`[record.level.id.toLowerCase(), ...record.context.split('.')]`, its LogLevel ids fatal, error, warn, info, debug,
trace), the legacy plugins' anywhere (a status change `["status","plugin:elasticsearch@6.8.0","error"]`,
src/legacy/server/status/status.js; the string format's `statuses` err, info, error, warning, fatal, debug). The
first of these tags of a `"type":"log"` line is its level: `{"type":"log","@timestamp":"...","tags":["error",
"elasticsearch-service"],"pid":6,"message":"Unable to retrieve version information from Elasticsearch nodes. ..."}`
had none (trial 61's 34). An `"type":"error"` line says its `"level"`, read as any."""


def kibana_json_level(line: str) -> int | None:
    """The level of Kibana's `"type":"log"` line (KIBANA_LEVELS), or None."""
    found = _KIBANA_JSON.match(line)
    if found is None:
        return None
    return next((KIBANA_LEVELS[tag] for tag in _KIBANA_TAG.findall(found[1]) if tag in KIBANA_LEVELS), None)


# ---- 4. logfmt -------------------------------------------------------------------------------------

_LOGFMT_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_.-]*)=("[^"\\]*(?:\\.[^"\\]*)*"|[^ \t"]*)(?:[ \t]+|\Z)', re.DOTALL)


NOT_LOGFMT = -1


def logfmt_level(line: str) -> int | None:
    """The level of a logfmt line, None when it has none, NOT_LOGFMT when it does not start with a pair."""
    at, end = 0, len(line)
    while at < end:
        pair = _LOGFMT_PAIR.match(line, at)
        if pair is None:
            return None if at else NOT_LOGFMT
        if pair[1] in LOGFMT_KEYS:
            value = pair[2]
            if value.startswith('"'):
                value = value[1:-1]
            return word_level(value, True) if _WORD.fullmatch(value) else None
        at = pair.end()
    return None


# ---- 2. JSON ---------------------------------------------------------------------------------------

_JSON_SPACE = " \t\r\n"
_QUOTED_JSON_KEYS = tuple(f'"{key}"' for key in JSON_KEYS)
_JSON_KEY = re.compile(r'[ \t\r\n]*"([^"\\]*(?:\\.[^"\\]*)*)"[ \t\r\n]*:[ \t\r\n]*', re.DOTALL)
_JSON_STRING = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"', re.DOTALL)
_JSON_SCALAR = re.compile(r'[^ \t\r\n,}\]]*')
_JSON_NUMBER = re.compile(r'([0-9]{1,4})(?=[ \t\r\n,}]|\Z)')
_JSON_NESTED = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|["\[\]{}]', re.DOTALL)
_JSON_NEXT = re.compile(r'[ \t\r\n]*([,}])')


def json_level(line: str) -> int | None:
    """The level of the first top-level level key of a line that is one JSON object."""
    if not line.rstrip(_JSON_SPACE).endswith("}"):
        return None
    if line.startswith(MONGO_JSON_START) and (level := mongo_json_level(line)) is not None:
        return level
    if line.startswith(KIBANA_JSON_START) and (level := kibana_json_level(line)) is not None:
        return level
    if not any(key in line for key in _QUOTED_JSON_KEYS):
        return None  # (a key is compared as written, escapes and all: so it occurs as written)
    at = 1
    small: int | None = None  # a level of 0..7, waiting for the key that says whose scale it is
    schema: str | None = None
    while True:
        key = _JSON_KEY.match(line, at)
        if key is None:
            return None
        at = key.end()
        if key[1] in SMALL_SCALES and schema is None:
            schema = key[1]
            if small is not None:
                return SMALL_SCALES[schema].get(small)
        if key[1] in JSON_KEYS and small is None:
            if line.startswith('"', at):
                text = _JSON_STRING.match(line, at)
                if text and key[1] == POSTGRES_JSON_KEY and text[1] in POSTGRES_LEVELS:
                    return POSTGRES_LEVELS[text[1]]
                return word_level(text[1], True) if text and _WORD.fullmatch(text[1]) else None
            number = _JSON_NUMBER.match(line, at)
            if number is None:
                return None
            value = int(number[1])
            if value > 7:
                return JSON_NUMBERS.get(value)
            if schema is not None:
                return SMALL_SCALES[schema].get(value)
            small = value
        at = _skip_json_value(line, at)
        if at < 0:
            return None
        after = _JSON_NEXT.match(line, at)
        if after is None or after[1] == "}":
            return None
        at = after.end()


def _skip_json_value(line: str, at: int) -> int:
    """Where the value at `at` ends, or -1 when it does not (an unterminated string or bracket)."""
    if line.startswith('"', at):
        text = _JSON_STRING.match(line, at)
        return text.end() if text else -1
    if at < len(line) and line[at] in "[{":
        depth = 0
        for token in _JSON_NESTED.finditer(line, at):
            mark = token[0]
            if mark in "[{":
                depth += 1
            elif mark in "]}":
                depth -= 1
                if depth == 0:
                    return token.end()
            elif mark == '"':
                return -1
        return -1
    return _JSON_SCALAR.match(line, at).end()  # type: ignore[union-attr]
