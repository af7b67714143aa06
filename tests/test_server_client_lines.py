"""PostgreSQL's and RabbitMQ's accounts of one client's session or connection are that client's outcome, as Apache's
`[client ...]` lines are (engine/client_lines.py): a client's typo of a database name (`FATAL:  database "users" does
not exist`), an administrator closing one AMQP connection, paged first-error-template in a clean server (trial 77's
08 and 10). The server's own trouble at the same level still does (`sorry, too many clients already`, Mnesia's
error), and so does a line that only quotes the words. Real files through `scan --file` with the shipped rules."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import json_events, of_type, run_cli

START = 1596080000.0  # 2020-07-30 03:33:20 UTC
HOUR = 3600.0


def postgres(days: int, last: str) -> str:
    """A clean server's own log (log_line_prefix `%m [%p] `): checkpoints every 30 min for `days`, then `last`."""
    lines = [(START + n * 1800, "LOG:  checkpoint starting: time") for n in range(days * 48)]
    lines += [(START + n * 1800 + 30, f"LOG:  checkpoint complete: wrote {n % 50 + 3} buffers (0.{n % 9}%); 0 WAL "
                                      f"file(s) added, 0 removed, 1 recycled") for n in range(days * 48)]
    lines.append((START + days * 24 * HOUR + 60, last))
    return "".join(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)) + f".{n % 1000:03d} UTC [{4974 + n % 5}] "
                   f"{text}\n" for n, (at, text) in enumerate(sorted(lines)))


def rabbitmq(days: int, last: str) -> str:
    """A clean broker's own log: a client's connection accepted and closed every 30 min for `days`, then `last`."""
    lines = []
    for n in range(days * 48):
        at = START + n * 1800
        lines += [(at, f"[info] <0.{1300 + n}.0> accepting AMQP connection <0.{1300 + n}.0> (127.0.0.1:{50000 + n} "
                       "-> 127.0.0.1:5672)"),
                  (at + 1, f"[info] <0.{1300 + n}.0> connection <0.{1300 + n}.0> (127.0.0.1:{50000 + n} -> "
                           "127.0.0.1:5672): user 'guest' authenticated and granted access to vhost '/'"),
                  (at + 60, f"[info] <0.{1300 + n}.0> closing AMQP connection <0.{1300 + n}.0> (127.0.0.1:"
                            f"{50000 + n} -> 127.0.0.1:5672, vhost: '/', user: 'guest')")]
    lines.append((START + days * 24 * HOUR + 60, last))
    return "".join(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)) + f".{n % 1000:03d} {text}\n"
                   for n, (at, text) in enumerate(sorted(lines)))


def incidents(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "server.log"
    path.write_text(text)
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output
    return [incident["rule"] for incident in of_type(json_events(result), "incident")]


@pytest.mark.parametrize(("last", "expected"), [
    ('FATAL:  database "users" does not exist', []),
    ('FATAL:  password authentication failed for user "report"', []),
    ('FATAL:  no pg_hba.conf entry for host "203.0.113.9", user "sa", database "master", SSL off', []),
    ("FATAL:  sorry, too many clients already", ["first-error-template"]),
    ('ERROR:  could not open file "base/16384/16385": Permission denied', ["first-error-template"]),
])
def test_a_postgres_clients_session_is_no_first_error(tmp_path: Path, last: str, expected: list[str]) -> None:
    assert incidents(tmp_path, postgres(2, last)) == expected


@pytest.mark.parametrize(("last", "expected"), [
    ("[error] <0.1345.0> Error on AMQP connection <0.1345.0> (127.0.0.1:64875 -> 127.0.0.1:5672, vhost: '/', user: "
     "'guest', state: running), channel 0:", []),
    ("[error] <0.275.0> Mnesia('rabbit@mq1'): ** ERROR ** mnesia_event got {inconsistent_database, "
     "starting_partitioned_network, 'rabbit@mq2'}", ["first-error-template"]),
    ("[error] <0.275.0> failed to parse \"[error] <0.1.0> closing AMQP connection <0.1.0> (\"",
     ["first-error-template"]),
])
def test_a_rabbitmq_clients_connection_is_no_first_error(tmp_path: Path, last: str, expected: list[str]) -> None:
    assert incidents(tmp_path, rabbitmq(2, last)) == expected


def sshd(days: int, last: str) -> str:
    """A host's auth log: an administrator's key login every 30 min for `days`, then sshd's `last` (syslog text, whose
    sshd `fatal:` line journald would keep at PRIORITY 2: its level word here)."""
    lines = [(START + n * 1800, f"sshd[{2000 + n}]: Accepted publickey for admin from 10.0.0.5 port {40000 + n} ssh2: "
                                "ED25519 SHA256:2nC0XGU4Jv1Yfd8+3Hh3D6dTkx8VqG2lYJ3mTn6tUZo") for n in range(days * 48)]
    lines.append((START + days * 24 * HOUR + 60, f"sshd[9999]: {last}"))
    return "".join(time.strftime("%b %d %H:%M:%S", time.gmtime(at)) + f" web01 {text}\n" for at, text in sorted(lines))


@pytest.mark.parametrize(("last", "expected"), [
    ("fatal: Write failed: Connection reset by peer [preauth]", []),
    ("fatal: Cannot bind any address.", ["new-fatal-template"]),
])
def test_sshds_preauth_child_is_one_clients_connection(tmp_path: Path, last: str, expected: list[str]) -> None:
    """A scanner resetting its connection before authentication (trial 77's 01: CRITICAL new-fatal-template); sshd's
    own fatal still pages."""
    assert incidents(tmp_path, sshd(2, last)) == expected
