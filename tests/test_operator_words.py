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
    assert "scenario #1 (line 16): hits" in done.output and "'0 parsecs'" in done.output
    assert 'expected an offset like "5s" (got true)' in done.output, done.output


def test_rules_check_file_explains_the_anomaly_rules_for_each_line(tmp_path: Path):
    lines = tmp_path / "lines.txt"
    lines.write_text("GET /index.html 200 12ms\nworker 3 failed: connection refused\n")
    out = run_cli("rules", "check", "--explain", "--file", str(lines)).stdout.splitlines()
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
    out = run_cli("rules", "check", "--explain", "--file", str(lines)).stdout
    assert "line 200: GET /item/199 200" in out and "line 201:" not in out
    assert out.rstrip().endswith("(the anomaly rules' verdicts are given for the first 200 lines: 3 more lines not "
                                 "explained)")


# -- the site config's and rule files' messages (config check) ------------------------------------------------

def _config_check(tmp_path: Path, text: str) -> tuple[Path, int, list[str], list[str]]:
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n' + text)
    config.chmod(0o600)
    done = run_cli("config", "check", "-c", str(config))
    return config, done.exit_code, done.stdout.splitlines(), done.stderr.splitlines()


def test_tables_are_named_alike_in_errors_and_summary_by_place_from_1_and_line(tmp_path: Path):
    """`[[watch]]` and `[[channel]]` tables have no index in the file: errors, warnings and the summary all name
    one as "watch #2 (line 7)", counted from 1 as people count, with its header's line (errors said `watch[1]`,
    from 0, while the summary said `alert channel 1`)."""
    config, code, out, err = _config_check(tmp_path, '[[watch]]\nunits = ["api"]\nrules = ["error-burst", "zz-*"]\n'
                                           '[[channel]]\nname = "a"\ntype = "apprise"\nurl = "json://127.0.0.1:9/a"\n'
                                           '[[channel]]\nname = "b"\ntype = "apprise"\nurl = "jsno://127.0.0.1:9/b"\n')
    assert code == 2
    assert f"{config}: warning: watch #1 (line 2): rules: 'zz-*' matches no rule: the watch covers nothing by it" in err
    assert f"{config}: channel #2 (line 9): url: apprise does not accept this URL (apprise jsno://***): check its " \
        "scheme and parts against https://github.com/caronc/apprise/wiki" in err, err
    assert "watch #1 (line 2) api.service: rules error-burst, zz-*; actions alert, restart" in out, out
    assert "alert channel #1 (line 5): a (apprise json://***, 3 tries)" in out, out
    assert not [line for line in out if line.startswith("alert channel #2")], out
    config, code, _, err = _config_check(tmp_path, '[[watch]]\nunits = ["api"]\n[[watch]]\nunits = []\n')
    assert code == 2
    assert f'{config}: watch #2 (line 4): units: expected at least one unit name or glob (e.g. ["api", ' \
        '"*.service"])' in err, err


def test_an_inline_array_of_tables_is_named_by_place_only(tmp_path: Path):
    config, code, _, err = _config_check(tmp_path, 'watch = [{units = ["api"]}, {units = []}]\n')
    assert code == 2 and f"{config}: watch #2: units: expected at least one unit name or glob" in err[0], err


def test_header_lines_are_given_only_when_every_header_is_a_real_one():
    from logsentry.tomlfile import header_lines

    assert header_lines('a = 1\n[[watch]]\nunits = ["x"]\n  [[ "watch" ]]  # second\n', "watch", 2) == (2, 4)
    assert header_lines("[[watched]]\r\n[[watch]]\r\nunits = []\r\n[[watch]]\r\n", "watch", 2) == (2, 4)  # CRLF
    assert header_lines('watch = [{units = ["x"]}]\n', "watch", 1) == ()
    # header-like text in a multi-line string: one too many, or (with an inline array) in the wrong place
    assert header_lines('h = """\n[[watch]]\n"""\n[[watch]]\nunits = []\n', "watch", 1) == ()
    assert header_lines('h = """\n[[watch]]\n"""\nwatch = [{units = []}]\n', "watch", 1) == ()


@pytest.mark.parametrize("given, said", [
    ("cooldown = 0", 'restart.cooldown (line 3): a number, expected a string: write cooldown = "0" for no cooldown '
                     '(or a duration like "5min") (got 0)'),
    ("cooldown = 300", 'restart.cooldown (line 3): a number, expected a duration string: write cooldown = "300s" for '
                       '300 seconds (or "5min") (got 300)'),
    ("period = 0", 'restart.period (line 3): a number, expected a duration string like "5min" or "90s", longer '
                   "than 0 (got 0)"),
    ("period = 1.5", 'restart.period (line 3): a number, expected a duration string: write period = "1s 500ms" for 1.5 '
                     "seconds (got 1.5)"),
    # finite seconds, past a float's range in µs (hypothesis found it: OverflowError, not a problem said)
    ("period = 1.797693134862316e+302", 'restart.period (line 3): a number, expected a duration string like "5min" '
                                        'or "90s", longer than 0 (got 1.797693134862316e+302)'),
])
def test_a_duration_given_as_a_number_is_told_what_to_write(tmp_path: Path, given: str, said: str):
    """`cooldown = 0` did not say that the string "0" is how no cooldown is written."""
    config, code, _, err = _config_check(tmp_path, f"[restart]\n{given}\n")
    assert code == 2 and f"{config}: {said}" in err, err


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
