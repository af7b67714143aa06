"""What changed just before an incident (engine/unit_changes.py): the services PID 1 stopped, started or saw fail on
any host read, in the 5 minutes before its first line. A new user's fleet (nu78): db-1's PostgreSQL was stopped
(a clean planned stop) and web-1's API failed a second later; its card, JSON record, HTML page and page named
nothing of the stop. Only PID 1's own lines count, never the incident's own unit on its own host."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_USEC, entry, run_cli

from logsentry.engine import unit_changes
from logsentry.engine.unit_changes import MAX_RECORDED, UnitChanges
from logsentry.model import Entry, Incident, Severity
from logsentry.sources.journal_files import FieldValue

DB1, WEB1 = "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1", "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1"
PG = "postgresql@15-main.service"
SEC = 1_000_000
BOOM = '''id = "boom"
title = "boom"
severity = "error"
action = "alert"
[match]
message = '^BOOM'
[trigger]
count = 1
within = "3s"
'''


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Cards' times are this machine's local time: the tests' are said in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def pid1(message: str, unit: str, at: float, machine: str = DB1, host: str = "db-1") -> dict[str, FieldValue]:
    """PID 1's line about `unit`, as journald stores it (no MESSAGE_ID: systemd's wording alone, as nu78's)."""
    return entry(message, unit="init.scope", at=at, _PID="1", _COMM="systemd", SYSLOG_IDENTIFIER="systemd",
                 _UID="0", UNIT=unit, _MACHINE_ID=machine, _HOSTNAME=host)


def web(message: str, at: float, unit: str = "api.service", **fields: FieldValue) -> dict[str, FieldValue]:
    return entry(message, unit=unit, at=at, priority=3, _PID="4242", _MACHINE_ID=WEB1, _HOSTNAME="web-1",
                 **fields)


def planned_stop(at: float) -> list[dict[str, FieldValue]]:
    """A clean `systemctl stop`, as nu78's db-1 logged it (job.c's words, the unit's name before " - ")."""
    return [pid1(f"Stopping {PG} - PostgreSQL Cluster 15-main...", PG, at),
            pid1(f"{PG}: Deactivated successfully.", PG, at + 1),
            pid1(f"{PG}: Consumed 1h 2min 3.331s CPU time.", PG, at + 1),
            pid1(f"Stopped {PG} - PostgreSQL Cluster 15-main.", PG, at + 1)]


def scan(tmp_path: Path, make_journal: Callable[..., Path], db: list[dict[str, FieldValue]],
         webs: list[dict[str, FieldValue]], *extra: str) -> tuple[str, list[dict[str, Any]]]:
    """The text report and the JSON records of a scan of both hosts' journals with the BOOM rule alone."""
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "boom.toml").write_text(BOOM)
    files = ["--file", str(make_journal(db, "db-1.journal")), "--file", str(make_journal(webs, "web-1.journal"))]
    common = [*files, "--no-shipped-rules", "--rules", str(rules), *extra]
    text = run_cli("scan", *common)
    assert text.exit_code == 0, text.output
    records = [json.loads(line) for line in run_cli("scan", *common, "-o", "json").stdout.splitlines()]
    return text.stdout, [record for record in records if record.get("type") == "incident_end"]


def flat(text: str) -> str:
    """The report with its boxes and line breaks gone (a long line wraps)."""
    return " ".join(part.strip(" │╭╮╰╯─") for part in text.splitlines())


