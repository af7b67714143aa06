"""A planned stop's shutdown lines page nothing (engine/stop_windows.py; helper F4's find): a Ceph OSD restarted by
systemd logs `-1 ... *** Got signal Terminated ***` (err, as Ceph tells journald), and first-error-template paged
each planned restart of a daemon that had not restarted within its learnt history. Between PID 1's "Stopping X..."
and X's end (or next start) the anomaly rules' hits on X's lines are dropped; the same lines with no planned stop
around them (a crash), and the next run's own errors, still page. Real journal files from systemd-journal-remote,
scanned with the anomaly rules."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time

from logsentry.engine.absence_stops import UNIT_STARTED, UNIT_STOPPED, UNIT_STOPPING, UNIT_SUCCESS
from logsentry.engine.stop_windows import UNIT_STARTING

UNIT = "ceph-osd@3.service"
OLD, NEW = "a1" * 16, "b2" * 16


def ceph(at: float, prio: str, text: str, invocation: str = OLD) -> dict:
    stamp = datetime.fromtimestamp(BASE_USEC / 1e6 + at, UTC)
    return entry(f"{stamp:%Y-%m-%dT%H:%M:%S}.{stamp.microsecond // 1000:03d}+0000 7f1c2d3e5700 {prio} {text}",
                 unit=UNIT, at=at, _SYSTEMD_INVOCATION_ID=invocation)


def pid1(at: float, message: str, message_id: str, invocation: str) -> dict:
    return entry(message, unit=None, at=at, priority=6, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope",
                 SYSLOG_IDENTIFIER="systemd", UNIT=UNIT, INVOCATION_ID=invocation, MESSAGE_ID=message_id)


HISTORY = [ceph(n * 60, " 1", f"osd.3 {4400 + n // 60} tick checking {n % 64} pgs") for n in range(26 * 60)]
T = 26 * HOUR
SHUTDOWN = [ceph(T + 0.2, "-1", "received  signal: Terminated from /sbin/init  (PID: 1) UID: 0"),
            ceph(T + 0.3, "-1", "osd.3 4426 *** Got signal Terminated ***"),
            ceph(T + 0.4, "-1", "osd.3 4426 *** Immediate shutdown (osd_fast_shutdown=true) ***")]


def planned_restart(then: list[dict]) -> list[dict]:
    return [pid1(T, f"Stopping {UNIT} - Ceph object storage daemon osd.3...", UNIT_STOPPING, OLD), *SHUTDOWN,
            pid1(T + 0.6, f"{UNIT}: Deactivated successfully.", UNIT_SUCCESS, OLD),
            pid1(T + 0.7, f"Stopped {UNIT} - Ceph object storage daemon osd.3.", UNIT_STOPPED, OLD),
            pid1(T + 0.8, f"Starting {UNIT} - Ceph object storage daemon osd.3...", UNIT_STARTING, NEW),
            pid1(T + 0.9, f"Started {UNIT} - Ceph object storage daemon osd.3.", UNIT_STARTED, NEW), *then]


def anomaly_incidents(make_journal, lines: list[dict]) -> list[dict]:  # type: ignore[no-untyped-def]
    result = run_cli("scan", "--file", str(make_journal(by_time(HISTORY, lines))), "--no-shipped-rules", "--rules",
                     str(ANOMALY_RULES), "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


def test_a_planned_restarts_shutdown_errors_page_nothing(make_journal) -> None:  # type: ignore[no-untyped-def]
    running = [ceph(T + 60 * (n + 1), " 1", f"osd.3 4427 tick checking {n} pgs", NEW) for n in range(30)]
    found = anomaly_incidents(make_journal, planned_restart(running))
    assert found == [], [(i["rule"], i["message"], i["why"]) for i in found]


def test_the_same_errors_with_no_planned_stop_page(make_journal) -> None:  # type: ignore[no-untyped-def]
    incidents = anomaly_incidents(make_journal, SHUTDOWN)
    assert [(i["rule"], i["severity"]) for i in incidents] == [("first-error-template", "error")]


def test_the_next_runs_own_errors_page(make_journal) -> None:  # type: ignore[no-untyped-def]
    failing = [ceph(T + 2 + n, "-1", f"osd.3 4427 unable to mount object store: (5) Input/output error {n}", NEW)
               for n in range(5)]
    incidents = anomaly_incidents(make_journal, planned_restart(failing))
    assert incidents and all(i["first_usec"] >= int(failing[0]["__REALTIME_TIMESTAMP"]) and i["severity"] == "error"
                             for i in incidents), incidents


def test_a_dump_of_the_journal_sees_the_planned_stop_too(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`scan --file` of an export dump (journalctl -o export) kept PID 1's UNIT only to name the entry's unit, not
    in its fields, so a planned stop opened no window there and its shutdown errors paged (helper F9's finding);
    the journal file of the same entries paged nothing. The crash's errors still page from the dump."""
    from logsentry.sources.journal_files import export_entry

    def incidents(lines: list[dict]) -> list[tuple[str, str]]:
        dump = tmp_path / f"dump-{len(lines)}.export"
        dump.write_bytes(b"".join(export_entry(line) for line in by_time(HISTORY, lines)))
        result = run_cli("scan", "--file", str(dump), "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "-o",
                         "json")
        assert result.exit_code == 0, result.output
        return [(i["rule"], i["severity"]) for i in of_type(json_events(result), "incident")]

    running = [ceph(T + 60 * (n + 1), " 1", f"osd.3 4427 tick checking {n} pgs", NEW) for n in range(30)]
    assert incidents(planned_restart(running)) == []
    assert incidents(SHUTDOWN) == [("first-error-template", "error")]


def test_a_reloads_lines_page_nothing_and_a_failed_reload_ends_its_window(make_journal) -> None:  # type: ignore[no-untyped-def]
    """`systemctl reload` (helper D16: HAProxy's re-executed master and its old worker's `Proxy ... stopped` at
    WARNING paged the first reload after learning): between PID 1's "Reloading X..." and "Reloaded X." and
    RELOAD_GRACE_USEC more the anomaly hits are dropped; after "Reload failed for X." they page at once."""
    from logsentry.engine.stop_windows import UNIT_RELOADED, UNIT_RELOADING

    goodbye = [ceph(T + 0.2 + n / 10, "-1", f"osd.3 4426 handle_signal reloading config: {word} section lost")
               for n, word in enumerate(("mon", "osd", "client", "global", "mgr"))]
    reload = [pid1(T, f"Reloading {UNIT} - Ceph object storage daemon osd.3...", UNIT_RELOADING, OLD),
              pid1(T + 0.1, f"Reloaded {UNIT} - Ceph object storage daemon osd.3.", UNIT_RELOADED, OLD), *goodbye]
    assert anomaly_incidents(make_journal, reload) == []
    failed = [reload[0], pid1(T + 0.1, f"Reload failed for {UNIT} - Ceph object storage daemon osd.3.",
                              UNIT_RELOADED, OLD), *goodbye]
    assert [i["rule"] for i in anomaly_incidents(make_journal, failed)] == ["first-error-template"]
    assert [i["rule"] for i in anomaly_incidents(make_journal, goodbye)] == ["first-error-template"]  # no reload
