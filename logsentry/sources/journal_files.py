"""Write journal export format and turn it into real .journal files with systemd-journal-remote.

Used by the demo (to replay its bundled outage through the native reader) and by the tests (fixtures).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

JOURNAL_REMOTE_PATHS = ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote")

FieldValue = str | bytes | int
_NEEDS_BINARY = re.compile(rb"[\x00-\x08\x0a-\x1f]")


def export_field(name: str, value: FieldValue) -> bytes:
    """One field; values with a newline or other control bytes use the binary (length-prefixed) form."""
    data = value if isinstance(value, bytes) else str(value).encode()
    if _NEEDS_BINARY.search(data):
        return name.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
    return name.encode() + b"=" + data + b"\n"


def export_entry(fields: Mapping[str, FieldValue]) -> bytes:
    return b"".join(export_field(name, value) for name, value in fields.items()) + b"\n"


def export_bytes(entries: Iterable[Mapping[str, FieldValue]]) -> bytes:
    return b"".join(export_entry(fields) for fields in entries)


def journal_remote() -> str | None:
    """Path of systemd-journal-remote, or None when the package is not installed."""
    for candidate in JOURNAL_REMOTE_PATHS:
        if Path(candidate).exists():
            return candidate
    return shutil.which("systemd-journal-remote")


class JournalBuildError(RuntimeError):
    pass


def build_journal(export: bytes, output: Path) -> Path:
    """Write `export` (journal export format) into the journal file `output` (must end in .journal)."""
    tool = journal_remote()
    if tool is None:
        raise JournalBuildError("systemd-journal-remote is not installed (apt-get install systemd-journal-remote)")
    if output.suffix != ".journal":
        raise JournalBuildError(f"{output}: journal file names must end in .journal")
    done = subprocess.run([tool, "-o", str(output.resolve()), "-"], input=export, capture_output=True, check=False)
    said = done.stderr.decode(errors="replace").strip()
    if done.returncode != 0:
        raise JournalBuildError(f"systemd-journal-remote failed: {said}")
    # It skips an entry it cannot parse (a negative __MONOTONIC_TIMESTAMP: "Numerical result out of range") and still
    # exits 0 ("Finishing after writing 0 entries"): a journal missing entries of the export is not its journal.
    stamped = export.count(b"\n__REALTIME_TIMESTAMP=") + export.startswith(b"__REALTIME_TIMESTAMP=")
    if (written := re.search(r"after writing (\d+) entr", said)) and int(written[1]) < stamped:
        raise JournalBuildError(f"systemd-journal-remote wrote {written[1]} of the export's {stamped} entries: {said}")
    return output
