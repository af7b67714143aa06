"""A rate or share rule's incident card tells what fired it, as the flood's and persistence's do: "fired T at 30
lines of this template within 1m, 0.065 expected (at most 1 in two minutes usually)", not "at its first hit
(trigger: 1 hit within 1m)", which every template-rate-spike, error-rate-spike and error-share incident said
(each hit is a line its test judged; the trigger counts nothing). The report and `tail`, through the real CLI
on journal files written by systemd-journal-remote (the HTML card tells the same count_story)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from conftest import entry
from test_anomaly import HOUR, by_time, steady
from test_persistence_card import ROOT, _cli, _tail_incident

ANOMALY = ROOT / "rules" / "anomaly"


def card(journal: Path, rule: str) -> str:
    report = _cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY / f"{rule}.toml"))
    text = " ".join(report.replace("│", " ").split())
    return text[text.index(rule):]


def test_a_rate_spikes_card_says_the_rate_that_fired_it(make_journal: Callable[..., Path]) -> None:
    """A warning the unit logs a few times an hour comes every second (test_anomaly's connection storm)."""
    storm = [entry(f"Connection to 10.0.{n}.7:2888 lost, retrying", unit="zk.service", at=8 * HOUR + n, priority=4)
             for n in range(120)]
    journal = make_journal(by_time(steady("zk.service", 0, 8 * HOUR, 10, "Session {n} established"),
                                   steady("zk.service", 0, 8 * HOUR, 900, "Connection to 10.0.{n}.7:2888 lost, "
                                          "retrying", priority=4, seed=2), storm))
    told = card(journal, "template-rate-spike")
    said = re.search(r"why: (\d+) lines of this template within 1m, ([\d.e-]+) expected", told)
    assert said is not None, told
    assert (f"at {said[1]} lines of this template within 1m, {said[2]} expected (at most 1 in two minutes usually), "
            "reported at") in told, told
    assert "trigger: 1 hit" not in told and "at its first hit" not in told
    line = _tail_incident(journal, ("--no-shipped-rules", "--rules", str(ANOMALY / "template-rate-spike.toml")))
    assert f"(at {said[1]} lines of this template within 1m, {said[2]} expected" in line, line
    assert "fires at 1 within" not in line


def test_an_error_share_jumps_card_says_the_share_that_fired_it(make_journal: Callable[..., Path]) -> None:
    """A unit with 1 % errors starts failing a third of its requests (test_anomaly's share jump)."""
    rng = random.Random(5)
    lines = [entry(f"upstream timeout after {rng.randint(1000, 3000)}ms", unit="web.service", at=n * 2.0, priority=3)
             if rng.random() < 0.01 else entry(f"GET /p/{n} 200", unit="web.service", at=n * 2.0) for n in range(3000)]
    lines += [entry(f"upstream timeout after {rng.randint(1000, 3000)}ms" if n % 3 == 0 else f"GET /q/{n} 200",
                    unit="web.service", at=6000.0 + n, priority=3 if n % 3 == 0 else 6) for n in range(90)]
    told = card(make_journal(lines), "error-share-jump")
    said = re.search(r"why: (\d+) of (\d+) lines at error level within 1m \((\d+%)\), ([\d.]+%) usual", told)
    assert said is not None, told
    assert (f"at {said[1]} of {said[2]} lines at error level within 1m ({said[3]}; {said[4]} usual)") in told, told
    assert "trigger: 1 hit" not in told and "at its first hit" not in told
