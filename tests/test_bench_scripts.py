"""Every bench/ script still starts: they import the package's modules by name, and a module split (config.py's
TOML reading moved to config_parse.py) broke bench/memory.py and bench/service_replay.py without a word until a
test that runs memory.py read a results file it never wrote."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
TAKES_HELP = sorted(path.name for path in BENCH.glob("*.py") if path.name != "synthetic_rules.py")


@pytest.mark.parametrize("script", TAKES_HELP)
def test_a_bench_script_imports_and_says_its_options(script: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0 and "usage" in done.stdout.lower(), done.stderr[-2000:]


def test_synthetic_rules_imports() -> None:
    """It takes positional arguments (no --help): importing it is what can break."""
    code = f"import sys; sys.path.insert(0, {str(BENCH)!r}); import synthetic_rules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
