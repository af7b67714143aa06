"""A fresh operator read "6 h of history" for `error-template-persists` and waited 8 h 30 min on a unit logging
once a minute: the rule also needs 1,000 of the unit's entries learnt (UnitStats.warm), about 17 h at that pace.
README's rule table and `rules show` say both conditions, from the rule files."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli

from logsentry.rules.anomaly import AnomalySpec
from logsentry.rules.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
ANOMALY = load_rules([ROOT / "rules" / "anomaly"]).rules
DEFAULT = AnomalySpec(kind="new-template")
HOUR = 3_600_000_000


def _rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    return {found.group(1): found.group(2) for found in re.finditer(r"^  \| `([a-z-]+)` \| (.*) \|$", text, re.M)}


def test_readme_rows_name_each_longer_warm_up_in_full() -> None:
    """Every anomaly rule warmer than the default (an hour, 200 entries) has its row name both its history and its
    entries, as the rule file says."""
    rows = _rows()
    longer = [rule for rule in ANOMALY if rule.anomaly is not None and rule.anomaly.warm_entries >
              DEFAULT.warm_entries]
    assert {rule.id for rule in longer} >= {"error-template-persists", "template-rate-spike"}
    for rule in longer:
        assert rule.anomaly is not None
        row = rows[rule.id]
        hours = rule.anomaly.warm_after_usec // HOUR
        assert f"{hours} h of history and {rule.anomaly.warm_entries:,} of" in row, (rule.id, row)
    assert "a unit logging once a minute gets there after 16 h 40 min" in rows["error-template-persists"]


def test_rules_show_says_when_a_unit_is_judged() -> None:
    shown = run_cli("rules", "show", "error-template-persists").stdout.splitlines()
    assert ("  anomaly: persistence, err or more important; a unit is judged once 6h of its history and 1,000 of "
            "its entries are learnt (at one line a minute: after 16h 40m) (this rule's warm-up, in scan and the "
            "service alike; each anomaly rule has its own)") in shown
    daily = run_cli("rules", "show", "first-error-template").stdout  # its day comes after its 100 entries
    assert "once 1d of its history and 100 of its entries are learnt (this rule's warm-up, in scan and the " \
           "service alike; each anomaly rule has its own)\n" in daily  # (scan's footer gave another's 10m: nu76's 4)


def test_rules_show_and_list_give_a_persistence_rule_its_own_test() -> None:
    """`rules show error-template-persists` printed a rate rule's test ("10x the learned rate, tail probability
    below 1e-09") and "1 hit within 10min" (a trigger that never judges anything), `rules list` "10+ x10": the
    rule has neither factor nor tail; it compares a run with the longest one learnt."""
    shown = run_cli("rules", "show", "error-template-persists").stdout
    assert "learned rate" not in shown and "tail probability" not in shown and "1 hit within" not in shown, shown
    lines = shown.splitlines()
    assert ("  test: a known template's run (its lines with no pause over 5min) of at least 10 lines that lasts "
            "longer than 3min and 2x its longest run learnt") in lines
    assert ("  trigger: the first line of a run past its bar fires; the incident lasts while lines past the bar "
            "come within 10min of each other") in lines
    table = {line.split()[0]: line.split()[4:6] for line in run_cli("rules", "list").stdout.splitlines()[1:]}
    assert table["error-template-persists"] == ["3min+", "x2"]
    assert table["error-rate-spike"] == ["20+", "x10"]  # the rate rules keep theirs
