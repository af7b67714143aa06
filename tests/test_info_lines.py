"""A line whose program wrote its level as info or debug says no failure by its words to the failure-template rules
(`info_lines = false`: engine/info_lines.py). A new user's 340-line excerpt of a healthy gunicorn API paged on a
cleanup job's `removed 28 expired sessions` and a 404's `order not found` at INFO; the same lines at WARNING, or with
no level of their own (journald's default 6 for stdout, where most services log their failures), still fire. Real
files through `scan --file`, `rules check`'s verdict, and the key's errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES

from logsentry.rules.loader import load_rules

START = datetime(2026, 12, 7, 8, 0, 0)


def app_log(level: str) -> str:
    """A Python app's own log (logging's `%(asctime)s %(levelname)s [%(name)s] %(message)s`, `level` "" for none):
    requests, a cleanup job every 5 min and a 404 now and then, for 40 min."""
    lines = []
    for second in range(0, 40 * 60, 15):
        at = START + timedelta(seconds=second)
        stamp = f"{at:%Y-%m-%d %H:%M:%S},000 " + (f"{level} " if level else "")
        if second % 300 == 0:
            lines.append(f"{stamp}[myapi.jobs] cleanup_expired_sessions: removed {second % 37} expired sessions")
        elif second % 420 == 0:
            lines.append(f"{stamp}[myapi.views] order not found: {60000 + second}")
        else:
            lines.append(f"{stamp}[myapi.views] GET /api/v1/orders 200 in {second % 90 + 3}ms")
    return "\n".join(lines) + "\n"


def incidents(path: Path) -> list[str]:
    events = json_events(run_cli("scan", "--file", str(path), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                                 "-o", "json"))
    return [incident["rule"] for incident in of_type(events, "incident")]


@pytest.mark.parametrize(("level", "expected"), [
    ("INFO", []),
    ("DEBUG", []),
    ("WARNING", ["excerpt-failure-template"]),
    ("", ["excerpt-failure-template"]),
])
def test_the_programs_own_info_level_says_no_failure(tmp_path: Path, level: str, expected: list[str]) -> None:
    path = tmp_path / "myapi.log"
    path.write_text(app_log(level))
    assert incidents(path) == expected


def test_postgres_log_level_is_no_info_here() -> None:
    """PostgreSQL's `LOG` is its operator's level (an archive command failing says it there): its words count."""
    line = "2026-12-07 08:00:00.000 UTC [812] LOG:  archive command failed with exit code 1"
    checked = run_cli("rules", "check", line).stdout
    assert "    excerpt-failure-template (warning): counts if its template is new" in checked, checked
    info = "2026-12-07 08:00:00,000 INFO [myapi.jobs] cleanup_expired_sessions: removed 28 expired sessions"
    assert "excerpt-failure-template" not in run_cli("rules", "check", info).stdout
    explained = run_cli("rules", "check", "--explain", info).stdout
    assert "\n    this line does not count: its program wrote it at info, which says no failure to this rule " \
           "(info_lines = false; " in explained, explained
    assert "whose text says one of its 108 words (not a line its program wrote at info or debug)" in explained


@pytest.mark.parametrize(("body", "problem"), [
    ('kind = "new-template"\nwords = ["failed"]\ninfo_lines = "no"',
     "anomaly.info_lines (line 8): expected true or false (got 'no')"),
    ('kind = "new-template"\ninfo_lines = false',
     "anomaly.info_lines (line 7): only a new-template or persistence rule with words takes info_lines"),
])
def test_a_bad_info_lines_key_is_named(write_rule, rules_dir: Path, body: str, problem: str) -> None:
    path = write_rule("infos", f'title = "t"\nseverity = "warning"\naction = "alert"\n[anomaly]\n{body}\n'
                               '[trigger]\ncount = 1\nwithin = "1m"\n')
    rule_set = load_rules([rules_dir])
    assert not rule_set.rules
    assert len(rule_set.errors) == 1 and problem in rule_set.errors[0] and path.name in rule_set.errors[0], \
        rule_set.errors
