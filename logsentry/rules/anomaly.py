"""The `[anomaly]` table of a rule file: which learned-baseline test the rule runs instead of a regex.

Four kinds (logsentry/engine/anomaly.py runs them):

- `new-template`: a line whose template the unit never logged before it was warm, at `level` or worse,
  and, with `words`, whose template text (the masked first line: client values count less) says one of them;
  with `clean = true`, only in a unit whose learnt history holds no error-level line at all; with
  `flood = true`, only once the new template floods (engine/flood.py): at least `min_count` of its lines
  within the window, `factor` times the unit's usual count of lines of every template in such a window, a
  Poisson tail below `p_value`, and more than `peak_margin` times the busiest two minutes of any template of
  the unit in the last 14 days (times the window over two minutes, for a window longer than that), templates
  still new left out; with `lasting`, only once its lines in the window span that long (a storm goes on, a
  one-off run's burst ends); with `info_lines = false`, a line whose program wrote its level as info or debug
  (effective priority 6 or 7 read from its text, engine/levels.py) is no failure by its words;
- `rate-spike`: a known template (or, with `errors = true`, the unit's error-level lines) far above its
  learned rate: at least `min_count`, `factor` times the expected count, a Poisson tail below `p_value`,
  and more than `peak_margin` times its busiest two minutes of the last 14 days (times the window over two
  minutes, for a window longer than that);
- `error-share`: the share of the unit's lines at `level` or worse far above its learned share: at least
  `min_count` such lines, `factor` times the learned share, a binomial tail below `p_value`, and more
  error lines than `peak_margin` times the unit's busiest two minutes of errors of the last 14 days (not
  scaled to the window);
- `persistence`: a known template at `level` or worse (with `words`, one whose template text says one of them)
  whose current episode (its lines with no pause longer than `gap`) has lasted longer than `floor` and `margin`
  times its longest episode learnt, with at least `min_count` lines (engine/episodes.py); with `first_run = true`,
  only a template's first run, of a template first logged once its unit had `warm_after` of history, below error
  level (new-error-template's business), once it has lasted longer than `floor` (a new failure that goes on).

The tails assume lines arrive independently; errors do not (one exception is thirty lines of stack
trace), so the busiest-two-minutes guard keeps a unit's usual bursts from looking like a jump.

A unit is "warm" once its baseline spans `warm_after` of journal time and `warm_entries` entries; no
anomaly rule judges a cold unit (it has nothing to compare with), but a new-template rule with `excerpts = true`
judges the lines read from text (a paste, a program's log) from the unit's first line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import regex

from ..tomlfile import unknown_key
from .pattern import RegexProblem, compile_regex

KINDS = ("new-template", "rate-spike", "error-share", "persistence")
_KEYS = {"kind", "level", "warm_after", "warm_entries", "factor", "min_count", "p_value", "errors", "novel_for",
         "peak_margin", "words", "clean", "gap", "floor", "margin", "flood", "lasting", "excerpts", "ignore",
         "retries", "info_lines", "first_run"}
PERSISTENCE_KEYS = ("gap", "floor", "margin")
"""persistence only (engine/episodes.py): an episode ends at a pause longer than `gap`; it persists once longer
than `floor` and `margin` times the template's longest episode learnt."""
MAX_WORDS = 1000
MAX_WORD_CHARS = 200


NOT_NEGATED = r"""(?!["']?\s*(?:[=:]\s*["']?\s*(?:false|null|nil|none|0)|=\s*(?:\d+|<NUM>))(?![\w>]))"""
"""A word used as a key is no failure when its value says none (`failed=false`, `"error":null`, `errors: 0`: a
task runner's summary line) or is a number (`panic=1`, the kernel's command line; `errors=<NUM>`, a counter: a
template's tokens read `failed= false`, `panic= <NUM>`)."""


