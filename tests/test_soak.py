"""Soak: a live journal fed fast while `logsentry run` follows it with a failing alert channel and a failing
systemctl: every entry is read, memory stays flat. Longer runs: LOGSENTRY_SOAK_SECONDS=300
LOGSENTRY_SOAK_RATE=20000 python -m pytest tests/test_soak.py -s (numbers are printed)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import LiveJournal, entry

from logsentry.sources.journal_files import export_entry

SECONDS = float(os.environ.get("LOGSENTRY_SOAK_SECONDS", "8"))
RATE = int(os.environ.get("LOGSENTRY_SOAK_RATE", "5000"))


def rss_kib(pid: int) -> int:
    """Anonymous resident memory: the journal files sd-journal maps are file-backed pages the kernel can
    drop at will, and they grow with the journal, not with logsentry."""
    match = re.search(r"RssAnon:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert match
    return int(match.group(1))


def test_soak_reads_everything_with_memory_flat_while_actions_fail(live_journal: LiveJournal, tmp_path: Path):
    config = tmp_path / "soak.toml"
    config.write_text(f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{live_journal.directory}"
[[watch]]
units = ["*"]
actions = ["restart", "alert"]
[restart]
systemctl = ["/bin/false"]
cooldown = "1ms"
budget = 1000000
on_return = "restart"
[alerts]
backoff = "50ms"
max_backoff = "1s"
[[channel]]
type = "command"
argv = ["/bin/false"]
''')
    log = tmp_path / "service.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(config)], stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 15
        while "ready: watching" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        batch = 500
        written, samples = 0, []
        start = time.monotonic()
        while time.monotonic() - start < SECONDS:
            chunk = b"".join(export_entry({
                **entry(f"GET /item/{written + i} 200" if (written + i) % 1000 else
                        f"svc{(written + i) // 1000 % 50}: thread blocked indefinitely in an MVar operation",
                        unit=f"app{(written + i) % 40}.service"),
                "__REALTIME_TIMESTAMP": time.time_ns() // 1000, "__MONOTONIC_TIMESTAMP": written + i + 1})
                for i in range(batch))
            os.write(live_journal._fd, chunk)
            written += batch
            behind = written / RATE - (time.monotonic() - start)
            if behind > 0:
                time.sleep(behind)
            if written % (batch * 20) == 0:
                samples.append(rss_kib(proc.pid))
        live_journal.count = written
        live_journal.wait_written(timeout=60)
        elapsed = time.monotonic() - start
        time.sleep(2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    read = int(re.search(r"stopped after (\d+) entries", text).group(1))  # type: ignore[union-attr]
    print(f"\nsoak: wrote {written} entries in {elapsed:.1f}s ({written / elapsed:.0f}/s), logsentry read {read}; "
          f"RSS KiB samples {samples[:3]} ... {samples[-3:]}")
    assert read == written
    assert "restart of" in text and "failed" in text  # the failing systemctl was really exercised
    assert "alert delivery failed" in text  # and the failing channel
    half = len(samples) // 2
    assert max(samples[half:]) < max(samples[:half]) * 1.1 + 2_000, samples
