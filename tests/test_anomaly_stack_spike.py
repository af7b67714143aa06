"""template-rate-spike gives one incident per failing unit, not one per template (issue 12, operator trial 3): a
failure that repeats a multi-line report (a Kafka follower's fetch warning, its IOException and a stack frame,
each line a template of its own) makes every one of those templates surge at once. Each had its own burst window,
so the one failure paged once per line of its report (helper B's kafka journal: three incidents in the same
second; a Java trace of thirty frames would page thirty times). Now the first surging template fires and the
others' lines extend its incident. Where the report names its exception (java.io.IOException: ...), that line is
err and the unit's one incident is error-share-jump."""

from __future__ import annotations

import pytest
from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies, steady
from test_runstep import assert_same, incidents

UNIT = "kafka.service"
HEADER = ("[2026-11-28 14:00:00,{n:03d}] WARN [ReplicaFetcher replicaId=1, leaderId=2, fetcherId=0] Error in "
          "response for fetch request (type=FetchRequest, replicaId=1, maxWait=500, epoch={n}) "
          "(kafka.server.ReplicaFetcherThread)")
FRAMES = ("\tat org.apache.kafka.clients.NetworkClientUtils.sendAndReceive(NetworkClientUtils.java:100)",
          "\tat kafka.server.ReplicaFetcherBlockingSend.sendRequest(ReplicaFetcherBlockingSend.scala:108)")
EXCEPTION = "java.io.IOException: Connection to 2 was disconnected before the response was read"


def reports(report: tuple[str, ...], start: float, count: int, every: float) -> list[dict]:
    return [entry(line.format(n=k % 1000), unit=UNIT, at=start + k * every + j * 0.001)
            for k in range(count) for j, line in enumerate(report)]


@pytest.mark.parametrize(("report", "rule"), [
    ((HEADER, *FRAMES), "template-rate-spike"),
    # printStackTrace's first line names the exception: err (engine/crash_levels.py), so the unit's error share
    # jumps too, and the unit's one incident is that error
    ((HEADER, EXCEPTION, FRAMES[0]), "error-share-jump"),
], ids=["warning-and-frames", "with-exception-line"])
def test_templates_surging_together_are_one_incident(make_journal, report: tuple[str, ...], rule: str) -> None:
    """Eight hours of a broker's routine lines and, at 30 min and 1 h, one fetch error (a peer's restart): the
    report's templates are known. Then a peer is lost: the report every second for three minutes."""
    history = by_time(steady(UNIT, 0, 8 * HOUR, 5, "[Log partition=orders-{n}] Rolled new log segment in {ms} ms"),
                      reports(report, 1800, 1, 1), reports(report, HOUR, 1, 1))
    journal = make_journal(by_time(history, reports(report, 8 * HOUR, 180, 1)))
    found = scan_anomalies(journal)
    assert [(i["rule"], i["unit"]) for i in found] == [(rule, UNIT)], found
    assert "within 1m" in found[0]["why"]
    events, _ = assert_same(journal, one_by_one=0.5)  # the counted path decides the same
    assert incidents(events) == [(rule, UNIT)]
