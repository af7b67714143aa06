"""A scan's selection that left out most or all of a text log (or dump) for a reason its user does not see, said on
stderr, with the report's verdict qualified (its "Nothing found" / "quiet, which passes" read as an all-clear):

- `-u myapi` over a saved `journalctl -u myapi`: in text a line's unit is its syslog identifier
  (`gunicorn[4121]:` is `(gunicorn)`), only PID 1's lines name myapi.service, so -u kept 1 line of 2,024
  (newuser76's 3);
- a relative `--since -1h` over a file of yesterday: it counts from now, not from the file's end, and left out
  every line (newuser76's 9).

Files are read again (counts only) when this may be so; standard input cannot be, and gets the words without the
numbers.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..sources import InputFormatError
from ..sources.export import ExportSource
from ..sources.selection import UNIT_SUFFIXES, Selection, is_untrusted_source, source_name
from ..timespec import TimeSpecError, format_usec, parse_timestamp, zone_label
from ..wording import plural

__all__ = ["Narrowed", "clock_elsewhere", "few_kept", "from_now", "outside_window"]

IDENTIFIERS_NAMED = 3
"""Identifiers suggested at most (the alike by name first, then the busiest)."""


@dataclass(frozen=True)
class Narrowed:
    """What stderr says (`warning`) and the report's verdict instead of an all-clear (`verdict`)."""

    warning: str
    verdict: str


def few_kept(selection: Selection, files: Sequence[Path], kinds: dict[Path, str]) -> Narrowed | None:
    """-u over text logs or dumps that kept under half their lines (in the --since/--until window) while lines of
    other identifiers hold the rest, when the kept lines look like PID 1's about the unit rather than its
    program's: every kept line is PID 1's, or every PID 1 line about a unit names a selected one (the text is
    one `journalctl -u X`'s output). A syslog scanned with `-u sshd` (sshd's own lines kept) is no such case.
    None when not so, for stdin (not read again) or a file that cannot be read (the scan said why)."""
    dumps = [path for path in files if kinds.get(path) != "journal"]
    if not selection.units or not dumps or "-" in map(str, dumps):
        return None
    window = Selection(since_usec=selection.since_usec, until_usec=selection.until_usec)
    kept = others_pid1 = 0
    kept_own = False  # a kept line of the program itself (not PID 1's)
    others: Counter[str] = Counter()
    try:
        for path in dumps:
            for entry in ExportSource(path, window, warn=lambda _: None):
                pid1 = entry.fields.get("_PID") == "1"
                if selection.takes_text_unit(entry.unit):
                    kept += 1
                    kept_own = kept_own or not pid1
                elif pid1:
                    others_pid1 += source_name(entry.unit).endswith(UNIT_SUFFIXES)  # PID 1's about another unit
                elif is_untrusted_source(entry.unit):
                    others[source_name(entry.unit)] += 1
    except (OSError, InputFormatError):
        return None
    total = kept + others_pid1 + sum(others.values())
    if not kept or not others or kept * 2 >= total or (kept_own and others_pid1):
        return None
    names = ", ".join(f"-u {name}" for name in selection.units)
    where = str(dumps[0]) if len(dumps) == 1 else "these files"
    alike = [name for unit in selection.units for name in difflib.get_close_matches(
        source_name(unit).removesuffix(".service"), list(others), n=IDENTIFIERS_NAMED, cutoff=0.6)]
    tried = list(dict.fromkeys([*alike, *(name for name, _ in others.most_common())]))[:IDENTIFIERS_NAMED]
    said = ", ".join(f"{name} ({plural(others[name], 'line')})" for name in tried)
    return Narrowed(
        f"{names} matched {kept:,} of {plural(total, 'line')} of {where}: in text a line's unit is its syslog "
        f"identifier (`{tried[0]}[PID]:` lines are {tried[0]}'s), and only PID 1's lines name a unit; the other lines' "
        f"identifiers: {said} (-u takes an identifier too: {names} -u {tried[0]} reads both)",
        f"Nothing found in the {plural(kept, 'line')} {names} kept, {kept:,} of {total:,}: most of the input was "
        "not checked (see the warning on stderr).")


def from_now(text: str | None) -> bool:
    """Whether a --since/--until value counts from now ("-1h", "2 days ago", "today", "10:00"), not an absolute
    time: it names another moment at another now."""
    if not text:
        return False
    try:
        return parse_timestamp(text, now_usec=10**15) != parse_timestamp(text, now_usec=10**15 + 86_400 * 10**6 * 3)
    except TimeSpecError:
        return False


