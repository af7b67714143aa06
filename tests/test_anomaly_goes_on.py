"""A new error line that keeps coming is one failure going on, one page, open until the line stops (helper D8's
held-out trial, 2026-12-01: traefik's docker provider retry loop logged the same ERR line every ~15 s for 45 min;
first-error-template paged its first line, hit no other (it is about a new template), so its incident ended
10 min later, resolved while the loop went on, and error-share-sustained paged the same failure again). Real
journal files (systemd-journal-remote), every anomaly rule and nothing else."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, scan_anomalies, steady
from test_anomaly_sustained import journal_usec

UNIT = "traefik.service"
FAIL = 30 * HOUR
RETRY = ("{t}Z ERR github.com/traefik/traefik/v3/pkg/provider/docker/pdocker.go:85 > Failed to retrieve "
         "information of the docker client and server host error=\"error during connect: dial tcp: lookup "
         "socket-proxy on 127.0.0.53:53: no such host\" providerName=docker")


def retries(minutes: int) -> list[dict]:
    return [entry(RETRY.format(t=f"2026-11-27T12:{k // 4:02d}:{k % 4 * 15:02d}"), unit=UNIT, at=FAIL + 15 * k)
            for k in range(minutes * 4)]


def test_a_new_error_line_repeating_for_45_minutes_is_one_page_open_until_it_stops(make_journal):
    normal = steady(UNIT, 0, FAIL + 2 * HOUR, 20, "GET /api/routers/{n} 200 {ms}ms")
    incidents = [i for i in scan_anomalies(make_journal(by_time(normal, retries(45)))) if i["unit"] == UNIT]
    assert len(incidents) == 1, [(i["rule"], (i["first_usec"] - journal_usec(FAIL)) / 1e6) for i in incidents]
    assert incidents[0]["first_usec"] == journal_usec(FAIL)


def test_it_ends_once_the_line_stops(make_journal):
    normal = steady(UNIT, 0, FAIL + 2 * HOUR, 20, "GET /api/routers/{n} 200 {ms}ms")
    journal = make_journal(by_time(normal, retries(45)))
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                     "-o", "json")
    [ended] = [e for e in of_type(json_events(result), "incident_end") if e["unit"] == UNIT]
    assert ended["last_usec"] == journal_usec(FAIL + 15 * (45 * 4 - 1))  # its last line, not its first hit
    assert not ended["open"]


SQL_DOWN = "{t} auth-worker({pid}): Error: sql(alice@example.org): Connect to database failed: Connection refused"
SQL_TIMEOUT = "{t} auth-worker({pid}): Error: sql: Query timed out after {s} secs (user lookup for u{n}@example.org)"


def test_a_failure_that_goes_on_in_other_new_error_lines_is_one_page(make_journal):
    """The failure goes on in other words (helper D11's trial: Dovecot's SQL auth backend down logged 'Connect to
    database failed' for 8 min, then query time-outs for 40 min): each new error template of the unit that appeared
    since the incident began keeps it going, not only its own; it was paged again 11 min in."""
    unit = "dovecot.service"
    normal = steady(unit, 0, FAIL + 2 * HOUR, 20, "imap(u{n}@example.org)<{ms}>: Logged out in=120 out=3400")
    down = [entry(SQL_DOWN.format(t=f"Dec 02 01:{k // 6:02d}:{k % 6 * 10:02d}", pid=4000 + k), unit=unit,
                  at=FAIL + 10 * k, priority=6) for k in range(48)]  # 8 minutes
    slow = [entry(SQL_TIMEOUT.format(t=f"Dec 02 01:{8 + k // 4:02d}:{k % 4 * 15:02d}", pid=5000 + k, s=30, n=k),
                  unit=unit, at=FAIL + 480 + 15 * k, priority=6) for k in range(160)]  # 40 minutes after
    incidents = [i for i in scan_anomalies(make_journal(by_time(normal, down, slow))) if i["unit"] == unit]
    assert len(incidents) == 1, [(i["rule"], (i["first_usec"] - journal_usec(FAIL)) / 1e6) for i in incidents]
    assert incidents[0]["first_usec"] == journal_usec(FAIL)
