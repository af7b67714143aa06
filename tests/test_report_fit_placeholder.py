"""A template cut to fit the terminal keeps its placeholders whole: at 80 columns the card of uWSGI's new
`listen queue ... full` line read `template: *** uWSGI listen queu…TR> (fd: <NUM>) ...` (helper F6's finding),
a `<STR>` cut to `TR>` that says nothing. report.fit now cuts before a placeholder, on either side of its `…`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import entry

from logsentry.views.fit import fit

SPLIT = re.compile(r"<[A-Z0-9*]*…|…[A-Z0-9*]*>")
"""A placeholder's piece beside the ellipsis: `<ST…` or `…TR>`."""


def test_fit_never_splits_a_placeholder_at_either_cut():
    template = "*** uWSGI listen queue of socket <STR> (fd: <NUM>) full !!! (<NUM>/<NUM>) ***"
    for width in range(10, len(template)):
        cut = fit(template, width)
        assert len(cut) <= width and not SPLIT.search(cut), (width, cut)
    head_side = "<HOSTPORT> <UUID> <*> refused " + "x" * 60  # the head's cut falls inside a placeholder too
    for width in range(10, 60):
        cut = fit(head_side, width)
        assert len(cut) <= width and not SPLIT.search(cut), (width, cut)
    assert fit(template, 62) == "*** uWSGI listen …<STR> (fd: <NUM>) full !!! (<NUM>/<NUM>) ***"


def test_the_incident_card_at_80_columns_shows_the_template_with_whole_placeholders(
        make_journal: Callable[..., Path]):
    history = [entry(f"GET /items/{n} 200 in {n % 40} ms", unit="uwsgi.service", at=n * 10) for n in range(540)]
    queue_full = [entry('*** uWSGI listen queue of socket "127.0.0.1:8000" (fd: 3) full !!! (101/100) ***',
                        unit="uwsgi.service", at=5400 + n) for n in range(12)]
    journal = make_journal(history + queue_full)  # 1.5 h of history, then a new failure line repeated
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(journal)], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if "template: " in line)
    end = next(index for index in range(start + 1, len(lines)) if lines[index].startswith("│ │"))
    # the template wrapped whole in the card (at word breaks: a placeholder is never split across lines)
    line = " ".join(each.strip("│ ") for each in lines[start:end])
    assert "uWSGI listen" in line and "(fd: <NUM>) full !!! (<NUM>/<NUM>) ***" in line, line
    assert not SPLIT.search(line) and all(len(each) <= 80 for each in lines[start:end]), line  # once: "queu…TR>"
