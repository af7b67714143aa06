"""A start limit hit by runs a condition skipped is no page (engine/skipped_runs.py): at every GNOME login on a
Wayland session (Ubuntu 22.04) the user manager skips org.gnome.Shell@x11.service three times by its ExecCondition,
then says "Start request repeated too quickly." (trial 66: a critical page). A crash loop's start limit still pages.
Real journal files (systemd-journal-remote) read by the scanner, and a pasted syslog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import entry, json_events, run_cli
from test_screening import write_journal
from test_user_units import manager

SHELL = "org.gnome.Shell@x11.service"
FAILED = "d9b373ed55a64feb8242e02dbe79a49c"


def runs(unit: str, ended: list[str], say: Any = manager) -> list[dict[str, Any]]:
    """The manager's lines of runs of `unit` that ended so, restarted at once, then its start limit and the result
    line systemd writes after it (the last run's result again)."""
    lines = []
    for run, end in enumerate(ended):
        lines += [say(f"Starting {unit}...", run * 0.01, unit, "7d4958e842da4a758f6c1cdc7b36dcc5"),
                  say(f"{unit}: {end}", run * 0.01 + 0.001, unit, FAILED),
                  say(f"{unit}: Scheduled restart job, restart counter is at {run + 1}.", run * 0.01 + 0.002, unit,
                      "5eb03494b6584870a536b337290809b3")]
    return [*lines, say(f"{unit}: Start request repeated too quickly.", 0.05, unit, ""),
            say(f"{unit}: {ended[-1]}", 0.051, unit, FAILED)]


def pid1(message: str, at: float, about: str, message_id: str = "") -> dict[str, Any]:
    return entry(message, unit="init.scope", at=at, _PID="1", UNIT=about, SYSLOG_IDENTIFIER="systemd",
                 **({"MESSAGE_ID": message_id} if message_id else {}))


def incidents(tmp_path: Path, name: str, lines: list[dict[str, Any]]) -> list[tuple[str, str]]:
    folder = tmp_path / name
    folder.mkdir()
    write_journal(folder, name, [{key: value for key, value in line.items() if value != ""} for line in lines])
    result = run_cli("scan", "-D", str(folder), "--no-anomalies", "-o", "json")
    return [(event["rule"], event["severity"]) for event in json_events(result) if event["type"] == "incident"]


def test_a_user_units_start_limit_of_skipped_runs_is_no_page(tmp_path: Path) -> None:
    skipped = "Skipped due to 'exec-condition'."
    assert incidents(tmp_path, "skipped", runs(SHELL, [skipped] * 3)) == []
    loop = incidents(tmp_path, "loop", runs(SHELL, ["Failed with result 'exit-code'."] * 3))
    assert ("systemd-user-start-limit-hit", "critical") in loop, loop
    # skipped once, then failing: its latest runs failed, the start limit is theirs
    mixed = incidents(tmp_path, "mixed", runs(SHELL, [skipped, *["Failed with result 'exit-code'."] * 3]))
    assert ("systemd-user-start-limit-hit", "critical") in mixed, mixed


def test_a_system_units_start_limit_of_skipped_runs_is_no_page(tmp_path: Path) -> None:
    unit = "watcher.service"
    assert incidents(tmp_path, "skipped", runs(unit, ["Skipped due to 'exec-condition'."] * 5, pid1)) == []
    loop = incidents(tmp_path, "loop", runs(unit, ["Failed with result 'exit-code'."] * 5, pid1))
    assert ("systemd-start-limit-hit", "critical") in loop, loop
    # a skip read from another unit's line, or from a process that is no service manager, says nothing
    forged = [entry(f"{unit}: Skipped due to 'exec-condition'.", unit="evil.service", at=0.049),
              *runs(unit, ["Failed with result 'exit-code'."] * 5, pid1)]
    assert ("systemd-start-limit-hit", "critical") in incidents(tmp_path, "forged", forged)


def test_a_pasted_gnome_login_is_no_page(tmp_path: Path) -> None:
    """The lines of trial 66's Ubuntu 22.04 VM (a user manager's `systemd[1477]:`), as a syslog paste."""
    paste = tmp_path / "syslog"
    body = []
    for run in range(1, 4):
        body += ["Starting GNOME Shell on X11...", f"{SHELL}: Skipped due to 'exec-condition'.",
                 "Condition check resulted in GNOME Shell on X11 being skipped.",
                 f"{SHELL}: Scheduled restart job, restart counter is at {run}.", "Stopped GNOME Shell on X11."]
    body += [f"{SHELL}: Start request repeated too quickly.", f"{SHELL}: Skipped due to 'exec-condition'.",
             "Started GNOME Shell on X11."]
    paste.write_text("".join(f"Sep 28 12:27:41 vm-alarm systemd[1477]: {line}\n" for line in body))
    result = run_cli("scan", "--file", str(paste), "--no-anomalies", "-o", "json")
    assert [event for event in json_events(result) if event["type"] == "incident"] == [], result.output
    paste.write_text(paste.read_text().replace("Skipped due to 'exec-condition'", "Failed with result 'exit-code'"))
    result = run_cli("scan", "--file", str(paste), "--no-anomalies", "-o", "json")
    assert "systemd-user-start-limit-hit" in {event["rule"] for event in json_events(result)
                                              if event["type"] == "incident"}, result.output


def test_a_skip_is_its_own_managers(tmp_path: Path) -> None:
    """A skip is keyed by the manager that said it (its _PID): any user can make their own user unit of a system
    unit's name skip (ExecCondition=/bin/false) at will, and its skip hid PID 1's crash loop of that unit (critical,
    left as systemd-unit-failed's error); nor does one user's skip say anything of another user's unit."""
    unit = "nginx.service"
    crash = "Failed with result 'exit-code'."
    lines = runs(unit, [crash] * 5, pid1)
    lines.insert(-2, manager(f"{unit}: Skipped due to 'exec-condition'.", 0.0495, unit, ""))
    assert ("systemd-start-limit-hit", "critical") in incidents(tmp_path, "system", lines)
    lines = runs("app.service", [crash] * 3)
    lines.insert(-2, {**manager("app.service: Skipped due to 'exec-condition'.", 0.0495, "app.service", ""),
                      "_PID": "2600", "_UID": "1001", "_SYSTEMD_UNIT": "user@1001.service"})
    assert ("systemd-user-start-limit-hit", "critical") in incidents(tmp_path, "other-user", lines)


def test_a_run_that_exited_after_a_skip_is_no_skip(tmp_path: Path) -> None:
    """Skipped once, then Restart=always runs that did their work and exited at once: its start limit is theirs
    (no incident at all was opened)."""
    unit = "worker.service"
    lines = [pid1(f"{unit}: Skipped due to 'exec-condition'.", 0.0, unit),
             *runs(unit, ["Deactivated successfully."] * 5, pid1)]
    assert ("systemd-start-limit-hit", "critical") in incidents(tmp_path, "exited", lines)
