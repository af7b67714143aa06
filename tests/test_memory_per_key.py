"""What one burst window and one rolling count cost (bytes): the service holds up to MAX_WINDOWS (20,000) and
MAX_ROLLING (20,000) of them, so a few hundred bytes more each is megabytes under contrib/logsentry.service's
limit. Before they held a deque each (760 bytes empty): 1,027 bytes a window of one hit and 1,307 a rolling count
of three buckets, measured here; bench/memory.py's stream had 16.2 and 14.3 MiB in those deques (tracemalloc)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

from logsentry.engine.rolling import Rolling
from logsentry.engine.window import BurstTracker
from logsentry.model import Entry, Hit, Severity
from logsentry.rules.rule import parse_rule

KEYS = 5_000


def traced_bytes_each(fill: Callable[[], None]) -> float:
    tracemalloc.start()
    try:
        fill()
        return tracemalloc.get_traced_memory()[0] / KEYS
    finally:
        tracemalloc.stop()


def test_a_burst_window_of_one_hit_costs_under_512_bytes() -> None:
    rule = parse_rule({"id": "r", "title": "t", "severity": "error", "action": "alert",
                       "match": {"message": r"BOOM (?P<ip>\S+)"},
                       "trigger": {"count": 10, "within": "10s", "group_by": "ip"}}, Path("r.toml"))
    hits = [Hit("r", Severity.ERROR, Entry(i * 1000, f"BOOM 10.0.{i}", "a.service", 6, "", {}), {"ip": f"10.0.{i}"},
                f"10.0.{i}") for i in range(KEYS)]  # (made before tracing: the window keeps only the key)
    tracker = BurstTracker([rule])

    def fill() -> None:
        for hit in hits:
            tracker.add(hit)

    assert traced_bytes_each(fill) < 512
    assert len(tracker) == KEYS


def test_a_rolling_count_of_three_buckets_costs_under_900_bytes() -> None:
    counts: dict[tuple[str, str, str], Rolling] = {}

    def fill() -> None:
        for i in range(KEYS):
            rolling = counts[("rule", f"u{i}.service", "")] = Rolling(width=6_000_000)
            for k in range(3):
                rolling.add(1_700_000_000_000_000 + k * 6_000_000)

    assert traced_bytes_each(fill) < 900
    assert all(rolling.total == 3 and len(rolling.buckets) == 3 for rolling in counts.values())
