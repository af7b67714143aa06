"""A newcomer's `logsentry scan orders.log` (no --file) and `scan -f orders.log` are told how a log is read, not only
Click's "Got unexpected extra argument" and "No such option '-f'" (a second new user's try). Other mistakes keep
Click's own words. The real CLI in a subprocess (exit status 2, a usage error)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HINT = "A log or dump is read with --file PATH (- for standard input), a directory of journal files with -D DIR."


@pytest.mark.parametrize("args", [["orders.log"], ["-f", "orders.log"]])
def test_a_bare_path_or_f_is_told_about_file(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "orders.log").write_text("2026-12-03 10:00:00.567  INFO 4121 --- [main] x : Starting\n")
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert HINT in " ".join(done.stderr.split()), done.stderr


def test_another_mistake_keeps_clicks_words(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--bogus"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2 and "No such option '--bogus'" in done.stderr and HINT not in done.stderr, done.stderr
