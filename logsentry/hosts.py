"""Host identity: which machine an entry came from, and which machine logsentry itself manages.

Entries carry `_MACHINE_ID` and `_HOSTNAME`: set by journald (a client cannot set `_`-fields), but a journal-remote
file holds what its sender wrote, so only this machine's own journal files vouch for its id (sources/fanin_files.py).
A collector reading journals shipped by systemd-journal-upload sees many machines; only the machine whose
systemd logsentry talks to (this one, or `restart.machine_id` when `restart.systemctl` manages another)
may have its units restarted.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Incident

MACHINE_ID_FILE = Path("/etc/machine-id")


def local_machine_id(path: Path = MACHINE_ID_FILE) -> str:
    """This machine's id (/etc/machine-id), "" when it cannot be read (then nothing is restarted)."""
    try:
        value = path.read_text().strip()
    except OSError:
        return ""
    return value if len(value) == 32 and all(c in "0123456789abcdef" for c in value) else ""


def describe_host(machine_id: str, host: str) -> str:
    """"host H (machine M)" for people."""
    if host and machine_id:
        return f"host {host} (machine {machine_id})"
    return f"host {host}" if host else f"machine {machine_id}" if machine_id else "an unknown host"


_ID128 = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
"""An id as sd_id128_from_string() reads one (systemd src/libsystemd/sd-id128/id128-util.c): 32 hex digits of
either case, or the UUID form with four dashes. journald writes the first, in lowercase."""


def claims(machine_id: str, machines: Collection[str]) -> bool:
    """Does `machine_id` name one of `machines` (canonical ids: 32 lowercase hex digits) in any spelling systemd
    reads as it? A journal-remote sender that writes this machine's id in capitals or as a UUID claims it as
    much: such a claim is disowned like the plain one, not taken as another host whose hooks get this machine's
    id in another spelling. So does an entry that carries _MACHINE_ID several times (sd-journal matches
    `_MACHINE_ID=ID` on any; decode() joins them with newlines) or a value ending in a NUL and more (a C string
    of it reads as the id). The common case, a canonical id or none, costs one set lookup."""
    if machine_id in machines:
        return True
    if len(machine_id) < 32 or (len(machine_id) == 32 and machine_id.islower()):
        return False
    return any(_names(value.partition("\0")[0], machines) for value in machine_id.split("\n"))


def _names(value: str, machines: Collection[str]) -> bool:
    """Does one value name one of `machines` as sd_id128_from_string() reads it?"""
    if value in machines:
        return True
    if len(value) not in (32, 36) or (value.islower() and "-" not in value):
        return False
    return _ID128.fullmatch(value) is not None and value.replace("-", "").lower() in machines


def host_journalctl(incident: Incident, source: Sequence[str]) -> str:
    """The command that shows a host-went-silent incident's host from a minute before its last entry on (its
    alert's and `logsentry incidents`'s): `source` is journalctl's `-D DIR` (actions.alert.journal_source)."""
    since = (incident.first_usec - 60 * 1_000_000) // 1_000_000
    return shlex.join(["journalctl", *source, f"_MACHINE_ID={incident.machine_id}", "--since", f"@{since}"])
