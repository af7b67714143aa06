"""Types of the C extension (see _runstep.c; engine/runstep.py drives it)."""

from collections.abc import Callable
from typing import Any

State = Any
"""A capsule: the counted entries not learnt yet, per unit id."""
Single = tuple[int, int, int]
"""(entry index, latest time so far in the run (µs), template slot or -1)"""
Followed = tuple[tuple[int, int, int, int, int], ...] | None
"""Per class of persist(), the group's entries it follows: how many, first and last time (µs), the order of the
last among all counted entries, and 1 when their times only grew with no step over the class's gap; None when no
class followed any"""
Group = tuple[int, int, int, int, int, int, bytes, bytes, Followed]
"""(slot, entries, min_usec, max_usec, min level (255: none), serial << 32 | index of its first entry at that
level, (minute start, entries) int64 pairs, (bucket start, entries) int64 pairs: the recent ones when times
only grew; then its followed entries per class)"""
Counted = tuple[int, bytes, bytes, list[Group]]
"""(unit id, serial << 32 | index of each entry (uint64), the unit's recent (bucket start, entries) pairs,
groups)"""

def new() -> State: ...
def step(state: State, serial: int, arrays: tuple[bytes, bytes, bytes, bytes, bytes, bytes], first_index: int,
         count: int, tables: list[dict[str, int]], uids: bytes, modes: bytes, budgets: Any, error_level: int,
         bucket_usec: int, window_usec: int, max_chars: int, max_tokens: int, max_pending: int,
         masked_key: Callable[[str, int], str], recent_usec: int, /) -> list[Single | Counted]: ...
def one(state: State, serial: int, index: int, usec: int, level: int, message: str, table: dict[str, int], uid: int,
        budgets: Any, error_level: int, bucket_usec: int, window_usec: int, max_chars: int, max_tokens: int,
        max_pending: int, masked_key: Callable[[str, int], str], recent_usec: int, /) -> list[Single | Counted]: ...
def flush(state: State, uid: int, /) -> Counted | None: ...
def persist(state: State, classes: tuple[tuple[int, int, int], ...], deadlines: Any, masks: Any, /) -> None: ...
def flush_due(state: State, before_serial: int, /) -> list[Counted]: ...
def flush_all(state: State, /) -> list[Counted]: ...
def decide(units: tuple[str, ...], uids_of: dict[str, int], cold: dict[str, set[int]], histories: dict[str, Any],
           warm_after: int, stepped: int, hot: dict[str, tuple[int, int]], learnt: dict[str, int], learn_only: bool,
           peak_usec: int, first_usec: int, supported: bool, tables_of: dict[str, dict[str, int]],
           empty: dict[str, int], /) -> tuple[bytes, bytes, list[dict[str, int]]] | None: ...
