"""Trial 76's container-runtime and database-client failures, which no rule named: dockerd's own words when
its containerd died of SIGSEGV (10: moby/moby#34091, logrus text at a terminal), when it could not start
containerd and exited (43: docker-library/docker#195, its last stderr line), and its gRPC dials to
containerd.sock failing (11: docker/for-linux#742); and a new user's API losing its PostgreSQL server
(newuser76 finding 10: psycopg2's and libpq's words, carded only as new-error-template). The lines are the
trial's, verbatim, read as a program's own log file."""

from __future__ import annotations

from pathlib import Path

from conftest import of_type
from test_trial75_app_signatures import incidents, scan

CONTAINERD_SEGV = [
    "INFO[2021-04-12T16:04:16.038109821+08:00] Starting up                                  ",
    "DEBU[2021-04-12T16:04:16.039963575+08:00] Containerd not running, starting daemon managed containerd ",
    "INFO[2021-04-12T16:04:16.055946913+08:00] libcontainerd: started new containerd process  pid=1514",
    "INFO[2021-04-12T16:04:16.056053274+08:00] ClientConn switching balancer to \"pick_first\"  module=grpc",
    "ERRO[2021-04-12T16:04:16.068413882+08:00] containerd did not exit successfully          "
    "error=\"signal: segmentation fault\" module=libcontainerd"]

DIND_TIMEOUT = [
    'time="2019-10-23T01:41:41.626767272Z" level=info msg="Starting up"',
    'time="2019-10-23T01:41:41.630761059Z" level=info msg="libcontainerd: containerd is still running" pid=52',
    'time="2019-10-23T01:41:41.630953974Z" level=info msg="pickfirstBalancer: HandleSubConnStateChange: '
    '0xc000130a30, CONNECTING" module=grpc',
    "failed to start containerd: timeout waiting for containerd to start"]

GRPC_DIAL = ('Dec 31 {stamp} iZuf62f4hwew0z2eza8dpdZ dockerd[628]: time="2021-12-31T03:58:18.709453035+08:00" '
             'level=warning msg="grpc: addrConn.createTransport failed to connect to {{unix:///run/containerd/'
             'containerd.sock  <nil> 0 <nil>}}. Err :connection error: desc = \\"transport: Error while dialing '
             'dial unix:///run/containerd/containerd.sock: timeout\\". Reconnecting..." module=grpc')

DB_LOST = [
    "2026-12-07 10:01:13,000 ERROR [myapi.db] query failed on orders: (psycopg2.OperationalError) server closed "
    "the connection unexpectedly",
    "Traceback (most recent call last):",
    '  File "/opt/myapi/venv/lib/python3.11/site-packages/sqlalchemy/engine/default.py", line 922, in do_execute',
    "    cursor.execute(statement, parameters)",
    "psycopg2.OperationalError: server closed the connection unexpectedly",
    "\tThis probably means the server terminated abnormally",
    "\tbefore or while processing the request."] + [
    f"2026-12-07 10:01:{second},{milli:03d} WARNING [myapi.db] database unavailable, retrying in {wait}s (attempt "
    f'{attempt}/5): connection to server at "db01.internal" (10.0.2.5), port 5432 failed: Connection refused'
    for attempt, (second, wait) in enumerate([(15, 2), (17, 4), (21, 8)], start=1) for milli in (0, 7, 14, 21)]


def test_dockerd_reporting_its_containerd_dead_of_sigsegv_is_an_incident(tmp_path: Path) -> None:
    events = scan(tmp_path, "dockerd.log", CONTAINERD_SEGV)
    assert incidents(events) == [("dockerd-managed-containerd-died", "error", "")]
    assert of_type(events, "incident")[0]["message"] == CONTAINERD_SEGV[-1]


def test_dockerd_exiting_because_containerd_did_not_start_is_critical(tmp_path: Path) -> None:
    events = scan(tmp_path, "dind.log", DIND_TIMEOUT)
    assert incidents(events) == [("dockerd-containerd-start-failed", "critical", "")]
    assert of_type(events, "incident")[0]["message"] == DIND_TIMEOUT[-1]


def test_dockerd_failing_to_dial_containerd_again_and_again_is_an_incident(tmp_path: Path) -> None:
    stamps = ["05:22:45", "05:23:06", "05:23:28", "05:23:52", "05:24:25"]
    events = scan(tmp_path, "syslog", [GRPC_DIAL.format(stamp=stamp) for stamp in stamps])
    assert incidents(events) == [("dockerd-containerd-unreachable", "error", "/run/containerd/containerd.sock")]


def test_two_failed_dials_half_an_hour_apart_are_no_incident(tmp_path: Path) -> None:
    """The trial's own paste (11): two dials 27 minutes apart; a containerd restart is refused as often."""
    events = scan(tmp_path, "syslog", [GRPC_DIAL.format(stamp=stamp) for stamp in ("05:22:45", "05:49:48")])
    assert incidents(events) == []


def test_an_api_losing_its_postgres_server_is_named_by_the_client_rule(tmp_path: Path) -> None:
    events = scan(tmp_path, "myapi.log", DB_LOST)
    assert incidents(events) == [("postgres-client-connection-lost", "error", "")]


def test_one_dropped_connection_and_its_traceback_are_no_incident(tmp_path: Path) -> None:
    assert incidents(scan(tmp_path, "myapi.log", DB_LOST[:7])) == []
