"""How many scanners the fan-in (sources/fanin.py) may hold open (within the descriptor limit and the service's
memory limit), how big a held one's batches are, and how they are closed.

contrib/logsentry.service sets MemoryMax=384M (MemoryHigh=288M); a collector holds a poked C scanner per host. An
idle held scanner costs about 20 KiB of anonymous memory (tests/test_fanin_memory.py: its batch buffers are freed
after a second of waiting and the text cache is shared), but a host catching up holds up to two batches of
fanin.BATCH_ENTRIES entries, so the held scanners get HELD_BUDGET_BYTES each out of half the cgroup's lower limit
(memory.high, above which the kernel reclaims and throttles, or memory.max); hosts beyond that are read
open-read-close, as before holding existed."""

from __future__ import annotations

import resource
from pathlib import Path

__all__ = ["BATCH_ENTRIES", "CLOSERS", "FDS_PER_HELD", "FDS_SPARE", "HELD_BUDGET_BYTES", "HELD_MAX", "IDLE_CLOSE_S",
           "MAX_CLOSING", "cgroup_memory_max", "held_cap", "held_memory_cap", "raise_fd_limit"]

HELD_MAX, FDS_PER_HELD, FDS_SPARE = 1024, 8, 256
"""At most HELD_MAX scanners are held open (a thread each, waiting without CPU); each holds its file's
descriptor and three eventfds (FDS_PER_HELD leaves room), and FDS_SPARE descriptors stay for the rest of the
service (state, HTTP, alert channels, one-shot reads)."""

BATCH_ENTRIES = 2048
"""A held scanner's largest batch (entries; the scanner's default is 16384): its two batches' buffers are
what a host catching up holds, so hundreds of hosts catching up at once (a collector's restart) stay within
hundreds of MiB. Buffers are shrunk when the scanner waits (_journalscan.c, KEEP_IDLE_BYTES)."""

IDLE_CLOSE_S = 60.0
"""With every scanner it may hold open, a host that changes takes the place of the one idle longest when that
one has been idle this long (s); otherwise it is read as before holding (opened, read to its end, closed)."""

CLOSERS, MAX_CLOSING = 4, 64
"""Scanners are closed in threads: closing one (its reader thread's end) takes up to about 8 ms of waiting
(measured); at most MAX_CLOSING wait to close (descriptors, threads)."""

HELD_BUDGET_BYTES = 128 << 10
"""Memory allowed per held scanner (bytes): several times an idle one's, room for some catching up."""

HELD_SHARE = 2
"""The held scanners get 1/HELD_SHARE of the lower memory limit; the pipeline, its state and the rest keep the other."""


def cgroup_memory_max(proc_cgroup: Path = Path("/proc/self/cgroup"),
                      root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The smallest memory limit (bytes) of this process's cgroup and its parents (MemoryHigh= or MemoryMax= of
    the unit or of a slice above it): cgroup v2's memory.high and memory.max, else v1's memory.limit_in_bytes;
    None: none to read. memory.high counts: past it the kernel throttles the service and reclaims its pages."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    limits: list[int] = []
    for line in lines:
        _, controllers, path = line.split(":", 2) if line.count(":") >= 2 else ("", "-", "")
        if controllers == "":
            limits += _limits(root, root / path.lstrip("/"), "memory.max")
            limits += _limits(root, root / path.lstrip("/"), "memory.high")
        elif "memory" in controllers.split(","):
            limits += _limits(root / "memory", root / "memory" / path.lstrip("/"), "memory.limit_in_bytes")
    return min(limits, default=None)


def _limits(root: Path, directory: Path, name: str) -> list[int]:
    """The numeric `name` files (bytes) of `directory` and its parents up to `root` ("max" is no limit)."""
    limits = []
    while True:
        try:
            text = (directory / name).read_text().strip()
        except OSError:
            text = "max"
        if text.isdigit():
            limits.append(int(text))
        if directory == root or root not in directory.parents:
            return limits
        directory = directory.parent


def held_memory_cap(memory_max: int | None, held_max: int = 1024) -> int:
    """At most `held_max` held scanners, fewer when `memory_max` (bytes) cannot afford HELD_BUDGET_BYTES
    each out of its 1/HELD_SHARE; at least one."""
    if memory_max is None:
        return held_max
    return max(1, min(held_max, memory_max // HELD_SHARE // HELD_BUDGET_BYTES))


def raise_fd_limit() -> int:
    """Raise RLIMIT_NOFILE's soft limit towards its hard limit, as systemd's own tools do (the soft 1024 protects
    select(), which logsentry does not use: it polls), but only as far as HELD_MAX held hosts need: programs
    the service starts (systemctl, alert commands) inherit it. The soft limit then."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = FDS_SPARE + FDS_PER_HELD * HELD_MAX
    if hard != resource.RLIM_INFINITY:
        target = min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass  # kept as it was: fewer scanners are held
    return soft if soft != resource.RLIM_INFINITY else target


def held_cap(held_max: int = HELD_MAX) -> int:
    """At most `held_max` held scanners, as many as the descriptor limit (raised: raise_fd_limit) and the
    cgroup's memory limits allow; 0 when the descriptors allow none."""
    return min(held_max, max(0, (raise_fd_limit() - FDS_SPARE) // FDS_PER_HELD),
               held_memory_cap(cgroup_memory_max(), HELD_MAX))
