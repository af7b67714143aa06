"""A journal directory's files by host ("stem") for the fan-in follower (sources/fanin.py): the listing, whether a
cursor is in a file, and where each host starts on a first start."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from systemd import journal

from .journal import cursor_realtime, onto_newest


def stem_of(name: str) -> str | None:
    """The host part of a journal file's name: `remote-web-1` for `remote-web-1.journal` and its archives
    `remote-web-1@….journal` and `remote-web-1@….journal~`; None for a file that is no journal."""
    if name.endswith(".journal~"):
        base = name[:-len(".journal~")]
    elif name.endswith(".journal"):
        base = name[:-len(".journal")]
    else:
        return None
    return base.split("@", 1)[0] or None


def vouched_stem(directory: Path, stem: str, machine: str) -> bool:
    """Does the stem's file (list_directory's `SUBDIR/stem` or `stem`) vouch for `machine`'s _MACHINE_ID? Only
    that machine's own journald's files do, which it keeps in its `MACHINE_ID/` directory (/var/log/journal/ID,
    /run/log/journal/ID): a journal-remote file's sender wrote every field, _MACHINE_ID included."""
    return _in_machine_directory(directory.resolve().name, stem.rpartition("/")[0], machine)


def _in_machine_directory(directory_name: str, subdirectory: str, machine: str) -> bool:
    """A file of `subdirectory` ("": at the top) of a directory named `directory_name` lies in `machine`'s own."""
    return subdirectory == machine if subdirectory else directory_name == machine


def vouched(machine: str, directory: Path | None, files: Iterable[Path]) -> bool:
    """Do all journal files a reader opens (`directory`, else `files`, else the local journal) vouch for `machine`
    ("": nothing to vouch for)? One merged reader cannot tell its entries' files apart: one file that cannot vouch
    disowns the claim for all (sources/follow.py `disowned`). Of a directory, the files sd-journal reads count
    (`sd_journal_read`), symbolic links included."""
    if not machine:
        return True
    if directory is None and not files:
        return not unvouched_local(machine)
    if directory is not None:
        return _vouched_in(directory, machine)
    return all(path.resolve().parent.name == machine for path in files)


LOCAL_ROOTS = (Path("/run/log/journal"), Path("/var/log/journal"))
"""Where the local journal is read (sd_journal_open with LOCAL_ONLY, as logsentry opens it): each root's own files
(journald writes none there: systemd-journal-remote --output=/var/log/journal/ does) and its subdirectory named
as this machine's id, in any spelling. Checked with journalctl and systemd.journal.Reader(LOCAL_ONLY), 252."""


def unvouched_local(machine: str) -> list[str]:
    """The files of the local journal (LOCAL_ROOTS, as LOCAL_ONLY reads them) that cannot vouch for `machine`
    ("": none to vouch for): any at a root's top, or in its directory named as `machine` in another spelling; an
    unreadable root counts as itself (nothing read there is vouched for). [] : every file is its journald's."""
    if not machine:
        return []
    out: list[str] = []
    for root in LOCAL_ROOTS:
        try:
            read = sd_journal_read(root)
        except FileNotFoundError:
            continue  # no such local root: nothing read there
        except OSError:
            out.append(str(root))
            continue
        # journald writes only into MACHINE_ID/, never at a root's top, whatever the root is named (a symbolic
        # link to a directory named as the machine): LOCAL_ONLY reads the top and this machine's subdirectory
        out += [str(root / sub / file) for sub, file in read
                if (not sub or sub.replace("-", "").lower() == machine) and sub != machine]
    return out


def _vouched_in(directory: Path, machine: str) -> bool:
    try:
        read = sd_journal_read(directory)
    except OSError:
        return False  # missing or unreadable: the reader says why; nothing it reads is vouched for
    name = directory.resolve().name
    return all(_in_machine_directory(name, subdirectory, machine) for subdirectory, _ in read)


MACHINE_DIRECTORY = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                               r"[0-9a-fA-F]{12}")
"""A subdirectory sd-journal reads (systemd's id128_is_valid: either case, plain or as a UUID); one named
ID.NAMESPACE is another journald namespace's, read only when asked for (journalctl --namespace)."""


