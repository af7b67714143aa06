"""A peer that stops answering, told in the protocol's own words at info level: strongSwan's charon logs every IKE
retransmission and the giving up at LOG_INFO (charon-systemd maps its level 1 to LOG_INFO), so a site-to-site
tunnel whose peer is gone logs `retransmit N of request with message ID N` five times in 165 s, then `giving up
after 5 retransmits` and `peer not responding, trying again (N/0)`, and starts over (src/libcharon/sa/ikev2/
task_manager_v2.c, sa/ike_sa.c). Helper D12's held-out trial: missed by every rule (one failure word, "not
responding", 4 lines in 10 min). new-failure-template's words now say that the other side does not answer as
protocols say it, "retransmit(s/ting/ssion)" beside "retrying", and "giving up"/"gave up"; it fires at the tenth
such line within ten minutes, as before."""

from __future__ import annotations

from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies, steady

RETRANSMITS = (4.0, 7.2, 12.96, 23.33, 41.99)  # charon's retransmit_timeout 4 s, base 1.8, 5 tries


def ike_loop(start: float, cycles: int) -> list[dict]:
    """charon's lines for a peer that does not answer: DPD, five retransmits, give up, initiate again."""
    lines, at, mid = [], start, 180
    for cycle in range(cycles):
        for k, wait in enumerate(RETRANSMITS):
            at += wait
            lines.append(entry(f"retransmit {k + 1} of request with message ID {mid}", unit="strongswan.service",
                               at=at, priority=6))
            lines.append(entry(f"sending packet: from 198.51.100.2[500] to 203.0.113.9[500] ({464 + cycle} bytes)",
                               unit="strongswan.service", at=at, priority=6))
        at += 75.6
        lines.append(entry("giving up after 5 retransmits", unit="strongswan.service", at=at, priority=6))
        lines.append(entry(f"peer not responding, trying again ({cycle + 2}/0)", unit="strongswan.service", at=at,
                           priority=6))
        lines.append(entry(f"initiating IKE_SA site-b[{20 + cycle}] to 203.0.113.9", unit="strongswan.service",
                           at=at + 0.01, priority=5))
        mid = 0
    return lines


def worded(lines: list[dict]) -> list[dict]:
    return [line for line in lines if str(line["MESSAGE"]).startswith(("retransmit", "giving up", "peer not"))]


def test_a_peer_that_stops_answering_fires_at_the_tenth_retransmit_or_give_up(make_journal):
    normal = steady("strongswan.service", 0, 3 * HOUR, 30,
                    message="CHILD_SA site-b{{{n}}} established with SPIs c1a2b3c4_i c5d6e7f8_o and TS 10.1.0.0/16 "
                            "=== 10.3.0.0/16")
    loop = ike_loop(3 * HOUR, 6)
    incidents = scan_anomalies(make_journal(by_time(normal, loop)))
    assert [i["rule"] for i in incidents] == ["new-failure-template"], incidents
    assert incidents[0]["realtime_usec"] == int(worded(loop)[9]["__REALTIME_TIMESTAMP"])  # about 3.5 min in


def test_giving_up_in_a_loop_fires(make_journal):
    normal = steady("app.service", 0, 3 * HOUR, 5)
    loop = [entry(f"upstream {n % 3}: giving up after 3 attempts", unit="app.service", at=3 * HOUR + 30 * n,
                  priority=6) for n in range(20)]
    incidents = scan_anomalies(make_journal(by_time(normal, loop)))
    assert [i["rule"] for i in incidents] == ["new-failure-template"], incidents
    assert incidents[0]["realtime_usec"] == int(loop[9]["__REALTIME_TIMESTAMP"])


def test_a_retransmit_now_and_then_is_no_incident(make_journal):
    normal = steady("strongswan.service", 0, 3 * HOUR, 30, message="CHILD_SA site-a{{{n}}} rekeyed")
    lone = [entry(f"retransmit 1 of request with message ID {n}", unit="strongswan.service", at=3 * HOUR + 300 * n,
                  priority=6) for n in range(8)]
    assert scan_anomalies(make_journal(by_time(normal, lone))) == []
