"""Restart a unit with `systemctl restart -- UNIT`: an argv list, never a shell, with a timeout.

The unit name comes from trusted journal fields, and is still checked against systemd's unit-name
grammar so nothing that looks like an option or carries odd bytes reaches the command line.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence

UNIT_NAME = re.compile(
    r"[A-Za-z0-9:_.\\@-]{1,240}\.(service|socket|target|mount|automount|swap|timer|path)")


class ActionFailed(RuntimeError):
    """The action could not be carried out; the message says why (never a secret)."""


def check_unit_name(unit: str) -> str:
    if not UNIT_NAME.fullmatch(unit) or unit.startswith("-"):
        raise ActionFailed(f"refusing to act on {unit!r}: not a valid unit name")
    return unit


def _run(argv: Sequence[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout_s, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ActionFailed(f"{argv[-1]}: {' '.join(argv[:2])} timed out after {timeout_s:g}s") from None
    except OSError as error:
        raise ActionFailed(f"{argv[0]}: cannot run: {error.strerror or error}") from None


def restart_unit(unit: str, systemctl: Sequence[str], timeout_s: float, abort_first: bool = False) -> str:
    """Restart `unit`; with abort_first, SIGABRT its main process first so systemd-coredump keeps evidence."""
    check_unit_name(unit)
    notes = []
    if abort_first:
        done = _run([*systemctl, "kill", "--signal=SIGABRT", "--kill-whom=main", "--", unit], timeout_s)
        notes.append("sent SIGABRT first" if done.returncode == 0 else f"SIGABRT failed: {done.stderr.strip()}")
    done = _run([*systemctl, "restart", "--", unit], timeout_s)
    if done.returncode != 0:
        raise ActionFailed(f"systemctl restart {unit} failed (exit {done.returncode}): {done.stderr.strip()[:300]}")
    return "; ".join([*notes, "restarted"])


def current_invocation(unit: str, systemctl: Sequence[str], timeout_s: float = 10.0) -> str | None:
    """The unit's InvocationID now, or None when systemctl cannot tell."""
    check_unit_name(unit)
    try:
        done = _run([*systemctl, "show", "-p", "InvocationID", "--value", "--", unit], timeout_s)
    except ActionFailed:
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None
