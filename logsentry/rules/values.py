"""Reading a rule file's values: each is checked for its type and range, and each problem is worded
`<file>: <key>: <what>, expected X (got Y)` and collected, not raised, so a rule author fixes a file in one round.

Kept apart from rule.py, which says what a rule file holds: these say how any of its values is read, the same for
every table (rule.py's, and the [anomaly] table's through rules/anomaly.py's callables).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..sources.selection import parse_priority
from ..timespec import TimeSpecError, parse_duration
from ..tomlfile import header_lines, key_line, unknown_key

MISSING = "missing"
"""describe()'s word for a key the file lacks (TOML has no null: a None read is a key not there)."""
MAX_LINED = 16
"""Problems looked up for their line: each lookup parses the text above a candidate line (tomllib gives no
positions), and a 1 MiB file of 60,000 unknown keys took minutes to be refused (each problem a parse)."""
MAX_LINED_CHARS = 64 * 1024
"""Lines are told in files up to this size (the largest shipped rule file has 6 KB): a parse of it takes ~40 ms."""
_ENTRY = re.compile(r"(sample|scenario) #([0-9]+)")
_MEANT = re.compile(r"\(did you mean '([^'\n]+)'\?\)")


class Problems:
    """Collects `<file>: <key> (line N): <message>` lines while a rule file is read; `text` is the file's, to find
    the line a key is written on (the line is left out where a key is missing or cannot be told for sure)."""

    def __init__(self, where: str, text: str = ""):
        self.where = where
        self.text = text if len(text) <= MAX_LINED_CHARS else ""
        self.lines: list[str] = []
        self.moved: dict[str, str] = {}
        """A top-level key read from the table it was written under (rule.py's _misplaced): that table's name."""
        self.entries: dict[str, int] = {}
        """How many [[sample]] and [[scenario]] tables the file has (rule.py), to find an entry's header."""
        self._headers: dict[str, tuple[int, ...]] = {}
        self._looked = 0
        self._meant: set[str] = set()
        """Keys a misspelt one's did-you-mean named: their "missing" is that same mistake."""
        self._missing: dict[str, list[str]] = {}
        """Per key, the "missing" lines said of it (taken back when a misspelt key turns out to mean it)."""

    def add(self, key: str, what: str) -> None:
        if what.endswith(f" (got {MISSING})"):  # "severity: missing, expected one of ...", as read_string says it
            what = f"{MISSING}, {what.removesuffix(f' (got {MISSING})')}"
        # One mistake, one error: a key misspelt is said as such ("severty: unknown key (did you mean
        # 'severity'?)"), not again as the key it meant being missing (a new user's trial).
        if what.startswith("unknown key") and (meant := _MEANT.search(what)) is not None:
            intended = key[:len(key) - len(key.rpartition(".")[2])] + meant[1]
            self._meant.add(intended)
            gone = set(self._missing.pop(intended, ()))
            self.lines = [line for line in self.lines if line not in gone]
        elif what.startswith(MISSING) and key in self._meant:
            return
        entry = _ENTRY.match(key)  # "sample #2 (line 40): line: ...", as config check names [[watch]] tables
        at = entry.end() if entry else len(key)
        line = self._entry_line(entry[1], int(entry[2])) if entry else self._line_of(key)
        said = f"{self.where}: {key[:at]}{'' if line is None else f' (line {line})'}{key[at:]}: {what}"
        if what.startswith(MISSING):
            self._missing.setdefault(key, []).append(said)
        self.lines.append(said)


    def _entry_line(self, name: str, number: int) -> int | None:
        if not self.text or name not in self.entries:
            return None
        if name not in self._headers:  # (header_lines parses at most MAX_HEADERS times, once per array)
            self._headers[name] = header_lines(self.text, name, self.entries[name])
        lines = self._headers[name]
        return lines[number - 1] if 0 < number <= len(lines) else None

    def _line_of(self, key: str) -> int | None:
        """The line of `[table]`, `table.key` or a top-level `key`, for the first MAX_LINED problems."""
        if not self.text or "#" in key or " " in key or self._looked >= MAX_LINED:
            return None
        self._looked += 1
        if key.startswith("["):
            return key_line(self.text, key.strip("[]"), "")
        table, _, name = key.rpartition(".")
        if table:
            return key_line(self.text, table, name)
        return key_line(self.text, self.moved.get(name, ""), name) or key_line(self.text, name, "")


def describe(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def read_string(table: Mapping[str, Any], key: str, path: str, problems: Problems, *, required: bool) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            problems.add(path, "missing, expected a string")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(path, f"expected a non-empty string (got {describe(value)})")
        return None
    return value


def unknown_keys(table: Mapping[str, Any], allowed: set[str], prefix: str, problems: Problems) -> None:
    for key in table:
        if key not in allowed:
            problems.add(f"{prefix}{key}", unknown_key(key, allowed))


def read_priority(value: Any, key: str, problems: Problems) -> int | None:
    if value is None:
        return None
    try:
        return parse_priority(str(value))
    except ValueError as error:
        problems.add(key, str(error))
        return None


def read_string_table(value: Any, key: str, problems: Problems) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.add(key, f"expected a table of field = \"value\" strings (got {describe(value)})")
        return {}
    return dict(value)


def read_duration(value: Any, key: str, problems: Problems) -> int | None:
    if not isinstance(value, str):
        problems.add(key, f'expected a duration like "90s" (got {describe(value)})')
        return None
    try:
        return parse_duration(value)
    except TimeSpecError as error:
        problems.add(key, str(error))
        return None


def read_table(document: Mapping[str, Any], key: str, problems: Problems) -> Mapping[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        problems.add(key, f"expected a table [{key}] (got {describe(value)})")
        return {}
    return value


def read_tables(document: Mapping[str, Any], key: str, problems: Problems) -> list[Mapping[str, Any]]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.add(key, f"expected [[{key}]] tables (got {describe(value)})")
        return []
    return value
