"""The wheel an operator installs carries the rule library and the compiled journal scanner."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_scanner_extension_is_built_and_used_by_scan():
    from logsentry.sources import _journalscan, screening

    assert Path(_journalscan.__file__).suffix == ".so"
    assert screening._journalscan is _journalscan


def test_the_wheel_holds_the_rule_library_and_the_scanner(tmp_path: Path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--disable-pip-version-check",
         "-q", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("logsentry-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(str(path.relative_to(ROOT / "rules")) for path in (ROOT / "rules").glob("*/*.toml"))
    packaged = sorted(name.removeprefix("logsentry/shipped_rules/") for name in names
                      if name.startswith("logsentry/shipped_rules/") and name.endswith(".toml"))
    assert packaged == shipped and len(shipped) > 50
    assert any(name.startswith("logsentry/sources/_journalscan.") and name.endswith(".so") for name in names)
