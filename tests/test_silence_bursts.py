"""unit-went-silent does not cry wolf on units that work in bursts (helper C's operator trial: a daemon that works
seven minutes a night paged every night), and still catches a steady unit that hangs after a realistic history.

Journals are real .journal files (systemd-journal-remote) scanned by the CLI, as in test_silence.py.
"""

from __future__ import annotations

import random

from conftest import BASE_USEC, entry
from test_silence import DAY, SEC, scan, silences, steady


def nightly(unit: str, nights: range, lines: int, every: float, rng: random.Random, at_hour: float = 2) -> list[dict]:
    """`lines` lines about `every` s apart at `at_hour` o'clock each night, then nothing until the next night."""
    out = []
    for night in nights:
        start = night * DAY + at_hour * 3600 + rng.randint(0, 60)
        out.append(entry("queue has jobs, starting", unit=unit, at=start))
        out += [entry(f"job {rng.randrange(10**6)} synced ({rng.randint(1, 64)} MiB)", unit=unit,
                      at=start + (k + 1) * every + rng.uniform(-every / 4, every / 4)) for k in range(lines)]
        out.append(entry("queue empty, sleeping until next schedule", unit=unit, at=start + (lines + 2) * every))
    return out


def by_time(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda record: record["__REALTIME_TIMESTAMP"])


def test_a_daemon_that_works_minutes_a_night_is_never_silent(make_journal):
    rng = random.Random(7)
    # helper C's nightly_daemon: 200 lines 2 s apart at 02:00, 3.6 days; a steady neighbour keeps time going
    records = [*nightly("nightly-sync.service", range(4), 200, 2.0, rng),
               *steady("api.service", 20.0, until=3.6 * DAY, message="GET /healthz 200")]
    assert not silences(scan(make_journal(by_time(records))))  # it fired every night (3 of 3)


def test_a_big_burst_whose_nights_are_a_tiny_share_of_its_gaps_is_never_silent(make_journal):
    # 12,000 lines in ten minutes a night: its one long gap a night is under the 0.1 % of gaps the variation
    # leaves out, so the gaps look like a clock; the time it spends quiet (96 %) says it is not
    rng = random.Random(8)
    records = [*nightly("indexer.service", range(4), 12_000, 0.05, rng),
               *steady("api.service", 20.0, until=3.6 * DAY, message="GET /healthz 200")]
    assert not silences(scan(make_journal(by_time(records))))


def test_an_hourly_timer_job_without_systemds_lines_stays_quiet(make_journal):
    # a job started each hour that logs a line a second for 80 s; no PID 1 lines say it finished (a wrapper
    # process, or systemd's lines not forwarded), so only its rhythm tells
    rng = random.Random(9)
    records = []
    for hour in range(60):
        start = hour * 3600 + rng.randint(0, 30)
        records += [entry(f"rotated {name}.log", unit="rotate.service", at=start + k + rng.uniform(0, 0.2))
                    for k, name in enumerate(f"app{n}" for n in range(80))]
    records += steady("api.service", 20.0, until=60 * 3600, message="GET /healthz 200")
    assert not silences(scan(make_journal(by_time(records))))


def test_a_steady_unit_that_hangs_after_days_of_history_is_caught_at_its_threshold(make_journal):
    rng = random.Random(10)
    hang = 3 * DAY + 5 * 3600  # a 2 s heartbeat beside the nightly daemon for three days, then nothing
    records = [*steady("beat.service", 2.0, until=hang), *nightly("nightly-sync.service", range(4), 200, 2.0, rng),
               *steady("api.service", 20.0, until=3.6 * DAY, message="GET /healthz 200")]
    [incident] = silences(scan(make_journal(by_time(records))))
    last = BASE_USEC + int((hang - 2.0) * SEC)
    assert incident["unit"] == "beat.service" and incident["first_usec"] == last
    threshold = incident["within_usec"]
    assert 5 * SEC <= threshold <= 3 * 1.19 * 2 * SEC + SEC, threshold  # 3 x its 2 s gap (bins of 19 %)
    assert incident["realtime_usec"] == last + threshold + 1


def test_a_unit_that_becomes_a_nightly_worker_pages_twice_then_learns_its_habit(make_journal):
    # a heartbeat for two days (trusted), then a nightly worker: its first two silences page, each ended by the
    # unit itself; the second makes both its habit (learnt), and the nights after are quiet (it paged every night)
    rng = random.Random(11)
    records = [*steady("worker.service", 5.0, until=2 * DAY), *nightly("worker.service", range(2, 7), 200, 2.0, rng),
               *steady("api.service", 20.0, until=7 * DAY, message="GET /healthz 200")]
    fired = silences(scan(make_journal(by_time(records))))
    assert [event["unit"] for event in fired] == ["worker.service"] * 2, fired
    assert fired[0]["first_usec"] == BASE_USEC + (2 * DAY - 5) * SEC  # the heartbeat's end
    assert fired[1]["first_usec"] > BASE_USEC + (2 * DAY + 2 * 3600) * SEC  # the first night's end
    assert fired[1]["first_usec"] < BASE_USEC + 3 * DAY * SEC