def sd_journal_read(directory: Path) -> list[tuple[str, str]]:
    """(subdirectory or "", file name) of each journal file sd-journal reads of `directory` (journalctl -D,
    systemd 252's add_root_directory): its `*.journal`/`*.journal~` files and those of its machine-id
    subdirectories, a symbolic link to either as well. Wider than list_directory, which the fan-in reads."""
    read: list[tuple[str, str]] = []
    with os.scandir(directory) as entries:
        for item in entries:
            if stem_of(item.name) is not None and not item.is_dir():
                read.append(("", item.name))
            elif MACHINE_DIRECTORY.fullmatch(item.name) and item.is_dir():
                try:
                    with os.scandir(item.path) as inner:
                        read += [(item.name, each.name) for each in inner
                                 if stem_of(each.name) is not None and not each.is_dir()]
                except OSError:
                    continue  # gone, or unreadable (sd-journal skips it as well)
    return read


@dataclass(frozen=True)
class Listing:
    """One look at the directory: per stem its active file (with inode, size, mtime in ns) and archives."""

    active: dict[str, tuple[Path, int, int, int]] = field(default_factory=dict)
    archives: dict[str, list[tuple[Path, int]]] = field(default_factory=dict)


def list_directory(directory: Path) -> Listing:
    """The directory's journal files by stem, and those of its subdirectories as `SUBDIR/stem` (journald's
    machine-id directories, which sd-journal reads too); a file that vanishes while listed is left out."""
    listing = Listing()
    _list_into(listing, directory, "")
    with os.scandir(directory) as entries:
        subdirectories = [item.name for item in entries if item.is_dir(follow_symlinks=False)]
    for name in subdirectories:
        try:
            _list_into(listing, directory / name, name + "/")
        except OSError:
            continue  # gone, or unreadable (sd-journal skips it as well)
    for files in listing.archives.values():
        files.sort()
    return listing


def _list_into(listing: Listing, directory: Path, prefix: str) -> None:
    with os.scandir(directory) as entries:
        for item in entries:
            stem = stem_of(item.name)
            if stem is None:
                continue
            try:
                info = item.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not item.is_file(follow_symlinks=False):
                continue
            path = Path(item.path)
            if "@" in item.name or item.name.endswith("~"):
                listing.archives.setdefault(prefix + stem, []).append((path, info.st_ino))
            else:
                listing.active[prefix + stem] = (path, info.st_ino, info.st_size, info.st_mtime_ns)


def holds(path: Path, cursor: str) -> bool:
    """Is the entry at `cursor` in this file? (A cursor of another file would position by time and count
    as a gap.)"""
    try:
        reader = journal._Reader(flags=0, files=[str(path.resolve())])
    except OSError:
        return False
    try:
        reader.seek_cursor(cursor)
        return bool(reader._next()) and bool(reader.test_cursor(cursor))
    except OSError:
        return False
    finally:
        reader.close()


def tail_positions(directory: Path, merged_cursor: str | None = None, until_usec: int | None = None) -> dict[str, str]:
    """Per stem, the cursor of its newest entry (where a first start begins: from now), or, after one merged
    reader's `merged_cursor` (state saved before the host-by-host reading), of its newest entry stamped at or
    before that cursor's time (or at or before `until_usec`, µs of journal time: `tail -D --since`). The active
    file is looked at first; its archives only when it has no such entry (empty, or all newer), so that every
    stem with entries has a position: a stem with none is one the fan-in reads in full when it resumes
    (sources/fanin.py)."""
    until_usec = cursor_realtime(merged_cursor) if merged_cursor else until_usec
    listing = list_directory(directory)
    positions: dict[str, str] = {}
    for stem in sorted(set(listing.active) | set(listing.archives)):
        active = listing.active.get(stem)
        for files in ([active[0]] if active else [], [path for path, _inode in listing.archives.get(stem, [])]):
            cursor = _last_cursor(files, until_usec) if files else None
            if cursor is not None:
                positions[stem] = cursor
                break
    return positions


def _last_cursor(files: list[Path], until_usec: int | None) -> str | None:
    """The cursor of the newest entry of `files` (stamped at or before `until_usec`, µs of journal time)."""
    try:
        reader = journal._Reader(flags=0, files=[str(path.resolve()) for path in files])
    except OSError:
        return None
    try:
        return str(reader._get_cursor()) if onto_newest(reader, until_usec) else None
    except OSError:
        return None
    finally:
        reader.close()
