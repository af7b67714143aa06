"""Newuser78 finding 2: an application that cannot reach its database had no signature of its own. A Spring Boot
worker on HikariCP and pgjdbc logged a stack trace every 30 s for 47 minutes (about 2 error lines a minute, under
error-burst's 50) and got no card from a short scan; a Node API's `Error: connect ECONNREFUSED` was carded only by
the anomaly and burst rules. The lines are the user's, read as the programs' own log files."""

from __future__ import annotations

from pathlib import Path

from test_trial75_app_signatures import incidents, scan

WRAPPER = ("org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection; nested "
           "exception is java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, "
           "request timed out after 30000ms.")
POOL = ("Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request "
        "timed out after 30000ms.")
DRIVER = ("Caused by: org.postgresql.util.PSQLException: Connection to 10.0.0.5:5432 refused. Check that the "
          "hostname and port are correct and that the postmaster is accepting TCP/IP connections.")


def worker_attempt(stamp: str) -> list[str]:
    """One scheduled run that waited 30 s for a connection: the task's ERROR line and its stack trace."""
    return [
        f"2026-12-07 {stamp}.001  WARN 4321 --- [ool-1 housekeeper] com.zaxxer.hikari.pool.HikariPool        : "
        "HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=1m2s).",
        f"2026-12-07 {stamp}.002 ERROR 4321 --- [   scheduling-1] o.s.s.s.TaskUtils$LoggingErrorHandler    : "
        "Unexpected error occurred in scheduled task",
        WRAPPER,
        "\tat org.springframework.jdbc.datasource.DataSourceUtils.getConnection(DataSourceUtils.java:84)",
        POOL,
        "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
        DRIVER,
        "\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:319)",
        "Caused by: java.net.ConnectException: Connection refused"]


def test_a_worker_whose_pool_times_out_every_30_s_is_named_by_the_jdbc_rule(tmp_path: Path) -> None:
    stamps = ["00:47:36", "00:48:07", "00:48:38", "00:49:09", "00:49:40"]
    lines = [line for stamp in stamps for line in worker_attempt(stamp)]
    assert incidents(scan(tmp_path, "worker.log", lines)) == [("jdbc-connection-unavailable", "error", "")]


def test_one_failed_run_of_the_worker_is_no_incident(tmp_path: Path) -> None:
    assert incidents(scan(tmp_path, "worker.log", worker_attempt("00:47:36") + worker_attempt("00:52:00"))) == []


def api_failure(second: int) -> list[str]:
    return [f"2026-12-07T00:47:{second:02d}.366Z [api] error: query failed: GET /v1/orders/{second} (req 9c9b)",
            "Error: connect ECONNREFUSED 10.0.0.5:5432",
            "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {",
            "  errno: -111,", "  code: 'ECONNREFUSED',", "  syscall: 'connect',", "  address: '10.0.0.5',",
            "  port: 5432", "}"]


def test_a_node_api_refused_by_its_database_request_after_request_is_an_incident(tmp_path: Path) -> None:
    lines = [line for second in range(10, 40, 2) for line in api_failure(second)]
    assert ("node-connect-refused", "error", "") in incidents(scan(tmp_path, "api.log", lines))


def test_a_node_api_refused_twice_during_a_restart_is_no_incident(tmp_path: Path) -> None:
    lines = api_failure(10) + api_failure(11)
    assert not [i for i in incidents(scan(tmp_path, "api.log", lines)) if i[0] == "node-connect-refused"]


def test_a_client_path_holding_the_words_is_no_incident(tmp_path: Path) -> None:
    lines = [f"2026-12-07T00:47:{second:02d}.366Z [api] info: GET /v1/search?q=Error: connect ECONNREFUSED "
             f"10.0.0.5:5432 200 4ms" for second in range(10, 40)]
    assert incidents(scan(tmp_path, "api.log", lines)) == []
