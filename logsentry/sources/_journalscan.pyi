"""Types of the C extension (see _journalscan.c)."""

from collections.abc import Sequence

NO_LIMIT: int
NO_PRIORITY: int
LOCAL_ONLY: int

Candidate = tuple[int, str, dict[str, str]]
Run = tuple[int, int, int, int, tuple[tuple[str, int, int, int, int, bytes], ...], tuple[str, ...], int,
            tuple[bytes, bytes, bytes, bytes, bytes]]

class Scanner:
    def __init__(self, *, directory: str | None, files: Sequence[str], flags: int, matches: Sequence[str],
                 since_usec: int, until_usec: int, literals: Sequence[tuple[bytes, int]], always_limit: int,
                 wanted: Sequence[str]) -> None: ...
    def read(self) -> list[Candidate | Run] | None: ...
    def close(self) -> None: ...
