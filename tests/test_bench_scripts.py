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


def test_the_memory_bench_judges_the_level_by_the_shipped_units_limits(tmp_path: Path) -> None:
    """bench/memory.py reads MemoryHigh=/MemoryMax= from contrib/logsentry.service (not a number of its own) and
    leaves PAGE_CACHE_MIB of the lower one for the journal files' page cache; sizes it cannot read are errors."""
    sys.path.insert(0, str(BENCH))
    try:
        import memory  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(BENCH))
    unit = tmp_path / "logsentry.service"
    unit.write_text("[Service]\nMemoryHigh=300M\nMemoryMax=1G\n")
    assert memory.unit_memory_limits(unit) == {"MemoryHigh": 300.0, "MemoryMax": 1024.0}
    assert memory.level_limit_mib({"MemoryHigh": 300.0, "MemoryMax": 1024.0}) == 300 - memory.PAGE_CACHE_MIB
    unit.write_text("[Service]\nMemoryHigh=infinity\nMemoryMax=268435456\n")
    assert memory.unit_memory_limits(unit) == {"MemoryMax": 256.0}
    unit.write_text("[Service]\nMemoryMax=80%\n")
    with pytest.raises(ValueError, match=r"logsentry.service:2: MemoryMax=80%"):
        memory.unit_memory_limits(unit)
    unit.write_text("[Service]\nMemoryHigh=200M\n")
    with pytest.raises(ValueError, match="no MemoryMax="):
        memory.unit_memory_limits(unit)
    shipped = memory.unit_memory_limits()
    assert shipped["MemoryHigh"] < shipped["MemoryMax"]
