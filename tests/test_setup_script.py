"""scripts/setup says nothing alarming on a fresh Debian 12 (a new user's trial, helper-223): its pip (23.0) in a
new venv, which has no `wheel`, installed systemd-python (an sdist without pyproject.toml) with the legacy `setup.py
install` and printed a DEPRECATION notice the user took for a failure. Built as a wheel in an isolated environment
(`--use-pep517`, pip's default from 23.1) it says nothing; `-q` still shows a real error. (The trial's 48 `Location
'file:///opt/pypi-more/simple/...' is ignored` warnings were that machine's pip.conf, its extra-index-url of local
directories: not the script's.) Measured on a clone: scripts/setup exits 0, silent but its last line, and
`.venv/bin/logsentry demo` runs; not run here (a minute, and the network)."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

SETUP = Path(__file__).resolve().parent.parent / "scripts" / "setup"


def test_setup_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(SETUP)], check=True, timeout=30)


def test_setup_installs_the_package_without_the_legacy_setup_py_install() -> None:
    [pip] = [shlex.split(line) for line in SETUP.read_text().splitlines() if " -m pip install " in line]
    assert pip[:4] == [".venv/bin/python", "-m", "pip", "install"], pip
    assert "--use-pep517" in pip and "-q" in pip and pip[-2:] == ["-e", ".[test]"], pip
