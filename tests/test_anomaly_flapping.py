"""A failure that pauses between bursts is one incident, one page: the minute-bar anomaly rules keep firing for 15
minutes after their last line past the bar (`[trigger] keep_firing_for`, Prometheus's word).

The kind of fault: loghub's ZooKeeper log (a quorum peer dropping its learners, "Unexpected exception causing
shutdown while sock still open", in bursts a minute or a few apart over 20 minutes) made 6 incidents, one page
each. Here a unit with a known, rare error template logs it in bursts 70 s to 5 min apart: error-share-jump's
bar is crossed in each burst. Real journal files (systemd-journal-remote), the shipped anomaly rules.
"""

from __future__ import annotations

from typing import Any

from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, scan_anomalies, steady

from logsentry.engine.baseline import ERROR_LEVEL


def _refused(at: float, n: int) -> dict[str, Any]:
    return entry(f"ERROR [LearnerHandler-/10.10.34.{n % 40}:{52000 + n}] - Unexpected exception causing shutdown "
                 "while sock still open", unit="quorum.service", at=at, priority=ERROR_LEVEL)


def _journal(make_journal: Any, bursts: list[float]) -> Any:
    """Six hours of traffic with the error now and then (so its template is known), then a burst of 8 errors
    within 16 s at each offset (seconds after the six hours)."""
    start = 6 * HOUR
    normal = steady("quorum.service", 0, start + 40 * 60, 5, "INFO Accepted socket connection from /10.10.34.{n}")
    rare = [_refused(hour * HOUR + 1800, hour) for hour in range(6)]
    failing = [_refused(start + offset + 2 * k, 1000 + int(offset) + k) for offset in bursts for k in range(8)]
    return make_journal(by_time(normal, rare, failing))


def test_bursts_minutes_apart_are_one_incident(make_journal: Any) -> None:
    journal = _journal(make_journal, [0, 70, 140, 300, 600])
    incidents = scan_anomalies(journal)
    shares = [i for i in incidents if i["rule"] == "error-share-jump"]
    assert len(shares) == 1, [(i["rule"], i["first_usec"], i["why"]) for i in incidents]
    assert len(incidents) == 1  # no other rule pages the same failure again
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "-o", "json")
    ended = of_type(json_events(result), "incident_end")
    assert len(ended) == 1 and ended[0]["last_usec"] >= BASE_USEC + int((6 * HOUR + 600) * 1e6)  # the last burst's
