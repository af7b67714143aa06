"""A command that needs the site config, run where there is none (a newcomer's first `logsentry hosts` or
`config check`), says where it looked and how to give one (-c PATH, the example in contrib/), instead of
"cannot read: No such file or directory" and "1 error(s) in /etc/logsentry/logsentry.toml"; given with -c, the path
that names no file is said to be none (it said "give one with -c PATH" to someone who had: helper-179)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from logsentry.cli import run


@pytest.mark.parametrize("command", [["config", "check"], ["hosts"], ["silence", "list"], ["baseline", "show"],
                                     ["run"]])
def test_a_missing_site_config_says_how_to_give_one(command: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "logsentry.toml"
    done = run_cli(*command, "-c", str(missing))
    assert done.exit_code == 2
    assert done.stderr == (f"logsentry: {missing}: no such file (the site config -c names; contrib/logsentry.toml in "
                           "the source is an example)\n")


def test_without_c_the_default_place_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "logsentry.toml"
    monkeypatch.setattr(run, "DEFAULT_CONFIG", missing)  # (the default /etc/logsentry/logsentry.toml)
    with pytest.raises(SystemExit):
        run.load_site_config(missing)
    assert capsys.readouterr().err == (f"logsentry: no site config at {missing}: give one with -c PATH "
                                       "(contrib/logsentry.toml in the source is an example; `logsentry config check "
                                       "-c PATH` checks it)\n")


def test_a_baseline_command_without_a_config_says_it_can_use_a_state_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`baseline learn --since -14d`, as the README shows it, on a fresh machine: how to give a config, and that
    --state-dir works without one (helper-179 found that only by trying)."""
    missing = tmp_path / "logsentry.toml"
    monkeypatch.setattr(run, "DEFAULT_CONFIG", missing)
    from logsentry.cli import baseline

    with pytest.raises(SystemExit):
        baseline._state_path(missing, None)
    said = capsys.readouterr().err
    assert said.startswith(f"logsentry: no site config at {missing}: give one with -c PATH") and \
        said.endswith(", or --state-dir DIR for baselines of their own in DIR (and -D DIR to learn another "
                      "journal's)\n"), said
    assert baseline._state_path(missing, tmp_path) == tmp_path / "state.db"
