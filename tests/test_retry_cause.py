"""A retry announcement is told with the failure it retries: Celery's `Trying again in 4.00 seconds...` comes just
after `consumer: Cannot connect to redis://...: Connection reset by peer.`, and excerpt-retry-loop's card, alert and
JSON quoted the announcement alone (new-user trial 230, item 2). The unit's error line just before it, from the same
process within CAUSE_USEC, is the incident's first line (engine/retry_causes.py); its count is still the retries'."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import json_events, of_type, run_cli

CAUSE = "consumer: Cannot connect to redis://localhost:6379//: Error while reading from socket: (104, " \
        "'Connection reset by peer')."
CELERY = f"""[2015-11-20 18:17:40,112: WARNING/MainProcess] celery@worker1 ready.
[2015-11-20 18:18:08,590: ERROR/MainProcess] {CAUSE}
Trying again in 2.00 seconds...

[2015-11-20 18:18:38,601: ERROR/MainProcess] {CAUSE}
Trying again in 4.00 seconds...
"""


def _retry_incident(path: Path) -> dict[str, Any]:
    done = run_cli("scan", "--file", str(path), "-o", "json")
    assert done.exit_code == 0, done.output
    found = [event for event in of_type(json_events(done), "incident") if event["rule"] == "excerpt-retry-loop"]
    assert len(found) == 1, found
    return found[0]


def test_celerys_retry_card_quotes_the_broker_failure(tmp_path: Path) -> None:
    path = tmp_path / "celery-worker.log"
    path.write_text(CELERY)
    incident = _retry_incident(path)
    assert incident["message"].endswith(CAUSE) and incident["count"] == 2, incident
    report = run_cli("scan", "--file", str(path)).output
    quoted = [line for line in report.splitlines() if line.startswith("│ │ ")]
    assert "│ │ fired on: [2015-11-20 18:18:38,601: ERROR/MainProcess] consumer: Cannot" in quoted[0], report
    assert "│ │ later:    Trying again in 4.00 seconds..." in quoted[-1], report


def _syslog(lines: list[tuple[int, int, str]]) -> str:
    """Syslog text of `app[PID]` at 10:00:SS."""
    return "".join(f"Mar  1 10:00:{second:02d} web1 app[{pid}]: {message}\n" for second, pid, message in lines)


def test_any_programs_retry_is_told_with_the_error_before_it(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text(_syslog([(0, 100, "app 1.2 starting"),
                             (1, 100, "ERROR dial tcp 10.0.0.5:5432: connect: connection refused"),
                             (1, 100, "Reconnecting in 5 seconds"),
                             (6, 100, "ERROR dial tcp 10.0.0.5:5432: connect: connection refused"),
                             (6, 100, "Reconnecting in 10 seconds")]))
    assert _retry_incident(path)["message"] == "ERROR dial tcp 10.0.0.5:5432: connect: connection refused"


def test_another_process_or_an_older_error_is_no_cause(tmp_path: Path) -> None:
    """Another process's error (the same identifier, another PID), or one written long before, is not what this
    process retries: the announcement is quoted alone, as before."""
    path = tmp_path / "syslog"
    path.write_text(_syslog([(0, 100, "app 1.2 starting"),
                             (1, 200, "ERROR dial tcp 10.0.0.5:5432: connect: connection refused"),
                             (1, 100, "Reconnecting in 5 seconds"),
                             (20, 100, "ERROR dial tcp 10.0.0.5:5432: connect: connection refused"),
                             (40, 100, "Reconnecting in 10 seconds")]))
    assert _retry_incident(path)["message"] == "Reconnecting in 10 seconds"
