"""Each module of the package's top level and each subpackage imports first, on its own: an import cycle that only
some orders reach breaks whichever program imports that module first (sources/text_recurring.py once imported
engine.anomaly, which imports rules.rule, which imports sources: `import logsentry.pipeline` failed while the CLI's
order worked). One fresh interpreter loads the third-party packages, then imports each module in a child forked
before any of logsentry is loaded."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import logsentry

MODULES = sorted(info.name for info in pkgutil.iter_modules(logsentry.__path__, "logsentry.")
                 if info.name != "logsentry.__main__")  # (runs the CLI)
SCRIPT = """
import importlib, os, sys
import click, orjson, regex, rich.console, ahocorasick_rs  # loaded once, before the fork
failed = []
for name in sys.argv[1:]:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        try:
            importlib.import_module(name)
        except BaseException as error:
            os.write(write, f"{name}: {type(error).__name__}: {error}".encode())
            os._exit(1)
        os._exit(0)
    os.close(write)
    said = os.read(read, 4096).decode()
    os.close(read)
    _, status = os.waitpid(child, 0)
    if status:
        failed.append(said or f"{name}: exit status {status}")
print("\\n".join(failed))
"""


def test_every_top_level_module_imports_first() -> None:
    assert "logsentry.pipeline" in MODULES and "logsentry.sources" in MODULES and len(MODULES) >= 40
    found = subprocess.run([sys.executable, "-c", SCRIPT, *MODULES], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""
