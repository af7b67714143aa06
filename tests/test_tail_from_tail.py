"""`tail` (and a first `run`, with no saved cursor) start at the journal's tail, not at now's time: an entry
appended after the start but stamped before it (a collector's lagging host, a late-flushed entry) is shown, as
`journalctl -f` shows it; seeking to now's time skipped every such entry until one stamped after now came (a
fresh operator's finding, helper F6). Entries already in the journal at the start are not shown. A live journal
fed through systemd-journal-remote, the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def wait_open(pid: int, journal: Path, timeout: float = 60) -> None:
    """Until the process has the journal file open (it positions its reader right after)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd).startswith(str(journal)):
                    time.sleep(0.5)
                    return
            except OSError:
                continue
        time.sleep(0.05)
    raise AssertionError(f"tail never opened {journal}")


def test_an_entry_stamped_before_the_start_but_appended_after_it_is_shown(live_journal, tmp_path):
    now = time.time_ns() // 1000
    live_journal.write("fatal error: runtime: out of memory (already there)", __REALTIME_TIMESTAMP=now - 600_000_000)
    live_journal.wait_written()
    out = tmp_path / "tail.jsonl"
    with open(out, "wb") as stdout:
        tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(live_journal.directory),
                                 "-o", "json"], stdout=stdout, stderr=subprocess.DEVNULL)
    try:
        wait_open(tail.pid, live_journal.directory)
        stamped = time.time_ns() // 1000 - 60_000_000  # a minute before now: before the tail started
        live_journal.write("fatal error: runtime: out of memory (late)", __REALTIME_TIMESTAMP=stamped)
        live_journal.wait_written()
        deadline = time.monotonic() + 20
        while not any(r["type"] == "match" for r in records(out.read_text())) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        tail.send_signal(signal.SIGTERM)
        assert tail.wait(timeout=30) == 0
    matched = [r for r in records(out.read_text()) if r["type"] == "match"]
    assert matched and {r["message"] for r in matched} == {"fatal error: runtime: out of memory (late)"}, matched
    assert all(r["realtime_usec"] == stamped for r in matched)
