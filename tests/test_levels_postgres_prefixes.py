"""PostgreSQL's level behind a log_line_prefix that step 5 of engine/levels.py cannot read (levels.py
_postgres_level, its C twin lv_postgres in sources/levels.h): pgbadger's recommended `%t [%p]: [%l-1]
user=%u,db=%d,app=%a,client=%h ` and Amazon RDS's `%t:%r:%u@%d:[%p]:`. On real journal files
(systemd-journal-remote) at PRIORITY 6, as journald stores a server's stderr, scanned with the anomaly rules only:
the failing lines' own `ERROR:  ` decides, where before they were info lines and the failure went unseen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time

ERR = 3


def when(at: float) -> datetime:
    return datetime.fromtimestamp(BASE_USEC / 1e6 + at, UTC)


PREFIXES = {
    "pgbadger": lambda at, pid, n: f"{when(at):%Y-%m-%d %H:%M:%S} UTC [{pid}]: [{n}-1] "
                                   f"user=shop,db=shop,app=[unknown],client=10.0.4.{pid % 200} ",
    "rds": lambda at, pid, n: f"{when(at):%Y-%m-%d %H:%M:%S} UTC:10.0.4.{pid % 200}({40000 + pid}):shop@shop:[{pid}]:",
}


def csv_row(at: float, pid: int, n: int, severity: str, code: str, message: str) -> str:
    """A csvlog row (csvlog.c write_csvlog) as Zalando's Spilo writes it to its log and a collector to the journal."""
    return (f'{when(at):%Y-%m-%d %H:%M:%S}.123 UTC,"shop","shop",{pid},"10.0.4.{pid % 200}:{40000 + pid}",'
            f'645a1b2c.{pid:x},{n},"SELECT",{when(at - 60):%Y-%m-%d %H:%M:%S} UTC,3/{n},0,{severity},{code},'
            f'"{message}",,,,,,,,,"psql","client backend"')


LINES = {
    **{layout: (lambda at, pid, n, ok, prefix=prefix: prefix(at, pid, n) + (
        f"LOG:  duration: {n % 97}.{n % 10}12 ms  statement: SELECT 1" if ok else "ERROR:  deadlock detected"))
       for layout, prefix in PREFIXES.items()},
    # the severity field of PostgreSQL's csvlog (levels._postgres_csv_level): trial 57's csvlog paste had its FATAL
    # row read at no level
    "csvlog": lambda at, pid, n, ok: csv_row(at, pid, n, "LOG", "00000", f"duration: {n % 97}.{n % 10}12 ms  "
                                             "statement: SELECT 1") if ok else
    csv_row(at, pid, n, "ERROR", "40P01", "deadlock detected"),
}


@pytest.mark.parametrize("layout", list(LINES))
def test_a_deadlock_storm_behind_a_long_prefix_is_an_error_level_anomaly(make_journal, layout: str) -> None:
    line = LINES[layout]
    normal = [entry(line(n * 5, 3000 + n % 40, n, True), unit="postgresql@15-main.service", at=n * 5)
              for n in range(int(2 * HOUR / 5))]
    failing = [entry(line(2 * HOUR + n, 4000 + n, 1, False), unit="postgresql@15-main.service", at=2 * HOUR + n)
               for n in range(20)]
    result = run_cli("scan", "--file", str(make_journal(by_time(normal, failing))), "--no-shipped-rules", "--rules",
                     str(ANOMALY_RULES), "-o", "json")
    assert result.exit_code == 0, result.output
    events = json_events(result)
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"]) for i in incidents] == [("new-error-template", "error")]
    assert incidents[0]["first_usec"] == int(failing[0]["__REALTIME_TIMESTAMP"])
    matches = [m for m in of_type(events, "match") if "deadlock detected" in m["message"]]
    assert matches and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in matches)
    normal_lines = [m for m in of_type(events, "match") if "duration: " in m["message"]]
    assert not normal_lines