LIMIT_WORDS = frozenset({"timeout", "time-out"})
"""Words that also name a setting: a limit given as a duration is no failure."""
_UNITS = ("ms", "sec", "second", "seconds", "min", "minute", "minutes", "hour", "hours")
AS_SETTING = "".join(rf"(?<!<NUM> {unit} )(?<!<NUM>-{unit} )" for unit in _UNITS) + r"(?<!<DUR> )(?<!<DUR>-)"
"""Not after a duration: `Running clean with 5 minute timeout` (a Jenkins task's setting, every five minutes: trial
66), `a 30s timeout`, `10-second timeout`; template text, where numbers read <NUM> and `30s` reads <DUR>."""
SETTING_AFTER = r"(?!\s*(?:\(?(?:in|of)\s+|[:=]\s*)(?:<NUM>|<DUR>))"
"""Nor before one: NetworkManager's `beginning transaction (timeout in 45 seconds)`, `with a timeout of 30s`,
`timeout: 30s`. `timeout after 30000ms` (a request that ran out) still counts."""


def words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    r"""One case-insensitive regex for a rule's `words`: each word or phrase on word boundaries (a phrase's
    spaces match any run of white space), so `lost` matches "connection lost" but not "lostfound". Words with
    the same boundaries share them: `(?<!\w)(?:failed|refused|...)(?!\w)` tests each position's boundary once,
    where a boundary per word tested it for every word (new-failure-template's 70 words took 150 µs on a
    139-character template and 2.5 ms on 2 KB, for every line of a new template: a flood of one outran the
    journal). A word used as a key with a value that says none does not count (NOT_NEGATED), nor a timeout given
    as a duration (AS_SETTING, SETTING_AFTER)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for word in words:
        body = r"\s+".join(re.escape(part) for part in word.split())
        before = r"(?<!\w)" if re.match(r"\w", word) else ""
        after = r"(?!\w)" + NOT_NEGATED if re.search(r"\w$", word) else ""
        if word.lower() in LIMIT_WORDS:  # (its own tests inside the alternative: one boundary test per group)
            body = AS_SETTING + body + SETTING_AFTER
        groups.setdefault((before, after), []).append(body)
    if {"error", "exception"} & {word.lower() for word in words}:
        groups.setdefault((r"(?<!\w)", r"(?!\w)" + NOT_NEGATED), []).append(EXCEPTION_NAME)
    return re.compile("|".join(f"{before}(?:{'|'.join(bodies)}){after}"
                               for (before, after), bodies in groups.items()), re.IGNORECASE)


EXCEPTION_NAME = r"(?-i:[A-Z][A-Za-z0-9_$]*(?:Error|Exception))"
"""An exception's name says "error" or "exception" for a rule whose words hold them: `ZeroDivisionError`,
`ConnectionResetError`, `java.net.ConnectException`'s last name, `IOException` (Python's, the JVM's and .NET's
naming). A word on word boundaries never matched inside one, so a worker printing `wk-billing: ZeroDivisionError:
division by zero` every second was no failure to any rule (trial 73's D1: no level either, the name after the
program's own prefix). Case-sensitive: `terror` and `myerror` are no exception's name."""


COUNTER_AFTER = re.compile(r"""["']?\s*[:=]\s*(?:["']\s*)?<NUM>(?![\w>])""")
"""A word used as a counter's name in template text (`keys expired: <NUM>`, `errors=<NUM>`): what it says depends on
the line's number (Words.said)."""


def zero_counter(word: str, message: str) -> bool:
    """Does `message` give the word (as a template matched it) as a counter of zero (`keys expired: 0`, Redis's
    every start; `errors: 0`, `failed=0` of a summary, `errors: 0.0`)? A count of none says no failure; one of 3
    still does, and so does a line that gives the word as a counter twice, one of them not zero (`files failed: 0,
    dirs failed: 2`: the template's two masked numbers are one word's, which of them the hit was is not known). The
    white space around the separator is read one way (white space, then a quote and white space: never two runs of
    it in a row): 4 KiB of `errors:` and spaces took 120 ms."""
    name = r"\s+".join(re.escape(part) for part in word.split())
    counter = rf"""(?<!\w){name}["']?\s*[:=]\s*(?:["']\s*)?"""
    counts = re.findall(rf"""{counter}(?:(0+(?:\.0+)?(?![\w.,]?\d)(?!\w))|[-+]?\d)""", message, re.IGNORECASE)
    return bool(counts) and all(counts)


IGNORE_TIMEOUT_S = 0.05
"""How long an `ignore` regex may search one template (the detector's DEFAULT_TIMEOUT_S): template text is the
lines' own, a hostile client's included, and an operator's `(\\w+\\s?)+:` backtracks for ever on some. One that runs
out ignores nothing: the template's words count."""


_THROWS = re.compile(r"(?<![\w$])throws\s+(?:[\w$.]+\s*,\s*)*[\w$.]*\Z")
"""A Java method's `throws` clause up to a word: the exceptions the method may throw, none thrown (Spring's `Mapped
"{[/x]}" onto public java.lang.String c.e.Web.page() throws java.lang.Exception`, Method.toString())."""
_NAME = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")
"""What a name in code is written with."""


def in_code(text: str, start: int, end: int) -> bool:
    """Whether the word at `text[start:end]` is a name in code or a path, no failure said (trial 69's 48: 22 INFO lines
    of a Spring app's start-up fired excerpt-failure-template): a segment of a dotted name (`throws
    java.lang.Exception`, `org.springframework.boot.autoconfigure.web.servlet.error.BasicErrorController`, a stack
    frame's `TransportContext.fatal(`, a file's `error.log`), a path's segment after a slash (`Mapped "{[/error]}"`,
    `/var/log/nginx/error.log`), a type in a `throws` clause. A word inside a camelCase identifier (`errorPageFilter`,
    `handleError`) is none already: the words' boundaries. The same word in what a line says (`Connection error`,
    `Exception: boom`, `failed.` at a sentence's end) counts."""
    if start and text[start - 1] == "/":
        return True
    if start >= 2 and text[start - 1] == "." and text[start - 2] in _NAME:
        return True
    if text[end:end + 1] == "." and text[end + 1:end + 2] in _NAME and not text[end + 1:end + 2].isdigit():
        return True
    return "throws" in text[max(0, start - 200):start] and _THROWS.search(text, max(0, start - 200), start) is not None


_ANY = re.compile("")
"""What a rule without words finds in a template it does not ignore: an empty match, no word said."""


@dataclass(frozen=True)
class Words:
    """A rule's `words` as one regex (words_pattern), but not in a template its `ignore` regex finds: a program's own
    wording known to say no failure whatever its words (debconf's `unable to initialize frontend: Dialog`, then its
    fallback, in every non-interactive install). A persistence rule may have `ignore` alone (`pattern` None): every
    template counts but those (warning-template-persists: MariaDB's `Aborted connection ...` of a client that went
    away, trial 74's 56)."""

    pattern: re.Pattern[str] | None
    ignore: regex.Pattern[str] | None = None

    def ignores(self, text: str) -> bool:
        """Does the `ignore` regex find `text` (a template's)? Not when it runs out of time (IGNORE_TIMEOUT_S)."""
        if self.ignore is None:
            return False
        try:
            return self.ignore.search(text, timeout=IGNORE_TIMEOUT_S) is not None
        except TimeoutError:
            return False  # (IGNORE_TIMEOUT_S: the words count)

    def search(self, text: str) -> re.Match[str] | None:
        """The first word `text` (a template's) says, or None (none, or an ignored template); a word in code or a path
        (in_code) is none said. Without words: an empty match for every template not ignored."""
        if self.ignores(text):
            return None
        return self._first(text, 0)

    def _first(self, text: str, at: int) -> re.Match[str] | None:
        """The first word `text` says from `at` on that is not in code or a path (in_code)."""
        if self.pattern is None:
            return _ANY.match(text)
        return next((found for found in self.pattern.finditer(text, at)
                     if not in_code(text, found.start(), found.end())), None)

    def said(self, text: str, message: str) -> re.Match[str] | None:
        """`search` for one line: the first word the template `text` says that the line's `message` does not give
        as a counter of zero (zero_counter). Template text masks the number: `keys expired: <NUM>` says "expired"
        of every line of that template, `keys expired: 0` of none (trial 69: a Redis start's `Done loading RDB,
        keys loaded: 0, keys expired: 0.` was a failure said)."""
        found = self.search(text)
        while found is not None and self.pattern is not None and COUNTER_AFTER.match(text, found.end()) \
                and zero_counter(found.group(0), message):
            found = self._first(text, found.end())
        return found


@dataclass(frozen=True)
class AnomalySpec:
    """What an anomaly rule tests; times in µs of journal time, levels as syslog priorities (0-7)."""

    kind: str
    level: int | None = None
    """Only lines at this effective priority or more important count (None: every line)."""
    warm_after_usec: int = 3_600_000_000
    warm_entries: int = 200
    factor: float = 10.0
    min_count: int = 10
    p_value: float = 1e-9
    errors: bool = False
    """rate-spike only: test the unit's error-level lines as one stream instead of each template."""
    novel_for_usec: int = 3_600_000_000
    """new-template only: how long after its first sighting a template still counts as new."""
    peak_margin: float = 1.5
    words: tuple[str, ...] = ()
    """new-template and persistence only: the template's text must contain one of these (case-insensitive, on word
    boundaries)."""
    clean: bool = False
    """new-template only: only in a unit whose learnt history holds no error-level line (its first error ever is
    news: a replica whose replication thread stopped says so once, then nothing)."""
    flood: bool = False
    """new-template only: fire only when the new template's lines come far faster than all of the unit's lines
    usually do (a retry storm at info level: a new wording at a normal rate is no failure)."""
    lasting_usec: int = 0
    """flood only: the new template's lines within the window must span this long (µs of journal time, to a tenth
    of the window; 0: any span)."""
    gap_usec: int = 300_000_000
    floor_usec: int = 180_000_000
    margin: float = 2.0
    """persistence only (PERSISTENCE_KEYS): µs of journal time, and a factor of the longest episode learnt."""
    words_re: Words | None = field(default=None, compare=False, repr=False)
    """`words` compiled once, at load (words_pattern), with `ignore` (a persistence rule's `ignore` alone: Words
    without a pattern); None: every template counts."""

    excerpts: bool = False
    """new-template only: a line read from text (a pasted log, a program's own log file, dmesg: Entry.from_text)
    is judged from its unit's first line, warm or not. Such an excerpt was cut out to show a failure and has no
    history before it; a journal has, so its lines wait for the warm-up (a journal scanned from its start would
    page every unit's first fatal line of the first hour: the benchmark journal's gunicorn WORKER TIMEOUT)."""
    excerpts_only: bool = False
    """`excerpts = "only"`: the rule judges nothing but lines read from text of templates first seen before
    their unit was warm (the excerpt part of a text: a paste, a log file's first hour); a journal's lines and
    templates that came later are left to the rules that judge a learnt normal (excerpt-failure-template, whose
    trigger fits an excerpt's few lines, beside new-failure-template's ten for a known unit)."""

    info_lines: bool = True
    """new-template or persistence with `words` only: False: a line whose program wrote its level as info or debug
    (level_source "text", effective priority 6 or more; PostgreSQL's `LOG`, its operator's level, is no info here)
    says no failure by its words: the program told its failures apart itself (a cleanup job's `removed 28 expired
    sessions`, a 404's `order not found`, at INFO: a new user's 340-line excerpt of a healthy API paged). A line with
    no level of its own, journald's default 6 for stdout, still counts. A persistence rule follows such a line all
    the same (its episodes are the template's), but it fires no incident."""

    first_run: bool = False
    """persistence only: judge only a template's first run (new in a warm unit), lines below error level, against
    `floor` alone (engine/episodes.py)."""

    retries: bool = False
    """new-template only: the rule's lines announce another attempt at what failed just before them (`Trying again
    in 4.00 seconds...`): its incident quotes that failure, the unit's error line just before the announcement
    (engine/retry_causes.py), not the announcement alone."""

    def needs_history(self, text: bool = False) -> bool:
        """Does the rule judge a unit only once it is warm? Not persistence (engine/episodes.py follows cold units),
        nor, when the input holds lines read from text (`text`), a rule that judges excerpts (new-fatal-template,
        new-error-template, new-failure-template): a journal's lines wait for their unit's warm-up."""
        return self.kind != "persistence" and not (self.excerpts and text)


def parse_anomaly(table: Mapping[str, Any], add: Any, describe: Any, priority: Any, duration: Any) -> AnomalySpec:
    """Validate an [anomaly] table. `add(key, what)` records a problem; the other callables are rule.py's
    value parsers (so messages read the same for every table of a rule file)."""
    for key in table:
        if key not in _KEYS:
            add(f"anomaly.{key}", unknown_key(key, _KEYS))
    kind = table.get("kind")
    if kind not in KINDS:
        add("anomaly.kind", f"expected one of {', '.join(KINDS)} (got {describe(kind)})")
        kind = KINDS[0]
    level = priority(table.get("level"), "anomaly.level")
    defaults = AnomalySpec(kind=str(kind))

    def number(key: str, default: float, low: float, high: float, whole: bool) -> float:
        value = table.get(key, default)
        kind_ok = isinstance(value, int) if whole else isinstance(value, (int, float))
        if isinstance(value, bool) or not kind_ok or not low <= value <= high:
            what = "a whole number" if whole else "a number"
            add(f"anomaly.{key}", f"expected {what} from {low:g} to {high:g} (got {describe(value)})")
            return default
        return value  # type: ignore[no-any-return]

    def span(key: str, default: int) -> int:
        if key not in table:
            return default
        parsed = duration(table[key], f"anomaly.{key}")
        return default if parsed is None else int(parsed)

    errors = table.get("errors", False)
    if not isinstance(errors, bool):
        add("anomaly.errors", f"expected true or false (got {describe(errors)})")
        errors = False
    if kind == "error-share" and level is None:
        add("anomaly.level", 'an error-share rule needs the level that counts as an error, e.g. "err"')
    if errors and level is None:
        add("anomaly.level", 'errors = true needs the level that counts as an error, e.g. "err"')
    words = _words(table, str(kind), add, describe)
    ignore = _ignore(table, words, str(kind), add)
    clean = _new_template_flag(table, "clean", str(kind), add, describe)
    flood = _new_template_flag(table, "flood", str(kind), add, describe)
    excerpts_only = table.get("excerpts") == "only"
    if excerpts_only and kind != "new-template":
        add("anomaly.excerpts", f'only a new-template rule takes excerpts (this one is kind "{kind}")')
        excerpts_only = False
    excerpts = excerpts_only or _new_template_flag(table, "excerpts", str(kind), add, describe, ' or "only"')
    retries = _new_template_flag(table, "retries", str(kind), add, describe)
    info_lines = table.get("info_lines", True)
    if not isinstance(info_lines, bool):
        add("anomaly.info_lines", f"expected true or false (got {describe(info_lines)})")
        info_lines = True
    elif not info_lines and (kind not in ("new-template", "persistence") or not words):
        add("anomaly.info_lines", "only a new-template or persistence rule with words takes info_lines")
        info_lines = True
    first_run = table.get("first_run", False)
    if not isinstance(first_run, bool):
        add("anomaly.first_run", f"expected true or false (got {describe(first_run)})")
        first_run = False
    elif first_run and kind != "persistence":
        add("anomaly.first_run", f'only a persistence rule takes first_run (this one is kind "{kind}")')
        first_run = False
    if "lasting" in table and not flood:
        add("anomaly.lasting", "only a new-template rule with flood = true takes lasting")
    for key in PERSISTENCE_KEYS:
        if key in table and kind != "persistence":
            add(f"anomaly.{key}", f'only a persistence rule takes {key} (this one is kind "{kind}")')
    if kind == "persistence" and level is None:
        add("anomaly.level", 'a persistence rule needs the level whose templates it follows, e.g. "err"')
    return AnomalySpec(
        kind=str(kind), level=level,
        warm_after_usec=span("warm_after", defaults.warm_after_usec),
        warm_entries=int(number("warm_entries", defaults.warm_entries, 1, 1e9, True)),
        factor=float(number("factor", defaults.factor, 1, 1e6, False)),
        min_count=int(number("min_count", defaults.min_count, 1, 1e9, True)),
        p_value=float(number("p_value", defaults.p_value, 1e-300, 0.5, False)),
        errors=errors,
        novel_for_usec=span("novel_for", defaults.novel_for_usec),
        peak_margin=float(number("peak_margin", defaults.peak_margin, 0, 1e6, False)),
        words=words, clean=clean, flood=flood, excerpts=excerpts, excerpts_only=excerpts_only, retries=retries,
        info_lines=info_lines, first_run=first_run,
        words_re=Words(words_pattern(words) if words else None, ignore) if words or ignore is not None else None,
        lasting_usec=span("lasting", defaults.lasting_usec) if flood else 0,
        gap_usec=max(1, span("gap", defaults.gap_usec)), floor_usec=span("floor", defaults.floor_usec),
        margin=float(number("margin", defaults.margin, 1, 1e6, False)),
    )


def _new_template_flag(table: Mapping[str, Any], name: str, kind: str, add: Any, describe: Any,
                       other: str = "") -> bool:
    """A true/false key only a new-template rule takes (clean, flood, excerpts, retries); False (and said) when it is
    anything else (`other`: the other values it takes, for the error)."""
    value = table.get(name, False)
    if not isinstance(value, bool):
        add(f"anomaly.{name}", f"expected true or false{other} (got {describe(value)})")
        return False
    if value and kind != "new-template":
        add(f"anomaly.{name}", f'only a new-template rule takes {name} (this one is kind "{kind}")')
        return False
    return value


def _ignore(table: Mapping[str, Any], words: tuple[str, ...], kind: str, add: Any) -> regex.Pattern[str] | None:
    """`ignore`: a regex of template text (numbers read <NUM>, ...) whose templates say no failure (with `words`), or
    that a persistence rule does not follow (with words or without: every other template at its level)."""
    if "ignore" not in table:
        return None
    value = table["ignore"]
    if not words and kind != "persistence":
        add("anomaly.ignore", "only a rule with words takes ignore (the templates its words would count), or a "
                              "persistence rule")
        return None
    if not isinstance(value, str) or not value.strip():
        add("anomaly.ignore", f"expected a regular expression of template text (got {value!r:.200})")
        return None
    try:
        return compile_regex(value, 0)  # (as match.message's: at most MAX_PATTERN_CHARS, its problems said alike)
    except RegexProblem as problem:
        add("anomaly.ignore", str(problem))
        return None


def _words(table: Mapping[str, Any], kind: str, add: Any, describe: Any) -> tuple[str, ...]:
    """`words`: a non-empty list of non-blank strings, for a new-template or persistence rule only."""
    if "words" not in table:
        return ()
    value = table["words"]
    if kind not in ("new-template", "persistence"):
        add("anomaly.words", f'only a new-template or persistence rule takes words (this one is kind "{kind}")')
        return ()
    got = None
    if not isinstance(value, list):
        got = describe(value)
    elif not value or len(value) > MAX_WORDS:
        got = f"a list of {len(value)}"
    else:
        for number, word in enumerate(value, 1):
            if not isinstance(word, str) or not word.strip() or len(word) > MAX_WORD_CHARS:
                got = f"{describe(word)} as word {number}"
                break
    if got is not None:
        add("anomaly.words", f"expected a list of words (got {got}): 1 to {MAX_WORDS} non-blank strings of at "
                             f'most {MAX_WORD_CHARS} characters, e.g. ["failed", "timed out"]')
        return ()
    return tuple(" ".join(word.split()) for word in value)
