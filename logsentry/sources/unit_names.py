"""-u (and -H) names a journal has never seen. journalctl -u with a typo shows nothing and says nothing; `tail -u` would
follow nothing for ever and `scan -u` find nothing, both silently: they say so, with the journal's nearest names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from systemd import journal

from .journal import JournalLocation, apply_selection
from .selection import (
    CONTAINER_SEPARATOR,
    CONTAINER_WRITER,
    UNIT_VALUE_FIELDS,
    USER_MANAGER,
    Selection,
    glob_matches,
    is_glob,
    parent_of,
)
from .values import decode

MAX_SUGGESTIONS = 3
PART_FIELDS = ("CONTAINER_NAME", "_SYSTEMD_USER_UNIT", "USER_UNIT")
"""Where a unit's line names its part: a container (Docker's driver), or a user unit (its own, or its manager's
line about it)."""


def unseen_units(location: JournalLocation, selection: Selection) -> list[tuple[str, list[str]]]:
    """Each -u name that no entry of the journal names in the fields `journalctl -u` matches (UNIT_VALUE_FIELDS),
    with up to MAX_SUGGESTIONS unit names it does hold that look alike; and each glob that matches none of them
    (with no suggestion). Raises JournalOpenError when the journal cannot be opened; [] when its
    values cannot be read (the reading itself will say why)."""
    names = [unit for unit in selection.units if not is_glob(unit)]
    globs = [unit for unit in selection.units if is_glob(unit)]
    if not names and not globs:
        return []
    reader = location.open()
    queried: dict[str, set[str]] = {}

    def held(field: str) -> set[str]:  # a field's values in the journal, read once
        if field not in queried:
            queried[field] = {decode(value) for value in reader.query_unique(field)}
        return queried[field]

    def meet(subject: str) -> bool:  # a container's or user unit's subject: an entry holds its unit and part
        unit, _, part = subject.partition(CONTAINER_SEPARATOR)
        for field in PART_FIELDS:
            reader.flush_matches()
            reader.add_match(f"_SYSTEMD_UNIT={unit}")
            reader.add_match(f"{field}={part}")
            reader.seek_head()
            if reader._next():
                return True
        return False

    try:
        known = {value for field in UNIT_VALUE_FIELDS for value in held(field)}
        # a glob no unit name of the journal matches (helper-179: `-u 'ngx*'` found nothing, and said only that
        # nothing matched the whole selection)
        unmatched: list[tuple[str, list[str]]] = [(glob, _like_glob(glob, known)) for glob in globs
                                                  if not any(glob_matches(glob, unit) for unit in known)]
        if not names:
            return unmatched
        # a container's or user unit's subject (`docker.service/web`, `user@1000.service/pipewire.service`): known
        # when an entry of its unit names its part; its unit's pairs with the parts the journal holds are the
        # suggestions, each looked up only when it is one (helper-165's trial: `user@1000.service/web` was
        # suggested for docker.service's web)
        pairs: set[str] = set()
        if asked := {parent for name in names if (parent := parent_of(name)) is not None} & known:
            parts = {name for field in PART_FIELDS for name in held(field)}
            pairs = {f"{unit}{CONTAINER_SEPARATOR}{name}" for unit in asked for name in parts
                     if parent_of(f"{unit}{CONTAINER_SEPARATOR}{name}") == unit}
            known.update(name for name in names if name in pairs and meet(name))
        # a user's own unit or a container named bare (`-u pipewire`, `-u web`: both made `.service`): its subject
        users: dict[str, list[str]] = {}
        if bare := [name for name in names if name not in known and parent_of(name) is None]:
            managers = sorted(unit for unit in known if USER_MANAGER.fullmatch(unit))
            for name in bare:
                if name in held("_SYSTEMD_USER_UNIT"):
                    users[name] = [subject for manager in managers
                                   if meet(subject := f"{manager}{CONTAINER_SEPARATOR}{name}")]
                elif (stem := name.removesuffix(".service")) in held("CONTAINER_NAME"):
                    reader.flush_matches()
                    users[name] = container_units(reader, stem)
        ordered = sorted(known | pairs)
        said = []
        for name in names:
            if name in known:
                continue
            close = users.get(name) or [subject for subject in difflib.get_close_matches(
                name, ordered, n=4 * MAX_SUGGESTIONS, cutoff=0.8) if subject in known or meet(subject)]
            said.append((name, list(dict.fromkeys([*close, *named_alike(name, known)]))[:MAX_SUGGESTIONS]))
        return said + unmatched
    except OSError:
        return []
    finally:
        reader.close()


WORD_BREAKS = re.compile(r"[-@._:]")
"""Where a unit's name parts: Debian's instances and packages (`postgresql@15-main`, `redis-server`)."""


def named_alike(name: str, known: Iterable[str]) -> list[str]:
    """The units of `known` of the name's own type whose names begin with the name without its type, or it with
    theirs, or one of their words does (`postgres`: postgresql@15-main.service; `redis`: redis-server.service;
    `sshd`: ssh.service), shortest first: names difflib finds too far apart, which are what Debian calls its
    packages' units (newuser78's finding 6: `-u postgres` and a watch of `redis` suggested nothing). Names of at
    least MIN_ALIKE letters only ("db" would be like every "dbus-*")."""
    stem, dot, kind = name.rpartition(".")
    if not dot or CONTAINER_SEPARATOR in name or len(stem) < MIN_ALIKE:
        return []
    alike = []
    for unit in known:
        other, _, other_kind = unit.rpartition(".")
        if other_kind != kind or other == stem or CONTAINER_SEPARATOR in unit:
            continue
        words = WORD_BREAKS.split(other)
        if other.startswith(stem) or any(word.startswith(stem) for word in words[1:]) or (
                len(other) >= MIN_ALIKE and stem.startswith(other)):
            alike.append(unit)
    return sorted(alike, key=lambda unit: (len(unit), unit))


MIN_ALIKE = 3
"""The fewest letters of a name (without its type) named_alike compares by beginnings."""


def _like_glob(glob: str, known: set[str]) -> list[str]:
    """Up to MAX_SUGGESTIONS unit names whose name without its type looks like the glob's letters (`ngx*`:
    nginx.service), as difflib compares them (helper-183: a glob that matched nothing suggested nothing)."""
    letters = "".join(char for char in glob.removesuffix(".service") if char not in "*?[]")
    if len(letters) < 2:
        return []
    stems: dict[str, list[str]] = {}
    for unit in sorted(known):
        stems.setdefault(unit.rsplit(".", 1)[0] if "." in unit else unit, []).append(unit)
    close = difflib.get_close_matches(letters, list(stems), n=MAX_SUGGESTIONS, cutoff=0.6)
    return [unit for stem in close for unit in stems[stem]][:MAX_SUGGESTIONS]


def alike_hosts(host: str, known: Iterable[str]) -> list[str]:
    """The host names in `known` a `-H` name may have meant (up to MAX_SUGGESTIONS): the same name in other case
    (`WEB-1`), the same host short or fully qualified (`web-1.example.com` for `web-1`, or the reverse), then those
    spelt alike. A break-it review's `-H WEB-1` and `-H web-1.example.com` got no "did you mean web-1?"."""
    names = sorted(set(known))
    wanted = host.strip("*?[]") if is_glob(host) else host
    folded = wanted.lower()
    same = [name for name in names if name.lower() == folded or name.lower().split(".")[0] == folded.split(".")[0]]
    spelt = [name for name in difflib.get_close_matches(wanted, names, n=MAX_SUGGESTIONS, cutoff=0.6)
             if name not in same]
    return (same + spelt)[:MAX_SUGGESTIONS]


