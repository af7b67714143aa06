"""The report and `-o json` tell one story of an incident's counts, by the same names: the trigger
(`threshold` within `within_usec`), the hit it fired at, the count it was reported at (the `incident`
record's `count`: a failure waits 2 s for its chain) and the count at its end (`incident_end`); and a
signature incident that several anomaly rules saw on its line gives their shared reason once (the demo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import entry, simple_rule


def scan(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "250", "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_text_and_json_give_the_trigger_and_the_counts_by_name(make_journal: Callable[..., Path],
                                                               write_rule: Callable[..., Path], rules_dir: Path):
    write_rule("boom", simple_rule(count=10, within="10m"))
    journal = make_journal([entry(f"BOOM {i}", at=i * 0.5) for i in range(60)])  # 10th hit at 4.5 s, 60 by 29.5 s
    args = ("--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules")
    records = [json.loads(line) for line in scan(*args, "-o", "json").splitlines()]
    [fired] = [r for r in records if r["type"] == "incident"]
    [ended] = [r for r in records if r["type"] == "incident_end"]
    assert (fired["threshold"], fired["within_usec"], ended["count"]) == (10, 600_000_000, 60)
    assert 10 < fired["count"] < 60  # reported after the 2 s a failure waits for its chain
    text = " ".join(scan(*args).replace("│", " ").split())
    assert (f"fired 00:00:04.500 at the 10th (this rule fires at 10 matching lines within 10m), reported at "
            f"{fired['count']} matching lines; last one 00:00:29.500: 60 matching lines in all over 29s") in text, text


def test_a_single_hit_trigger_fires_at_its_first_hit(make_journal: Callable[..., Path],
                                                    write_rule: Callable[..., Path], rules_dir: Path):
    write_rule("boom", simple_rule(count=1, within="1m"))
    journal = make_journal([entry("BOOM once", at=1)])
    text = " ".join(scan("--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules")
                    .replace("│", " ").split())
    assert ("first matching line 2026-01-01 00:00:01.000 UTC; fired 00:00:01.000 on it (one line is enough for this "
            "rule); last one 00:00:01.000: 1 matching line in all") in text, text
    assert "hit" not in text.split("╮", 1)[-1].split("╰", 1)[0], text  # (the card's words: "hit", "trigger" were)


def test_the_demo_gives_each_reason_once(demo_replay: Callable[[bool], Any]):
    result = demo_replay(True)  # (conftest: shared with the demo's tests, in their xdist group)
    assert result.incident is not None
    why = result.incident.why
    reason = "a template this unit never logged in"
    assert why.count(reason) == 1, why
    for rule in ("new-error-template", "new-failure-template", "new-warning-template"):
        assert why.count(rule) == 1, why
    assert why.startswith("also matched new-error-template, new-failure-template, new-warning-template: " + reason), why
    assert why.endswith(', saying "Error"'), why  # new-failure-template's word, once
