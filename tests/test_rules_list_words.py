"""`rules list` and `rules show` write a rule's window as its file does, as systemd writes durations
("1/30min", "10 hits within 2min"), not in raw seconds ("1/1800s"); an absence rule shows its floor ("quiet
5s+": its threshold is learnt per unit), not a count per window it never uses ("1/60s")."""

from __future__ import annotations

from conftest import run_cli


def test_rules_list_and_show_write_windows_as_the_rule_files_do() -> None:
    table = {line.split()[0]: line.split()[4] for line in run_cli("rules", "list").stdout.splitlines()[1:]}
    assert (table["apache-max-request-workers"], table["sshd-invalid-user"], table["ghc-mvar-deadlock"]) == \
        ("1/30min", "10/2min", "1/1min")
    assert run_cli("rules", "list").stdout.count(" quiet 5s+ ") == 1  # unit-went-silent
    shown = run_cli("rules", "show", "sshd-invalid-user").stdout.splitlines()
    assert "  trigger: 10 hits within 2min, per ip" in shown
    silent = run_cli("rules", "show", "unit-went-silent").stdout.splitlines()
    assert ("  trigger: no entry for the unit's learnt threshold, at least 5s, once 60 entries are learnt"
            in silent)
