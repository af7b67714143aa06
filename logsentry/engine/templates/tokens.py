"""Line -> tokens: variable parts masked, level words found, long lines cut.

One pass of one compiled regex masks the variable kinds a journald line carries (glog's and CockroachDB's
level-and-date header, URLs, e-mail, UUIDs, timestamps, MAC/IPv4/IPv6 addresses with ports (a source location
`util.go:163` is none), paths, hex, durations and sizes, numbers, month and weekday names, quoted values); a
callable is run only where something matched. Tokens are the masked line split on whitespace, with `key=value` split
after the `=` so a varying value does not take its key with it. A JSON object line is
first rewritten as `level msg key=value ...` (level and message first, so the prefix tree sees the event's
words and not the keys every line shares; a line with a message without its request context: `_context`).

Level words (INFO, ERROR, Warn, `[error]`, `level=err`, ...) are never masked; `level_positions` finds them
so that clustering never merges two lines that differ in their level (drain3#45).

The regex and `_replace` below are the reference (`reference_mask`, `reference_tokenize`); `mask`, `tokenize` and
`masked_key` run their C twin (`_mask.c`, about 10x faster), which tests/test_mask_equivalence.py holds to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from . import _drain, _mask

MAX_TEMPLATE_CHARS = 2048
"""Only a message's first line, and this much of it, is templated: tracebacks and huge lines would
otherwise each become a template of their own."""


def first_line(message: str) -> str:
    """The part of a message that is templated (MAX_TEMPLATE_CHARS of its first line)."""
    end = message.find("\n")
    line = message if end < 0 else message[:end]
    return line[:MAX_TEMPLATE_CHARS]

WILDCARD = "<*>"

LEVEL_WORDS = frozenset({
    "trace", "trc", "debug", "dbg", "debu", "info", "inf", "information", "informational", "notice",
    "warn", "warning", "wrn", "error", "err", "eror", "crit", "critical", "fatal", "ftl",
    "panic", "emerg", "emergency", "alert", "severe", "fine", "finer", "finest", "verbose",
})
STRIP = "[](){}<>:;,.!'\"|=/-_#*"
"""Stripped off both ends of a token before it is compared with `LEVEL_WORDS`."""

_HEX = "[0-9a-fA-F]"
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
# IPv6 candidates: hex groups with colons; the callable keeps only real-looking ones (a '::' or 7 colons).
_IPV6 = r"(?:[0-9a-fA-F]{1,4}:|::?)[0-9a-fA-F:]*[0-9a-fA-F](?:%\w+)?"
_PATHCH = r"[\w.@%+~,:=$-]"
# Month and weekday names, as C's strftime %b/%a write them in programs' own timestamps (Redis "28 Nov 2025",
# Apache "[Mon Nov 30 ...]", syslog "Nov 30 12:00:00", Tomcat "30-Nov-2025"): unmasked, every line of such a
# program got a new template each day or month (the prefix tree splits on its first tokens), and new-template
# rules took the first errors of a new day for never seen.
_DATE_NAMES = "Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# glog's header (glog's LogMessage::Init, klog's and abseil's FormatHeader: `Lmmdd hh:mm:ss.uuuuuu threadid
# file:line] `, glog 0.6+ also `Lyyyymmdd ...`) glues the level letter I/W/E/F to the date: unmasked, `E1126`
# changed at midnight, so a glog/klog program's (kubelet's, etcd's) known error line was a new template to the
# new-template rules each day, and its E and I lines could merge under `<*>`. Masked as the letter and `<DATE>`
# (`E<DATE>`, one token as before), where a real month and day are followed by ` hh:mm:ss` as the header has them.
# CockroachDB's crdb-v1/v2 header (`Lyymmdd hh:mm:ss.uuuuuu goid file:line`) glues a two-digit year: the same.
_GLOG = r"[IWEF](?:[0-9]{2}){0,2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?= [0-9]{2}:[0-9]{2}:[0-9]{2})"
# A source location `NAME.EXT:LINE` (glog/klog's `util.go:163]`, Java's `(Foo.java:42)`, Python logging's
# `%(filename)s:%(lineno)d`, a C compiler's or assert's `foo.c:12`) is no host:port: its file name is the event's
# (kept), its line number a `<NUM>`. EXT is a source file's extension; those that are also top-level domains (in the
# public suffix list: cc, java, mm, pl, py, rs, sh) count only as `NAME.EXT` alone (`main.py:42`; `db.example.pl:5432`
# stays a host). `main.rs:2:5` and paths (`/srv/app/server.js:42`) never were host:ports.
SOURCE_EXTENSIONS = ("c", "h", "cpp", "cxx", "hpp", "hh", "hxx", "go", "js", "mjs", "cjs", "jsx", "ts", "tsx", "rb",
                     "php", "kt", "scala", "groovy", "cs", "swift", "m", "erl", "ex", "exs", "hs", "lua", "zig", "dart")
SOURCE_EXTENSIONS_TLD = ("cc", "java", "mm", "pl", "py", "rs", "sh")
_SOURCE = (r"(?![A-Za-z0-9-]+\.(?:" + "|".join(SOURCE_EXTENSIONS_TLD) + r"):"
           r"|(?:[A-Za-z0-9-]+\.)+(?:" + "|".join(SOURCE_EXTENSIONS) + r"):)")

# A dotted quad glued to a name by a dash is a version, not an address (`cachix-server-0.1.0.0-LHzK...`, a Haskell
# package id; `pkg-1.2.3.4`): its parts fit an IPv4 (0.1.0.0 is one), so only that context tells (`<NUM>`, as a
# version of two or three parts is). A dash after a digit is a range's (`10.0.0.1-10.0.0.9`): addresses still.
# Every kind starts where no letter or digit precedes, so that test comes first: it fails at once inside words.
# A short id of hex digits (4 to 7) that mixes digits and letters is a number too (XSHORT, after DUR so `100d` stays a
# duration): `(req 9c9b)` beside `(req 9563)` (<NUM>: digits alone) and `(req 1c2f3e4d)` (XNUM) was a new template
# whenever an id had a letter in it (newuser78: a known error line read as new for 23 min). Request and connection
# ids, short hashes (git's 7) and hex counters past 0xfff are 4 or more: a random 4-digit hex id mixes both 83 % of
# the time. Shorter mixed tokens are mostly names (3d, b2b, 2fa, e2e, ac3), kept; so are words of hex letters alone
# (dead, cafe, added) and of digits alone (<NUM> as before).
_MASK_RE = re.compile(
    "(?<![A-Za-z0-9])(?:" + "|".join([
        rf"(?P<GLOG>{_GLOG})",
        r"(?P<URL>\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s\"'<>]+)",
        r"(?P<UNIT>(?:[\w:@-]|\\x[0-9A-Fa-f]{2})+(?<=[A-Za-z0-9])\.(?:service|socket|timer|mount|automount|scope|slice"
        r"|target|path|swap|device))"
        r"(?![\w.-])",
        r"(?P<EMAIL>\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b)",
        rf"(?P<UUID>\b{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b)",
        r"(?P<TS>\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])"
        r"|(?<![\w:.])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?![\w:]))",
        rf"(?P<MAC>(?<![\w:-]){_HEX}{{2}}(?P<sep>[:-]){_HEX}{{2}}(?:(?P=sep){_HEX}{{2}}){{4}}(?![\w:-]))",
        rf"(?P<IP>(?<![\w.])(?<![A-Za-z]-){_IPV4}(?::\d{{1,5}})?(?![\w]|\.\d))",
        r"(?P<HOSTPORT>(?<![\w.-])" + _SOURCE + r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+:\d{1,5}(?![\w.:]))",
        rf"(?P<IP6>\[{_IPV6}\](?::\d{{1,5}})?|(?<![\w:.]){_IPV6}(?![\w:]))",
        rf"(?P<PATH>(?<![\w/.~:-])(?:~|\.\.?)?(?:/{_PATHCH}+)+/?(?:\?[^\s\"'<>]*)?|\b[A-Za-z]:\\[^\s\"'<>]*)",
        rf"(?P<HEX>\b0[xX]{_HEX}+\b)|(?P<XNUM>(?<![A-Za-z0-9])(?=[a-fA-F]*\d){_HEX}{{8,}}(?![A-Za-z0-9]))",
        r"(?P<DUR>(?<![A-Za-z0-9.])(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|sec|secs|min|mins|hrs?)){1,4}(?![A-Za-z0-9]))",
        rf"(?P<XSHORT>(?=[0-9]*[a-fA-F])(?=[a-fA-F]*[0-9]){_HEX}{{4,7}}(?![A-Za-z0-9]))",
        r"(?P<NUM>(?<![A-Za-z0-9])[-+]?\d+(?:[.,]\d+)*(?:[kKMGTP]i?B|[kKMGT]|B|b)?(?![A-Za-z0-9]))",
        rf"(?P<DATE>(?:{_DATE_NAMES})(?![A-Za-z0-9]))",
        r"(?P<Q>(?<![A-Za-z0-9\\])\"(?:[^\"\\\n]|\\.)*\"(?!\s*:)|(?<![A-Za-z0-9])'[^'\n]*'(?![A-Za-z0-9:]))",
    ]) + ")"
)
_NUM_RE = re.compile(r"(?<![A-Za-z0-9])[-+]?\d+(?:[.,]\d+)*(?![A-Za-z0-9])")
_LIST_RE = re.compile(r"(<[A-Z]+>)(?:,\1)+")
_SIMPLE = {"URL": "<URL>", "EMAIL": "<EMAIL>", "UUID": "<UUID>", "TS": "<TS>", "MAC": "<MAC>", "IP": "<IP>",
           "PATH": "<PATH>", "HEX": "<HEX>", "XNUM": "<NUM>", "XSHORT": "<NUM>", "UNIT": "<UNIT>", "HOSTPORT": "<IP>",
           "DUR": "<DUR>", "NUM": "<NUM>", "DATE": "<DATE>"}
# Keys whose value is the event's own text (kept, masked inside) or its level (kept).
_TEXT_KEYS = ("msg", "message", "MESSAGE", "Message", "event", "log", "error", "err", "level", "lvl", "severity",
              "loglevel", "log.level", "levelname")
_TEXT_KEY_ENDS = tuple(f'"{k}":' for k in _TEXT_KEYS) + tuple(f"{k}=" for k in _TEXT_KEYS) + \
    tuple(f'"{k}": ' for k in _TEXT_KEYS)
_JSON_LEVEL_KEYS = ("level", "lvl", "severity", "loglevel", "log.level", "levelname", "@l")
_JSON_MSG_KEYS = ("msg", "message", "MESSAGE", "Message", "event", "@m", "@mt", "log")


def _replace(m: re.Match[str]) -> str:
    kind = m.lastgroup
    assert kind is not None
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return simple
    text = m.group()
    if kind == "IP6":
        core = text.strip("[]").split("]")[0]
        if ("::" in core or core.count(":") == 7) and any(c.isdigit() for c in core) and core.count(":") >= 2:
            return "<IP>"
        return _NUM_RE.sub("<NUM>", text)
    if kind == "GLOG":
        return text[0] + "<DATE>"
    # Q: a quoted value
    inner = text[1:-1]
    if not inner or inner.strip().lower() in LEVEL_WORDS:
        return text
    if " " in inner or m.string.endswith(_TEXT_KEY_ENDS, 0, m.start()):
        # words in quotes (a request line, a message) keep their words; only their variables are masked
        return text[0] + _mask_inner(inner) + text[-1]
    return "<STR>"


def _mask_inner(text: str) -> str:
    return _MASK_RE.sub(_replace, text)


def reference_mask(line: str) -> str:
    """The line with its variable parts replaced by `<KIND>` placeholders (the reference of `mask`)."""
    return _MASK_RE.sub(_replace, line)


mask = _mask.mask
"""The line with its variable parts replaced by `<KIND>` placeholders (C; the same as `reference_mask`)."""


def _json_text(line: str) -> str | None:
    """`{"level":"info","msg":"done","ms":12}` -> `info done ms=12`; None when the line is no JSON object. A line
    with its message leaves its request context out (`_context`); one without keeps every key: they are its event."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    head: list[str] = []
    for keys in (_JSON_LEVEL_KEYS, _JSON_MSG_KEYS):
        for k in keys:
            v = obj.get(k)
            if isinstance(v, str):
                head.append(v)
                break
    said = any(isinstance(obj.get(k), str) for k in _JSON_MSG_KEYS)
    rest = [f"{k}={_json_value(v)}" for k, v in obj.items() if k not in _JSON_LEVEL_KEYS and k not in _JSON_MSG_KEYS
            and not (said and _context(k, v))]
    return " ".join(head + rest)


