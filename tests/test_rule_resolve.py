"""A rule's `resolve` (rules/rule.py RESOLVES): how the service resolves its alert (service_held.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from logsentry.rules.loader import default_rule_dirs, load_rules
from logsentry.rules.rule import RuleError, load_rule_file

RULE = '''id = "r"
title = "r"
severity = "error"
{lines}
[match]
message = '^X$'
'''


def rule_at(tmp_path: Path, lines: str) -> Path:
    path = tmp_path / "r.toml"
    path.write_text(RULE.format(lines=lines))
    return path


@pytest.mark.parametrize(("lines", "resolve"), [
    ('action = "alert"', "quiet"),
    ('action = "restart"', "unit-logs-again"),
    ('action = "restart"\nresolve = "quiet"', "quiet"),
    ('action = "alert"\nresolve = "unit-logs-again"', "unit-logs-again"),
])
def test_restart_rules_wait_for_their_unit_by_default_and_any_rule_may_say(tmp_path: Path, lines: str,
                                                                             resolve: str) -> None:
    assert load_rule_file(rule_at(tmp_path, lines)).resolve == resolve


def test_an_unknown_resolve_says_where_and_what(tmp_path: Path) -> None:
    with pytest.raises(RuleError) as raised:
        load_rule_file(rule_at(tmp_path, 'action = "alert"\nresolve = "never"'))
    assert "r.toml: resolve (line 5): expected one of quiet, unit-logs-again (got 'never')" in str(raised.value)


def test_the_rules_for_a_unit_systemd_left_failed_wait_for_it() -> None:
    rules = {rule.id: rule for rule in load_rules(default_rule_dirs()).rules}
    assert rules["systemd-unit-failed"].resolve == rules["systemd-start-limit-hit"].resolve == "unit-logs-again"
    assert rules["ghc-mvar-deadlock"].resolve == "unit-logs-again"  # a restart rule
    assert rules["error-burst"].resolve == "quiet"
