"""first-error-template in quiet units (issue 12, operator trial 3): a unit that logs a few lines an hour (an
hourly timer's oneshot, Prometheus's compaction every two hours) and never an error is clean after a day, not
after 1,000 entries, which it reaches in weeks. Its first failure (once an hour, or once a minute) was below
every rule: new-error-template's warm-up is 200 entries, first-error-template's was 1,000 (helper T's
prometheus journal; helper B's offsite-sync timer). A unit with fewer lines than that, or younger than a day,
stays quiet."""

from __future__ import annotations

import pytest
from conftest import BASE_USEC, entry
from test_anomaly import HOUR, by_time, scan_anomalies

UNIT = "prometheus.service"


def compactions(start: float, end: float, per_run: int = 4) -> list[dict]:
    """go-kit logfmt as Prometheus's TSDB writes it: four info lines every two hours (48 a day)."""
    lines, at = [], start
    while at < end:
        for k, msg in enumerate(("write block", "Head GC completed", "Creating checkpoint",
                                 "WAL checkpoint complete")[:per_run]):
            lines.append(entry(f'ts=2026-11-28T14:00:00.{k}Z caller=compact.go:523 level=info component=tsdb '
                               f'msg="{msg}" duration={int(at) % 97}.2ms', unit=UNIT, at=at + k))
        at += 2 * HOUR
    return lines


def failing(start: float, minutes: int) -> list[dict]:
    """The compaction retried every minute, failing with a full disk."""
    return [entry('ts=2026-11-28T14:00:00.0Z caller=db.go:1014 level=error component=tsdb msg="compaction failed" '
                  'err="compact head: persist head block: preallocate: no space left on device"', unit=UNIT,
                  at=start + 60 * n) for n in range(minutes)]


def test_a_quiet_units_first_error_fires_at_its_line(make_journal) -> None:
    """Three days: 144 lines, none at error level; then the compaction fails every minute."""
    fail = 72 * HOUR + 30
    found = scan_anomalies(make_journal(by_time(compactions(0, 72 * HOUR), failing(fail, 20))))
    assert [(i["rule"], i["realtime_usec"]) for i in found] == [
        ("first-error-template", BASE_USEC + int(fail * 1_000_000))], found
    assert "no line at error level before" in found[0]["why"]


@pytest.mark.parametrize(("hours", "per_run"), [(20, 4), (72, 1)])
def test_not_in_a_unit_younger_than_a_day_or_with_fewer_lines(make_journal, hours: int, per_run: int) -> None:
    """20 h: younger than a day (40 lines). Three days of one line every two hours: 36 lines, fewer than the
    rule's 100."""
    history = compactions(0, hours * HOUR, per_run)
    found = scan_anomalies(make_journal(by_time(history, failing(hours * HOUR + 30, 1))))
    assert found == [], found