# Keys that say which request, client or moment a line was logged for, not what happened: Nextcloud writes reqId,
# remoteAddr, user, method, url, userAgent and version on every line, and each user agent or URL made its one
# notice a new template (trial 75: 7 noise cards on one `fallback implementation of the intl extension` notice).
_CONTEXT_KEYS = frozenset({
    "reqid", "requestid", "traceid", "spanid", "correlationid", "remoteaddr", "remoteip", "clientip", "ip",
    "user", "userid", "username", "method", "url", "uri", "requesturi", "useragent", "version",
    "time", "timestamp", "ts", "t", "datetime", "date", "host", "hostname"})
# Keys that name the event's source or its error: kept, free text or not (Nextcloud's "app", zap's "logger").
_OWN_KEYS = frozenset({"app", "logger", "loggername", "module", "component", "name", "caller", "service",
                       "source", "error", "err", "exception", "errormessage"})


def _context(key: str, value: Any) -> bool:
    """Is `key` of a line that has its message left out of its template (`_json_text`): a request-context key
    (`_CONTEXT_KEYS`), or free text (a string with a space) under a key that names neither the event's source nor
    its error? A user agent's or a URL's words are no event's, and their lengths defeat masking."""
    name = "".join(c for c in key.lower() if c.isalnum())
    if name in _OWN_KEYS:
        return False
    return name in _CONTEXT_KEYS or (isinstance(value, str) and any(c.isspace() for c in value))


