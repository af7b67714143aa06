"""Typed, problem-collecting access to the site config's TOML tables (config.py builds the config with it).

Kept apart from the dataclasses so that config.py reads as what the config holds. Every check records
`<file>: <key>: <what>` instead of raising, so one run names every problem; a secret-bearing value is
described by its type only, never quoted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .timespec import MAX_DURATION_USEC, TimeSpecError, parse_duration, timespan
from .tomlfile import key_line, unknown_key

MAX_LINED = 16
"""Problems looked up for their line (as rules/values.py: each lookup parses the text above a candidate line)."""
MAX_LINED_CHARS = 64 * 1024
"""Lines are told in configs up to this size (a parse of the text above a line each)."""


def got(value: Any, secret: bool = False) -> str:
    """The offending value for a problem message; only its type for a secret-bearing key."""
    if not secret:
        return f"got {value!r}"
    kind = {str: "a string", bool: "true/false", int: "a number", float: "a number", list: "a list",
            dict: "a table"}.get(type(value), "another type")
    return f"got {kind}, value not shown"


def entry_name(key: str, index: int, lines: Sequence[int]) -> str:
    """How messages and the summary name the `index`th (from 0) table of `[[key]]`: by its place from 1, as people
    count (the file writes no index), and by its header's line when tomlfile.header_lines found it:
    "watch #2 (line 14)"."""
    return f"{key} #{index + 1}" + (f" (line {lines[index]})" if index < len(lines) else "")


def number_for_duration(key: str, value: float, zero: str) -> str:
    """The problem of a duration written as a number (`cooldown = 0`), saying what to write instead: the string
    form, since a bare number's unit is not obvious (systemd reads "300" as seconds)."""
    if value == 0 and zero:
        return f'a number, expected a string: write {key} = "0" for {zero} (or a duration like "5min") (got 0)'
    scaled = value * 1_000_000  # (finite only if the product is: 1.797e302 s is past a float's range in µs)
    usec = round(scaled) if value > 0 and math.isfinite(scaled) else 0
    if 0 < usec <= MAX_DURATION_USEC:
        spelled = f"{value}s" if isinstance(value, int) else timespan(usec)
        also = f' (or "{timespan(usec)}")' if timespan(usec) != spelled else ""
        return (f'a number, expected a duration string: write {key} = "{spelled}" for {value} seconds{also} '
                f"(got {value!r})")
    return f'a number, expected a duration string like "5min" or "90s"{", longer than 0" if not zero else ""} ' \
           f"(got {value!r})"


class Reader:
    """Typed access to a TOML table that records problems instead of raising. A table's problem never
    quotes the table (it may hold secrets); `secret=True` keys are described by type only. `refused` gathers the
    settings that had a problem (their section: "restart", "state_dir", "watch #2 (line 14)"), which `config
    check`'s summary leaves out: a refused setting would read there as its default."""

    def __init__(self, where: str, problems: list[str], refused: set[str] | None = None, entry: str = "",
                 text: str = ""):
        self.where = where
        self.problems = problems
        self.refused: set[str] = set() if refused is None else refused
        self.entry = entry
        self.source = text if len(text) <= MAX_LINED_CHARS else ""
        """The file's text, to name a problem's line (`alerts.realert (line 11): ...`, as a rule file's problems
        are named); "" when not known (a config given as data)."""
        self._looked = 0

    def within(self, entry: str) -> Reader:
        """This reader for one `[[...]]` table, named `entry` (entry_name, with its header's line) before each of
        its keys."""
        return Reader(self.where, self.problems, self.refused, entry)

    def problem(self, key: str, what: str) -> None:
        line = None if self.entry else self._line_of(key)
        at = "" if line is None else f" (line {line})"
        self.problems.append(f"{self.where}: {self.entry + ': ' if self.entry else ''}{key}{at}: {what}")
        self.refused.add(self.entry or key.split(".", 1)[0])

    def _line_of(self, key: str) -> int | None:
        """The line of `table.key`, a top-level `key` or a `[table]` (tomlfile.key_line), for the first MAX_LINED
        problems; None when it cannot be told. A new user's trial: config errors named no line where warnings and
        rule-file errors did."""
        if not self.source or self._looked >= MAX_LINED:
            return None
        self._looked += 1
        table, _, name = key.rpartition(".")
        if table:
            return key_line(self.source, table, name)
        return key_line(self.source, "", name) or key_line(self.source, name, "")

    def table(self, data: Mapping[str, Any], key: str, allowed: set[str]) -> Mapping[str, Any]:
        value = data.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            self.problem(key, f"expected a table ({got(value, secret=True)})")
            return {}
        for name in value:
            if name not in allowed:
                self.problem(f"{key}.{name}", unknown_key(name, allowed))
        return value

    def tables(self, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problem(key, f"expected [[{key}]] tables ({got(value, secret=True)})")
            return []
        return value

    def duration(self, data: Mapping[str, Any], key: str, path: str, default: int, zero: str = "") -> int:
        """A duration (µs) longer than 0, or 0 too where `zero` says what "0" means there (restart.cooldown: "no
        cooldown")."""
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.problem(path, number_for_duration(key, value, zero))
            return default
        if not isinstance(value, str):
            self.problem(path, f'expected a duration string like "5m" or "90s" ({got(value, secret=True)})')
            return default
        try:
            return parse_duration(value, bool(zero))
        except TimeSpecError as error:
            self.problem(path, str(error))
            return default

    def integer(self, data: Mapping[str, Any], key: str, path: str, default: int, low: int = 0) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.problem(path, f"expected a whole number >= {low} ({got(value)})")
            return default
        return value

    def strings(self, data: Mapping[str, Any], key: str, path: str, default: tuple[str, ...],
                secret: bool = False) -> tuple[str, ...]:
        value = data.get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            self.problem(path, f"expected a list of strings ({got(value, secret)})")
            return default
        return tuple(value)

    def text(self, data: Mapping[str, Any], key: str, path: str, default: str) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value:
            self.problem(path, f"expected a non-empty string ({got(value)})")
            return default
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(path, f"expected true or false ({got(value)})")
            return default
        return value


def parse_listen(text: str) -> tuple[str, int]:
    """"127.0.0.1:9464", "[::1]:9464" or ":9464" (127.0.0.1) into (address, port); ValueError otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f'expected "ADDRESS:PORT" like "127.0.0.1:9464" (got {text!r})')
    return (host.strip("[]") or "127.0.0.1"), int(port)
