"""A crash loop that ends in systemd giving up is one story told in two pages: the unit's failure (ERROR, paged at
the first crash) and, when the restarts hit the start limit, systemd-start-limit-hit (CRITICAL), a page of its own
because it is more severe (its route may be another). The second page said only that systemd gave up: the crash's
own line, the cause, was in the first page's chain alone (engine/failure_model.inherit). Real journal files
(systemd-journal-remote), each run its own invocation as systemd gives it, and the same as journalctl text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_USEC, entry, json_events, of_type, run_cli

UNIT = "billing.service"
CAUSE = "FATAL: could not connect to the ledger at db01:5432: connection refused (attempt 1 of 1)"
RUNS = 5


def pid1(message: str, at: float, run: str, priority: int = 4) -> dict[str, Any]:
    """PID 1's line about the unit, as systemd 252 writes it (UNIT=, INVOCATION_ID=, from init.scope)."""
    return entry(f"{UNIT}: {message}" if not message.startswith(("Started ", "Failed to start ")) else message,
                 unit=None, at=at, priority=priority, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope",
                 SYSLOG_IDENTIFIER="systemd", UNIT=UNIT, INVOCATION_ID=run)


def crash_loop(spacing: float = 3.0) -> list[dict[str, Any]]:
    """Five runs that each die on the same error, `spacing` s apart (RestartSec=); then the start limit
    (StartLimitBurst=5): the last lines carry the last run's invocation, as systemd writes them."""
    lines: list[dict[str, Any]] = []
    for n in range(RUNS):
        at, run = 1.0 + n * spacing, f"{n + 1:x}" * 32
        lines += [pid1("Started billing.service - Billing worker.", at, run, 6),
                  entry("billing worker 2.4.1 starting", unit=UNIT, at=at + 0.05, _PID=str(4000 + n),
                        _SYSTEMD_INVOCATION_ID=run),
                  entry(CAUSE, unit=UNIT, at=at + 0.3, _PID=str(4000 + n), _SYSTEMD_INVOCATION_ID=run),
                  pid1("Main process exited, code=exited, status=1/FAILURE", at + 0.31, run, 5),
                  pid1("Failed with result 'exit-code'.", at + 0.32, run),
                  pid1(f"Scheduled restart job, restart counter is at {n + 1}.", at + 0.42, run, 6)]
    run = f"{RUNS:x}" * 32
    at = 1.0 + RUNS * spacing
    lines += [pid1("Start request repeated too quickly.", at, run),
              pid1("Failed with result 'exit-code'.", at + 0.001, run),
              pid1("Failed to start billing.service - Billing worker.", at + 0.002, run, 3)]
    return lines


@pytest.mark.parametrize("spacing", [1.2, 3.0])
def test_the_start_limit_page_carries_the_crash_that_led_to_it(make_journal: Any, spacing: float) -> None:
    """The loop's failure was paged (ERROR) 2 s after its first crash; the start limit (CRITICAL) is a page of its
    own, with the loop's chain."""
    done = run_cli("scan", "--file", str(make_journal(crash_loop(spacing))), "-o", "json")
    assert done.exit_code == 0, done.output
    events = json_events(done)
    incidents = of_type(events, "incident")
    assert incidents[-1]["rule"] == "systemd-start-limit-hit" and incidents[-1]["severity"] == "critical", incidents
    ends = {(end["rule"], end["first_usec"]): end for end in of_type(events, "incident_end")}
    limit = ends[("systemd-start-limit-hit", incidents[-1]["first_usec"])]
    assert CAUSE in {link["message"] for link in limit["chain"]}, limit["chain"]
    assert {"systemd-unit-failed", "systemd-start-limit-hit"} <= {link["rule"] for link in limit["chain"]}
    assert all(BASE_USEC <= link["first_usec"] <= limit["last_usec"] for link in limit["chain"]), limit["chain"]


@pytest.mark.parametrize("spacing", [1.2, 3.0, 10.0])
def test_a_crash_loop_is_one_failure_not_a_page_per_run(make_journal: Any, spacing: float) -> None:
    """Each run is a new invocation, and each run's systemd-unit-failed its own tracker incident: they were five
    failures, five pages, and the start limit a sixth. systemd saying the unit failed again in its next run within
    30 s is the same failure (engine/failures.py), counting every run's line; the start limit, more severe, pages."""
    events = json_events(run_cli("scan", "--file", str(make_journal(crash_loop(spacing))), "-o", "json"))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"]) for i in incidents] == [("systemd-unit-failed", "error"),
                                                               ("systemd-start-limit-hit", "critical")], incidents
    [loop] = [end for end in of_type(events, "incident_end") if end["rule"] == "systemd-unit-failed"]
    assert loop["count"] == RUNS + 1, loop  # each run's "Failed with result", and the one after the start limit
    assert CAUSE in {link["message"] for link in loop["chain"]}, loop["chain"]


