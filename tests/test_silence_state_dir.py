"""`logsentry silence add/list/expire --state-dir DIR` work with no site config (a fresh user's trial: they
refused with "no site config at /etc/logsentry/logsentry.toml" though the state directory was given, where
`baseline --state-dir` works): the silence is kept in DIR, where a service whose state_dir it is reads it
(the outbox's Matcher), and the command says it was mirrored to no Alertmanager. A -c PATH that is missing is
still an error, and a --rule is checked against the shipped rules, saying so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from logsentry.cli.silence import silence
from logsentry.silences import Matcher


@pytest.fixture
def no_default_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The commands' default -c (/etc/logsentry/logsentry.toml) pointed at a path that does not exist."""
    absent = tmp_path / "etc" / "logsentry.toml"
    for command in silence.commands.values():
        for param in command.params:
            if param.name == "config_path":
                monkeypatch.setattr(param, "default", absent)
    return absent


def test_silences_in_a_state_dir_need_no_site_config(no_default_config: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()  # (a --state-dir that does not exist is an error: test_silence_missing_dir.py)
    made = run_cli("silence", "add", "-u", "api", "--for", "1h", "--comment", "deploy", "--state-dir", str(state))
    assert made.exit_code == 0, made.output
    assert f"note: no site config at {no_default_config}: kept in {state} only, mirrored to no Alertmanager" \
        in made.stderr
    silence_id = made.stdout.split()[1].rstrip(":")
    assert Matcher(state).silencing({"unit": "api.service", "host": "h", "rule": "boom"}) is not None
    listed = run_cli("silence", "list", "-o", "json", "--state-dir", str(state))
    assert listed.exit_code == 0, listed.output
    assert [(s["id"], s["unit"], s["active"]) for s in map(json.loads, listed.stdout.splitlines())] == \
        [(silence_id, "api.service", True)]
    ruled = run_cli("silence", "add", "-u", "api", "--rule", "ghc-mvar-deadlock", "--for", "1h", "--comment", "x",
                    "--state-dir", str(state))
    assert ruled.exit_code == 0, ruled.output  # a shipped rule's id
    unknown = run_cli("silence", "add", "-u", "api", "--rule", "nope", "--for", "1h", "--comment", "x",
                      "--state-dir", str(state))
    assert unknown.exit_code == 2 and "no rule with id 'nope' among the shipped rules" in unknown.stderr
    expired = run_cli("silence", "expire", silence_id, "--state-dir", str(state))
    assert expired.exit_code == 0 and expired.stdout == f"silence {silence_id} expired\n", expired.output
    assert Matcher(state).silencing({"unit": "api.service", "host": "h", "rule": "boom"}) is None
    missing = tmp_path / "missing.toml"  # a config given with -c must be there
    done = run_cli("silence", "list", "-c", str(missing), "--state-dir", str(state))
    assert done.exit_code == 2 and f"{missing}: no such file" in done.stderr, done.output
