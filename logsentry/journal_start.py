"""The service's journal at its start: can it be opened at all, does it still hold the saved cursor, and where its
tail is (service.py asks before it reads; service_journal.py reads)."""

from __future__ import annotations

from .config import SiteConfig
from .sources.journal import LOCAL_JOURNAL_DIRS, JournalLocation, JournalOpenError


class StartError(Exception):
    """logsentry cannot start: one clear message (naming the path) instead of a traceback."""


def probe_journal(config: SiteConfig) -> None:
    """Can the journal be opened at all? (No readable journal file is an error, not "nothing found".) Raises
    StartError."""
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
