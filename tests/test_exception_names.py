"""An exception's name says a failure to the rules whose words hold "error" or "exception" (rules/anomaly.py
EXCEPTION_NAME): trial 73's warm worker printed `wk-billing: ZeroDivisionError: division by zero` every second for
four minutes, its program's name before it (no runtime's header, so no level) and no word on word boundaries, and
no rule paged. A real text file through `scan --file`, and the pattern on its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from conftest import json_events, of_type, run_cli

from logsentry.rules.anomaly import words_pattern

START = datetime(2025, 3, 4, 8, 0, 0)


def test_a_warm_workers_new_exception_line_is_a_failure(tmp_path: Path) -> None:
    lines = [(START + timedelta(seconds=second), f"wk-billing[812]: billed order {second} in 12ms")
             for second in range(0, 90 * 60, 10)]
    lines += [(START + timedelta(minutes=70, seconds=second), "wk-billing[812]: wk-billing: ZeroDivisionError: "
               "division by zero") for second in range(240)]
    path = tmp_path / "worker.log"
    path.write_text("".join(f"{at:%b %d %H:%M:%S} box {text}\n" for at, text in sorted(lines)))
    incidents = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident")
    assert [(i["rule"], i["unit"]) for i in incidents] == [("new-failure-template", "(wk-billing)")], incidents
    assert 'saying "ZeroDivisionError"' in incidents[0]["why"], incidents[0]["why"]


def test_exception_names_are_failure_words_only_where_error_is_one() -> None:
    failing = words_pattern(("failed", "error"))
    for text in ("ZeroDivisionError: division by zero", "java.net.ConnectException: Connection refused",
                 "caught IOException in reader"):
        assert failing.search(text), text
    for text in ("terror alert", "MyErrorHandler registered", "KeyError= false", "TypeErrorX"):
        assert not failing.search(text), text
    assert not words_pattern(("failed",)).search("ZeroDivisionError: division by zero")
