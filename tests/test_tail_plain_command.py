"""`tail --plain` gives each incident's journalctl command, as its `-o json`, scan's report and the alert do (helper
U: the plain lines had none): at the end of its INCIDENT line and of its ENDED / STILL OPEN line, the command
`tail -o json` gives for the same incident (jsonl.command), and run as printed it shows the incident's line. A
real journal file (systemd-journal-remote), the real CLI in a subprocess, stopped by SIGTERM."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

from conftest import entry, simple_rule, stop_and_read

LABEL = "; its lines: "


def _tail(args: list[str], until: str) -> list[str]:
    """tail's stdout lines, stopped by SIGTERM once a line holding `until` came: its INCIDENT line, so the end
    line is ENDED or STILL OPEN, whichever the stop allows (both carry the command)."""
    tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert tail.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while not any(until in line for line in lines):
        assert time.monotonic() < deadline and tail.poll() is None, lines
        lines.append(tail.stdout.readline())
    out, err = stop_and_read(tail)
    assert tail.returncode == 0, err
    return [*lines, *out.splitlines()]


def test_tail_plain_lines_give_the_incidents_command(make_journal, write_rule, rules_dir: Path,  # type: ignore[no-untyped-def]
                                                     tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    directory.mkdir()
    make_journal([*(entry(f"GET /items/{n} 200", at=n) for n in range(5)), entry("BOOM at the end", at=5)],
                 name="journal/system.journal")
    write_rule("boom", simple_rule(regex="^BOOM"))
    args = ["-D", str(directory), "--since", "@1", "--rules", str(rules_dir), "--no-shipped-rules"]
    said = {("incident" if " INCIDENT " in line else "incident_end"): line.split(LABEL, 1)[1].strip()
            for line in _tail([*args, "--plain"], " INCIDENT ")
            if LABEL in line and any(f" {kind} " in line for kind in ("INCIDENT", "ENDED", "STILL OPEN"))}
    records = [json.loads(line) for line in _tail([*args, "-o", "json"], '"type":"incident"') if line.strip()]
    assert said == {record["type"]: record["journalctl"] for record in records
                    if record["type"] in ("incident", "incident_end")}, said
    shown = subprocess.run([*shlex.split(said["incident_end"]), "-o", "cat", "--no-pager"], capture_output=True,
                           text=True, check=True).stdout
    assert shown.splitlines() == ["BOOM at the end"], shown
