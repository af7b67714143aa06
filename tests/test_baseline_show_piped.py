"""`baseline show` on a pipe (`| less`, `| grep`, a file) gives each template and its runs on one line: rich's
default width off a terminal, 80 columns, folded every template into a column a dozen characters wide (helper F2).
A journal written by systemd-journal-remote, `baseline learn`, then the installed `logsentry` with its stdout a pipe
and no COLUMNS."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import run_cli
from test_anomaly import HOUR, by_time
from test_anomaly_sustained import FAIL, UNIT, errors, history, requests

LOGSENTRY = Path(sys.executable).parent / "logsentry"


def test_a_piped_show_keeps_each_template_on_one_line(make_journal: Callable[..., Path], tmp_path: Path) -> None:
    lines = errors(FAIL, FAIL + HOUR, 1 / 8, 3)
    journal = make_journal(by_time(history(), lines, requests(FAIL + HOUR + 30, FAIL + HOUR + 150, 0.3, 9)))
    state = tmp_path / "state"
    learnt = run_cli("baseline", "learn", "--state-dir", str(state), "-D", str(journal.parent), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    shown = subprocess.run([str(LOGSENTRY), "baseline", "show", "--state-dir", str(state), "-u", UNIT],
                           capture_output=True, env=env, text=True, timeout=60, check=True)
    rows = shown.stdout.splitlines()
    template = "Database.PostgreSQL.Simple: libpq: failed (another command is already in progress)"
    assert any(template in row and " err " in row for row in rows), shown.stdout
    # its first and last seen on that row too, so that `| grep` shows both (helper F4: the last was a row below)
    seen = re.compile(r"\d\d:\d\d:\d\d\.\d{3} / \d{4}-\d\d-\d\d ")
    assert any(template in row and seen.search(row) for row in rows), shown.stdout
    assert any("error-template-persists: longest run 1m 29s from " in row and "(it ends if none comes by " in row
               for row in rows), shown.stdout
