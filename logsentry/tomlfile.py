"""Reading one TOML file (rule file or site config), with the failure worded `<where>: <what>`.

Only a regular file of bounded size is read: a FIFO named `*.toml` would block the reader forever, and a
symlink to /dev/zero (or a 50 MB file) would fill memory, before TOML could say anything about it."""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .views.escape import visible

MAX_TOML_BYTES = 1024 * 1024
"""Rule files and the site config are hand-written: the largest shipped rule file is 6 KB."""
BOM = b"\xef\xbb\xbf"


class TomlFileError(ValueError):
    """The file cannot be read or is not TOML; the message names the file."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "no regular file"


def read_bytes(path: Path, where: str, limit: int = MAX_TOML_BYTES) -> bytes:
    """The content of a regular file of at most `limit` bytes (symlinks followed), or TomlFileError."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below, after fstat)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise TomlFileError(f"{where}: cannot read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TomlFileError(f"{where}: {_kind(info.st_mode)}, expected a regular TOML file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit and (chunk := os.read(fd, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise TomlFileError(f"{where}: larger than {limit // 1024} KiB, expected a hand-written TOML file")
        return b"".join(chunks)
    except OSError as error:
        raise TomlFileError(f"{where}: cannot read: {error.strerror or error}") from None
    finally:
        os.close(fd)


def read_toml(path: Path, where: str, limit: int = MAX_TOML_BYTES) -> dict[str, Any]:
    return loads_toml(read_bytes(path, where, limit), where)


def loads_toml(data: bytes, where: str) -> dict[str, Any]:
    """A file's bytes (read_bytes) as TOML, or TomlFileError naming `where`."""
    if data.startswith(BOM):
        raise TomlFileError(f"{where}: starts with a UTF-8 byte order mark (BOM), which TOML does not allow: "
                            "save it as UTF-8 without BOM")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise TomlFileError(f"{where}: not UTF-8 text (byte {error.start}), expected a TOML file") from None
    except tomllib.TOMLDecodeError as error:
        raise TomlFileError(f"{where}: TOML syntax: {error}") from None
    except RecursionError:  # arrays nested thousands deep
        raise TomlFileError(f"{where}: TOML nested too deep, expected a hand-written TOML file") from None


def unknown_key(name: str, allowed: Iterable[str]) -> str:
    """The problem text for a key no table takes: the closest allowed one when it looks like a typo
    (`statedir`, `within_s`), then every allowed key."""
    known = sorted(allowed)
    return f"unknown key{did_you_mean(name, known)}, expected one of {', '.join(known)}"


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'X'?)' for the closest of `known` when `name` looks like a typo of it, else ""."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


MAX_HEADERS = 64
"""Past this many `[[key]]` headers entries are named by number only (each is checked by parsing the text above it)."""
_BASIC_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def header_lines(text: str, key: str, count: int) -> tuple[int, ...]:
    """The line (from 1) of each `[[key]]` header of an array of `count` tables, so that an entry can be named
    where it is (tomllib gives no positions); () when they cannot be told for sure: an inline array
    (`key = [{...}]`), or header-like text inside a multi-line string or array (the text above a real header
    parses, the text above one inside a string does not)."""
    quoted = re.escape(key)
    header = re.compile(rf"[ \t]*\[\[[ \t]*(?:{quoted}|\"{quoted}\"|'{quoted}')[ \t]*\]\][ \t]*(?:#.*)?\r?")
    lines = text.split("\n")
    found = tuple(number for number, line in enumerate(lines, start=1) if header.fullmatch(line))
    if not found or len(found) != count or count > MAX_HEADERS:
        return ()
    try:
        for number in found:
            tomllib.loads("".join(line + "\n" for line in lines[:number - 1]))  # (a CRLF line keeps its \r\n)
    except tomllib.TOMLDecodeError:
        return ()
    return found


_HEADER = re.compile(r"[ \t]*(?:\[|\[\[)[ \t]*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')[ \t]*(?:\]|\]\])[ \t]*(?:#.*)?\r?")
_OTHER_HEADER = re.compile(r"[ \t]*\[")
"""A line that may start another table (`[match.fields]`, a dotted one): its keys are no table's asked for."""
MAX_TRIES = 4
"""Candidate lines tried per key_line (each a parse of the text above): look-alikes inside a string are few."""


def key_line(text: str, table: str, key: str) -> int | None:
    """The line (from 1) where `key` is written in `table` ("" for the top of the file; key "" for the table's
    own `[table]` or `[[table]]` header), so that a rule file's problem can be named where it is (tomllib gives
    no positions); None when it cannot be told for sure: a dotted or inline table, or text inside a multi-line
    string or array that looks like it (the text above a real line parses, the text above one inside a string
    does not)."""
    quoted = re.escape(key)
    assignment = re.compile(rf"[ \t]*(?:{quoted}|\"{quoted}\"|'{quoted}')[ \t]*=")
    lines = text.split("\n")
    current: str | None = ""
    tries = 0
    for number, line in enumerate(lines, start=1):
        if header := _HEADER.fullmatch(line):
            current = header.group(1).strip("\"'")
            found = not key and current == table
        elif _OTHER_HEADER.match(line):
            current, found = None, False
        else:
            found = bool(key) and current == table and assignment.match(line) is not None
        if not found:
            continue
        tries += 1
        try:
            tomllib.loads("".join(line + "\n" for line in lines[:number - 1]))
        except tomllib.TOMLDecodeError:
            if tries >= MAX_TRIES:
                return None
            continue
        return number
    return None


def toml_text(value: str) -> str:
    """A string value as a TOML file holds it, for messages that quote one: a literal string (`'\\d+ (a|b'`,
    backslashes as written) when it can be one, else a basic string with TOML's escapes. Python's repr doubled
    every backslash of a regex, which then read as a different regex. Control and bidi characters are always
    escaped (views/escape.py)."""
    if "'" not in value and visible(value) == value:
        return f"'{value}'"
    return '"' + "".join(_BASIC_ESCAPES.get(char) or (f"\\u{ord(char):04x}" if visible(char) != char else char)
                         for char in value) + '"'
