"""`logsentry tail --plain` stopped ends with its summary, as `-o json` (a summary record) and the live view (its
final report) do: it printed nothing at all, so 50 entries with no match looked like a tail that read nothing
(helper F6's finding). The line goes to stderr: stdout stays one event a line for a script."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from conftest import BASE_USEC, entry, simple_rule, stop_and_read

from logsentry.timespec import format_usec, zone_label


def test_tail_plain_stopped_prints_what_it_read_and_found(make_journal, write_rule, rules_dir, tmp_path):
    (tmp_path / "journal").mkdir()
    make_journal([*(entry(f"GET /items/{n} 200", at=n) for n in range(50)), entry("BOOM at the end", at=50)],
                 name="journal/system.journal")
    write_rule("boom", simple_rule(regex="^BOOM"))
    tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(tmp_path / "journal"), "--since",
                             "@1", "--plain", "--rules", str(rules_dir), "--no-shipped-rules"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert tail.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while not any("BOOM at the end" in line for line in lines):  # the last entry: all 51 were read
        assert time.monotonic() < deadline and tail.poll() is None, lines
        lines.append(tail.stdout.readline())
    out, err = stop_and_read(tail)
    assert tail.returncode == 0, err
    first, last = format_usec(BASE_USEC), format_usec(BASE_USEC + 50_000_000)
    zone = zone_label(BASE_USEC)
    assert err.splitlines() == [f"logsentry tail: 51 entries from {first} to {last[11:]} {zone}, 1 match, 1 incident"]
    assert all(" boom " in line for line in lines + out.splitlines() if line)  # stdout: the events only
