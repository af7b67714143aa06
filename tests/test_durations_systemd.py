"""Durations as systemd writes them (systemd.time(7)): logsentry reads every one `systemd-analyze timespan`
reads, to the same microsecond, and refuses every one it refuses; a value copied from a unit file works in
the site config, a rule file and `silence add --for`, and a bad one is an error naming where and what."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from logsentry.timespec import TimeSpecError, parse_duration, parse_sec

FORMS = ["10min", "1.5h", "2h 30min", "1d", "500ms", "5 m", "90s", "1h30m", "3 weeks", "2 days", "1y", "3M",
         "1month", "250 msec", "5μs", "5µs", "7us", "7usec", ".5s", "12.34s.56", "12.34 .56", "5 10", "+5", "30",
         "  4h  ", "1hour 2minutes 3seconds", "1.0000005s", "0", "0.5", "1.5 min",
         "5.", "3.sec", "12.34.56", "1x", "-5s", "+.5", "", " ", "60 secs", "5 mins", "5H", "infinity", "1h,30m",
         "1 h 30", "h", ".", "1e3s", "\u0661s"]  # an Arabic-Indic digit: not a digit to strtoll

NUMBERS = ["1", "25", "0", "3.5", ".5", "10.", "+2", "007", "1.25", "-1", "", "."]
UNITS = ["", "s", "sec", "m", "min", "ms", "M", "h", "hr", "d", "w", "y", "us", "μs", "x", "secs", "minutes",
         "hours", "days", "weeks", "months", "years", "msec", "usec", "second", "H", "ns"]


def made_up(generator: random.Random) -> str:
    """One to three parts of a number, maybe spaces and a unit (mostly ones systemd knows), or noise."""
    parts = []
    for _ in range(generator.randint(1, 3)):
        parts += [generator.choice(NUMBERS), generator.choice(["", "", " ", "  "]), generator.choice(UNITS),
                  generator.choice(["", " ", " ", "\t", ".", ","][: 3 if generator.random() < 0.8 else 6])]
    return "".join(parts)


def systemd_reads(text: str) -> int | None:
    """`systemd-analyze timespan TEXT`: its microseconds, or None when it refuses the text."""
    done = subprocess.run(["systemd-analyze", "timespan", "--", text], capture_output=True, text=True,
                          check=False, timeout=10)
    if done.returncode != 0:
        return None
    for line in done.stdout.splitlines():
        label, _, value = line.strip().partition(": ")
        if label == "μs":
            return int(value)
    raise AssertionError(f"no μs line in systemd-analyze's output for {text!r}: {done.stdout!r}")


def ours(text: str) -> int | None:
    try:
        return parse_sec(text)
    except TimeSpecError:
        return None


def test_every_duration_reads_as_systemd_reads_it():
    generator = random.Random(20261201)
    made = [made_up(generator) for _ in range(300)]
    cases = list(dict.fromkeys(FORMS + made))
    differ = {text: (systemd, mine) for text in cases
              if (systemd := systemd_reads(text)) != (mine := ours(text))}
    assert differ == {"infinity": (2**64 - 1, None)}  # no window or timeout of logsentry can be infinite
    read = sum(ours(text) is not None for text in cases)
    assert 100 < read < len(cases) - 100, read  # both sides exercised


def test_unit_file_forms_and_their_microseconds():
    assert parse_duration("10min") == 600_000_000
    assert parse_duration("1.5h") == 5_400_000_000
    assert parse_duration("2h 30min") == 9_000_000_000
    assert parse_duration("1d") == 86_400_000_000
    assert parse_duration("500ms") == 500_000
    assert parse_duration("5 m") == 300_000_000


@pytest.mark.parametrize("text", ["0", "0s", "infinity", "5.", "1x", "60 secs", ""])
def test_a_duration_logsentry_cannot_use_says_what_is_expected(text):
    with pytest.raises(TimeSpecError, match=r'expected a duration like "90s", "10min", "1.5h" or "2h 30min"'):
        parse_duration(text)


def config_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logsentry", "config", "check", "-c", str(path)],
                          capture_output=True, text=True, check=False, timeout=60)


RULE = '''id = "{id}"
title = "boom"
severity = "error"
action = "alert"
[match]
message = 'BOOM'
[trigger]
count = 2
within = "{within}"
'''


def test_unit_file_durations_work_in_the_config_and_rules(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(RULE.format(id="boom", within="2h 30min"))
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{rules}"]\n'
                      '[[watch]]\nunits = ["api"]\nsilence = "1.5h"\n'
                      '[restart]\ncooldown = "10min"\nperiod = "1d"\ntimeout = "500ms"\n'
                      '[alerts]\nrealert = "2h 30min"\n[hosts]\nsilent_after = "5 m"\n')
    done = config_check(config)
    assert done.returncode == 0, done.stderr
    from logsentry.config_parse import load_config
    from logsentry.rules.loader import load_rules

    site = load_config(config)
    assert (site.restart.cooldown_usec, site.restart.period_usec, site.restart.timeout_s) == \
        (600_000_000, 86_400_000_000, 0.5)
    assert site.alerts.realert_usec == 9_000_000_000 and site.host_silent_after_usec == 300_000_000
    assert site.watches[0].silence_usec == 5_400_000_000
    rule = next(rule for rule in load_rules((rules,)).rules if rule.id == "boom")
    assert rule.trigger.within_usec == 9_000_000_000


def test_a_bad_duration_is_an_error_naming_where_and_what(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(RULE.format(id="boom", within="2h 30 mins"))
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{rules}"]\n[alerts]\nrealert = "10 minz"\n')
    done = config_check(config)
    assert done.returncode == 2
    assert f"{config}: alerts.realert (line 4): expected a duration like \"90s\", \"10min\", \"1.5h\" or " \
        "\"2h 30min\", as systemd writes time spans (got '10 minz')" in done.stderr, done.stderr
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{rules}"]\n')
    done = config_check(config)
    assert done.returncode == 2
    assert "rules/boom.toml: trigger.within (line 9): expected a duration like" in done.stderr, done.stderr
    assert "(got '2h 30 mins')" in done.stderr and "Traceback" not in done.stderr


def test_silence_add_takes_a_unit_file_duration(tmp_path):
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n')
    result = run_cli("silence", "add", "-u", "api", "--for", "1.5h", "--comment", "deploy", "-c", str(config))
    assert result.exit_code == 0, result.output
    listed = run_cli("silence", "list", "-c", str(config))
    assert "api" in listed.output
    refused = run_cli("silence", "add", "-u", "api", "--for", "1.5 hrs", "--comment", "x", "-c", str(config))
    assert refused.exit_code == 2 and "'--for'" in refused.output and "'1.5 hrs'" in refused.output


def test_a_duration_past_what_journal_times_can_add_is_a_clear_error(tmp_path, make_journal):
    """systemd takes spans up to 2**64 µs; logsentry adds windows to journal times (int64 µs in its C steps), so
    '300000y' in a rule crashed scan with OverflowError. At most 10000y, said where."""
    assert parse_duration("10000y") > 0
    with pytest.raises(TimeSpecError, match="at most 10000y"):
        parse_duration("300000y")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "huge.toml").write_text('id = "huge"\ntitle = "huge"\nseverity = "error"\naction = "alert"\n'
                                     '[match]\nmessage = "BOOM"\n[trigger]\ncount = 2\nwithin = "300000y"\n')
    journal = make_journal([{"MESSAGE": "BOOM", "_SYSTEMD_UNIT": "a.service", "PRIORITY": "3",
                             "__REALTIME_TIMESTAMP": 1_700_000_000_000_000, "_BOOT_ID": "0" * 32,
                             "__MONOTONIC_TIMESTAMP": 1}])
    done = run_cli("scan", "--file", str(journal), "--rules", str(rules))
    assert done.exit_code == 2, done.output
    assert "huge.toml: trigger.within (line 9): expected a duration" in done.output and "at most 10000y" in done.output
    assert "Traceback" not in done.output


@pytest.mark.parametrize("text", ["1h30", "1h 30", "5min30", "2d12", "30s .5"])
def test_a_number_without_its_unit_after_one_with_is_refused(tmp_path, text):
    """`within = "1h30"` was 1h 30s (systemd reads a unitless number as seconds; its writer meant 1h30min), silently:
    a rule, the site config and --for refuse it, saying where and what; parse_sec still reads it as systemd does."""
    assert parse_sec(text) == systemd_reads(text)
    with pytest.raises(TimeSpecError, match=r"a unit after each number: .* has none, and systemd would read it as"):
        parse_duration(text)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(RULE.format(id="boom", within=text))
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{rules}"]\n[alerts]\nrealert = "{text}"\n')
    done = config_check(config)
    assert done.returncode == 2, done.stderr
    assert f"{config}: alerts.realert (line 4): expected a duration like" in done.stderr, done.stderr
    assert "rules/boom.toml: trigger.within (line 9): expected a duration like" in done.stderr, done.stderr
    assert f"(got '{text}')" in done.stderr and "Traceback" not in done.stderr
    refused = run_cli("silence", "add", "-u", "api", "--for", text, "--comment", "x", "-c", str(config))
    assert refused.exit_code == 2 and "'--for'" in refused.output, refused.output


def test_1h30_reads_as_1h_30s_in_systemd():
    """What `within = "1h30"` meant before it was refused: systemd-analyze's reading, 3630 s, not 5400."""
    assert systemd_reads("1h30") == parse_sec("1h30") == 3_630_000_000
