"""`config check` prints no setting's line as fine above the error that refuses it (helper U read
`journal: /nonexistent (...)` and then `... is not a directory`), and its `self-check:` line is always there,
saying why the canary is off when it is (it vanished when journal_directory was set)."""

from __future__ import annotations

from pathlib import Path

from test_durations_systemd import config_check

GOOD = '[[channel]]\nname = "good"\ntype = "apprise"\nurl = "json://127.0.0.1:9/hook"\n'
BAD = '[[channel]]\nname = "typo"\ntype = "apprise"\nurl = "jsno://127.0.0.1:9/hook"\n'


def _check(tmp_path: Path, text: str) -> tuple[int, list[str], str]:
    path = tmp_path / "logsentry.toml"
    path.write_text(f'state_dir = "{tmp_path / "state"}"\n' + text)
    path.chmod(0o600)
    done = config_check(path)
    return done.returncode, done.stdout.splitlines(), done.stderr


def test_a_refused_setting_has_no_line_that_reads_as_fine(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    code, out, err = _check(tmp_path, f'journal_directory = "{missing}"\n[heartbeat]\nurl = "http://:x/ping"\n'
                            + BAD + GOOD)
    assert code == 2
    assert f"journal_directory {missing} is not a directory" in err
    assert "channel #1 (line 5): url: apprise does not accept this URL" in err and "heartbeat.url:" in err, err
    assert not [line for line in out if line.startswith(("journal:", "heartbeat:", "alert channel #1"))], out
    assert "alert channel #2 (line 9): good (apprise json://***, 3 tries)" in out, out  # the good one is still listed
    missing.mkdir()
    code, out, err = _check(tmp_path, f'journal_directory = "{missing}"\n' + GOOD)
    assert code == 0, err
    # (empty: `run` waits for its first file, test_collector_empty_directory.py)
    assert f"journal: {missing} (journal_directory: its hosts' journal files), none there yet: logsentry run waits " \
           "for the first (systemd-journal-remote writes one when a host first sends)" in out, out
    assert "alert channel #1 (line 3): good (apprise json://***, 3 tries)" in out


def test_the_self_check_line_says_when_and_why_it_is_off(tmp_path: Path) -> None:
    remote = tmp_path / "remote"
    remote.mkdir()
    _, out, _ = _check(tmp_path, f'journal_directory = "{remote}"\n')
    assert ("self-check: off (journal_directory is set: the canary entry would go to this machine's journal, "
            "which the service does not read then)") in out, out
    _, out, _ = _check(tmp_path, "[canary]\nenabled = false\n")
    assert "self-check: off ([canary] enabled = false)" in out, out
    _, out, _ = _check(tmp_path, "")
    assert "self-check: a canary entry every 5min must be read back within 1min" in out, out


def test_a_config_error_names_its_line_as_a_rule_file_error_does(tmp_path: Path) -> None:
    """A new user's trial: `alerts.resolv: unknown key` and `alerts.realert: expected a duration` named no line,
    while warnings (`channel #2 (line 17)`) and rule-file errors (`trigger.within (line 12)`) did."""
    from logsentry.config_parse import read_config
    path = tmp_path / "logsentry.toml"
    path.write_text('state_dir = "state"\nstatedir = "x"\n\n[alerts]\n# a comment\nresolv = true\n'
                    'realert = "10 mins please"\n\n[heartbeat]\nurl = 5\n')
    problems = read_config(path).problems
    assert f"{path}: statedir (line 2): unknown key (did you mean 'state_dir'?)" in "\n".join(problems), problems
    assert any(p.startswith(f"{path}: alerts.resolv (line 6): unknown key (did you mean 'resolve'?)")
               for p in problems), problems
    assert any(p.startswith(f"{path}: alerts.realert (line 7): expected a duration") for p in problems), problems
    assert any(p.startswith(f"{path}: heartbeat.url (line 10): expected an http(s) URL") for p in problems), problems
