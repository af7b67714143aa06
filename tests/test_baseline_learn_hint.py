"""`baseline learn` on a copied journal older than its default --since (-14d) learns nothing (a fresh user's
trial): its hint named `journalctl -F _SYSTEMD_UNIT`, which lists the local journal's units, not the directory
the user gave. The hint repeats the user's own -D, --state-dir and -u, and its learn command works as printed."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

from conftest import entry, run_cli


def test_nothing_learnt_names_the_users_journal_and_a_command_that_learns_it(make_journal: Callable[..., Path],
                                                                               tmp_path: Path) -> None:
    journal = make_journal([entry(f"GET /api/items/{n} 200", unit="api.service", at=n * 10.0) for n in range(5)])
    state = tmp_path / "my state"  # a path a shell must be given quoted
    own = ("--state-dir", str(state), "-D", str(journal.parent), "-u", "api*")
    result = run_cli("baseline", "learn", *own)  # the journal is from 2026-01-01: older than 14 days
    assert result.exit_code == 0, result.output
    assert "learnt 0 entries" in result.stdout
    said = result.stderr
    assert f"`journalctl -D {shlex.quote(str(journal.parent))} -F _SYSTEMD_UNIT` lists the units it holds" in said
    found = re.search(r"; `(logsentry baseline learn [^`]*)` learns all it holds\)", said)
    assert found is not None, said
    again = shlex.split(found.group(1))
    assert again == ["logsentry", "baseline", "learn", *own, "--since", "@0"]
    learnt = run_cli(*again[1:])
    assert learnt.exit_code == 0 and learnt.stdout.startswith("learnt 5 entries of 1 unit"), learnt.output


def test_a_directory_without_journal_files_is_an_error_not_nothing_learnt(tmp_path: Path) -> None:
    """As scan says it (exit 2, "no journal files in it"): it exited 0 with "learnt 0" and a hint to learn from
    the beginning of a journal that is not there (a fresh user's trial)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_cli("baseline", "learn", "--state-dir", str(tmp_path / "state"), "-D", str(empty))
    assert done.exit_code == 2 and "no journal files in it" in done.stderr, done.output
