"""first-error-template (`[anomaly] clean = true`): a warm unit that never logged an error logs one line of a new
error template and then nothing (a MySQL replica whose replication thread stopped): caught at that line. A
unit that logged errors before is left to new-error-template's three lines; a unit younger than a day too."""

from __future__ import annotations

import pytest
from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies, steady
from test_runstep import assert_same, incidents

UNIT = "mysql.service"
STOPPED = ("2026-11-28T14:00:00.123456Z 12 [ERROR] [MY-010584] [Repl] Slave SQL for channel '': Worker 1 failed "
           "executing transaction; Error 'Duplicate entry' on query. Error_code: MY-001062")


def failure(at: float) -> list[dict]:
    return [entry(STOPPED, unit=UNIT, at=at, priority=3),
            entry(STOPPED.replace("Worker 1 failed", "Coordinator stopped because there were error(s)"), unit=UNIT,
                  at=at + 0.01, priority=3)]


def test_a_clean_units_first_error_fires_at_its_line(make_journal):
    journal = make_journal(by_time(steady(UNIT, 0, 30 * HOUR, 30), failure(30 * HOUR)))
    found = scan_anomalies(journal)
    assert [(i["rule"], i["realtime_usec"]) for i in found] == [
        ("first-error-template", int(failure(30 * HOUR)[0]["__REALTIME_TIMESTAMP"]))]
    assert "no line at error level before" in found[0]["why"]
    events, _ = assert_same(journal, one_by_one=0.5)
    assert incidents(events) == [("first-error-template", UNIT)]


@pytest.mark.parametrize("history", ["an error before", "younger than a day"])
def test_not_in_a_unit_that_logged_errors_or_is_young(make_journal, history):
    hours = 30 if history == "an error before" else 20
    earlier = [entry("connection to primary lost, retrying", unit=UNIT, at=2 * HOUR, priority=3)] \
        if history == "an error before" else []
    journal = make_journal(by_time(steady(UNIT, 0, hours * HOUR, 30), earlier, failure(hours * HOUR)))
    assert "first-error-template" not in [i["rule"] for i in scan_anomalies(journal)]
