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


BOOT = """\
         Starting Journal Service...
         Mounting Local Directory (/local)...
[  OK  ] Started Journal Service.
[    9.926960] mount[1411]: mount: /local: wrong fs type, bad option, bad superblock on /dev/nvme1n1p1, missing \
codepage or helper program, or other error.
[    9.930085] mount[1411]:        dmesg(1) may have more information after failed mount system call.
[FAILED] Failed to mount Local Directory (/local).
See 'systemctl status local.mount' for details.
[DEPEND] Dependency failed for Local File Systems.
[DEPEND] Dependency failed for Var Directory (/var).
[DEPEND] Dependency failed for D-Bus System Message Bus.
[FAILED] Failed to mount Local Directory (/local).
"""
"""Trial 72's 35 (a Bottlerocket console): the mount's own error between its begin and its failure, the failure
printed again after PID 1's [DEPEND] lines."""


def test_a_failed_jobs_card_shows_the_lines_printed_while_it_ran(tmp_path: Path) -> None:
    """The card showed three [DEPEND] lines before the failure's reprint as the program's last lines, not the
    mount's `wrong fs type` line: the one that says why."""
    path = tmp_path / "console.txt"
    path.write_text(BOOT)
    ended = [event for event in of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")),
                                        "incident_end") if event["rule"] == "systemd-console-job-failed"]
    assert len(ended) == 1, ended
    assert [line["message"] for line in ended[0]["last_lines"]] == [
        "mount: /local: wrong fs type, bad option, bad superblock on /dev/nvme1n1p1, missing codepage or helper "
        "program, or other error.", "       dmesg(1) may have more information after failed mount system call."]
    assert "wrong fs type" in run_cli("scan", "--file", str(path)).stdout


JOURNAL = """\
Mar 02 10:00:01 nas systemd[1]: Mounting Local Directory (/local)...
Mar 02 10:00:01 nas mount[1411]: mount: /local: wrong fs type, bad option, bad superblock on /dev/nvme1n1p1.
Mar 02 10:00:01 nas systemd[1]: local.mount: Mount process exited, code=exited, status=32/n/a
Mar 02 10:00:01 nas systemd[1]: local.mount: Failed with result 'exit-code'.
Mar 02 10:00:01 nas systemd[1]: Failed to mount Local Directory (/local).
Mar 02 10:00:02 nas systemd[1]: Starting Swap...
Mar 02 10:00:02 nas swapon[1500]: swapon: /swapfile: read swap header failed
Mar 02 10:00:02 nas systemd[1]: swapfile.swap: Swap process exited, code=exited, status=255/EXCEPTION
Mar 02 10:00:02 nas systemd[1]: swapfile.swap: Failed with result 'exit-code'.
"""
"""The same failure as a journal's text shows it: the mount's line is mount(8)'s, `(mount)`, not `(local.mount)`'s."""


def test_a_mount_units_card_in_syslog_text_shows_mounts_lines(tmp_path: Path) -> None:
    path = tmp_path / "journal.txt"
    path.write_text(JOURNAL)
    ended = {event["unit"]: [line["message"] for line in event.get("last_lines", ())]
             for event in of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident_end")}
    assert ended == {"(local.mount)": ["mount: /local: wrong fs type, bad option, bad superblock on /dev/nvme1n1p1."],
                     "(swapfile.swap)": ["swapon: /swapfile: read swap header failed"]}, ended
