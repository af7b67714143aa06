r"""A literal prefilter: which rules can possibly match a message, found in one Aho-Corasick pass.

For each rule the regex is parsed (with the standard library's parser) into a set of literal strings one
of which every match must contain. Rules are written for the `regex` package, whose dialect is a superset
of `re`'s: where the two read a pattern differently, the pattern is left to run on every entry instead
(`regex_only`): fuzzy matching (`{e<=1}`, which `re` reads as literal text), POSIX classes
(`[[:digit:]]`, a nested set to `re`), and whatever `re` refuses or warns about (`\p{L}`, `(?|...)`,
`(?V1)`, `\m`, ...). A wrong literal would silently lose matches; a missing one only costs time. Of all such sets
in a pattern, the rarest is kept: the one whose strings occur least in ordinary log text (a long literal
made of common words would send most lines to the full regex). The full regex then runs only on the
candidates, still under its timeout. A rule whose pattern yields no usable literal always runs.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterable, Sequence

# The regex parser behind `re` (Python 3.11+): private, but the same code `re.compile` runs on every pattern.
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import ahocorasick_rs

from ..rules.rule import Rule

REPEATS = tuple(getattr(sre_constants, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
                if hasattr(sre_constants, name))
ATOMIC_GROUP = getattr(sre_constants, "ATOMIC_GROUP", None)
MIN_LITERAL = 3
MAX_ALTERNATIVES = 16
MAX_CLASS_EXPANSION = 4

# Ordinary log text: literals that occur here are common, so a poor choice for a prefilter.
ORDINARY_LOG_TEXT = """
Started Session 42 of User root. Starting daily apt upgrade and clean activities... Finished.
GET /api/v1/items?id=42 HTTP/1.1 200 1532 "-" "Mozilla/5.0 (X11; Linux x86_64)" request completed in 12ms
INFO  [main] org.apache.catalina.startup.Catalina - Server startup in 2345 ms; connection pool ready
Accepted publickey for deploy from 192.0.2.10 port 52234 ssh2: RSA SHA256:abc; session opened for user
pam_unix(cron:session): session closed for user root; (root) CMD (command -v debian-sa1 > /dev/null)
level=info ts=2026-01-01T00:00:00Z caller=main.go:42 msg="server listening" addr=:8080 error=null
DEBUG worker-3 processed job 1234 in 0.03s, queue depth 0, retrying failed jobs: 0, errors: 0
kernel: audit: type=1400 audit(1700000000.123:45): apparmor="STATUS" operation="profile_load"
systemd[1]: Reloading. Reached target Timers. Listening on D-Bus System Message Bus Socket.
postgres[702]: LOG:  checkpoint complete: wrote 12 buffers (0.1%); 0 WAL file(s) added, 0 removed
nginx: 10.0.0.1 - - [01/Jan/2026:00:00:00 +0000] "POST /login HTTP/2.0" 302 0 "-" "curl/8.0" warning
Error: none; Warning: none; Exception handler installed; thread pool started with 8 threads
pid=4242 tid=1xk class=HardWorker jid=b4e0 elapsed=0.012 INFO: done; <Foo object at 0x7f>, class=foo.Bar
""".lower()


def _rarity(literal: str) -> tuple[int, int]:
    """Lower is rarer: occurrences in ordinary text first, then shorter literals count as commoner."""
    return (ORDINARY_LOG_TEXT.count(literal.lower()), -len(literal))


def _best(options: list[frozenset[str]]) -> frozenset[str] | None:
    usable = [opt for opt in options if opt and all(len(s) >= MIN_LITERAL for s in opt)]
    if not usable:
        return None
    return min(usable, key=lambda opt: max(_rarity(s) for s in opt))


def _class_chars(items: list[tuple[Any, Any]]) -> list[str] | None:
    """A character class of a few plain characters (like [Oo]) can be expanded into alternatives."""
    if len(items) > MAX_CLASS_EXPANSION or not all(op is sre_constants.LITERAL for op, _ in items):
        return None
    return [chr(value) for _, value in items]


def _sequence(items: Sequence[tuple[Any, Any]]) -> frozenset[str] | None:
    """The rarest set of literals one of which any match of this sequence contains."""
    options: list[frozenset[str]] = []
    run: set[str] = {""}

    def flush() -> None:
        nonlocal run
        if run != {""}:
            options.append(frozenset(run))
        run = {""}

    for op, value in items:
        if op is sre_constants.LITERAL:
            run = {prefix + chr(value) for prefix in run}
            continue
        if op is sre_constants.IN and (chars := _class_chars(value)) and len(run) * len(chars) <= MAX_ALTERNATIVES:
            run = {prefix + char for prefix in run for char in chars}
            continue
        flush()
        sub: frozenset[str] | None = None
        if op is sre_constants.SUBPATTERN:
            _group, add_flags, _del_flags, pattern = value
            if not add_flags & sre_constants.SRE_FLAG_IGNORECASE:
                sub = _sequence(pattern)
        elif op is sre_constants.BRANCH:
            branches = [_sequence(branch) for branch in value[1]]
            if all(branch is not None for branch in branches):
                union = frozenset().union(*[b for b in branches if b is not None])
                sub = union if len(union) <= MAX_ALTERNATIVES else None
        elif op in REPEATS:
            low, _high, pattern = value
            if low >= 1:
                sub = _sequence(pattern)
        elif ATOMIC_GROUP is not None and op is ATOMIC_GROUP:
            sub = _sequence(value)
        if sub is not None:
            options.append(sub)
    flush()
    return _best(options)


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_BACKREF = re.compile(r"\(\?P=\w+\)")
# What `re` reads as a repeat: {m}, {m,}, {,n}, {m,n} (anything else after "{" is literal text to `re`, and
# may be a fuzzy constraint to `regex`).
_RE_REPEAT = re.compile(r"\{(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)\}")


def regex_only(pattern: str) -> bool:
    """Does the pattern use syntax that `regex` reads otherwise than `re`'s parser? A "{" that is no
    `re` repeat (a fuzzy constraint to `regex`), or "[" inside a set (a POSIX class or nested set)."""
    at, in_set = 0, False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if in_set:
            if char == "[":
                return True
            if char == "]":
                in_set = False
        elif char == "[":
            in_set = True
            at += 1
            if pattern[at:at + 1] == "^":
                at += 1
            if pattern[at:at + 1] == "]":  # a leading "]" is a member
                at += 1
            continue
        elif char == "{" and not _RE_REPEAT.match(pattern, at):
            return True
        at += 1
    return False


def _parse(pattern: str) -> Any:
    """The stdlib's parse tree of a `regex` pattern. `regex` allows a group name twice (in alternatives);
    `re` does not, and names do not matter for literals, so on that error the groups are made anonymous, and a
    back-reference to a name (`(?P=user)`: gitea-failed-authentication's login said twice) any text, as the
    group it repeats may be: the literals around it stay required, none is made of its neighbours."""
    try:
        return sre_parse.parse(pattern, re.MULTILINE)
    except re.error:
        return sre_parse.parse(_BACKREF.sub("(?:.*)", _NAMED_GROUP.sub("(", pattern)), re.MULTILINE)


@functools.lru_cache(maxsize=4096)
def required_literals(pattern: str) -> frozenset[str] | None:
    """Literals one of which every match of `pattern` contains, or None when none can be told. Cached: a rule
    set is built again at each reload and each scan of one process, from mostly the same patterns."""
    if regex_only(pattern):
        return None
    try:
        with warnings.catch_warnings():
            # re warns where its reading may change (nested sets, set operations): regex reads those otherwise
            warnings.simplefilter("error")
            parsed = _parse(pattern)
    except (re.error, RecursionError, OverflowError, Warning):
        return None
    if parsed.state.flags & sre_constants.SRE_FLAG_IGNORECASE:
        return None
    return _sequence(list(parsed))


class Prefilter:
    """Maps a message to the indexes of the rules that can match it."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules = list(rules)
        self.always: list[int] = []
        literals: dict[str, list[int]] = {}
        self.literal_sets: dict[str, frozenset[str] | None] = {}
        for index, rule in enumerate(self.rules):
            found = required_literals(rule.message.pattern) if rule.message is not None else None
            self.literal_sets[rule.id] = found
            if found is None:
                self.always.append(index)
                continue
            for literal in found:
                literals.setdefault(literal, []).append(index)
        self.patterns = list(literals)
        self.owners = [literals[p] for p in self.patterns]
        self._automaton = ahocorasick_rs.AhoCorasick(self.patterns) if self.patterns else None

    def candidates(self, message: str) -> list[int]:
        """Indexes of rules to run on `message`, in rule order."""
        if self._automaton is None:
            return self.always
        found = self._automaton.find_matches_as_indexes(message, overlapping=True)
        if not found:
            return self.always
        owners = self.owners
        chosen = set(self.always)
        for pattern_index, _start, _end in found:
            chosen.update(owners[pattern_index])
        return sorted(chosen)
