"""The zone a report's times are shown in is said beside them (helper-183): they follow the viewer's TZ, not the
input's, and a paste read in its header's CET showed 12:08 on a UTC machine, unlabelled, beside its own 13:08."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PASTE = """-- Logs begin at Mon 2021-03-01 13:00:01 CET, end at Mon 2021-03-01 13:08:19 CET. --
Mar 01 13:08:19 pi systemd[1]: unbound.service: Main process exited, code=exited, status=1/FAILURE
Mar 01 13:08:19 pi systemd[1]: unbound.service: Failed with result 'exit-code'.
"""
SUMMER = """2021-03-27 12:00:00 UTC app[1]: started
2021-03-28 12:00:00 UTC app[1]: still here
"""


def header(text: str, zone: str, tmp_path: Path) -> str:
    paste = tmp_path / "paste.log"
    paste.write_text(text)
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(paste)], capture_output=True,
                          text=True, env={**os.environ, "TZ": zone, "COLUMNS": "200"}, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[0]


@pytest.mark.parametrize(("zone", "shown", "name"), [("UTC", "12:08:19.000", "UTC"),
                                                     ("Europe/Berlin", "13:08:19.000", "CET"),
                                                     ("America/New_York", "07:08:19.000", "EST")])
def test_the_scan_header_names_the_zone_its_times_are_in(zone: str, shown: str, name: str, tmp_path: Path) -> None:
    line = header(PASTE, zone, tmp_path)
    assert f"from 2021-03-01 {shown} to {shown} {name}," in line, line


def test_a_summer_time_change_between_first_and_last_names_both(tmp_path: Path) -> None:
    line = header(SUMMER, "Europe/Berlin", tmp_path)
    assert "from 2021-03-27 13:00:00.000 to 2021-03-28 14:00:00.000 CET/CEST," in line, line
