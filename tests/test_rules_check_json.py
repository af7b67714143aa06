"""`logsentry rules check -o json` gives what its text output says: a "match" record per rule that matches,
and an "anomaly" record per anomaly rule and line with the verdict the text explains (it had the matches
only, so a script could not tell whether a line would count for first-error-template or the share rules)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from logsentry.cli.rules_explain import MAX_EXPLAINED_LINES


def records(*args: str) -> list[dict[str, object]]:
    done = run_cli("rules", "check", "-o", "json", *args)
    assert done.exit_code == 0, done.output
    return [json.loads(line) for line in done.stdout.splitlines()]


def anomaly_rule_ids() -> list[str]:
    listed = run_cli("rules", "list", "-o", "json").stdout.splitlines()
    return [rule["id"] for rule in map(json.loads, listed) if rule["kind"] == "anomaly"]


def test_the_json_says_each_anomaly_rules_verdict_as_the_text_does() -> None:
    line = "2026-12-01 10:00:00,123 ERROR [main] pool exhausted after 30000 ms"
    out = records(line)
    assert [(r["type"], r["rule"]) for r in out if r["type"] == "match"] == [("match", "error-burst")]
    verdicts = {r["rule"]: r for r in out if r["type"] == "anomaly"}
    assert sorted(verdicts) == sorted(anomaly_rule_ids()) and len(verdicts) >= 9
    text = run_cli("rules", "check", "--explain", line).stdout.splitlines()
    for rule_id, record in verdicts.items():
        watch = next(n for n, said in enumerate(text) if said.startswith(f"{rule_id} ("))
        assert text[watch].endswith(f": watches {record['watches']}")
        assert text[watch + 1] == f"    this line {record['verdict']}"
        assert record["line"] == line and record["counts"] is not str(record["verdict"]).startswith("does not")
    assert verdicts["new-error-template"]["counts"] is True  # ERROR written by log4j: err
    assert verdicts["new-fatal-template"]["counts"] is False  # ... not crit
    assert verdicts["new-fatal-template"]["verdict"] == ("does not count: it is at err (the level it writes), the "
                                                         "rule needs crit or worse")


def test_the_json_of_a_file_has_the_verdicts_of_its_first_lines(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("worker 3 failed: connection refused\n" + "".join(f"GET /item/{n} 200\n" for n in range(203)))
    out = [r for r in records("--file", str(lines)) if r["rule"] == "new-failure-template"]
    assert len(out) == MAX_EXPLAINED_LINES  # as the text output, which says how many were left
    assert (out[0]["line"], out[0]["counts"]) == ("worker 3 failed: connection refused", True)
    assert (out[1]["line"], out[1]["counts"]) == ("GET /item/0 200", False)
