"""A failure's lead-in (engine/failure_lead.py): a crash's own lines come before PID 1's "Main process exited" and
"Failed with result", so the hits on them (error-burst, python-traceback-burst, below their triggers) found no
failure open and were in no chain: the incident PID 1's line fired said nothing of the traceback (a fresh user's
paste, /var/tmp/newuser2/logs/pyjournal2.txt). They join the failure that begins within 10 s after them, of their
own unit and run; the unit's errors minutes before, and another run's lines, do not. A pasted text, real journal
files (systemd-journal-remote), and the real service (`logsentry run`) following a journal-remote file."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from conftest import BASE_USEC, appended_json, entry, json_events, of_type, run_cli
from test_first_start_handover import Collector, Host
from test_host_stale import wait_until
from test_service import RunningService

from logsentry.sources.journal_files import export_entry

PASTE = """\
Nov 14 09:12:01 web-3 systemd[1]: Started orders.service - Orders API.
Nov 14 09:12:02 web-3 orders[48121]: INFO:orders:listening on 0.0.0.0:8080
Nov 14 09:12:40 web-3 orders[48121]: ERROR:orders:payment gateway timed out after 30s
Nov 14 09:14:37 web-3 orders[48121]: Traceback (most recent call last):
Nov 14 09:14:37 web-3 orders[48121]:   File "/opt/orders/app.py", line 88, in <module>
Nov 14 09:14:37 web-3 orders[48121]:     main()
Nov 14 09:14:37 web-3 orders[48121]:   File "/opt/orders/db.py", line 19, in connect
Nov 14 09:14:37 web-3 orders[48121]:     return psycopg2.connect(url, connect_timeout=5)
Nov 14 09:14:37 web-3 orders[48121]: psycopg2.OperationalError: connection to server at "10.0.0.5", port 5432 \
failed: Connection refused
Nov 14 09:14:37 web-3 systemd[1]: orders.service: Main process exited, code=exited, status=1/FAILURE
Nov 14 09:14:37 web-3 systemd[1]: orders.service: Failed with result 'exit-code'.
"""
TRACEBACK = "Traceback (most recent call last):"


def test_a_pasted_crash_carries_its_traceback_not_the_units_older_error(tmp_path: Path) -> None:
    log = tmp_path / "pyjournal.txt"
    log.write_text(PASTE)
    done = run_cli("scan", "--file", str(log), "-o", "json")
    assert done.exit_code == 0, done.output
    events = json_events(done)
    [incident] = of_type(events, "incident")
    assert (incident["rule"], incident["unit"]) == ("systemd-unit-failed", "(orders.service)")
    links = {link["rule"]: link for link in incident["chain"]}
    assert links["python-traceback-burst"]["message"] == TRACEBACK, incident["chain"]
    # the exception that says what failed is in the chain: new-error-template's (a paste's third error line, its
    # lines judged from the first: excerpts = true) fired on it; error-burst's link is the crash's first line
    [fired] = [link for link in incident["chain"] if link["rule"] == "new-error-template" and link["fired"]]
    assert fired["message"].startswith("psycopg2.OperationalError: connection to server"), incident["chain"]
    assert not links["error-burst"]["fired"], incident["chain"]
    assert not any("gateway" in link["message"] for link in incident["chain"]), incident["chain"]  # 2 min before
    report = run_cli("scan", "--file", str(log)).stdout
    assert "python-traceback-burst" in report.split("rules matched it:")[1], report
    # the below-threshold table leaves out what the chain quotes (python-traceback-burst's one line), not a rule
    # with a line of its own there (error-burst's gateway error: its row keeps all 3 of its matches)
    table = report.split("Matches below their trigger threshold")[1]
    assert "python-traceback-burst" not in table and re.search(r"error-burst\s*│\s*3 │", table), table


APP = "orders.service"
RUN_A, RUN_B = "a" * 32, "b" * 32


def app(message: str, at: float, run: str, pid: int, priority: int = 3) -> dict[str, Any]:
    """The program's own line (stderr), as journald stamps it: its unit, PID and invocation."""
    return entry(message, unit=APP, at=at, priority=priority, _PID=str(pid), _SYSTEMD_INVOCATION_ID=run,
                 SYSLOG_IDENTIFIER="orders")


def pid1(message: str, at: float, run: str, priority: int = 4) -> dict[str, Any]:
    """PID 1's line about the unit, as systemd 252 writes it (UNIT=, INVOCATION_ID=, from init.scope)."""
    return entry(f"{APP}: {message}", unit=None, at=at, priority=priority, _PID="1", _UID="0",
                 _SYSTEMD_UNIT="init.scope", SYSLOG_IDENTIFIER="systemd", UNIT=APP, INVOCATION_ID=run)


def crash(at: float, run: str, pid: int) -> list[dict[str, Any]]:
    """A Python program's uncaught exception, then PID 1's word of its exit 40 ms later."""
    lines = [TRACEBACK, '  File "/opt/orders/app.py", line 88, in <module>', "    main()",
             f"psycopg2.OperationalError: connection to server at \"10.0.0.5\", port 5432 failed (run {run[0]})"]
    return [*(app(line, at + n * 0.001, run, pid) for n, line in enumerate(lines)),
            pid1("Main process exited, code=exited, status=1/FAILURE", at + 0.04, run, priority=5),
            pid1("Failed with result 'exit-code'.", at + 0.041, run)]