def test_the_same_from_a_paste_of_journalctl(tmp_path: Path) -> None:
    """journalctl's short text of the same loop (no invocations): the FATAL line is new-fatal-template's, critical, so
    the first page is as severe as the start limit's, which joins its chain."""
    text = tmp_path / "loop.txt"
    lines = []
    for line in crash_loop(1.2):
        at = (int(line["__REALTIME_TIMESTAMP"]) - BASE_USEC) / 1e6
        who = "systemd[1]" if line.get("_PID") == "1" else f"billing[{line['_PID']}]"
        lines.append(f"Jan 01 00:00:{at:06.3f} web01 {who}: {line['MESSAGE']}")
    text.write_text("\n".join(lines) + "\n")
    done = run_cli("scan", "--file", str(text), "-o", "json")
    assert done.exit_code == 0, done.output
    events = json_events(done)
    [limit] = [end for end in of_type(events, "incident_end")
               if "systemd-start-limit-hit" in {link["rule"] for link in end["chain"]}]
    assert CAUSE in {link["message"] for link in limit["chain"]}, limit["chain"]
    # Its count is its rule's in the chain: the text's "(billing.service)" joins "(billing)", whose given incident
    # was not found among the members by its renamed unit, and kept the count it was paged with (2 of 6). A
    # paste's failure that an anomaly rule began settles 30 s (FailureGroups.fired `from_text`): the start limit,
    # a cause, leads it, the FATAL line and each run's failure in its chain.
    [own] = [link for link in limit["chain"] if link["rule"] == limit["rule"]]
    assert limit["rule"] == "systemd-start-limit-hit" and limit["count"] == own["count"] == 1, limit
    assert [(link["rule"], link["count"]) for link in limit["chain"] if link["rule"] in (
        "systemd-unit-failed", "new-fatal-template")] == [("new-fatal-template", RUNS), ("systemd-unit-failed",
                                                                                        RUNS + 1)], limit["chain"]


def _card_text(path: Path, columns: int) -> list[str]:
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                          text=True, env=env, timeout=60, check=True)
    return done.stdout.splitlines()


def test_the_chain_shows_the_cause_whole_at_80_columns_and_on_one_line_when_wide(make_journal: Any) -> None:
    """views/chain.py: at 80 columns the column beside the rules kept 30 characters of the cause (`FATAL: cou…
    (attempt 1 of 1)`); each line now goes whole under its rule. Wide enough, a line each, beside its rule."""
    journal = make_journal(crash_loop(3.0))
    narrow = _card_text(journal, 80)
    words = " ".join(line.strip("│ ") for line in narrow)
    assert CAUSE in words, narrow
    assert all(len(line) <= 80 for line in narrow if line.startswith("│")), narrow
    wide = _card_text(journal, 240)
    assert any(line.strip("│ ").endswith(CAUSE) and "error-burst" in line for line in wide), wide


NIL = "panic: runtime error: invalid memory address or nil pointer dereference"
MAP = "fatal error: concurrent map writes"


def go_crash(at: float, n: int, line: str, errors: int = 0) -> list[dict[str, Any]]:
    """Run `n` of a Go service (its own invocation) logs `errors` error lines, then dies of `line` on stderr;
    systemd restarts it 1 s later."""
    run = f"{n:x}" * 32
    return [pid1("Started billing.service - Billing worker.", at, run, 6),
            *(entry(f'level=error msg="ledger write failed" attempt={k}', unit=UNIT, at=at + 1 + k / 100, priority=6,
                    _PID=str(5000 + n), _SYSTEMD_INVOCATION_ID=run) for k in range(errors)),
            entry(line, unit=UNIT, at=at + 2, priority=3, _PID=str(5000 + n), _SYSTEMD_INVOCATION_ID=run),
            entry("goroutine 1 [running]:", unit=UNIT, at=at + 2.001, priority=3, _PID=str(5000 + n),
                  _SYSTEMD_INVOCATION_ID=run),
            pid1("Main process exited, code=exited, status=2/INVALIDARGUMENT", at + 2.01, run, 5),
            pid1("Failed with result 'exit-code'.", at + 2.02, run),
            pid1(f"Scheduled restart job, restart counter is at {n}.", at + 3, run, 6)]


