"""Giving the C heap's free memory back to the system: glibc's malloc_trim(0).

The service's live objects stay flat under churn, but glibc keeps what they freed: on bench/memory.py's hostile
stream 20-25 MiB of anonymous RSS were free heap, and malloc_trim(0) returned 10-12 MiB of it each time it was
called (helper-135's measurements), near the shipped unit's limit (then MemoryMax=256M; README: "Memory"). A no-op
where the C library has no malloc_trim (musl, other systems).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

_trim: Callable[[int], int] | None = None
_looked = False


def trim() -> bool:
    """Return the heap's free pages to the system, if the C library can (glibc); whether it released any."""
    global _trim, _looked
    if not _looked:
        _looked = True
        name = ctypes.util.find_library("c")
        try:
            function = ctypes.CDLL(name).malloc_trim if name else None
        except (OSError, AttributeError):
            function = None
        if function is not None:
            function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
            _trim = function
    return bool(_trim(0)) if _trim is not None else False
