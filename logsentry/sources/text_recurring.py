"""Lines of a text file that recur in separate episodes: read once ahead, so the rules that judge excerpts know them.

Why: a text has no history, so the rules that judge excerpts (`excerpts` in an anomaly rule) judge each unit's
first hour as a paste's. In a long syslog that made every unit's routine failure line a card: named's SERVFAIL
for a broken remote zone on three days, bluetoothd's `Can't init bnep module` at each of three boots,
wpa_supplicant's absent wlan0 at every boot of a month (trial 70: 17 of 28 false alarms). A journal's history
shows such a line as its unit's normal, and a file read whole has that history after the line: a line whose key
(its unit, its first line masked as templates mask it) comes back after an hour or more without it is the
unit's normal, not this paste's failure, and is marked `Entry.recurring`. So is a line that runs steadily through a
long file among its unit's other work (`_steady`: a mail server's policy rejects of spam all day). One continuous
episode that begins or ends inside the file, or that is most of what its unit says (a hang that logs the same fatal
error for hours, a crash loop), is not marked: it has no normal around it.

Only a file that can be read again is read ahead (by name, or standard input kept whole: sources/stdin_spool.py); a
file's own lines only, in the scan's selection, of at least MIN_LINES. At most MAX_KEYS keys are followed (a key
past them is never marked: judged as before).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from ..engine.baseline import ERROR_LEVEL
from ..engine.templates.tokens import first_line, masked_key
from ..model import Entry, entry_key
from .stdin_spool import stdin_whole

RECUR_GAP_USEC = 3_600_000_000
"""An hour without the key between two of its lines (µs): as long as a template stays new to the rules that
judge excerpts (their `novel_for`), so a line judged new is one no earlier episode of the file showed."""
MIN_LINES = 200
"""Lines a file must hold for its recurrences to count: a paste is shorter, and its few lines an hour apart are its
trouble, not a normal around it (trial 69's home-assistant.log: 34 lines over 1.5 h, Chromecasts dropping at 02:33
and again at 04:03). As many as a unit's warm-up asks (the anomaly rules' `warm_entries`)."""
LONG_LINES = 200
LONG_SPAN_USEC = 3_600_000_000
"""A unit with this many lines (the anomaly rules' warm_entries) over this long (their warm_after, µs) in a file has
its normal there (`_long`)."""
MAX_KEYS = 262_144
"""Keys followed per file (about 200 bytes each with the dict's own)."""
MAX_TOKENS = 128
"""Tokens of the masked key (TemplateMiner's default max_tokens): lines alike in their first 128 tokens are one."""

HOUR_USEC = 3_600_000_000
STEADY_SPAN_USEC = 3 * HOUR_USEC
"""A unit's lines must span this long (µs) for a key of its to be steady (`_steady`): a paste's hour is no day."""
STEADY_HOURS = 3
"""Clock hours a steady key's lines fall in, at least."""
EDGE_SHARE = 0.25
"""A steady key's first line within this share of its unit's span from the unit's first, and its last as near the
unit's last: it runs through the file, neither begins nor ends inside it."""
MAX_STEADY_SHARE = 1 / 3
"""A steady key's lines are at most this share of its unit's: the unit does other work around them."""
STEADY_TOKENS = 10
"""Tokens of a line key a steady key keeps: a mail server's policy reject names its client, the sender, the
recipient and the HELO name after them, 88 keys for 148 rejects of one kind (trial 74's 51), where Drain's template
masks them; the first ten (`NOQUEUE: reject: RCPT from unknown[<IP>]: <NUM> <NUM> Service unavailable; Client`) say
what happened."""

LineKey = tuple[str, str]

_NAMED = re.compile(r"""(?<![\w'"])(?:'[^'\n]+'|"[^"\n]+")(?![\w'"])"""
                       r"|(?<![\w.>-])(?:(?:[A-Za-z0-9-]|<NUM>)+\.)+[A-Za-z]{2,}(?![\w-])"
                       r"|<(?!(?:NUM|IP|PATH|HEX|UUID|TS|MAC|URL|UNIT|EMAIL|DUR|DATE|STR|NAME|\*)>)[^<>\s]{1,200}>")
"""A quoted value, a dotted name (a host, a zone, a file) or a value in angle brackets (Postfix's client-given HELO
name, `helo=<punlessp>`; not the masker's own `<NUM>`, which may be inside a name: `client6-<NUM>.example.net`): what
the masker keeps when it holds no number (a template's
words must not change with it, and saved baselines hold its ids), but a named key does not tell apart: named's
`error (unexpected RCODE SERVFAIL) resolving 'dns1.example.net/A/IN': ...` for one zone, then another, hours apart, is
one broken remote's normal (trial 70's 18), as Drain's template merges it. A line key recurs on its own too: a named
key makes one continuous episode of lines each of whose names came back after hours (a mail server's deferrals to
one dead domain, then another)."""


def line_key(entry: Entry) -> LineKey:
    """(host_unit key, masked first line): what a text's line is told apart by."""
    return entry_key(entry), masked_key(first_line(entry.message), MAX_TOKENS)


def line_keys(entry: Entry) -> tuple[LineKey, LineKey, LineKey]:
    """The line's key, the key with its names masked too (_NAMED) and its steady key (the latter's first STEADY_TOKENS
    tokens, its unit marked apart: `steady_key`)."""
    unit, text = line_key(entry)
    named = _NAMED.sub("<NAME>", text)
    return (unit, text), (unit, named), steady_key((unit, named))


def steady_key(key: LineKey) -> LineKey:
    """A named key cut to its first STEADY_TOKENS tokens, in keys of their own (a NUL after the unit)."""
    unit, text = key
    return unit + "\0", " ".join(text.split(" ", STEADY_TOKENS)[:STEADY_TOKENS])


class _Spread:
    """A key's or a unit's lines: first and latest µs, how many, and the clock hours they fell in (one more at each
    change of hour from the latest: a file's lines come in time order)."""

    __slots__ = ("first", "hours", "latest", "lines")

    def __init__(self, usec: int) -> None:
        self.first = self.latest = usec
        self.lines = self.hours = 1

    def add(self, usec: int) -> None:
        if usec // HOUR_USEC != self.latest // HOUR_USEC:
            self.hours += 1
        self.first, self.latest, self.lines = min(self.first, usec), max(self.latest, usec), self.lines + 1


def recurring_keys(entries: Iterable[Entry]) -> frozenset[LineKey]:
    """The keys of `entries` (a file's, in its order) that are their unit's normal: a line key or a named key with two
    lines RECUR_GAP_USEC or more apart and none between them (a line whose time steps back before the key's latest
    starts no episode), or a steady key (`_steady`). None for fewer than MIN_LINES."""
    latest: dict[LineKey, int] = {}
    recurring: set[LineKey] = set()
    spreads: dict[LineKey, _Spread] = {}
    units: dict[str, _Spread] = {}
    lines = 0
    for entry in entries:
        lines += 1
        usec = entry.realtime_usec
        *episodic, steady = line_keys(entry)
        for key in episodic:
            seen = latest.get(key)
            if seen is None:
                if len(latest) < MAX_KEYS:
                    latest[key] = usec
            elif usec > seen:
                if usec - seen >= RECUR_GAP_USEC:
                    recurring.add(key)
                latest[key] = usec
        if (spread := spreads.get(steady)) is not None:
            spread.add(usec)
        elif len(spreads) < MAX_KEYS:
            spreads[steady] = _Spread(usec)
        if (unit := units.get(steady[0])) is not None:
            unit.add(usec)
        else:
            units[steady[0]] = _Spread(usec)
    if lines < MIN_LINES:
        return frozenset()
    long_units = {unit for unit, spread in units.items() if _long(spread)}
    return frozenset(recurring | {key for key, spread in spreads.items() if _steady(spread, units[key[0]])}
                     | {long_key(unit[:-1]) for unit in long_units}
                     | {early_key(key) for key, spread in spreads.items() if key[0] in long_units
                        and spread.latest - units[key[0]].first < LONG_SPAN_USEC})


def early_key(key: LineKey) -> LineKey:
    """A steady key of a long unit that its file shows only in the unit's first LONG_SPAN_USEC (`_long`)."""
    return key[0] + "early", key[1]


def long_key(unit: str) -> LineKey:
    """The key that says all of a unit's lines are its normal's (`_long`)."""
    return unit + "\0long", ""


def _long(unit: _Spread) -> bool:
    """Does the file hold a unit's normal: LONG_LINES of its lines or more over LONG_SPAN_USEC or more? Then the file
    is no excerpt cut to show its failure but its history, as a journal's would be, and its lines below error level are
    judged as a journal's are, after a warm-up: a failure word on a line its program wrote at info or with no level is
    a long log's routine (trial 74: a MySQL's reverse lookups `could not be resolved` at every connection; trial 75: a
    ZooKeeper's `Cannot open channel` while its peers come up, a Kafka broker's retried registration at INFO). Its
    error lines stay an excerpt's, judged from its first line, when the file shows them after the unit's first
    LONG_SPAN_USEC too: a failure that began with it and goes on (trial 75's Celery worker: every task `raised
    unexpected: ImportError` from its third minute on for three hours); those of its start-up only are its routine, as a
    journal's warm-up would learn them (trial 75's Home Assistant: `Error doing job: Unclosed client session` at
    start, then 5 h of normal work; a start that fails for good leaves no long unit behind it)."""
    return unit.lines >= LONG_LINES and unit.latest - unit.first >= LONG_SPAN_USEC


def _steady(key: _Spread, unit: _Spread) -> bool:
    """Is a steady key steady in its unit: the unit's lines span STEADY_SPAN_USEC or more, the key's run from its
    first EDGE_SHARE to its last, fall in STEADY_HOURS clock hours or more, and are at most MAX_STEADY_SHARE of the
    unit's? Such a line is how the unit works, not the failure a paste was cut to show: a mail server's policy rejects
    of spam all day long among its deliveries (trial 74's postfix logs of 1,200 to 2,000 lines, one episode each, never
    an hour without them). Not a failure that begins or ends inside the file (a three-hour outage in a day's log), nor
    one the unit says and little else (a hang that repeats its error for hours: the mission's case)."""
    span = unit.latest - unit.first
    edge = span * EDGE_SHARE
    return (span >= STEADY_SPAN_USEC and key.first - unit.first <= edge and unit.latest - key.latest <= edge
            and key.hours >= STEADY_HOURS and key.lines <= unit.lines * MAX_STEADY_SHARE)


def marked(entries: Iterable[Entry], read_ahead: Callable[[], Iterable[Entry]] | None) -> Iterator[Entry]:
    """`entries` with `recurring` set on the lines one of whose keys `read_ahead()` (the same file's lines, read once
    more; None: not readable again) shows recurring or steady."""
    keys = recurring_keys(read_ahead()) if read_ahead is not None else frozenset()
    if not keys:
        yield from entries
        return
    for entry in entries:
        known = line_keys(entry)
        level = entry.effective_priority
        yield replace(entry, recurring=True) if (long_key(known[0][0]) in keys and (
            level is None or level > ERROR_LEVEL or early_key(known[2]) in keys)) or any(key in keys for key in known) \
            else entry


def readable_again(path: Path) -> bool:
    """Can the file be read a second time from its start: a regular file by name, or standard input that ended within
    what sources/stdin_spool.py keeps (not a pipe by name, `--file <(zcat x.gz)`: a second reader would take its
    bytes)?"""
    if str(path) == "-":
        return stdin_whole()
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False
