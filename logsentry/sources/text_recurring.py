"""Lines of a text file that recur in separate episodes: read once ahead, so the rules that judge excerpts know them.

Why: a text has no history, so the rules that judge excerpts (`excerpts` in an anomaly rule) judge each unit's
first hour as a paste's. In a long syslog that made every unit's routine failure line a card: named's SERVFAIL
for a broken remote zone on three days, bluetoothd's `Can't init bnep module` at each of three boots,
wpa_supplicant's absent wlan0 at every boot of a month (trial 70: 17 of 28 false alarms). A journal's history
shows such a line as its unit's normal, and a file read whole has that history after the line: a line whose key
(its unit, its first line masked as templates mask it) comes back after an hour or more without it is the
unit's normal, not this paste's failure, and is marked `Entry.recurring`. One continuous episode (a hang that
logs the same fatal error for hours, a crash loop) is not marked: it has no normal around it.

Only a file read by name is read ahead (standard input cannot be read twice); a file's own lines only, in the
scan's selection, of at least MIN_LINES. At most MAX_KEYS keys are followed (a key past them is never marked:
judged as before).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import regex

from ..engine.templates.tokens import first_line, masked_key
from ..model import Entry, entry_key

RECUR_GAP_USEC = 3_600_000_000
"""An hour without the key between two of its lines (µs): as long as a template stays new to the rules that
judge excerpts (their `novel_for`), so a line judged new is one no earlier episode of the file showed."""
MIN_LINES = 200
"""Lines a file must hold for its recurrences to count: a paste is shorter, and its few lines an hour apart are its
trouble, not a normal around it (trial 69's home-assistant.log: 34 lines over 1.5 h, Chromecasts dropping at 02:33
and again at 04:03). As many as a unit's warm-up asks (the anomaly rules' `warm_entries`)."""
MAX_KEYS = 262_144
"""Keys followed per file (about 200 bytes each with the dict's own)."""
MAX_TOKENS = 128
"""Tokens of the masked key (TemplateMiner's default max_tokens): lines alike in their first 128 tokens are one."""

LineKey = tuple[str, str]

_NAMED = regex.compile(r"""(?<![\w'"])(?:'[^'\n]+'|"[^"\n]+")(?![\w'"])"""
                       r"|(?<![\w.-])(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])")
"""A quoted value or a dotted name (a host, a zone, a file): what the masker keeps when it holds no number (a
template's words must not change with it, and saved baselines hold its ids), but a recurrence must not tell apart:
named's `error (unexpected RCODE SERVFAIL) resolving 'dns1.example.net/A/IN': ...` for one zone, then another, hours
apart, is one broken remote's normal (trial 70's 18), as Drain's template merges it."""


def line_key(entry: Entry) -> LineKey:
    """(host_unit key, masked first line with its quoted values and dotted names masked too): what a text's line is
    told apart by."""
    return entry_key(entry), _NAMED.sub("<NAME>", masked_key(first_line(entry.message), MAX_TOKENS))


def recurring_keys(entries: Iterable[Entry]) -> frozenset[LineKey]:
    """The keys of `entries` (a file's, in its order) with two lines RECUR_GAP_USEC or more apart and none between
    them; a line whose time steps back before the key's latest starts no episode. None for fewer than MIN_LINES."""
    latest: dict[LineKey, int] = {}
    recurring: set[LineKey] = set()
    lines = 0
    for entry in entries:
        lines += 1
        key, usec = line_key(entry), entry.realtime_usec
        seen = latest.get(key)
        if seen is None:
            if len(latest) < MAX_KEYS:
                latest[key] = usec
        elif usec > seen:
            if usec - seen >= RECUR_GAP_USEC:
                recurring.add(key)
            latest[key] = usec
    return frozenset(recurring) if lines >= MIN_LINES else frozenset()


def marked(entries: Iterable[Entry], read_ahead: Callable[[], Iterable[Entry]] | None) -> Iterator[Entry]:
    """`entries` with `recurring` set on the lines whose key `read_ahead()` (the same file's lines, read once
    more; None: not readable again) shows recurring."""
    keys = recurring_keys(read_ahead()) if read_ahead is not None else frozenset()
    if not keys:
        yield from entries
        return
    for entry in entries:
        yield replace(entry, recurring=True) if line_key(entry) in keys else entry


def readable_again(path: Path) -> bool:
    """Can the file be read a second time (a file by name, not standard input)?"""
    return str(path) != "-"
