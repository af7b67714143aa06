"""Journal files this user may not read: sd-journal skips them without a word, so a user outside the
systemd-journal group scanning the system journal read only their own user journal and was told "Nothing
found", or was told a directory of unreadable machine-id folders had "no journal files in it". journalctl
says so ("Hint: You are currently not seeing messages from other users and the system"); so do we."""

from __future__ import annotations

import os
from pathlib import Path

from ..sources.journal import LOCAL_JOURNAL_DIRS
from ..wording import plural
from .common import fail

SUFFIXES = (".journal", ".journal~")
WHO_MAY = "the members of the systemd-journal and adm groups may read them all, as root does"


def journal_access(directories: tuple[Path, ...]) -> tuple[int, list[Path]]:
    """How many journal files under `directories` (and their machine-id folders, as sd-journal looks) this
    user may read, and the files and folders it may not."""
    readable, denied = 0, []
    for top in directories:
        if not top.is_dir():
            continue
        try:
            folders = [top, *sorted(path for path in top.iterdir() if path.is_dir())]
        except OSError:
            denied.append(top)
            continue
        for folder in folders:
            try:
                names = sorted(path for path in folder.iterdir() if path.name.endswith(SUFFIXES))
            except OSError:
                denied.append(folder)
                continue
            for path in names:
                if os.access(path, os.R_OK):
                    readable += 1
                else:
                    denied.append(path)
    return readable, denied


def check_journal_access(directory: Path | None, files: tuple[Path, ...] = ()) -> str | None:
    """For a command about to read a journal directory (or the local journal): exit 2 when this user may read
    none of its journal files for lack of permission; else the warning to print when it may read only some
    (None when it may read them all, or reads --file)."""
    if files:
        return None
    directories = (directory,) if directory is not None else LOCAL_JOURNAL_DIRS
    readable, denied = journal_access(directories)
    if not denied:
        return None
    where = directory or " or ".join(map(str, LOCAL_JOURNAL_DIRS))
    named = ", ".join(map(str, denied[:3])) + (", ..." if len(denied) > 3 else "")
    if not readable:
        fail(f"{where}: cannot read a journal: this user may not read its journal files ({named}: permission "
             f"denied); {WHO_MAY}")
    return (f"warning: {where}: this user may not read {named}: only the rest ({plural(readable, 'journal file')}) "
            f"is read, as journalctl does; {WHO_MAY}")
