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
