"""Small things an operator trips over: `silence add --for` says which duration forms it takes (systemd's),
a rule's scenario offsets take every zero systemd takes ("0min", "0 s"), and `rules check --file` explains
the anomaly rules for each line as it does for one line given as an argument."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

SCENARIO_RULE = '''id = "boom"
title = "boom"
severity = "error"
action = "alert"
[match]
message = '^BOOM'
[trigger]
count = 1
within = "10m"
[[sample]]
line = "BOOM"
match = true
[[sample]]
line = "no boom"
match = false
[[scenario]]
name = "the first hit fires"
hits = [{hits}]
fires = [{fires}]
'''


def test_silence_add_for_names_systemds_forms():
    shown = " ".join(run_cli("silence", "add", "--help").output.split())
    assert 'How long, as systemd writes time spans: "2h", "30min", "1h 30min", "1d", "90s".' in shown


@pytest.mark.parametrize("zero", ["0", "0s", "0min", "0 s", "0ms", "0h 0min", 0])
def test_scenario_offsets_take_every_zero_systemd_takes(tmp_path: Path, zero: object):
    spelled = f'"{zero}"' if isinstance(zero, str) else str(zero)
    (tmp_path / "boom.toml").write_text(SCENARIO_RULE.format(hits=f'{spelled}, "1s"', fires=spelled))
    done = run_cli("rules", "test", str(tmp_path))
    assert done.exit_code == 0, done.output
    assert "1 rule, " in done.output, done.output  # not "1 rules"


def test_scenario_offsets_that_are_no_duration_are_refused_by_name(tmp_path: Path):
    (tmp_path / "boom.toml").write_text(SCENARIO_RULE.format(hits='"0 parsecs", true', fires='"0s"'))
    done = run_cli("rules", "test", str(tmp_path))
    assert done.exit_code != 0
    assert "scenario[0].hits" in done.output and "'0 parsecs'" in done.output
    assert 'expected an offset like "5s" (got true)' in done.output, done.output


def test_rules_check_file_explains_the_anomaly_rules_for_each_line(tmp_path: Path):
    lines = tmp_path / "lines.txt"
    lines.write_text("GET /index.html 200 12ms\nworker 3 failed: connection refused\n")
    out = run_cli("rules", "check", "--file", str(lines)).stdout.splitlines()
    assert out[0] == "no rule matches"
    [watch] = [line for line in out if line.startswith("new-failure-template (")]  # said once, not per line
    assert watch.startswith("new-failure-template (warning, alert, new-template): watches lines at any level of a "
                            "message template the unit never logged whose text says one of its ")
    second = out.index("line 2: worker 3 failed: connection refused")
    first = out.index("line 1: GET /index.html 200 12ms")
    assert ("    new-failure-template: does not count: its template says none of the rule's words (at no level; "
            "template: GET <PATH> <NUM> <DUR>)") in out[first:second]
    assert ("    new-failure-template: counts if its template is new to a warm unit: it says 'failed' (at no level; "
            "template: worker <NUM> failed: connection refused)") in out[second:]


def test_rules_check_file_says_how_many_lines_it_did_not_explain(tmp_path: Path):
    lines = tmp_path / "lines.txt"
    lines.write_text("".join(f"GET /item/{n} 200\n" for n in range(203)))
    out = run_cli("rules", "check", "--file", str(lines)).stdout
    assert "line 200: GET /item/199 200" in out and "line 201:" not in out
    assert out.rstrip().endswith("(the anomaly rules' verdicts are given for the first 200 lines: 3 more lines not "
                                 "explained)")


@pytest.mark.parametrize("given, said", [
    ("cooldown = 0", 'restart.cooldown: a number, expected a string: write cooldown = "0" for no cooldown (or a '
                     'duration like "5min") (got 0)'),
    ("cooldown = 300", 'restart.cooldown: a number, expected a duration string: write cooldown = "300s" for 300 '
                       'seconds (or "5min") (got 300)'),
    ("period = 0", 'restart.period: a number, expected a duration string like "5min" or "90s", longer than 0 (got 0)'),
    ("period = 1.5", 'restart.period: a number, expected a duration string: write period = "1s 500ms" for 1.5 '
                     "seconds (got 1.5)"),
])
def test_a_duration_given_as_a_number_is_told_what_to_write(tmp_path: Path, given: str, said: str):
    """`cooldown = 0` did not say that the string "0" is how no cooldown is written."""
    config = tmp_path / "c.toml"
    config.write_text(f"[restart]\n{given}\n")
    done = run_cli("config", "check", "-c", str(config))
    assert done.exit_code == 2 and f"{config}: {said}" in done.stderr, done.stderr


@pytest.mark.parametrize("written, shown", [
    (r"""'^\d+ (oops'""", r"""'^\d+ (oops'"""),                    # as in the file, one backslash each
    (r'''"^\\d+ (oops"''', r"""'^\d+ (oops'"""),                   # the same regex, written as a basic string
    (r'''"it's \\w+ (oops"''', r'''"it's \\w+ (oops"'''),          # a quote: no literal string can hold it
    (r'''"\u001b\\d (oops"''', r'''"\u001b\\d (oops"'''),          # a control character: escaped, never sent raw
])
def test_an_invalid_regex_is_shown_as_the_rule_file_can_hold_it(tmp_path: Path, written: str, shown: str):
    (tmp_path / "bad.toml").write_text(SCENARIO_RULE.split("[[scenario]]")[0].replace("'^BOOM'", written))
    done = run_cli("rules", "list", "--no-shipped-rules", "--rules", str(tmp_path))
    assert done.exit_code == 2
    assert f"expected a valid regex (got {shown})" in done.stderr, done.stderr
