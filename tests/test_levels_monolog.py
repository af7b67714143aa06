"""Monolog's LineFormatter level, `[datetime] channel.LEVEL: message` (Laravel, Symfony, Magento), read where Monolog
writes it (engine/format_levels.py, sources/format_levels.h; its corpus in tests/test_levels_formats.py).

Found by helper-140's trial 3: a Laravel app whose database went away logs `[...] production.ERROR: SQLSTATE[HY000]
[2002] Connection refused ...` for every request (alexjustesen/speedtest-tracker#1065, "stops working after a
week"), and with LOG_CHANNEL=stderr under systemd journald stores it at PRIORITY 6. No step of the level grammar
read the level behind the channel's dot, so those lines were info: the failure was only a new-failure-template
warning, by its words. Real journal files built with systemd-journal-remote, the shipped anomaly rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conftest import BASE_USEC, entry
from test_anomaly import HOUR, by_time
from test_levels_formats import ERR, INFO, scan

from logsentry.engine.levels import text_level

UNIT = "laravel-octane.service"
REFUSED = ("SQLSTATE[HY000] [2002] Connection refused (Connection: mysql, SQL: select * from `sessions` where `id` = "
           "WT19HvuZ137oyMU6ykIPiQuIn3FJHkHJPrAsZR85 limit 1)")  # alexjustesen/speedtest-tracker#1065


def _laravel(at: float, level: str, text: str) -> dict[str, Any]:
    """A line of Monolog's LineFormatter on stderr, as Laravel's `stderr` channel writes it (date Y-m-d H:i:s)."""
    stamp = datetime.fromtimestamp(BASE_USEC / 1e6 + at, UTC)
    return entry(f"[{stamp:%Y-%m-%d %H:%M:%S}] production.{level}: {text}", unit=UNIT, at=at, priority=6,
                 SYSLOG_IDENTIFIER="php")


def test_a_laravel_app_failing_every_request_is_an_error_level_anomaly(make_journal: Callable[..., Path]) -> None:
    normal = [_laravel(n * 30.0, "INFO", f"Speedtest completed id={1000 + n} ping={12 + n % 9}ms")
              for n in range(int(3 * HOUR / 30))]
    failing = [_laravel(3 * HOUR + n * 4.0, "ERROR", REFUSED) for n in range(10)]
    events = scan(make_journal(by_time(normal, failing)))
    incidents = [e for e in events if e["type"] == "incident"]
    assert [(i["rule"], i["severity"], i["realtime_usec"]) for i in incidents] == [
        ("new-error-template", "error", int(failing[2]["__REALTIME_TIMESTAMP"]))]
    matches = [m for m in events if m["type"] == "match" and "SQLSTATE" in m["message"]]
    assert matches and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in matches)
    assert text_level(str(normal[0]["MESSAGE"])) == INFO
