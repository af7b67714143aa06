"""`systemctl status UNIT` pasted (sources/systemctl_status.py): the real systemctl's output for a unit that fails.

A real systemd (tests/sandbox.py) runs a unit that logs its own error on stdout and exits 1 (a second later, so
that journald finds its cgroup: a process gone first logs under no unit); `systemctl status` inside it prints the
header and the unit's journal lines, in a UTF-8 locale (U+00D7 for failed) and in C (`x`). Read as text, every
line is the unit's, the program's own error among them, and the header is not "skipped" noise.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import json_events, of_type, run_cli
from sandbox import Sandbox

CRASHY = """[Unit]
Description=Shop backend
DefaultDependencies=no
[Service]
ExecStart=/bin/sh -c 'echo "ERROR [main] Failed to connect to db.internal:5432: Connection refused"; sleep 1; exit 1'
"""


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox({"shop.service": CRASHY})
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sandbox.show("shop.service", "ActiveState") != "failed":
            time.sleep(0.2)
        assert sandbox.show("shop.service", "ActiveState") == "failed"
        yield sandbox
    finally:
        sandbox.close()


@pytest.mark.parametrize(("lang", "glyph"), [("C.UTF-8", "\u00d7"), ("C", "x")])
def test_systemctl_status_lines_are_the_units(box: Sandbox, tmp_path: Path, lang: str, glyph: str) -> None:
    nsenter = shutil.which("nsenter") or "/usr/bin/nsenter"
    printed = subprocess.run([nsenter, "-t", str(box.pid), "-a", "env", f"LANG={lang}", f"LC_ALL={lang}",
                              "systemctl", "status", "--no-pager", "-l", "-n", "20", "shop.service"],
                             capture_output=True, text=True, timeout=30).stdout
    assert printed.startswith(f"{glyph} shop.service - Shop backend\n"), printed[:200]
    assert "Active: failed (Result: " in printed and "Connection refused" in printed
    paste = tmp_path / "status.txt"
    paste.write_text(printed)
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.stderr  # the header and its properties are systemctl's, not lost log lines
    events = json_events(result)
    matches = of_type(events, "match")
    errors = [m for m in matches if "Connection refused" in m["message"]]
    assert errors and all(m["unit"] == "(shop.service)" for m in errors)  # the program's own lines: the unit's
    assert {m["unit"] for m in matches} == {"(shop.service)"}
    assert "systemd-unit-failed" in {i["rule"] for i in of_type(events, "incident")}


def test_a_status_block_ends_at_its_blank_line(tmp_path: Path) -> None:
    """What follows a pasted status (another paste, journalctl's lines) is not the unit's, nor is PID 1's line about
    another unit inside it; systemctl's `Hint:` line is skipped (helper B)."""
    from logsentry.sources import Selection, open_entries

    paste = tmp_path / "paste.txt"
    paste.write_text(
        "\u00d7 shop.service - Shop backend\n"
        "     Loaded: loaded (/etc/systemd/system/shop.service; enabled; preset: enabled)\n"
        "     Active: failed (Result: exit-code) since Thu 2026-12-03 06:18:35 UTC; 2s ago\n"
        "\n"
        "Dec 03 06:18:34 vm sh[79]: ERROR [main] Failed to connect to db.internal:5432: Connection refused\n"
        "Dec 03 06:18:35 vm systemd[1]: db.service: Failed with result 'exit-code'.\n"
        "Dec 03 06:18:35 vm systemd[1]: shop.service: Failed with result 'exit-code'.\n"
        "Hint: Some lines were ellipsized, use -l to show in full.\n"
        "\n"
        "Dec 03 06:19:00 vm sshd[900]: Accepted publickey for admin from 192.0.2.7 port 50000 ssh2\n")
    entries = list(open_entries(Selection(), files=[paste]))
    assert [e.unit for e in entries] == ["(shop.service)", "(db.service)", "(shop.service)", "(sshd)"]
    assert entries[2].message == "shop.service: Failed with result 'exit-code'."  # no Hint joined to it