def unseen_hosts(location: JournalLocation, selection: Selection) -> list[tuple[str, list[str]]]:
    """Each -H name no entry of the journal has as its `_HOSTNAME`, with up to MAX_SUGGESTIONS of its hosts that look
    alike (helper-179: `-H web02` for web01 found nothing, silently). JournalOpenError as unseen_units; [] when
    its values cannot be read."""
    if not selection.hosts:
        return []
    reader = location.open()
    try:
        known = sorted({decode(value) for value in reader.query_unique("_HOSTNAME")})
    except OSError:
        return []
    finally:
        reader.close()
    # a glob (`web-*`) that matches none of them, with the hosts like its letters
    return [(host, alike_hosts(host, known))
            for host in selection.hosts if host not in known
            and not (is_glob(host) and any(glob_matches(host, name) for name in known))]


def apart(location: JournalLocation, selection: Selection) -> list[tuple[str, list[str]]]:
    """Each -u name (or glob) the journal holds entries of, but none on the -H/-M hosts, with the hosts it holds
    them on (up to MAX_SUGGESTIONS; `_HOSTNAME`s): `-u worker -H web-1` named a unit and a host the journal
    both holds, never together, and passed as a quiet selection (newuser78's finding 5). Call it once
    unseen_units and unseen_hosts found nothing; JournalOpenError as they; [] when it cannot be read."""
    if not selection.units or not (selection.hosts or selection.machines):
        return []
    reader = location.open()

    def holds(chosen: Selection) -> bool:
        reader.flush_matches()
        if not apply_selection(reader, chosen):
            return False
        reader.seek_head()
        return bool(reader._next())

    try:
        said = []
        hosts: list[str] | None = None
        for unit in selection.units:
            if holds(Selection(units=(unit,), machines=selection.machines, hosts=selection.hosts)):
                continue
            if hosts is None:  # (read once, for the first unit not on the selected hosts)
                hosts = sorted({decode(value) for value in reader.query_unique("_HOSTNAME")})
            said.append((unit, [host for host in hosts if holds(Selection(units=(unit,), hosts=(host,)))]))
        return said
    except OSError:
        return []
    finally:
        reader.close()


