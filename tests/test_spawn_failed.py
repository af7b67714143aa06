"""A unit that failed with result 'resources' because its manager could not fork its process: the manager says why
just before ("X.service: Failed to fork: Resource temporarily unavailable", systemd's execute.c; "Failed to spawn
executor: ..." from v255), and that line leads the unit's failure (systemd-unit-spawn-failed, PID 1's;
systemd-user-unit-spawn-failed, a user manager's), its chain carrying "Failed with result 'resources'.". The line
matched no rule: the card said 'resources' and never why (new-user trial 230, item 4). Real journal files
(systemd-journal-remote) and journalctl's text; a client writing the same text in its own unit fires nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import entry, json_events, of_type, run_cli
from test_user_units import MANAGER, manager

FORK = "Failed to fork: Resource temporarily unavailable"
UNITS = ("app-gnome-xdg\\x2duser\\x2ddirs@autostart.service", "app-gnome-nm\\x2dapplet@autostart.service",
         "app-gnome-blueman@autostart.service")


def _chains(done: Any) -> dict[str, list[tuple[str, str]]]:
    """Per incident rule and unit: its chain's (rule, line)."""
    assert done.exit_code == 0, done.output
    return {f"{end['rule']} {end['unit']}": [(link["rule"], link["message"]) for link in end["chain"]]
            for end in of_type(json_events(done), "incident_end")}


def _paste(tmp_path: Path, pid: int) -> Path:
    """journalctl's text of a manager (`systemd[PID]`) failing to fork each unit it starts (the user's paste)."""
    lines = [f"Jan 26 10:12:38 moe systemd[{pid}]: Started app-gnome-x@autostart.service - GNOME autostart."]
    for unit in UNITS:
        lines += [f"Jan 26 10:12:39 moe systemd[{pid}]: {unit}: {FORK}",
                  f"Jan 26 10:12:39 moe systemd[{pid}]: {unit}: Failed with result 'resources'.",
                  f"Jan 26 10:12:39 moe systemd[{pid}]: Failed to start {unit}."]
    path = tmp_path / "paste.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_user_managers_fork_failure_leads_its_units_failure_in_text(tmp_path: Path) -> None:
    chains = _chains(run_cli("scan", "--file", str(_paste(tmp_path, 454)), "-o", "json"))
    assert set(chains) == {f"systemd-user-unit-spawn-failed ({unit})" for unit in UNITS}, chains
    for unit in UNITS:
        chain = chains[f"systemd-user-unit-spawn-failed ({unit})"]
        assert ("systemd-user-unit-spawn-failed", f"{unit}: {FORK}") in chain, chain
        assert ("systemd-user-unit-failure", f"{unit}: Failed with result 'resources'.") in chain, chain
    report = run_cli("scan", "--file", str(_paste(tmp_path, 454))).output
    assert f"│ │ {UNITS[0]}: Failed to fork: Resource" in report, report  # (the first in the log leads: nu230)


def test_pid1s_fork_failure_leads_its_units_failure_in_text(tmp_path: Path) -> None:
    chains = _chains(run_cli("scan", "--file", str(_paste(tmp_path, 1)), "-o", "json"))
    assert set(chains) == {f"systemd-unit-spawn-failed ({unit})" for unit in UNITS}, chains
    assert ("systemd-unit-failed", f"{UNITS[0]}: Failed with result 'resources'.") \
        in chains[f"systemd-unit-spawn-failed ({UNITS[0]})"]


def pid1(message: str, at: float, unit: str = "nginx.service", priority: int = 3) -> dict[str, Any]:
    """PID 1's line about the unit (UNIT=, INVOCATION_ID=, from init.scope), as journald stores it."""
    return entry(message, unit=None, at=at, priority=priority, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope",
                 SYSLOG_IDENTIFIER="systemd", _COMM="systemd", UNIT=unit, INVOCATION_ID="a" * 32)


def test_a_journals_fork_failure_by_pid1_and_by_a_user_manager(make_journal: Any) -> None:
    """systemd 254's lines (execute.c's fork, service.c's 'start' task, the result) and 255's (sd-executor)."""
    lines = [pid1(f"nginx.service: {FORK}", 1.0),
             pid1("nginx.service: Failed to run 'start' task: Resource temporarily unavailable", 1.001, priority=4),
             pid1("nginx.service: Failed with result 'resources'.", 1.002, priority=4),
             pid1("Failed to start nginx.service - nginx.", 1.003),
             manager("app.service: Failed to spawn executor: Cannot allocate memory", 5.0, "app.service", "",
                     PRIORITY=3),
             manager("app.service: Failed with result 'resources'.", 5.001, "app.service",
                     "d9b373ed55a64feb8242e02dbe79a49c", PRIORITY=4)]
    chains = _chains(run_cli("scan", "--file", str(make_journal(lines)), "-o", "json"))
    assert set(chains) == {"systemd-unit-spawn-failed nginx.service",
                           f"systemd-user-unit-spawn-failed {MANAGER}/app.service"}, chains
    assert ("systemd-unit-failed", "nginx.service: Failed with result 'resources'.") \
        in chains["systemd-unit-spawn-failed nginx.service"]
    assert ("systemd-user-unit-failure", "app.service: Failed with result 'resources'.") \
        in chains[f"systemd-user-unit-spawn-failed {MANAGER}/app.service"]


def test_a_clients_own_fork_line_names_no_unit(make_journal: Any) -> None:
    """Any program may write the text: in its own unit (a user's service, a system one) it is no manager's."""
    lines = [entry(f"nginx.service: {FORK}", unit="evil.service", at=1.0, priority=3, _PID="4242"),
             entry(f"app.service: {FORK}", unit=MANAGER, at=2.0, priority=3, _PID="2000",
                   _SYSTEMD_USER_UNIT="evil.service")]
    chains = _chains(run_cli("scan", "--file", str(make_journal(lines)), "-o", "json"))
    assert not any("spawn-failed" in rule for rule in chains), chains


def test_a_setup_failure_before_any_fork_is_no_fork_failure(make_journal: Any) -> None:
    """'Failed to run 'start' task' with another error than EAGAIN or ENOMEM is a setup that failed before any fork
    (a missing EnvironmentFile=, the line before says so): systemd-unit-failed's 'resources', as before."""
    unit = "node_exporter.service"
    lines = [pid1(f"{unit}: Failed to load environment files: No such file or directory", 1.0, unit),
             pid1(f"{unit}: Failed to run 'start' task: No such file or directory", 1.001, unit, 4),
             pid1(f"{unit}: Failed with result 'resources'.", 1.002, unit, 4)]
    chains = _chains(run_cli("scan", "--file", str(make_journal(lines)), "-o", "json"))
    assert set(chains) == {"systemd-unit-failed node_exporter.service"}, chains
