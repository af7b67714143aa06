"""The code stays ruff-clean and mypy-clean (both come with the test extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_clean():
    done = run("ruff", "check", "logsentry", "tests")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_clean():
    done = run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
