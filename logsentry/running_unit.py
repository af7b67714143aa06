"""The systemd unit this process runs in, as journald names it in the `_SYSTEMD_UNIT` of what it logs.

The service's canary entry (service_journal.Canary) is read back through its reader, which selects the watched units
and its own: `own_unit`, "logsentry.service" unless the config says otherwise. Run any other way (`logsentry run`
from a shell: `session-3.scope`; a unit named otherwise: `logsentry-collector.service`) the canary was written
under another unit, never read back, and one minute after the start a false "logsentry cannot see the journal"
alert went out (helper-143's trial). journald takes the unit from the sender's cgroup (systemd's
`cg_path_get_unit`: the first component of the cgroup path below its slices), so the service reads the same from
`/proc/self/cgroup` and selects that unit too; a process in no unit (a cgroup outside the one systemd manages,
`/..`, as `nsenter` into a container gives) gets no `_SYSTEMD_UNIT` at all, and its canary cannot be selected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .sources.selection import UNIT_SUFFIXES

PROC_CGROUP = Path("/proc/self/cgroup")


def unit_of_cgroup(path: str) -> str | None:
    """The unit of a cgroup path (`/system.slice/logsentry.service` -> logsentry.service,
    `/user.slice/user-0.slice/session-3.scope` -> session-3.scope), or None when it names none (`/`, `/..`, a path
    of slices only): the first component that is not a slice, as systemd's cg_path_get_unit takes it."""
    for part in path.split("/"):
        if not part or part.endswith(".slice"):
            continue
        is_unit = part.endswith(UNIT_SUFFIXES) and not part.startswith(".") and part != ".."
        return part if is_unit else None
    return None


def cgroup_path(text: str) -> str | None:
    """The systemd hierarchy's path in a /proc/PID/cgroup text: `name=systemd`'s line (cgroup v1 and hybrid), else
    the unified `0::` line (v2); None when it has neither."""
    unified = None
    for line in text.splitlines():
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if controllers == "name=systemd":
            return path
        if number == "0" and controllers == "":
            unified = path
    return unified


def running_unit(proc_cgroup: Path = PROC_CGROUP) -> tuple[bool, str | None]:
    """(whether this process's cgroup could be read, the unit it runs in or None). Unreadable (no /proc): (False,
    None), and the caller keeps to the configured `own_unit`."""
    try:
        text = proc_cgroup.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False, None
    path = cgroup_path(text)
    return (path is not None), (unit_of_cgroup(path) if path is not None else None)


def stderr_in_journal(environ: Mapping[str, str] = os.environ) -> bool:
    """Does stderr, where the service logs, go to the journal? systemd says so in JOURNAL_STREAM, the device and
    inode of the stream it connected (systemd.exec(5)); a child started from such a service inherits the variable
    but not the stream, hence the comparison. From a shell the lines are on the terminal, not in the journal."""
    device, _, inode = environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        stat = os.fstat(2)
        return (stat.st_dev, stat.st_ino) == (int(device), int(inode))
    except (OSError, ValueError):
        return False


def said_where(running_in: str | None, pid: int) -> tuple[str, str]:
    """Where the service's error lines went and how to reload it, as an alert says them to the one who reads it:
    `systemctl reload UNIT` and the journal under systemd, else `kill -HUP PID` and stderr (the ready line's)."""
    if stderr_in_journal():
        unit = running_in if running_in and running_in.endswith(".service") else None
        return (f"in the journal (`journalctl -u {unit}`)" if unit else "in the journal",
                f"`systemctl reload {unit}`" if unit else f"`kill -HUP {pid}`")
    return "on its standard error (it runs outside systemd)", f"`kill -HUP {pid}`"
