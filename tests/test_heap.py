"""heap.trim: the C heap's free memory given back (glibc's malloc_trim), as the service does once a minute."""

from __future__ import annotations

import ctypes.util
import os
from pathlib import Path

import pytest

from logsentry import heap


def anon_kib() -> int:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise AssertionError("no RssAnon")


@pytest.mark.skipif(ctypes.util.find_library("c") is None, reason="no C library to ask")
def test_freed_small_blocks_go_back_to_the_system() -> None:
    blocks = [bytearray(2000) for _ in range(50_000)]  # ~100 MiB: blocks past pymalloc (512 B), below mmap (128 KiB)
    keep = blocks[-1]
    del blocks[:-1]  # freed, but the heap's top is still in use: only trimming returns the pages below it
    before = anon_kib()
    assert heap.trim()
    assert anon_kib() < before - 20 * 1024, (before, anon_kib())
    assert keep is not None
