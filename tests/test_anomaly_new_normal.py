"""A template that appeared with an anomaly stays new while the anomaly goes on (an outage longer than
`novel_for` is one incident), but a day at most (novelty.GOING_ON_USEC): a benign line new since a deploy and
logged every two minutes ever after must not keep its unit anomalous for good, its incident open and a later
real failure unpaged (helper T's kubelet trial: 3.6 days, a containerd outage swallowed)."""

from __future__ import annotations

from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies, steady

UNIT = "kubelet.service"


def test_a_steady_new_line_becomes_normal_after_a_day_and_a_later_failure_pages(make_journal):
    benign = [entry(f"failed to get imageFs info: unable to find data in memory cache (attempt {n})", unit=UNIT,
                    at=2 * HOUR + 120 * n, priority=3) for n in range(int(40 * HOUR / 120))]
    outage = [entry(f"container runtime is down: rpc error: code = Unavailable desc = connection error {n}",
                    unit=UNIT, at=34 * HOUR + n, priority=3) for n in range(30)]
    found = scan_anomalies(make_journal(by_time(steady(UNIT, 0, 42 * HOUR, 30), benign, outage)))
    pages = [(i["rule"], round((i["first_usec"] - int(benign[0]["__REALTIME_TIMESTAMP"])) / 3.6e9, 1))
             for i in found]
    assert [rule for rule, _ in pages] == ["new-error-template", "new-error-template"], pages
    assert pages[1][1] >= 31.9, pages  # the outage, 32 h after the benign line first came
