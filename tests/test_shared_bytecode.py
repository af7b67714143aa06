"""shared_bytecode (conftest): the children write their bytecode under the prefix, never under one that
another user may write (its .pyc files would run as us)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from shared_bytecode import share_bytecode

import logsentry.channel


def test_children_write_their_bytecode_under_the_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = tmp_path / "pycache"
    prefix.mkdir(mode=0o700)
    (prefix / f"warmed-{sys.implementation.cache_tag}").touch()  # no warm-up: this test is about the prefix
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(prefix))
    share_bytecode()
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ and os.environ["PYTHONPYCACHEPREFIX"] == str(prefix)
    subprocess.run([sys.executable, "-c", "import logsentry.channel"], check=True, timeout=60)
    source = Path(logsentry.channel.__file__)
    assert (prefix / source.parent.relative_to("/") / f"channel.{sys.implementation.cache_tag}.pyc").is_file()


def test_a_prefix_others_may_write_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = tmp_path / "pycache"
    prefix.mkdir()
    prefix.chmod(0o777)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(prefix))
    share_bytecode()
    assert os.environ["PYTHONDONTWRITEBYTECODE"] == "1"