@pytest.mark.parametrize(("second", "pages"), [(NIL, 1), (MAP, 2)])
@pytest.mark.parametrize("errors", [0, 60])
def test_a_run_that_dies_of_the_same_cause_is_the_loop_and_of_a_new_one_another_failure(
        make_journal: Any, second: str, pages: int, errors: int) -> None:
    """Two runs 3 s apart: the same Go panic again is the crash loop's (one page, its rule counting both runs); a
    different one is news, another failure and page (the bench journal's Go service died of a nil pointer, then of
    a concurrent map write: the second joined the first's loop, unpaged, before other_cause: the second run's error
    burst, 60 lines before its panic, had taken the loop into that run)."""
    journal = make_journal([*go_crash(1, 1, NIL), *go_crash(4, 2, second, errors)])
    events = json_events(run_cli("scan", "--file", str(journal), "-o", "json"))
    incidents = of_type(events, "incident")
    assert len(incidents) == pages, incidents
    assert incidents[0]["rule"] == "go-nil-pointer-panic", incidents
    if pages == 2:
        assert incidents[1]["rule"] == "go-concurrent-map-access", incidents
    else:
        [end] = of_type(events, "incident_end")
        assert end["count"] == 2, end


@pytest.mark.parametrize("spacing", [42.0, 120.0])
def test_a_loop_of_runs_that_work_a_while_is_one_failure_and_a_start_by_hand_after_it_pages(
        make_journal: Any, spacing: float) -> None:
    """Runs that work 40 s or 2 min before failing again were a page each, a resolve between (helper-129, a real
    systemd, RestartSec=2s): runs joined only within 30 s of the failure's last line. systemd's "Scheduled restart
    job" says the next run is its own restart (failure_runs.reruns, for 10 min). An operator's start after the loop
    gave up (start limit, then 60 s) fails: news, paged."""
    loop = crash_loop(spacing)
    start = (int(loop[-1]["__REALTIME_TIMESTAMP"]) - BASE_USEC) / 1e6 + 60
    by_hand = "9" * 32
    again = [pid1("Started billing.service - Billing worker.", start, by_hand, 6),
             entry(CAUSE, unit=UNIT, at=start + 0.3, _PID="4999", _SYSTEMD_INVOCATION_ID=by_hand),
             pid1("Main process exited, code=exited, status=1/FAILURE", start + 0.31, by_hand, 5),
             pid1("Failed with result 'exit-code'.", start + 0.32, by_hand)]
    events = json_events(run_cli("scan", "--file", str(make_journal([*loop, *again])), "-o", "json"))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"]) for i in incidents] == [
        ("systemd-unit-failed", "error"), ("systemd-start-limit-hit", "critical"),
        ("systemd-unit-failed", "error")], incidents
    assert incidents[2]["first_usec"] >= BASE_USEC + start * 1e6, incidents[2]


def test_a_scheduled_restart_survives_the_services_state() -> None:
    """Failure.rerun_usec is saved with the service's state (failure_saved.py): after logsentry's own restart, the
    loop's next run still joins; a failure saved before it had the key reads -1."""
    from logsentry.engine.failure_model import Failure
    from logsentry.engine.failure_saved import failure_from_json, failure_json, saved_incident

    failure = Failure("m", UNIT, "1" * 32, 5, 6, rerun_usec=7_000_000)
    data = json.loads(json.dumps(failure_json(failure, saved_incident)))
    assert failure_from_json(data).rerun_usec == 7_000_000
    del data["rerun_usec"]
    assert failure_from_json(data).rerun_usec == -1


def test_a_sockets_start_limit_is_its_services_failure(make_journal: Any) -> None:
    """billing.socket gives up when its service hits its start limit (socket.c SOCKET_FAILURE_SERVICE_START_LIMIT_HIT,
    in its own invocation): that line was a third page, a critical card of the socket's beside the service's start
    limit (trial 72's 13). It is the service's failure: one more line of its start limit."""
    loop = crash_loop()
    at = (loop[-1]["__REALTIME_TIMESTAMP"] - BASE_USEC) / 1e6
    loop.append(entry("billing.socket: Failed with result 'service-start-limit-hit'.", unit=None, at=at + 0.001,
                      priority=4, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope", SYSLOG_IDENTIFIER="systemd",
                      UNIT="billing.socket", INVOCATION_ID="a" * 32))
    events = json_events(run_cli("scan", "--file", str(make_journal(loop)), "-o", "json"))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["unit"]) for i in incidents] == [("systemd-unit-failed", UNIT),
                                                           ("systemd-start-limit-hit", UNIT)], incidents
    [limit] = [end for end in of_type(events, "incident_end") if end["rule"] == "systemd-start-limit-hit"]
    assert limit["count"] == 2, limit  # the service's own line and its socket's


