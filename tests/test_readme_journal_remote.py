"""README's recipe that turns another host's `journalctl -o export` output into a journal with
systemd-journal-remote, run as written (from its "where logsentry is" step on; the export comes from a
host's entries written here): `logsentry scan -D` then finds that host's failure and names the host."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import BOOT, entry

from logsentry.sources.journal_files import export_bytes

README = Path(__file__).resolve().parent.parent / "README.md"
WEB7 = "b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7"


def recipe() -> list[str]:
    """The commands of the ```sh block after "Another host's logs as a journal", from "where logsentry is" on."""
    block = README.read_text().split("**Another host's logs as a journal**", 1)[1]
    block = block.split("```sh\n", 1)[1].split("```", 1)[0]
    here = block.split("# where logsentry is", 1)[1].split("\n", 1)[1]
    return [line for line in here.splitlines() if line.strip() and not line.startswith("#")]


def test_the_readme_recipe_writes_a_journal_that_logsentry_scans(tmp_path: Path) -> None:
    commands = recipe()
    assert commands[-1] == "logsentry scan -D try/remote" and any("systemd-journal-remote" in c for c in commands)
    host = {"_MACHINE_ID": WEB7, "_HOSTNAME": "web-7", "_BOOT_ID": BOOT}
    entries = [entry(f"GET /item/{i} 200", unit="api.service", at=i, **host) for i in range(5)]
    entries.append(entry("api: thread blocked indefinitely in an MVar operation", unit="api.service", at=6, **host))
    (tmp_path / "web-7.export").write_bytes(export_bytes(entries))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(commands)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "try" / "remote" / "remote-web-7.journal").is_file()
    assert "logsentry scan: 6 entries" in done.stdout, done.stdout
    assert "CRITICAL web-7 api.service  ghc-mvar-deadlock" in done.stdout, done.stdout