def said_apart(apart_units: list[tuple[str, list[str]]], selection: Selection, then: str) -> list[str]:
    """The warnings for `apart`'s units, each ending with `then`."""
    where = " or ".join([*(f"host {host}" for host in selection.hosts),
                         *(f"machine {machine}" for machine in selection.machines)])
    said = []
    for unit, hosts in apart_units:
        shown = ", ".join(hosts[:MAX_SUGGESTIONS]) + (f" and {len(hosts) - MAX_SUGGESTIONS} more"
                                                       if len(hosts) > MAX_SUGGESTIONS else "")
        said.append(f"no entry of {unit} on {where} in this journal" + (f" (its entries are on {shown})"
                    if hosts else "") + f": {then}")
    return said


def said_unseen(unseen: list[tuple[str, list[str]]], then: str, what: str = "",
                where: str = "this journal") -> list[str]:
    """The warnings for `unseen` (unseen_units; unseen_hosts with `what` "host "), each ending with what the command
    does about it (`then`); `where`: the input they name nothing of (a text log's, cli/scan_unchecked.py)."""
    return [f"no entry of {what}{name} in {where}" + (f" (did you mean {', '.join(close)}?)" if close else "")
            + f": {then}" for name, close in unseen]


def container_units(reader: journal._Reader, name: str) -> list[str]:
    """The subject of a container `name` in the journal (`docker.service/web`), from its first line that dockerd
    wrote (selection.subject_unit: the unit is that line's own)."""
    reader.add_match(f"CONTAINER_NAME={name}")
    reader.add_match(f"_COMM={CONTAINER_WRITER}")
    try:
        reader.seek_head()
        if not reader._next():
            return []
        unit = decode(reader._get_all().get("_SYSTEMD_UNIT", b""))
        return [f"{unit}{CONTAINER_SEPARATOR}{name}"] if unit else []
    finally:
        reader.flush_matches()