def test_journal_crashes_of_a_restart_loop_are_one_failure_with_its_traceback(make_journal) -> None:  # type: ignore[no-untyped-def]
    """Two runs of the unit crash 4 s apart (Restart=always, RestartSec=1s): systemd says the unit failed again in
    its next run, one failure (a crash loop, engine/failures.py: one page, not one per run), whose chain has the
    first run's traceback and its newest error line, never the error the first run logged a minute before its
    crash; its systemd-unit-failed counts both runs."""
    journal = make_journal([app("worker started", 0, RUN_A, 4242, priority=6),
                            app("ERROR payment gateway timed out after 30s", 40, RUN_A, 4242),
                            *crash(100, RUN_A, 4242),
                            pid1("Scheduled restart job, restart counter is at 1.", 101, RUN_A, priority=6),
                            app("worker started", 102, RUN_B, 4300, priority=6),
                            *crash(104, RUN_B, 4300)])
    done = run_cli("scan", "--file", str(journal), "-o", "json")
    assert done.exit_code == 0, done.output
    events = json_events(done)
    assert [(i["rule"], i["unit"]) for i in of_type(events, "incident")] == [("systemd-unit-failed", APP)]
    [end] = of_type(events, "incident_end")
    assert (end["rule"], end["count"]) == ("systemd-unit-failed", 2), end
    lead = [(link["rule"], link["message"], link["first_usec"]) for link in end["chain"] if not link["fired"]]
    assert ("python-traceback-burst", TRACEBACK, BASE_USEC + 100 * 1_000_000) in lead, lead
    assert [message for rule, message, _ in lead if rule == "error-burst"] == [
        "psycopg2.OperationalError: connection to server at \"10.0.0.5\", port 5432 failed (run a)"], lead
    assert not any("gateway" in message for _, message, _ in lead), lead
    [failed] = [link for link in end["chain"] if link["rule"] == "systemd-unit-failed"]
    assert failed["count"] == 2, end["chain"]


WEB3 = "3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e"


class CrashingHost(Host):
    """web-3 on a collector: its journal-remote file, written live with the fields journald and PID 1 write."""

    def line(self, message: str, priority: int, **fields: str) -> None:
        record = entry(message, unit=fields.pop("unit", APP), priority=priority, _MACHINE_ID=self.machine,
                       _HOSTNAME=self.name, __REALTIME_TIMESTAMP=self.now(), **fields)
        record["__MONOTONIC_TIMESTAMP"] = time.monotonic_ns() // 1000
        os.write(self._fd, export_entry(record))
        self.count += 1


def test_the_service_alerts_a_crash_with_its_traceback_in_its_chain(tmp_path: Path) -> None:
    """The same through `logsentry run` (pipeline.feed, the service's screened runs, its settling by our clock):
    the alert for PID 1's "Failed with result" names the traceback in its chain."""
    where = Collector(tmp_path)
    host = CrashingHost(tmp_path, where.directory, "web-3", WEB3, 0)
    received = tmp_path / "alerts.jsonl"
    (tmp_path / "receive.py").write_text(f"import sys\nopen({str(received)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    running = RunningService(tmp_path, f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{where.directory}"
hostname = "collector"

[[watch]]
units = ["*"]
actions = ["alert"]

[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{tmp_path / 'receive.py'}"]
''')
    ours = dict(_PID="4242", _SYSTEMD_INVOCATION_ID=RUN_A, SYSLOG_IDENTIFIER="orders")
    theirs = dict(unit="init.scope", _PID="1", _UID="0", SYSLOG_IDENTIFIER="systemd", UNIT=APP, INVOCATION_ID=RUN_A)
    try:
        host.line("worker started", 6, **ours)
        host.wait_written()
        running.start()
        for message in (TRACEBACK, '  File "/opt/orders/app.py", line 88, in <module>', "    main()",
                        'psycopg2.OperationalError: connection to server at "10.0.0.5", port 5432 failed'):
            host.line(message, 3, **ours)
        time.sleep(0.05)
        host.line(f"{APP}: Main process exited, code=exited, status=1/FAILURE", 5, **theirs)
        host.line(f"{APP}: Failed with result 'exit-code'.", 4, **theirs)
        [alert] = wait_until(lambda: [a for a in appended_json(received) if a.get("rule") == "systemd-unit-failed"],
                             30, "the unit's failure alert")
    finally:
        host.close()
        if running.proc is not None:
            running.stop()
    chain = "\n".join(alert["chain"])
    assert "python-traceback-burst" in chain and TRACEBACK in chain, json.dumps(alert, indent=1)


def test_a_units_lead_in_goes_once_it_is_stale_not_when_ten_thousand_others_push_it_out() -> None:
    """A unit that logged one error and never again kept its lead-in until MAX_LEAD_UNITS other units' hits pushed it
    out: the memory bench's never-again units filled the table over some 24M entries. Past STALE_LEAD_USEC (after
    LEAD_IN_USEC) it goes at the next unit's hit; within it, it stays (a collector's hosts' clocks differ)."""
    from logsentry.engine.failure_lead import LEAD_IN_USEC, STALE_LEAD_USEC, LeadIns
    from logsentry.model import Entry, Severity, new_hit

    def hit(unit: str, at: int) -> Any:
        return new_hit("error-burst", Severity.WARNING, Entry(at, "boom", unit, 3, "c", {}), {}, "", "", "")

    leads = LeadIns()
    leads.note(("m", "old.service"), hit("old.service", 0), ("error-burst", ""))
    leads.note(("m", "new.service"), hit("new.service", LEAD_IN_USEC + STALE_LEAD_USEC - 1), ("error-burst", ""))
    assert len(leads._units) == 2  # (within the margin: kept)
    leads.note(("m", "other.service"), hit("other.service", LEAD_IN_USEC + STALE_LEAD_USEC + 1), ("error-burst", ""))
    assert list(leads._units) == [("m", "new.service"), ("m", "other.service")]
