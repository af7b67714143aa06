"""systemd-restart-loop's trigger.counter (rules/rule.py Trigger.counter, engine/window.py): the first restart
counter logsentry sees of a unit fires at once when it is 10 or more (trial 62: a paste's `dnsdist.service: Scheduled
restart job, restart counter is at 18461.` stayed below the rule's 3 lines in 15 min); later ones are judged by the
window, so a unit restarted once a day is not paged daily. Real journal files (systemd-journal-remote) and text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import entry, json_events, of_type, run_cli

from logsentry.rules.rule import RuleError, load_rule_file


def restart_line(unit: str, counter: int, at: float) -> dict[str, Any]:
    return entry(f"{unit}: Scheduled restart job, restart counter is at {counter}.", unit=None, at=at, priority=6,
                 _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope", SYSLOG_IDENTIFIER="systemd", UNIT=unit,
                 MESSAGE_ID="5eb03494b6584870a536b337290809b3")


def loops(events: list[dict[str, Any]]) -> list[str]:
    return [str(i["unit"]) for i in of_type(events, "incident") if i["rule"] == "systemd-restart-loop"]


def test_a_pasted_line_at_a_high_counter_is_a_loop_and_a_low_one_is_not(tmp_path: Path) -> None:
    paste = tmp_path / "dnsdist.txt"
    paste.write_text("Jun 30 13:00:00 ns1 systemd[1]: dnsdist.service: Scheduled restart job, restart counter is at "
                     "18461.\nJun 30 13:00:05 ns1 systemd[1]: netdata.service: Scheduled restart job, restart counter "
                     "is at 4.\n")
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    assert loops(json_events(done)) == ["(dnsdist.service)"], done.output
    card = " ".join(re.sub("[│╭╮╰╯─]", " ", run_cli("scan", "--file", str(paste)).output).split())
    assert ("on the line saying counter 18,461 (this rule fires at a counter of 10, or at 3 matching lines within "
            "15m)") in card and "why: counter" not in card, card


def test_a_unit_restarted_once_a_day_is_paged_once_not_daily(make_journal: Any) -> None:
    """Its first counter seen fires (the loop went on before logsentry looked: 11 restarts by systemd alone); the
    next days' are one line a day, below the window's 3 in 15 min."""
    days = [restart_line("nightly.service", 11 + day, day * 86_400.0) for day in range(5)]
    assert loops(json_events(run_cli("scan", "--file", str(make_journal(days)), "-o", "json"))) == [
        "nightly.service"]


def test_a_live_loop_fires_by_its_window_as_before(make_journal: Any) -> None:
    lines = [restart_line("api.service", n, n * 5.0) for n in range(1, 6)]
    events = json_events(run_cli("scan", "--file", str(make_journal(lines)), "-o", "json"))
    [incident] = [i for i in of_type(events, "incident") if i["rule"] == "systemd-restart-loop"]
    assert incident["count"] == 3, incident


def test_a_counter_must_name_a_capture_and_pass_the_count(tmp_path: Path) -> None:
    rule = tmp_path / "r.toml"
    rule.write_text('id = "r"\ntitle = "r"\nseverity = "error"\naction = "alert"\n[match]\n'
                    "message = 'restart counter is at (?P<n>\\d+)'\n[trigger]\ncount = 3\nwithin = \"15m\"\n"
                    'counter = { capture = "m", at_least = 2 }\n')
    with pytest.raises(RuleError) as wrong:
        load_rule_file(rule)
    assert "trigger.counter.capture" in str(wrong.value) and "(n)" in str(wrong.value), str(wrong.value)
    rule.write_text(rule.read_text().replace('capture = "m", at_least = 2', 'capture = "n", at_least = 2'))
    with pytest.raises(RuleError, match=r"expected a whole number above trigger.count \(3\)"):
        load_rule_file(rule)
