"""Types of the C extension (see _journalscan.c)."""

from collections.abc import Sequence

NO_LIMIT: int
NO_PRIORITY: int
JOURNAL_LEVEL: int
STREAM_LEVEL: int
STDERR_UNLEVELLED: int
NOT_LOOKED: int
LOCAL_ONLY: int

Candidate = tuple[int, str, dict[str, str], int] | tuple[int, str, dict[str, str], int, tuple[int, int]]
"""(realtime, cursor, fields, text level[, (jump at, jump): its host's clock jumped, engine/clock_jumps.py])"""
Run = tuple[int, int, int, int, tuple[tuple[str, int, int, int, int, bytes, str, str], ...], tuple[str, ...], int,
            tuple[bytes, bytes, bytes, bytes, bytes, bytes], tuple[tuple[str, int, str], ...]]

def text_level(message: bytes) -> int | None: ...

class Scanner:
    def __init__(self, *, directory: str | None, files: Sequence[str], flags: int, matches: Sequence[str],
                 since_usec: int, until_usec: int, literals: Sequence[tuple[bytes, int]], always_limit: int,
                 wanted: Sequence[str], priority_low: int = -1, priority_high: int = -1, follow: bool = False,
                 cursor: str | None = None, lines_back: int = 0, units: Sequence[str] | None = None,
                 machines: Sequence[str] | None = None, poked: bool = False, batch_entries: int = 0,
                 coalesce_usec: int = 3000, disowned: Sequence[str] | None = None,
                 disown_screened: bool = False) -> None: ...
    def read(self) -> list[Candidate | Run] | None: ...
    def take(self) -> tuple[list[Candidate | Run], str | None, bool] | None: ...
    def fileno(self) -> int: ...
    def poke(self) -> None: ...
    def gap_usec(self) -> int | None: ...
    def disowned_screened(self) -> int: ...
    def close(self) -> None: ...
