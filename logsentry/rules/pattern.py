"""A rule's regex, compiled when it is first used.

Compiling the shipped library's 374 patterns was about 65% of loading its 371 files, and a paste scan runs the few
rules its lines' literals pick (8 patterns for a 20-line paste). `bench/rule_load.py`, medians of 9 fresh processes
on 2 busy cores: `load_rules` of the shipped rules 0.61 s eager, 0.20 s lazy; `scan --file` of the paste 1.26 s,
0.89 s. The shipped rules are checked by `logsentry rules test` (CI) and `config check`, which compile them at
load, so the normal load of them (scan, tail, run) may wait; the operator's rules are compiled at load always.

A rule's pattern text (`pattern`) is there without compiling: the prefilter and the Screen read only it.
"""

from __future__ import annotations

from collections.abc import Mapping

import regex

from ..tomlfile import toml_text


class LateRegexError(ValueError):
    """A deferred pattern that does not compile (a shipped rule file edited after it was checked)."""


class LazyPattern:
    """The subset of `regex.Pattern` the engine uses, compiled on first use (or given compiled, by an eager load).

    Thread-safe without a lock: two threads that first use it at once both compile it and one result is kept
    (the same pattern and flags, so either is right)."""

    __slots__ = ("_compiled", "flags", "needs", "pattern", "where")

    def __init__(self, pattern: str, flags: int, where: str = "", compiled: regex.Pattern[str] | None = None):
        self.pattern = pattern
        self.flags = flags
        self.where = where  # the file and key it came from, for the error if it does not compile
        self._compiled = compiled
        self.needs: tuple[tuple[str, str], ...] = ()
        """(key, capture name) its rule's trigger names (group_by, counter), checked when it compiles late as an
        eager load checks them: a capture the regex lacks grouped every hit as one, or never counted."""

    @property
    def is_compiled(self) -> bool:
        return self._compiled is not None

    @property
    def compiled(self) -> regex.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            try:
                compiled = compile_regex(self.pattern, self.flags)
            except RegexProblem as problem:
                raise LateRegexError(f"{self.where}: {problem}") from None
            for key, name in self.needs:
                if name not in compiled.groupindex:
                    said = ", ".join(sorted(compiled.groupindex)) or "none"
                    raise LateRegexError(f"{self.where.rpartition(': ')[0]}: {key}: expected the name of a capture in "
                                         f"match.message ({said}) (got {name!r})")
            self._compiled = compiled
        return compiled

    @property
    def groupindex(self) -> Mapping[str, int]:
        return self.compiled.groupindex

    def search(self, string: str, *, timeout: float | None = None) -> regex.Match[str] | None:
        return (self._compiled or self.compiled).search(string, timeout=timeout)

    def fullmatch(self, string: str, *, timeout: float | None = None) -> regex.Match[str] | None:
        return (self._compiled or self.compiled).fullmatch(string, timeout=timeout)

    def __eq__(self, other: object) -> bool:
        """As two `regex.Pattern`s compare (and so two Rules): by pattern and flags, compiled or not."""
        if not isinstance(other, LazyPattern):
            return NotImplemented
        return (self.pattern, self.flags) == (other.pattern, other.flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags}{'' if self.is_compiled else ', not compiled yet'})"


MAX_PATTERN_CHARS = 4096
"""A regex longer than this is refused (the longest shipped one has 600 characters; `regex` took over 300 s
and 14 GB to compile a 54 MB one)."""


class RegexProblem(ValueError):
    """A rule file's regex that cannot be used; its message is the problem as a rule file's error says it."""


def too_long(pattern: str) -> str | None:
    """The problem of a pattern past MAX_PATTERN_CHARS (told without compiling it), else None."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"a regex of {len(pattern)} characters, expected at most {MAX_PATTERN_CHARS}"
    return None


def compile_regex(pattern: str, flags: int) -> regex.Pattern[str]:
    """`pattern` compiled: a rule's match.message and ignore, an anomaly rule's ignore, each as the others. Raises
    RegexProblem (too long, or no regex: invalid_regex)."""
    if (problem := too_long(pattern)) is not None:
        raise RegexProblem(problem)
    try:
        return regex.compile(pattern, flags)
    except (regex.error, ValueError, OverflowError, RecursionError) as error:  # "(?V1)": ValueError, not regex.error
        raise RegexProblem(invalid_regex(error, pattern)) from None


def invalid_regex(error: BaseException, pattern: str) -> str:
    """The problem said of a pattern that does not compile (the pattern as the file can hold it: a repr doubled its
    backslashes, and read as another regex)."""
    return f"invalid regular expression: {error}, expected a valid regex (got {toml_text(pattern)})"
