"""PID 1's lines about a unit in a syslog text file go with that unit, still marked as text's (helper F8's finding,
2026-12-02): `systemd[1]: shop-web.service: ...` was grouped under "(systemd)", so a kernel OOM kill whose failure
PID 1's line joined was headed "(systemd) [gunicorn]", naming neither the kernel nor the unit killed, and every
unit's PID 1 lines shared one "unit". Text proves nothing, so the unit stays in parentheses (never acted on)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

SYSLOG = """\
Dec  1 10:01:10 web-7 kernel: [123456.789012] shop-web invoked oom-killer: gfp_mask=0x100cca, order=0
Dec  1 10:01:10 web-7 kernel: [123456.789100] Out of memory: Killed process 4242 (gunicorn) total-vm:2048000kB, \
anon-rss:1800000kB, file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:4000kB oom_score_adj:0
Dec  1 10:01:11 web-7 systemd[1]: shop-web.service: A process of this unit has been killed by the OOM killer.
Dec  1 10:01:11 web-7 systemd[1]: shop-web.service: Main process exited, code=killed, status=9/KILL
Dec  1 10:01:11 web-7 systemd[1]: shop-web.service: Failed with result 'oom-kill'.
Dec  1 10:05:00 web-7 systemd[1]: backup.service: Failed with result 'exit-code'.
Dec  1 10:06:00 web-7 systemd: evil.service: Failed with result 'exit-code'.
Dec  1 10:07:00 web-7 systemd[1]: Started Session 12 of user deploy.
"""


def test_pid1_text_lines_take_the_unit_they_name_in_parentheses(tmp_path: Path):
    log = tmp_path / "syslog"
    log.write_text(SYSLOG)
    done = run_cli("scan", "--file", str(log), "-o", "json")
    assert done.exit_code == 0, done.output
    records = [json.loads(line) for line in done.stdout.splitlines()]
    units = {record["message"].split(":")[0]: record["unit"] for record in records if record["type"] == "match"}
    assert units["shop-web.service"] == "(shop-web.service)", units
    assert units["backup.service"] == "(backup.service)", units
    assert units.get("evil.service", "(systemd)") == "(systemd)", units  # no PID: not PID 1's line
    oom = [r for r in records if r["type"] == "incident" and r["rule"] == "kernel-oom-kill"]
    assert [r["unit"] for r in oom] == ["(shop-web.service)"], [(r["rule"], r["unit"]) for r in records
                                                               if r["type"] == "incident"]
    assert {link["rule"] for link in oom[0]["chain"]} >= {"systemd-unit-oom-killed", "systemd-unit-failed"}
    assert not [r for r in records if r["type"] == "action" and r["action"] == "restart" and not r["dry_run"]]


JOURNALCTL_TEXT = """\
Mar 01 10:00:00 web1 systemd[1]: Started myapp.service - My App.
Mar 01 10:05:00 web1 myapp[4242]: Traceback (most recent call last):
Mar 01 10:05:00 web1 myapp[4242]:   File "/opt/myapp/app.py", line 10, in <module>
Mar 01 10:05:00 web1 myapp[4242]: MemoryError
Mar 01 10:05:01 web1 systemd[1]: myapp.service: Main process exited, code=exited, status=1/FAILURE
Mar 01 10:05:01 web1 systemd[1]: myapp.service: Failed with result 'exit-code'.
Mar 01 10:09:00 web1 backupd[77]: MemoryError
Mar 01 10:09:01 web1 systemd[1]: other.service: Failed with result 'exit-code'.
"""


def test_a_programs_lines_and_pid1s_lines_about_its_service_are_one_failure(tmp_path: Path):
    """A journalctl text paste names the program's lines by identifier, "(myapp)", and PID 1's by the unit they
    name, "(myapp.service)": one failure, one incident (helper-118's trial gave two). Other names stay apart. The
    traceback before the MemoryError leads in its failure (engine/failure_lead.py)."""
    log = tmp_path / "paste.txt"
    log.write_text(JOURNALCTL_TEXT)
    done = run_cli("scan", "--file", str(log), "-o", "json")
    assert done.exit_code == 0, done.output
    incidents = [json.loads(line) for line in done.stdout.splitlines() if json.loads(line)["type"] == "incident"]
    said = sorted((r["unit"], r["rule"], sorted(link["rule"] for link in r["chain"])) for r in incidents)
    assert said == [("(backupd)", "python-memory-error", []),
                    ("(myapp)", "python-memory-error", ["error-burst", "python-memory-error", "python-traceback-burst",
                                                        "systemd-unit-failed"]),
                    ("(other.service)", "systemd-unit-failed", [])], said
    text = run_cli("scan", "--file", str(log)).stdout
    assert "Matches below" in text and "(myapp.servi" not in text, text  # its chain's match is no quiet match
