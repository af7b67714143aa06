"""`scan --file <(zcat x.export.gz)`: a pipe is read once, by the dump reader. Sniffing its head first (to tell a
journal file from a dump, and again for the report's journalctl note) consumed those bytes and the scan reported
0 entries: a silent "nothing found" (helper N). Real subprocesses, a real pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

from conftest import entry, simple_rule

from logsentry.sources.journal_files import export_bytes


def scan_pipe(data: bytes, *args: str) -> subprocess.CompletedProcess[str]:
    read, write = os.pipe()

    def feed() -> None:
        with os.fdopen(write, "wb") as stream:
            stream.write(data)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        return subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", f"/dev/fd/{read}", *args],
                              pass_fds=(read,), capture_output=True, text=True, timeout=60, check=False)
    finally:
        os.close(read)
        feeder.join(timeout=10)


def test_a_pipe_is_read_whole(rules_dir, write_rule) -> None:
    export = export_bytes([entry("BOOM one", priority=3), *(entry(f"quiet {n}", at=n + 1.0) for n in range(40))])
    write_rule("boom", simple_rule(regex="^BOOM", count=1))
    done = scan_pipe(export, "-o", "json", "--rules", str(rules_dir), "--no-shipped-rules")
    assert done.returncode in (0, 1), done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    [summary] = [record for record in records if record["type"] == "summary"]
    assert summary["entries"] == 41 and summary["matches"] == 1, (summary, done.stderr)
    text = scan_pipe(export, "--rules", str(rules_dir), "--no-shipped-rules")
    assert "a pipe read once, is no journal file" in " ".join(text.stdout.split()), text.stdout