def outside_window(selection: Selection, since: str | None, until: str | None, files: Sequence[Path],
                   kinds: dict[Path, str], window_only: bool) -> Narrowed | None:
    """A relative --since/--until that left out every line of the text logs and dumps read (the scan read no
    entry): their span, and that relative times count from now, with absolute ones to give instead. None when
    neither is relative, when the input holds no line (said as an empty input) or has lines in the window (-p or
    -u left them out), and for stdin unless the window is all the selection (`window_only`: no -u, -H, -p)."""
    relative = [(option, text) for option, text in (("--since", since), ("--until", until)) if from_now(text)]
    dumps = [path for path in files if kinds.get(path) != "journal"]
    if not relative or not dumps or len(dumps) < len(files):
        return None
    given = " and ".join(f"{option} {text}" for option, text in relative)
    bounds = [at for at in (selection.since_usec, selection.until_usec) if at is not None]
    window = " to ".join(format_usec(at) for at in bounds)
    counts = f"{given} counts from now ({'since ' if until is None else 'until ' if since is None else ''}{window} " \
             f"{zone_label(*bounds, as_read=False)})"
    verdict = (f"No entry lies in the window {given} selects, counted from now: nothing of the input was checked "
               "(see the warning on stderr).")
    if "-" in map(str, dumps):
        if not window_only:
            return None
        return Narrowed(f"{counts}, not from the input's end, and left out every line read: give absolute times "
                        "(--since '2026-12-07 10:00') to select part of an old log", verdict)
    span = _span(dumps)
    if span is None:
        return None
    first, last = span
    if (selection.since_usec or first) <= last and first <= (selection.until_usec or last):
        return None  # (lines in the window: another option left them out)
    return Narrowed(
        f"{counts}, not from the input's end: {'it' if len(dumps) == 1 else 'the input'} runs from "
        f"{format_usec(first)} to {format_usec(last)} {zone_label(first, last)}, so every line was left out; give "
        f"absolute times (--since '{format_usec(max(first, last - 3_600_000_000))[:16]}') to select part of it",
        verdict)


CLOCK = re.compile(r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?")
"""A time of day alone (`14:00`, `09:30:15`): systemd.time(7) takes it as today's."""


def clock_elsewhere(selection: Selection, since: str | None, until: str | None, files: Sequence[Path],
                    kinds: dict[Path, str]) -> str | None:
    """A --since/--until given as a time of day alone over text logs and dumps of other days: it is today's, not the
    input's (`--until 14:00` on a log of the 3rd kept its lines to the end, silently: a second new user's try). The
    warning with the input's span and the date to give; None when no bound is a time alone, or the input's days
    include the bound's, or the input is a journal or standard input (read once)."""
    given = [(option, text.strip(), at) for option, text, at in (("--since", since, selection.since_usec),
                                                                  ("--until", until, selection.until_usec))
             if text and at is not None and CLOCK.fullmatch(text.strip())]
    dumps = [path for path in files if kinds.get(path) != "journal"]
    if not given or not dumps or len(dumps) < len(files) or "-" in map(str, dumps):
        return None
    span = _span(dumps)
    if span is None:
        return None
    first, last = span
    days = {format_usec(first)[:10], format_usec(last)[:10]}
    elsewhere = [(option, text, at) for option, text, at in given if format_usec(at)[:10] not in days]
    if not elsewhere:
        return None
    option, text, at = elsewhere[0]
    return (f"{option} {text} is today's ({format_usec(at)} {zone_label(at, at, as_read=False)}), not a time of the "
            f"input's day: it runs from {format_usec(first)} to {format_usec(last)} {zone_label(first, last)}; give "
            f"the date to cut it ({option} '{format_usec(last)[:10]} {text}')")


def _span(paths: Sequence[Path]) -> tuple[int, int] | None:
    """The earliest and latest entry times (µs) of the files, read again without a window; None when they hold no
    entry or cannot be read."""
    first: int | None = None
    last: int | None = None
    try:
        for path in paths:
            for entry in ExportSource(path, Selection(), warn=lambda _: None):
                at = entry.realtime_usec
                first = at if first is None else min(first, at)
                last = at if last is None else max(last, at)
    except (OSError, InputFormatError):
        return None
    return None if first is None or last is None else (first, last)
