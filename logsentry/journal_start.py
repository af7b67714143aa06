"""The service's journal at its start: can it be opened at all, does it still hold the saved cursor, and where its
tail is (service.py asks before it reads; service_journal.py reads)."""

from __future__ import annotations

import logging
from pathlib import Path

from .config import SiteConfig
from .sources.fanin_files import sd_journal_read
from .sources.journal import LOCAL_JOURNAL_DIRS, JournalLocation, JournalOpenError

log = logging.getLogger("logsentry")


class StartError(Exception):
    """logsentry cannot start: one clear message (naming the path) instead of a traceback."""


def no_journal_file_yet(directory: Path) -> bool:
    """Does a journal_directory hold no journal file at all (of those sd-journal reads)? A new collector's, before
    its first host sent: systemd-journal-remote writes a host's file when it first sends. (Unreadable: False, so
    that opening it says why.)"""
    try:
        return not sd_journal_read(directory)
    except OSError:
        return False


def probe_journal(config: SiteConfig) -> Path | None:
    """Can the journal be opened at all? (No readable journal file is an error, not "nothing found".) Raises
    StartError. The journal_directory when it holds no journal file yet, which is no error: the service starts
    and reads each host's file once it comes (it used to exit 2, and under Restart= loop until a host sent)."""
    if config.journal_directory is not None and no_journal_file_yet(config.journal_directory):
        return config.journal_directory
    location = JournalLocation(directory=config.journal_directory)
    where = f"the journal in {config.journal_directory}" if config.journal_directory else \
        f"the local journal ({', '.join(map(str, LOCAL_JOURNAL_DIRS))})"  # (it read "the journal in the local journal")
    try:
        reader = location.open()
    except (OSError, ValueError) as error:
        raise StartError(f"cannot open {where}: no journal file could be opened ({error})") from None
    try:
        usage = int(reader.get_usage())  # bytes of the files sd-journal opened (unreadable, invalid: none)
    finally:
        reader.close()
    if usage == 0:
        raise StartError(f"cannot open {where}: no journal file could be opened (none there, "
                         "or none readable or valid)")
    return None


def awaiting_said(directory: Path) -> str:
    """What the ready line, STATUS and the log say while a journal_directory holds no journal file yet."""
    return (f"waiting for the first journal file in {directory} (none there yet: systemd-journal-remote writes one "
            "when a host first sends)")


def still_awaiting(directory: Path) -> Path | None:
    """The directory while it still holds no journal file; None once one came (said in the log, once)."""
    if no_journal_file_yet(directory):
        return directory
    log.info("the first journal file came to %s: reading it", directory)
    return None


def cursor_usable(location: JournalLocation, cursor: str) -> bool:
    """Does the journal still hold the cursor's entry? (True when it cannot be opened: the follower says so.)"""
    try:
        reader = location.open()
    except (JournalOpenError, ValueError):
        return True
    try:
        reader.seek_cursor(cursor)
        return True
    except (OSError, ValueError):
        return False
    finally:
        reader.close()


def tail_cursor(location: JournalLocation) -> str | None:
    """The cursor of the newest entry in the journal (any unit): the first start begins after it, and saves it
    at once, so entries logged while logsentry is down after its first start are read. Raises StartError."""
    try:
        reader = location.open()
    except (JournalOpenError, ValueError) as error:
        raise StartError(f"cannot open the journal: {error}") from None
    try:
        reader.seek_tail()
        return str(reader._get_cursor()) if reader._previous() else None
    finally:
        reader.close()
