"""-u (and -H) names a journal has never seen. journalctl -u with a typo shows nothing and says nothing; `tail -u` would
follow nothing for ever and `scan -u` find nothing, both silently: they say so, with the journal's nearest names."""

from __future__ import annotations

import difflib

from systemd import journal

from .journal import JournalLocation
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
            said.append((name, close[:MAX_SUGGESTIONS]))
        return said + unmatched
    except OSError:
        return []
    finally:
        reader.close()


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
    return [(host, difflib.get_close_matches(host, known, n=MAX_SUGGESTIONS, cutoff=0.6))
            for host in selection.hosts if host not in known]


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
