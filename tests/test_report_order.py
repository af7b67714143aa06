"""`logsentry scan`'s report in time order (a fresh user's trial): incidents were listed by unit, then rule, so a
failure that began in one unit and spread to another read backwards, and a unit's later incident of a rule
whose id sorts first came before its earlier one. Text, HTML cards and JSON records, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import entry, simple_rule


def _scan(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", *args], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_incidents_are_reported_in_the_order_they_began(make_journal: Callable[..., Path], tmp_path: Path,
                                                        write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("zz-boom", simple_rule(regex="BOOM"))
    write_rule("aa-bang", simple_rule(regex="BANG"))
    journal = make_journal([entry("BOOM in zeta", unit="zeta.service", at=0),
                            entry("BANG in alpha", unit="alpha.service", at=300),
                            entry("BOOM in alpha", unit="alpha.service", at=600)])
    began = ["zeta.service  zz-boom", "alpha.service  aa-bang", "alpha.service  zz-boom"]  # by time
    args = ("--file", str(journal), "--no-shipped-rules", "--rules", str(rules_dir))
    report = _scan(*args, "--html", str(tmp_path / "r.html"))
    at = [report.find(head) for head in began]
    assert -1 not in at and at == sorted(at), report
    page = (tmp_path / "r.html").read_text()
    cards = [page.find(f"{unit} · <code>{rule}</code>") for unit, rule in (head.split("  ") for head in began)]
    assert -1 not in cards and cards == sorted(cards)
    records = [json.loads(line) for line in _scan(*args, "-o", "json").splitlines()]
    assert [(r["unit"], r["rule"]) for r in records if r["type"] == "incident"] == \
        [tuple(head.split("  ")) for head in began]
