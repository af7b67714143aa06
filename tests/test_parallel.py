"""tests/parallel.py on real xdist workers: an `alone` test runs with no other test beside it, nor another
test's module fixture being set up, while the others do run side by side (an inner pytest run of sleeping tests
and fixtures that log when they start and end)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

INNER = '''
import time
import pytest

def log(name):
    started = time.monotonic()
    time.sleep(0.4)
    with open("LOG", "a") as out:
        out.write(f"{name} {started} {time.monotonic()}\\n")

@pytest.mark.parametrize("n", range(6))
def test_beside(n):
    log(f"beside{n}")

@pytest.mark.alone
@pytest.mark.parametrize("n", range(2))
def test_alone(n):
    log(f"alone{n}")
'''

FIXTURES = '''
import time
import pytest

@pytest.fixture(scope="module", params=range(3))
def built(request):
    started = time.monotonic()
    time.sleep(0.4)  # a journal built, a sandbox booted: before the test's own fixtures
    with open("LOG", "a") as out:
        out.write(f"fixture{request.param} {started} {time.monotonic()}\\n")

def test_uses_it(built):
    pass
'''


def test_an_alone_test_runs_with_no_other_beside_it(tmp_path: Path) -> None:
    here = Path(__file__).resolve().parent
    log = tmp_path / "times.log"
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text("from parallel import pytest_collection_modifyitems, "
                                          "pytest_configure, pytest_runtest_protocol  # noqa: F401\n")
    (tmp_path / "test_inner.py").write_text(INNER.replace("LOG", str(log)))
    (tmp_path / "test_fixtures.py").write_text(FIXTURES.replace("LOG", str(log)))
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    environment["PYTHONPATH"] = str(here)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", "-p",
                           "no:cacheprovider", "--basetemp", str(tmp_path / "base"), str(tmp_path)],
                          cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    spans = {name: (float(start), float(end)) for name, start, end in map(str.split, log.read_text().splitlines())}
    assert len(spans) == 11, spans

    def beside(name: str) -> list[str]:
        start, end = spans[name]
        return [other for other, (s, e) in spans.items() if other != name and s < end and e > start]

    assert beside("alone0") == [] and beside("alone1") == [], spans
    assert any(beside(f"beside{n}") for n in range(6)), spans  # the others did run side by side