def test_a_stop_on_another_host_a_second_before_is_on_the_card_json_and_page(
        tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    db = [pid1(f"Started {PG} - PostgreSQL Cluster 15-main.", PG, 0), *planned_stop(100),
          pid1(f"Starting {PG} - PostgreSQL Cluster 15-main...", PG, 200),
          pid1(f"Started {PG} - PostgreSQL Cluster 15-main.", PG, 202)]
    webs = [web("api listening", 0), web("BOOM connect ECONNREFUSED 10.0.0.5:5432", 102)]
    page = tmp_path / "page.html"
    text, [record] = scan(tmp_path, make_journal, db, webs, "--html", str(page))
    said = flat(text)
    assert "changed just before (systemd's own lines, any host):" in said, text
    assert f"db-1 {PG} stopped 00:01:41.000 (1.0s before); started again 00:03:22.000" in said, text
    assert record["unit"] == "api.service" and record["changes_before"] == [
        {"host": "db-1", "machine_id": DB1, "unit": PG, "change": "stopped", "realtime_usec": BASE_USEC + 101_000_000,
         "times": 1, "before_usec": 1_000_000, "started_again_usec": None}]  # (its record came at its end, 105 s)
    assert f"db-1 {PG} stopped 00:01:41.000 (1.0s before); started again" in page.read_text()


def test_failures_come_first_a_start_or_a_run_that_ended_is_none_and_past_three_the_rest_are_counted(
        tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    redis = "redis-server.service"
    db = [pid1(f"{redis}: Failed with result 'exit-code'.", redis, 40),  # a crash loop: failed twice, restarted
          pid1(f"Stopped {redis} - Advanced key-value store.", redis, 41),
          pid1(f"Started {redis} - Advanced key-value store.", redis, 42),
          pid1(f"{redis}: Failed with result 'exit-code'.", redis, 50),
          pid1(f"Failed to start {redis} - Advanced key-value store.", redis, 50),  # (the same failure's job line)
          pid1("pgbouncer.service: Deactivated successfully.", "pgbouncer.service", 60),  # ended on its own
          pid1("Starting logrotate.service - Rotate log files...", "logrotate.service", 70),  # a oneshot before
          pid1("logrotate.service: Succeeded.", "logrotate.service", 71),  # v246: "Started" after its end
          pid1("Started logrotate.service - Rotate log files.", "logrotate.service", 71),
          pid1("Started memcached.service - memcached daemon.", "memcached.service", 80),  # a start alone: none
          pid1("Stopped cron.service - cron.", "cron.service", 30),
          pid1("Stopped nginx.service - nginx.", "nginx.service", 90),
          *planned_stop(100)]
    webs = [web("BOOM connect ECONNREFUSED 10.0.0.5:5432", 102)]
    text, [record] = scan(tmp_path, make_journal, db, webs)
    said = flat(text)
    lines = [f"db-1 {redis} failed 2 times, the last 00:00:50.000 (52s before); not started again by the end of "
             "the input", f"db-1 {PG} stopped 00:01:41.000 (1.0s before); not started again",
             "db-1 nginx.service stopped 00:01:30.000 (12s before); not started again", "and 1 more"]
    assert all(line in said for line in lines), text
    assert [said.index(line) for line in lines] == sorted(said.index(line) for line in lines), text
    assert "memcached" not in said and "logrotate" not in said and "pgbouncer" not in said, text
    assert "cron.service" not in said and "no longer kept" not in said, text  # (the 4th: counted, in JSON)
    assert [(change["unit"], change["change"]) for change in record["changes_before"]] == [
        (redis, "failed"), (PG, "stopped"), ("nginx.service", "stopped"), ("cron.service", "stopped")]
    assert "changes_before_more" not in record and "changes_before_lost" not in record, record


ON_DEMAND = ("systemd-hostnamed.service", "NetworkManager-dispatcher.service", "packagekit.service",
             "fwupd.service", "systemd-timedated.service", "udisks2.service")
"""Services D-Bus starts on demand and that exit when idle (break271, 4): on a busy host, all day."""


def test_an_on_demand_services_start_and_idle_exit_are_no_change(
        tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    busy = [line for n, unit in enumerate(ON_DEMAND) for line in (
        pid1(f"Starting {unit} - {unit}...", unit, 20 + 10 * n, WEB1, "web-1"),
        pid1(f"Started {unit} - {unit}.", unit, 21 + 10 * n, WEB1, "web-1"),
        pid1(f"{unit}: Deactivated successfully.", unit, 51 + 10 * n, WEB1, "web-1"))]
    db = [*planned_stop(100), pid1(f"Started {PG} - PostgreSQL Cluster 15-main.", PG, 110)]
    text, [record] = scan(tmp_path, make_journal, db, [*busy, web("BOOM connect ECONNREFUSED 10.0.0.5:5432", 102)])
    said = flat(text)
    assert f"db-1 {PG} stopped 00:01:41.000 (1.0s before); started again 00:01:50.000" in said, text
    assert not any(unit in said for unit in ON_DEMAND) and " more" not in said, text
    assert [(change["unit"], change["change"]) for change in record["changes_before"]] == [(PG, "stopped")]


def test_a_fleets_changes_are_capped_in_json_with_a_count_of_the_rest(
        tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    stops = [pid1("Stopped app.service - App.", "app.service", 60 + n, f"{n:032x}", f"node-{n}") for n in range(30)]
    text, [record] = scan(tmp_path, make_journal, [*planned_stop(100), *stops],
                          [web("BOOM connect ECONNREFUSED 10.0.0.5:5432", 102)])
    assert len(record["changes_before"]) == MAX_RECORDED and record["changes_before_more"] == 31 - MAX_RECORDED
    assert record["changes_before"][0]["unit"] == PG, record  # (most telling first: the nearest stop)
    assert "and 28 more" in flat(text), text


def test_a_dropped_change_is_said_and_the_oldest_is_dropped_first(
        tmp_path: Path, make_journal: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unit_changes, "MAX_CHANGES", 4)
    changes = UnitChanges()
    changes.note(_entry(f"Stopped {PG} - PostgreSQL Cluster 15-main.", PG, 100, DB1, "db-1"))
    for n in range(6):  # a late host's backlog, read after db-1's stop: older stops
        changes.note(_entry("Stopped app.service - App.", "app.service", 50 + n, f"{n:032x}", f"node-{n}"))
    incident = Incident(rule_id="boom", severity=Severity.ERROR, unit="api.service", key="", first_usec=102 * SEC,
                        fired_usec=102 * SEC, last_usec=102 * SEC, count=1, threshold=1, within_usec=3 * SEC,
                        cursor="", samples=("BOOM",), action="alert", machine_id=WEB1, host="web-1")
    kept = changes.before(incident)
    assert [change.unit for change in kept] == ["app.service"] * 3 + [PG], kept  # (50..52 dropped)
    said = changes.said(kept, incident, None)
    assert said[0].startswith(f"db-1 {PG} stopped") and said[-1] == unit_changes.LOST, said
    earlier = replace(incident, first_usec=460 * SEC, fired_usec=460 * SEC, last_usec=460 * SEC)
    assert not changes.lost(earlier)  # (its window, 160..460 s, began after the dropped ones)
    stops = [pid1("Stopped app.service - App.", "app.service", 60 + n, f"{n:032x}", f"node-{n}") for n in range(6)]
    text, [record] = scan(tmp_path, make_journal, [*planned_stop(100), *stops],
                          [web("BOOM connect ECONNREFUSED 10.0.0.5:5432", 102)])
    assert "(some changes before it were no longer kept" in flat(text) and record["changes_before_lost"], text
    assert record["changes_before"][0]["unit"] == PG, record


def _entry(message: str, unit: str, at: float, machine: str, host: str) -> Entry:
    fields = {"_PID": "1", "UNIT": unit, "_MACHINE_ID": machine, "_HOSTNAME": host}
    return Entry(realtime_usec=int(at * SEC), message=message, unit="init.scope", priority=6, cursor="",
                 fields=fields)


def test_a_change_outside_the_window_a_look_alike_and_the_own_unit_are_not_said(
        tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    db = [*planned_stop(0),  # 5 min 2 s before the BOOM: outside the window
          pid1("Starting cleanup.service - Cleanup...", "cleanup.service", 290),  # a oneshot's run: no change
          pid1("cleanup.service: Deactivated successfully.", "cleanup.service", 291),
          pid1("Finished cleanup.service - Cleanup.", "cleanup.service", 291),
          pid1("Stopped redis-server.service - Advanced key-value store.", "redis-server.service", 296)]  # said
    webs = [web("api listening", 0),
            # a program's own text in PID 1's words, even with UNIT= set (its _PID is journald's: not 1)
            web("Stopped memcached.service - memcached daemon.", 300, UNIT="memcached.service"),
            web("memcached.service: Failed with result 'exit-code'.", 300),
            # the incident's own unit on its own host: its restart is its own story, not a change before it
            pid1("Stopping api.service - API...", "api.service", 298, WEB1, "web-1"),
            pid1("Stopped api.service - API.", "api.service", 299, WEB1, "web-1"),
            pid1("Started api.service - API.", "api.service", 300, WEB1, "web-1"),
            web("BOOM connect ECONNREFUSED 10.0.0.5:5432", 302)]
    text, [record] = scan(tmp_path, make_journal, db, webs)
    assert [change["unit"] for change in record["changes_before"]] == ["redis-server.service"], record
    said = flat(text)
    assert said.count("changed just before") == 1 and "db-1 redis-server.service stopped" in said, text
    assert PG not in said and "memcached" not in said and "cleanup" not in said, text
    assert "api.service stopped" not in said and "api.service started" not in said, text


def test_another_unit_of_the_same_host_is_said(tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    webs = [pid1("Stopping nginx.service - nginx...", "nginx.service", 495, WEB1, "web-1"),
            pid1("Stopped nginx.service - nginx.", "nginx.service", 496, WEB1, "web-1"),
            pid1("Started nginx.service - nginx.", "nginx.service", 497, WEB1, "web-1"),
            web("BOOM upstream gone", 500)]
    said = flat(scan(tmp_path, make_journal, [pid1("Started cron.service - cron.", "cron.service", 100)], webs)[0])
    assert "web-1 nginx.service stopped 00:08:16.000 (4.0s before); started again 00:08:17.000" in said, said
    assert "cron.service" not in said  # (400 s before)


SYSLOG = """\
Jan 01 00:01:40 db-1 systemd[1]: Stopping postgresql@15-main.service - PostgreSQL Cluster 15-main...
Jan 01 00:01:41 db-1 systemd[1]: Stopped postgresql@15-main.service - PostgreSQL Cluster 15-main.
Jan 01 00:01:41 web-1 api[77]: Stopped redis-server.service - Advanced key-value store.
Jan 01 00:01:42 web-1 api[77]: BOOM connect ECONNREFUSED 10.0.0.5:5432
"""


def test_a_texts_systemd_1_line_counts_and_a_programs_does_not(tmp_path: Path) -> None:
    log, rules = tmp_path / "syslog", tmp_path / "rules"
    log.write_text(SYSLOG)
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM)
    done = run_cli("scan", "--file", str(log), "--no-shipped-rules", "--rules", str(rules))
    assert done.exit_code == 0, done.output
    said = flat(done.stdout)
    assert f"db-1 {PG} stopped" in said and "(1.0s before)" in said, said
    assert "redis-server.service" not in said.split("changed just before")[1].split("its program's last lines")[0]


def test_a_hosts_reboot_is_one_change_not_its_every_services_stop(
        tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    stops = [pid1(f"Stopped {unit} - {unit}.", unit, 95 + n) for n, unit in
             enumerate(("cron.service", "redis-server.service", PG, "ssh.service"))]
    db = [*stops, pid1("Reached target shutdown.target - System Shutdown.", "shutdown.target", 100),
          {**pid1("Startup finished in 1.7s (kernel) + 3.1s (userspace) = 4.8s.", "", 160),
           "_BOOT_ID": "fedcba9876543210fedcba9876543210"}]
    del db[-1]["UNIT"]
    webs = [web("BOOM connect ECONNREFUSED 10.0.0.5:5432", 102)]
    text, [record] = scan(tmp_path, make_journal, db, webs)
    said = flat(text)
    assert ("db-1 shut down (reached shutdown.target, 4 services stopped) 00:01:40.000 (2.0s before); up again "
            "(startup finished) 00:02:40.000") in said, text
    assert "redis-server" not in said and " more" not in said.split("changed just before")[1][:200], text
    assert [(change["unit"], change["services_stopped"]) for change in record["changes_before"]] == \
        [("shutdown.target", 4)]


REBOOT = """\
Jan 01 00:01:30 db-1 systemd[1]: Stopped redis-server.service - Advanced key-value store.
Jan 01 00:01:31 db-1 systemd[1]: Stopped postgresql@15-main.service - PostgreSQL Cluster 15-main.
Jan 01 00:01:35 db-1 systemd[1]: Reached target shutdown.target - System Shutdown.
Jan 01 00:01:42 web-1 api[77]: BOOM connect ECONNREFUSED 10.0.0.5:5432
Jan 01 00:02:40 db-1 systemd[1]: Startup finished in 2.1s (kernel) + 10.2s (userspace) = 12.3s.
"""


def test_a_texts_reboot_is_one_change_as_a_journals(tmp_path: Path) -> None:
    log, rules = tmp_path / "syslog", tmp_path / "rules"
    log.write_text(REBOOT)
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM)
    done = run_cli("scan", "--file", str(log), "--no-shipped-rules", "--rules", str(rules))
    assert done.exit_code == 0, done.output
    said = flat(done.stdout)
    assert ("db-1 shut down (reached shutdown.target, 2 services stopped) 00:01:35.000 (7.0s before); up again "
            "(startup finished) 00:02:40.000") in said, said
    assert "redis-server.service" not in said and "not started again" not in said, said
