"""Two signature failures on one nginx keep their own lines (R4's trial, 2026-12-02): upstream refused for 4 h
(nginx-upstream-refused), and 3 h in the disk fills up (disk-full). A signature hit has no template, so
FailureGroups._evidence_of falls back to "the latest failure within SPAN_USEC": an upstream-refused line 5 s after
the disk's first went into the disk-full failure's chain. Real journal files (systemd-journal-remote), every shipped
rule. Failed before FailureGroups._evidence_of took the one failure a signature rule is already in."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import HOUR, by_time, steady

UNIT = "nginx.service"
FAIL = 30 * HOUR
DISK = FAIL + 3 * HOUR


def lines() -> list[dict]:
    normal = steady(UNIT, 0, FAIL, 10, '10.0.0.{ms} - - "GET /products/{n} HTTP/1.1" 200 512')
    up = [entry(f'2026/01/02 06:00:00 [error] 812#812: *{1000 + k} connect() failed (111: Connection refused) while '
                f'connecting to upstream, client: 10.0.0.9, server: shop, request: "GET / HTTP/1.1", upstream: '
                f'"http://127.0.0.1:8000/", host: "shop"', unit=UNIT, at=FAIL + 5 * k, priority=3)
          for k in range(4 * 720)]
    disk = [entry(f'2026/01/02 09:00:00 [crit] 812#812: *{90000 + k} pwrite() "/var/cache/nginx/client_temp/{k:010d}" '
                  f'failed (28: No space left on device)', unit=UNIT, at=DISK + 2.5 + 5 * k, priority=2)
            for k in range(720)]
    return by_time(normal, up, disk)


def test_each_signature_failure_carries_its_own_lines(make_journal):
    result = run_cli("scan", "--file", str(make_journal(lines())), "-o", "json")
    assert result.exit_code == 0, result.output
    disk = next(e for e in of_type(json_events(result), "incident_end") if e["rule"] == "disk-full")
    assert all("No space left" in link["message"] for link in disk["chain"]), \
        [(link["rule"], link["message"][:60]) for link in disk["chain"] if "No space left" not in link["message"]]
