"""A web server that logs only its requests (nginx's combined log to stdout: journald stores every line at PRIORITY
6) starts answering 502 to most of them. Its error log says nothing (its upstream simply refuses, or the proxy
logs elsewhere): before access lines had a level (engine/access_levels.py) no rule saw anything, since templates
mask the status. Real journal files (systemd-journal-remote), the shipped rules as `scan` runs them.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from conftest import entry, json_events, of_type, run_cli

HOUR = 3600.0


def access(rng: random.Random, at: float, status: int) -> dict[str, Any]:
    stamp = "05/Dec/2026:10:00:00 +0000"  # (the journal's time counts, not the line's)
    path = rng.choice(("/", "/api/items", f"/api/items/{rng.randint(1, 9999)}", "/static/app.js", "/login"))
    return entry(f'10.0.{rng.randint(0, 9)}.{rng.randint(1, 254)} - - [{stamp}] "GET {path} HTTP/1.1" {status} '
                 f'{rng.randint(0, 90000)} "-" "Mozilla/5.0 (X11; Linux x86_64)"', unit="nginx.service", at=at,
                 SYSLOG_IDENTIFIER="nginx", _COMM="nginx")


def day_then_storm(storm: bool) -> list[dict[str, Any]]:
    """26 h of traffic, a request every 2 s, 0.3 % of them 5xx, then 10 minutes where most are 502 (or not): a
    storm starts at 26 h."""
    rng = random.Random(12)
    lines, at = [], 0.0
    while at < 26 * HOUR:
        lines.append(access(rng, at, rng.choice((500, 502, 503)) if rng.random() < 0.003 else
                            rng.choice((200, 200, 200, 304, 404))))
        at += rng.uniform(1.0, 3.0)
    end = at + 600
    while at < end:
        lines.append(access(rng, at, 502 if storm and rng.random() < 0.7 else 200))
        at += rng.uniform(1.0, 3.0)
    return lines


def incidents(journal: Path) -> list[dict[str, Any]]:
    result = run_cli("scan", "--file", str(journal), "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


def test_a_502_storm_in_an_access_log_alone_is_an_incident(make_journal: Any) -> None:
    """Caught by the error-share rule within a minute of the storm's start, nothing before it (without access
    levels, commit e433625's parent, the same journal gave no incident at all)."""
    found = incidents(make_journal(day_then_storm(True)))
    assert [event["rule"] for event in found] == ["error-share-jump"], found
    storm_usec = entry("", at=26 * HOUR)["__REALTIME_TIMESTAMP"]
    assert found[0]["unit"] == "nginx.service"
    assert storm_usec <= found[0]["first_usec"] <= storm_usec + 60_000_000, found[0]
    assert "binomial" in found[0]["why"]


def test_its_normal_day_with_the_odd_5xx_is_quiet(make_journal: Any) -> None:
    assert incidents(make_journal(day_then_storm(False))) == []


def test_a_pasted_half_hour_whose_backend_failed_for_four_minutes_is_an_incident(tmp_path: Path) -> None:
    """An operator pastes the half hour around an outage (nginx's combined log as a file): ~100 requests a minute,
    the odd 500, then for 4 minutes most API requests get 502/503/504, ~30 a minute: below error-burst's 50, and
    an hour's warm-up left the share rule judging nothing (helper-163's trial: "0 incidents"). Ten minutes of the
    paste are the unit's normal now; the half hour without the surge stays quiet."""
    def paste(surge: bool) -> Path:
        rng = random.Random(7)
        lines = []
        for n in range(3000):
            at = 1764928800 + n * 0.6  # 2025-12-05 10:00:00 UTC
            status = rng.choice((200, 200, 200, 304, 404)) if rng.random() > 0.002 else 500
            if surge and 14 * 60 <= n * 0.6 < 18 * 60 and rng.random() < 0.35:
                status = rng.choice((502, 503, 504))
            stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(at))
            lines.append(f'203.0.113.{rng.randint(1, 254)} - - [{stamp}] "GET /api/items/{rng.randint(1, 999)} '
                         f'HTTP/1.1" {status} {rng.randint(0, 9000)} "-" "Mozilla/5.0 (X11; Linux x86_64)"')
        path = tmp_path / f"access-{surge}.log"
        path.write_text("\n".join(lines) + "\n")
        return path

    found = incidents(paste(True))
    assert [event["rule"] for event in found] == ["error-share-jump"], found
    assert 1764928800 + 14 * 60 <= found[0]["first_usec"] / 1e6 <= 1764928800 + 15 * 60, found[0]
    assert incidents(paste(False)) == []
