"""The suite's subprocesses (the CLI, the service, pytest-xdist's workers) reuse compiled bytecode.

With PYTHONDONTWRITEBYTECODE=1 in the environment (CI's and this machine's), every `python -m logsentry ...`
the tests start compiles every logsentry module it imports from source again, and the suite starts the
service and the CLI hundreds of times: `python -c "import logsentry.service"` takes 0.61 s of CPU so, 0.34 s
with its bytecode cached (min of 5). So the children write and read their bytecode under one directory shared
by all the workers of a run and by later runs (PYTHONPYCACHEPREFIX), and the checkout gets no __pycache__.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

WARM = ("logsentry.cli.run", "logsentry.cli.scan", "logsentry.cli.tail", "logsentry.cli.baseline",
        "logsentry.cli.silence", "logsentry.service", "logsentry.actions.deliver", "apprise", "requests")
"""What the children import (the service, the commands, an alert's delivery child), compiled by the first run
of share_bytecode (3 s of CPU): under a prefix the site-packages' own bytecode is not read either, and
children compiling apprise at once (1.6 s of CPU each) made a delivery miss test_service's 10 s on a loaded
machine. Importing them all again costs 0.7 s, so later runs do not."""


def _own_directory(path: Path) -> bool:
    """`path` is a directory of ours that no one else may write: its .pyc files run as us."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def share_bytecode() -> None:
    """Before any subprocess: let the children write bytecode, under the prefix given or a per-user one in the
    temporary directory, and compile WARM there. Left as it is if that directory is not ours alone (another
    user could plant .pyc files)."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return  # bytecode is written already, where the user wants it
    prefix = os.environ.get("PYTHONPYCACHEPREFIX") or str(Path(tempfile.gettempdir()) /
                                                          f"logsentry-pycache-{os.getuid()}")
    if not _own_directory(Path(prefix)):
        return
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    del os.environ["PYTHONDONTWRITEBYTECODE"]
    warmed = Path(prefix) / f"warmed-{sys.implementation.cache_tag}"  # later runs: only what changed compiles
    if not warmed.exists():
        done = subprocess.run([sys.executable, "-c", f"import {', '.join(WARM)}"], timeout=600, check=False,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if done.returncode == 0:
            warmed.touch()
