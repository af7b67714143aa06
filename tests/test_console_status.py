"""systemd's status lines on a boot console (`[FAILED] Failed to mount Local Directory (/local).`, trial 72's 35):
PID 1 writes them to the console only, naming the unit's Description, so the journal's rules (gated on _PID=1) never
saw a console's capture; systemd-console-job-failed reads the failed or timed-out job's line as an error, one per
description. A test runner's `[FAILED]` line and a `[DEPEND]` line alone are no job's failure."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

CONSOLE = """         Mounting Local Directory (/local)...
[    9.926960] mount[1411]: mount: /local: wrong fs type, bad option, bad superblock on /dev/nvme1n1p1.
[FAILED] Failed to mount Local Directory (/local).
See 'systemctl status local.mount' for details.
[DEPEND] Dependency failed for Local File Systems.
[  OK  ] Started Journal Service.
"""


def incidents(path: Path) -> list[dict[str, object]]:
    return of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident")


def test_a_consoles_failed_job_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "console.txt"
    path.write_text(CONSOLE)
    found = [incident for incident in incidents(path) if incident["rule"] == "systemd-console-job-failed"]
    assert len(found) == 1 and found[0]["severity"] == "error"
    assert "Local Directory (/local)" in str(found[0])


def test_no_status_word_or_a_test_runners_is_no_jobs(tmp_path: Path) -> None:
    path = tmp_path / "run.txt"
    path.write_text("[FAILED] TestMount/failed_to_mount (0.02s)\nFailed to mount Local Directory (/local).\n"
                    "[DEPEND] Dependency failed for Local File Systems.\n")
    assert "systemd-console-job-failed" not in [incident["rule"] for incident in incidents(path)]
