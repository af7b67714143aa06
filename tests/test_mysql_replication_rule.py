"""mysql-replication-stopped: a replica whose replication thread stopped says so once, in two [ERROR] lines, then
nothing; helper D16's trial missed it with every rule, the unit having logged reconnect errors before. Real journal
files (systemd-journal-remote), MariaDB's lines as sql/slave.cc writes them under systemd (its time and thread id)."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli

UNIT = "mariadb.service"


def _line(at: float, text: str) -> dict:  # type: ignore[type-arg]
    return entry(f"2026-03-05 09:{int(at) // 60 % 60:02d}:{int(at) % 60:02d} 14 {text}", unit=UNIT, at=at, priority=6,
                 SYSLOG_IDENTIFIER="mariadbd")


ROUTINE = [_line(0, "[Note] Slave I/O thread: connected to master 'repl@db1:3306',replication started in log "
                    "'mysql-bin.000411' at position 4"),
           _line(60, "[ERROR] Slave I/O: error reconnecting to master 'repl@db1:3306' - retry-time: 60  "
                     "maximum-retries: 86400  message: Can't connect to MySQL server on 'db1' (111 \"Connection "
                     "refused\"), Internal MariaDB error code: 2003"),
           _line(120, "[Note] Slave SQL thread exiting, replication stopped in log 'mysql-bin.000412' at position "
                      "8812; GTID position '0-1-88213'")]
FAILURE = [_line(300, "[ERROR] Slave SQL: Error 'Duplicate entry '4411' for key 'PRIMARY'' on query. Default database: "
                      "'shop'. Query: 'INSERT INTO orders VALUES (4411, 12)', Gtid 0-1-88214, Internal MariaDB error "
                      "code: 1062"),
           _line(300.1, "[ERROR] Error running query, slave SQL thread aborted. Fix the problem, and restart the slave "
                        "SQL thread with \"SLAVE START\". We stopped at log 'mysql-bin.000412' position 8812; GTID "
                        "position '0-1-88213'")]


def _incidents(make_journal, lines: list[dict]) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    result = run_cli("scan", "--file", str(make_journal(lines)), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return [i for i in of_type(json_events(result), "incident") if i["rule"] == "mysql-replication-stopped"]


def test_a_replication_thread_stopped_on_an_error_is_one_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    (incident,) = _incidents(make_journal, ROUTINE + FAILURE)
    assert (incident["severity"], incident["realtime_usec"]) == ("error", FAILURE[1]["__REALTIME_TIMESTAMP"])


def test_a_stop_slave_and_a_reconnecting_io_thread_are_no_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    assert _incidents(make_journal, ROUTINE) == []