def _json_value(v: Any) -> str:
    if isinstance(v, str):
        return v if v and not any(c.isspace() for c in v) else orjson.dumps(v).decode()
    return orjson.dumps(v).decode()


def reference_tokenize(line: str, max_tokens: int = 128) -> list[str]:
    """Masked tokens of a line, at most max_tokens of them (the reference of `tokenize`)."""
    if line.startswith("{") and line.endswith("}"):
        converted = _json_text(line)
        if converted is not None:
            line = converted
    masked = _MASK_RE.sub(_replace, line)
    if ">,<" in masked:
        masked = _LIST_RE.sub(r"\1", masked)  # a list of addresses (or numbers) is one variable
    if "=" in masked:
        masked = masked.replace("=", "= ")
    if "][" in masked:
        masked = masked.replace("][", "] [")  # [time][app][Info][host]: one field a token
    tokens = masked.split()
    if len(tokens) > max_tokens:
        del tokens[max_tokens:]
    return tokens


_mask.set_json_text(_json_text)
masked_key: Callable[[str, int], str] = _mask.masked_key
"""`masked_key(line, max_tokens)`: `" ".join(tokenize(line, max_tokens))`, all in C but the JSON step (which
calls `_json_text`): the key of the miner's masked-line cache."""


def tokenize(line: str, max_tokens: int = 128) -> list[str]:
    """Masked tokens of a line, at most max_tokens of them (`max_tokens` >= 0)."""
    key = _mask.masked_key(line, max_tokens)
    return key.split(" ") if key else []


level_positions: Callable[[list[str]], tuple[tuple[int, str], ...]] = _drain.level_positions
"""`level_positions(tokens)`: (index, token) of every token that is a level word (`token.strip(STRIP).lower()` in
`LEVEL_WORDS`; the C function's own copies, `_drain.level_words`/`strip_chars`, are tested equal); () for most."""