def socket_line(message: str, at: float) -> dict[str, Any]:
    """PID 1's line about billing.socket, in the socket's own invocation."""
    return entry(f"billing.socket: {message}", unit=None, at=at, priority=4, _PID="1", _UID="0",
                 _SYSTEMD_UNIT="init.scope", SYSLOG_IDENTIFIER="systemd", UNIT="billing.socket", INVOCATION_ID="b" * 32)


def test_a_sockets_trigger_limit_beside_its_failing_service_is_that_failure(make_journal: Any) -> None:
    """socket.c's `Trigger limit hit, refusing further activation.` is the socket's own limit: beside its service
    failing at each connection it is that failure (one card), alone (a flood of connections to a working service)
    a failure of the socket's."""
    run = "c" * 32
    failing = [pid1("Main process exited, code=exited, status=1/FAILURE", 1.0, run, 5),
               pid1("Failed with result 'exit-code'.", 1.001, run),
               socket_line("Trigger limit hit, refusing further activation.", 1.2),
               socket_line("Failed with result 'trigger-limit-hit'.", 1.201)]
    journal = make_journal(failing)
    incidents = of_type(json_events(run_cli("scan", "--file", str(journal), "-o", "json")), "incident")
    assert [(i["rule"], i["unit"]) for i in incidents] == [("systemd-unit-failed", UNIT)], incidents
    report = run_cli("scan", "--file", str(journal)).stdout  # (its line is no row below a trigger: it is the card's)
    assert "1 incident" in report and "below their trigger" not in report, report
    flood = [socket_line("Trigger limit hit, refusing further activation.", 1.2),
             socket_line("Failed with result 'trigger-limit-hit'.", 1.201)]
    incidents = of_type(json_events(run_cli("scan", "--file", str(make_journal(flood)), "-o", "json")), "incident")
    assert [(i["rule"], i["unit"]) for i in incidents] == [("systemd-unit-failed", "billing.socket")], incidents


def test_a_start_limit_told_by_its_result_alone_is_one_card(make_journal: Any) -> None:
    """Trial 72's 15: a `journalctl -xe` cut after `Start request repeated too quickly.`, its `Failed with result
    'start-limit-hit'.` (a result only a start limit sets: service.c service_enter_dead) then an operator's restart
    the limit refused 39 s on: a unit-failed ERROR card, then a start-limit CRITICAL card, for one start limit."""
    run = "d" * 32
    lines = [pid1("Failed with result 'start-limit-hit'.", 1.0, run),
             pid1("Start request repeated too quickly.", 40.0, run),
             pid1("Failed to start billing.service - Billing worker.", 40.001, run, 3),
             pid1("Failed with result 'start-limit-hit'.", 40.002, run)]
    events = json_events(run_cli("scan", "--file", str(make_journal(lines)), "-o", "json"))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"]) for i in incidents] == [("systemd-start-limit-hit", "critical")], incidents


def test_a_text_failure_is_one_card_at_its_worst_severity(tmp_path: Path) -> None:
    """A program's own log read after the fact pages no one: its failure, given out (ERROR, new-error-template) when
    its 30 s of settling passed, and a CRITICAL line of it a minute later are one card at CRITICAL, not two with
    the same chain (a new user's API outage, engine/failure_runs.text_raises). A journal's escalation stays a page of
    its own (the start-limit tests above)."""
    lines = [f"2026-12-07 10:00:{second:02d},000 INFO [api.views] GET /orders 200" for second in range(0, 60, 5)]
    lines += [f"2026-12-07 10:01:{second:02d},000 ERROR [api.ledger] posting failed: the ledger answered 503 "
              "Service Unavailable" for second in range(0, 60, 4)]
    lines.append("2026-12-07 10:02:10,000 CRITICAL [api.health] database pool exhausted; /healthz now returns 503")
    lines += [f"2026-12-07 10:02:{second:02d},000 ERROR [api.ledger] posting failed: the ledger answered 503 "
              "Service Unavailable" for second in range(20, 60, 10)]
    path = tmp_path / "api.log"
    path.write_text("\n".join(lines) + "\n")
    events = json_events(run_cli("scan", "--file", str(path), "-o", "json"))
    assert [(i["rule"], i["severity"]) for i in of_type(events, "incident")] == [("new-error-template", "error")]
    [end] = of_type(events, "incident_end")
    assert end["severity"] == "critical", end
    assert "new-fatal-template" in {link["rule"] for link in end["chain"]}, end["chain"]
    card = run_cli("scan", "--file", str(path)).stdout
    assert "CRITICAL (api) new-error-template (raised from error to critical by new-fatal-template)" in \
        " ".join(card.replace("│", " ").split()), card
