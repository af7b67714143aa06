"""`logsentry silence --state-dir DIR` with a DIR that does not exist is an error naming it (exit 2, as `baseline
show` refuses it), for add, list and expire: a fresh operator's trial saw `list` exit 0 with no output and `add`
create the mistyped directory and keep the silence there, where no service reads it. An empty list says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from test_silence_state_dir import no_default_config  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("no_default_config")  # every command here runs without a site config


@pytest.mark.parametrize("command", [("list",), ("list", "--all", "-o", "json"),
                                     ("add", "-u", "api", "--for", "1h", "--comment", "deploy"),
                                     ("expire", "0123abcd")])
def test_a_state_dir_that_does_not_exist_is_an_error(tmp_path: Path, command: tuple[str, ...]) -> None:
    typo = tmp_path / "var" / "lib" / "logsentyr"
    done = run_cli("silence", *command, "--state-dir", str(typo))
    assert done.exit_code == 2, done.output
    assert done.stdout == ""
    assert done.stderr == f"logsentry: no state directory {typo} (--state-dir: the service's state_dir, where its " \
        "state.db is)\n"
    assert not typo.exists() and not typo.parent.exists()  # nothing made where no service reads it


def test_an_empty_list_says_so(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    empty = run_cli("silence", "list", "--state-dir", str(state))
    assert (empty.exit_code, empty.stdout) == (0, f"no silence in force in {state}\n"), empty.output
    made = run_cli("silence", "add", "-u", "api", "--for", "1h", "--comment", "deploy", "--state-dir", str(state))
    assert made.exit_code == 0, made.output
    assert f"note: no state.db in {state}: no service has run with it as its state_dir yet" in made.stderr
    silence_id = made.stdout.split()[1].rstrip(":")
    listed = run_cli("silence", "list", "--state-dir", str(state))
    assert listed.stdout.startswith(f"{silence_id}  api.service from ") and listed.stdout.count("\n") == 1
    assert run_cli("silence", "expire", silence_id, "--state-dir", str(state)).exit_code == 0
    ended = run_cli("silence", "list", "--state-dir", str(state))
    assert (ended.exit_code, ended.stdout) == (0, f"no silence in force in {state} (1 ended: --all shows them)\n")
    every = run_cli("silence", "list", "--all", "-o", "json", "--state-dir", str(state))
    assert [(item["id"], item["state"]) for item in map(json.loads, every.stdout.splitlines())] == [
        (silence_id, "expired")]
    table = run_cli("silence", "list", "--all", "--state-dir", str(state)).stdout
    assert table.startswith(f"{silence_id}  api.service from ") and table.endswith(" (expired)\n"), table
    assert run_cli("silence", "list", "-o", "json", "--state-dir", str(state)).stdout == ""  # JSON lines: none
    (state / "state.db").touch()  # a service's state_dir: no note
    again = run_cli("silence", "add", "-u", "db", "--for", "1h", "--comment", "x", "--state-dir", str(state))
    assert again.exit_code == 0 and "no state.db" not in again.stderr, again.output
