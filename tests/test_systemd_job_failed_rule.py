"""systemd-job-failed: a start job that failed by timeout or a failed dependency, with no "Failed with result" since
the unit never ran: an fstab entry whose disk is gone (the device times out, its mount and local-fs.target fail by
dependency, the host boots into emergency mode). PID 1 logs it at LOG_NOTICE (src/core/job.c); it matched nothing.
Real journal files, and a pasted syslog file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import entry, json_events, of_type, run_cli

DEVICE = "dev-disk-by\\x2duuid-0f3e5a9c.device"


def _pid1(message: str, at: float, unit: str, priority: int = 5) -> dict[str, Any]:
    """PID 1's line about a unit, as systemd 252 writes it (UNIT=, from init.scope)."""
    return entry(message, unit=None, at=at, priority=priority, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope",
                 SYSLOG_IDENTIFIER="systemd", UNIT=unit)


def _incidents(path: Path) -> list[tuple[str, str]]:
    result = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return sorted((i["unit"], i["key"]) for i in of_type(json_events(result), "incident")
                  if i["rule"] == "systemd-job-failed")


def test_a_missing_disk_at_boot_is_an_incident_per_unit_it_took_down(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_pid1(f"{DEVICE}: Job {DEVICE}/start timed out.", 90, DEVICE, 4),
             _pid1(f"Timed out waiting for device {DEVICE} - /dev/disk/by-uuid/0f3e5a9c.", 90.001, DEVICE, 3),
             _pid1("Dependency failed for mnt-data.mount - /mnt/data.", 90.002, "mnt-data.mount", 4),
             _pid1("mnt-data.mount: Job mnt-data.mount/start failed with result 'dependency'.", 90.003,
                   "mnt-data.mount"),
             _pid1("local-fs.target: Job local-fs.target/start failed with result 'dependency'.", 90.004,
                   "local-fs.target"),
             _pid1(f"{DEVICE}: Job {DEVICE}/start failed with result 'timeout'.", 90.005, DEVICE)]
    assert _incidents(make_journal(lines)) == [(DEVICE, DEVICE), ("local-fs.target", "local-fs.target"),
                                               ("mnt-data.mount", "mnt-data.mount")]


def test_a_stop_job_or_a_clients_words_are_no_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_pid1("nfs-client.target: Job nfs-client.target/stop failed with result 'timeout'.", 0,
                   "nfs-client.target"),
             entry("local-fs.target: Job local-fs.target/start failed with result 'dependency'.",
                   unit="chat.service", at=1)]
    assert _incidents(make_journal(lines)) == []


def test_a_pasted_syslog_of_the_boot(tmp_path: Path) -> None:
    paste = tmp_path / "syslog"
    paste.write_text(
        "Nov  3 11:47:54 ip-172-31-25-11 systemd[1]: dev-xvdb.device: Job dev-xvdb.device/start timed out.\n"
        "Nov  3 11:47:54 ip-172-31-25-11 systemd[1]: Timed out waiting for device /dev/xvdb.\n"
        "Nov  3 11:47:54 ip-172-31-25-11 systemd[1]: Dependency failed for /opt/pgdata.\n"
        "Nov  3 11:47:54 ip-172-31-25-11 systemd[1]: opt-pgdata.mount: Job opt-pgdata.mount/start failed with "
        "result 'dependency'.\n"
        "Nov  3 11:47:54 ip-172-31-25-11 systemd[1]: dev-xvdb.device: Job dev-xvdb.device/start failed with result "
        "'timeout'.\n")
    assert _incidents(paste) == [("(dev-xvdb.device)", "dev-xvdb.device"), ("(opt-pgdata.mount)", "opt-pgdata.mount")]
