"""Why a scan that read no entry checked nothing, when the selection, not the input, is to blame: with `--fail-on`
that is no pass (exit 2), as it is for a `-u` or `-H` that names nothing of a journal (cli/scan.py, before the
scan). After the scan, so nothing is read twice unless nothing was read: a `-u` or `-H` that names no line of a
text log or dump (`scan --file paste.txt -H web02 --fail-on error` stayed green on web01's failure: helper-187),
or a time window that holds no entry of the journal at all (`--since` past its end: a wrong date, not a quiet unit;
a unit quiet in a window the journal has lines in is a pass, as a cron check of the last ten minutes needs).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from ..sources import InputFormatError, JournalOpenError
from ..sources.export import ExportSource
from ..sources.journal import JournalLocation
from ..sources.selection import Selection, is_glob, source_name, unit_name
from ..sources.unit_names import MAX_SUGGESTIONS, alike_hosts, named_alike, said_unseen
from ..timespec import format_usec, zone_label

__all__ = ["unchecked"]

MAX_NAMES_READ = 10_000
"""Distinct names kept while a text log is read again for suggestions (bounded memory for any input)."""


def unchecked(selection: Selection, directory: Path | None, files: Sequence[Path], kinds: dict[Path, str]) -> list[str]:
    """The reasons (sentences) a scan that read no entry checked nothing through its selection's fault: each -u
    or -H that names no line of the text logs and dumps read in the window (with the names they hold that look
    alike; standard input, which cannot be read again, says only that none matched), or a --since/--until window
    that holds no entry of the journal (with where its entries lie). [] when the input holds nothing there anyway
    (an empty file, a quiet unit in a window with lines)."""
    said = []
    window = Selection(since_usec=selection.since_usec, until_usec=selection.until_usec)
    dumps = [path for path in files if kinds.get(path) != "journal"]
    if dumps and (selection.units or selection.hosts) and "-" in map(str, dumps):
        named = " ".join([*(f"-u {unit}" for unit in selection.units), *(f"-H {host}" for host in selection.hosts)])
        said.append(f"no line of standard input matched {named}")  # (not read again: no names to suggest)
    elif dumps and (selection.units or selection.hosts):
        units, hosts, pairs = _names(dumps, window)
        if units or hosts:
            where = "these files" if len(dumps) > 1 else str(dumps[0])
            count = len(said)
            said += said_unseen([(name if is_glob(name) else unit_name(name), _alike_units(name, units))
                                 for name in selection.units
                                 if not any(Selection(units=(name,)).takes_text_unit(unit) for unit in units)],
                                "-u selects nothing of it", where=where)
            said += said_unseen([(host, [] if is_glob(host) else alike_hosts(host, hosts))
                                 for host in selection.hosts if not Selection(hosts=(host,)).accepts_hosts(
                                     {"_HOSTNAME": sorted(hosts)}, 0)],
                                "-H selects nothing of it", "host ", where)
            if len(said) == count and selection.hosts:  # each named, never together (newuser78's finding 5)
                said += [f"no entry of {name if is_glob(name) else unit_name(name)} on "
                         f"{' or '.join(f'host {host}' for host in selection.hosts)} in {where}"
                         + (f" (its entries are on {', '.join(sorted(on)[:MAX_SUGGESTIONS])})" if on else "")
                         + ": -u with -H selects nothing of it"
                         for name in selection.units
                         if not selection.accepts_hosts({"_HOSTNAME": sorted(on := {
                             host for unit, host in pairs if Selection(units=(name,)).takes_text_unit(unit)})}, 0)]
    if (selection.since_usec is not None or selection.until_usec is not None) and (
            directory is not None or not files or len(dumps) < len(files)):
        journals = tuple(path for path in files if path not in dumps)
        span = _span(JournalLocation(directory=directory, files=journals), window)
        if span is not None:
            said.append(f"the journal holds no entry {_window(window)} (its entries are from {format_usec(span[0])} "
                        f"to {format_usec(span[1])} {zone_label(*span)}): --since/--until select nothing of it")
    return said


def _names(paths: Sequence[Path], window: Selection) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """The units (`(identifier)` for a text's lines) and hosts of the lines of text logs and dumps in the window,
    and the (unit, host) pairs of its lines, read again without -u or -H; bounded (MAX_NAMES_READ), and empty when
    one cannot be read (the scan said why)."""
    units: set[str] = set()
    hosts: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    try:
        for path in paths:
            for entry in ExportSource(path, window, warn=lambda _: None):
                if len(units) < MAX_NAMES_READ:
                    units.add(entry.unit)
                host = entry.fields.get("_HOSTNAME")
                if host and len(hosts) < MAX_NAMES_READ:
                    hosts.add(host)
                if host and len(pairs) < MAX_NAMES_READ:
                    pairs.add((entry.unit, host))
    except (OSError, InputFormatError):
        return set(), set(), set()
    return units, hosts, pairs


def _alike_units(name: str, units: set[str]) -> list[str]:
    """The units (as -u names them: `.service` added) whose names look like a -u name's, alike by the names
    without `.service` (a shared ".service" made systemd.service like myap.service); none for a glob."""
    if is_glob(name):
        return []
    known = sorted({source_name(unit).removesuffix(".service") for unit in units})
    close = [unit_name(unit) for unit in difflib.get_close_matches(name.removesuffix(".service"), known,
                                                                    n=MAX_SUGGESTIONS, cutoff=0.6)]
    alike = named_alike(unit_name(name), [unit_name(unit) for unit in known])  # (`redis`: redis-server.service)
    return list(dict.fromkeys([*close, *alike]))[:MAX_SUGGESTIONS]


def _span(location: JournalLocation, window: Selection) -> tuple[int, int] | None:
    """The journal's oldest and newest entry times (µs) when no entry of it lies in the window; None when one
    does, or when it holds none or cannot be read (the scan said so)."""
    try:
        reader = location.open()
    except (OSError, JournalOpenError):
        return None
    try:
        reader.seek_realtime(window.since_usec or 0)
        if reader._next() and (window.until_usec is None or int(reader._get_realtime()) <= window.until_usec):
            return None
        reader.seek_head()
        if not reader._next():
            return None
        first = int(reader._get_realtime())
        reader.seek_tail()
        if not reader._previous():
            return None
        return first, int(reader._get_realtime())
    except OSError:
        return None
    finally:
        reader.close()


def _window(window: Selection) -> str:
    """`from A to B`, `since A` or `until B`, in the report's times."""
    if window.since_usec is not None and window.until_usec is not None:
        return (f"from {format_usec(window.since_usec)} to {format_usec(window.until_usec)} "
                f"{zone_label(window.since_usec, window.until_usec)}")
    if window.since_usec is not None:
        return f"since {format_usec(window.since_usec)} {zone_label(window.since_usec)}"
    return f"until {format_usec(window.until_usec or 0)} {zone_label(window.until_usec or 0)}"
