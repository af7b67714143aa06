"""Host identity: which machine an entry came from, and which machine logsentry itself manages.

Entries carry `_MACHINE_ID` (set by journald, trusted: a client cannot set `_`-fields) and `_HOSTNAME`. A
collector reading journals shipped by systemd-journal-upload sees many machines; only the machine whose
systemd logsentry talks to (this one, or `restart.machine_id` when `restart.systemctl` manages another)
may have its units restarted.
"""

from __future__ import annotations

from pathlib import Path

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
