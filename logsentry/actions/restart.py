"""Restart a unit with `systemctl restart -- UNIT`: an argv list, never parsed by a shell, with a total
deadline, capped output, and its process group killed when the deadline passes (actions/bounded.py).

The unit name comes from trusted journal fields, and is still checked against systemd's unit-name
grammar so nothing that looks like an option or carries odd bytes reaches the command line.

The restart command (and abort_first's SIGABRT before it) is started behind a gate: a fixed `/bin/sh -c 'read ...;
exec "$@"'` that runs its arguments (never parsed: they are positional parameters) only once logsentry has recorded
the command's PID in state.db and written "go" to it. Were logsentry killed in between, the gate reads end-of-file
and exits without running anything; so after any crash a restart either has a recorded PID or never ran.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import bounded

UNIT_NAME = re.compile(
    r"[A-Za-z0-9:_.\\@-]{1,240}\.(service|socket|target|mount|automount|swap|timer|path)")
GATE = ("/bin/sh", "-c", 'read -r go && [ "$go" = go ] && exec "$@"; exit 125', "logsentry-gate")


class ActionFailed(RuntimeError):
    """The action could not be carried out; the message says why (never a secret)."""


def check_unit_name(unit: str) -> str:
    if not UNIT_NAME.fullmatch(unit) or unit.startswith("-"):
        raise ActionFailed(f"refusing to act on {unit!r}: not a valid unit name")
    return unit


def _what(argv: Sequence[str]) -> str:
    return f"{argv[-1]}: {' '.join(argv[:2])}"


def _finish(process: object, argv: Sequence[str], deadline: float, timeout_s: float) -> bounded.Finished:
    try:
        return bounded.finish(process, deadline)  # type: ignore[arg-type]
    except bounded.Timeout:
        raise ActionFailed(f"{_what(argv)} timed out after {timeout_s:g}s (process group killed)") from None


def _run(argv: Sequence[str], deadline: float, timeout_s: float) -> bounded.Finished:
    try:
        process = bounded.start(argv)
    except OSError as error:
        raise ActionFailed(f"{argv[0]}: cannot run: {error.strerror or error}") from None
    return _finish(process, argv, deadline, timeout_s)


def process_start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat): with the PID, it
    names one process even after PIDs are reused. "" when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat[stat.rfind(")") + 2:].split()[19]


def restart_unit(unit: str, systemctl: Sequence[str], timeout_s: float, abort_first: bool = False,
                 started: Callable[[int, str], None] | None = None) -> str:
    """Restart `unit` within `timeout_s` in all; with abort_first, SIGABRT its main process first so
    systemd-coredump keeps evidence. `started(pid, start_time)` is called once each command exists (the SIGABRT's
    too: it changes the unit as much) and before it is let through its gate: record it there."""
    check_unit_name(unit)
    deadline = time.monotonic() + timeout_s
    notes = []
    if abort_first:
        done = _gated([*systemctl, "kill", "--signal=SIGABRT", "--kill-whom=main", "--", unit], deadline, timeout_s,
                      started)
        notes.append("sent SIGABRT first" if done.returncode == 0 else
                     f"SIGABRT failed: {done.stderr.decode(errors='replace').strip()[:300]}")
    done = _gated([*systemctl, "restart", "--", unit], deadline, timeout_s, started)
    if done.returncode == 125:
        raise ActionFailed(f"{unit}: the restart command did not start")
    if done.returncode != 0:
        raise ActionFailed(f"systemctl restart {unit} failed (exit {done.returncode}): "
                           f"{done.stderr.decode(errors='replace').strip()[:300]}")
    return "; ".join([*notes, "restarted"])


def _gated(argv: Sequence[str], deadline: float, timeout_s: float,
           started: Callable[[int, str], None] | None) -> bounded.Finished:
    """Run `argv` behind GATE: `started(pid, start_time)` records it before it is let through."""
    try:
        process = bounded.start([*GATE, *argv], stdin=True)
    except OSError as error:
        raise ActionFailed(f"{GATE[0]}: cannot run: {error.strerror or error}") from None
    assert process.stdin is not None
    try:
        if started is not None:
            started(process.pid, process_start_time(process.pid))
        process.stdin.write(b"go\n")
        process.stdin.close()
    except BaseException:
        bounded.kill_group(process.pid)
        process.wait()
        raise
    finally:
        process.stdin = None
    return _finish(process, argv, deadline, timeout_s)


def pending_job(unit: str, systemctl: Sequence[str], timeout_s: float = 10.0) -> bool:
    """Has systemd a job queued or running for the unit (a restart submitted by a command since killed)?"""
    check_unit_name(unit)
    try:
        done = _run([*systemctl, "list-jobs", "--no-legend", "--", unit], time.monotonic() + timeout_s, timeout_s)
    except ActionFailed:
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


def current_invocation(unit: str, systemctl: Sequence[str], timeout_s: float = 10.0) -> str | None:
    """The unit's InvocationID now, or None when systemctl cannot tell."""
    check_unit_name(unit)
    try:
        done = _run([*systemctl, "show", "-p", "InvocationID", "--value", "--", unit], time.monotonic() + timeout_s,
                    timeout_s)
    except ActionFailed:
        return None
    value = done.stdout.decode(errors="replace").strip()
    return value if done.returncode == 0 and value else None
