"""A unit whose queue or buffer is full says so in its own words, at no level: uWSGI's hang logs
`*** uWSGI listen queue of socket "..." (fd: N) full !!! (101/100) ***` every second while its request log goes
silent (uWSGI core/master_checks.c, uwsgi_log_verbose; helper D9's held-out trial missed it: no level, no failure
word, 3.6x the unit's usual count, under the storm rule's 10x). new-failure-template's words now name a resource
that is full, overflowing or shedding load, in the phrasings programs print (the kernel's `nf_conntrack: table
full, dropping packet`, rsyslog's `action ... queue full`, HAProxy's `queue full`, `ring buffer overflow`)."""

from __future__ import annotations

import pytest
from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies, steady

LINES = [
    '*** uWSGI listen queue of socket "127.0.0.1:8000" (fd: 3) full !!! ({q}/100) ***',
    "nf_conntrack: table full, dropping packet (flow {q})",
    "action 'fwd-{q}' queue full: discarding message",
    "event ring buffer overflow on cpu {q}: events lost",
    "backend api_{q} is overloaded, shedding requests",
]


@pytest.mark.parametrize("line", LINES)
def test_a_resource_that_is_full_in_a_warm_unit_fires_within_seconds(make_journal, line):
    normal = steady("app.service", 0, 3 * HOUR, 5, message="GET /api/items/{n} 200 {ms}ms")
    hang = [entry(line.format(q=101 + n % 3), unit="app.service", at=3 * HOUR + n, priority=6) for n in range(60)]
    incidents = scan_anomalies(make_journal(by_time(normal, hang)))
    assert [i["rule"] for i in incidents] == ["new-failure-template"], incidents
    assert incidents[0]["realtime_usec"] == int(hang[9]["__REALTIME_TIMESTAMP"])  # the tenth line, 9 s in
    said = incidents[0]["why"].rsplit(', saying "', 1)[-1].rstrip('"')  # which of its words it says (F6's finding)
    assert said != incidents[0]["why"] and said.lower() in line.lower(), incidents[0]["why"]


def test_full_in_an_ordinary_new_line_now_and_then_is_no_incident(make_journal):
    normal = steady("app.service", 0, 3 * HOUR, 5, message="GET /api/items/{n} 200 {ms}ms")
    backups = [entry(f"starting full backup of volume vol{n}", unit="app.service", at=3 * HOUR + 600 * n, priority=6)
               for n in range(6)]
    assert scan_anomalies(make_journal(by_time(normal, backups))) == []
