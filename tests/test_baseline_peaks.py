"""A unit's (and a template's) busiest two minutes bound its rate rules for PEAK_DAYS days of journal time, then
age out (engine/baseline.py, Minutes.days): a blip learnt three weeks ago no longer hides the same surge today,
one learnt two days ago still does. Real journal files, both anomaly paths; the ring is saved in the state
database, and a state saved before it (one peak, never aging) counts that peak as today's."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_USEC, entry
from test_anomaly import HOUR, anomaly_detector, by_time, scan_anomalies, steady
from test_runstep import assert_same

from logsentry.engine.baseline import ERROR_LEVEL, Baselines
from logsentry.engine.minutes import DAY_USEC, PEAK_DAYS, Minutes
from logsentry.model import Entry
from logsentry.state import State

DAY = 24 * HOUR
TODAY = 22
"""The surge's day (days after the journal's first line, at 10:00); the blip is learnt days before it."""


def worker_died(at: float, n: int) -> dict[str, Any]:
    return entry(f"worker {n} died: queue closed", unit="api.service", at=at, priority=ERROR_LEVEL)


def blip_then_surge(blip_day: int) -> list[dict[str, Any]]:
    """api.service's requests (one every two minutes) from day 0 to TODAY, and 30 s of one error a second at
    10:00 on `blip_day` and again on TODAY: the unit's only errors."""
    normal = steady("api.service", 0, TODAY * DAY + 11 * HOUR, 120)
    errors = [worker_died(day * DAY + 10 * HOUR + k, day * 100 + k) for day in (blip_day, TODAY) for k in range(30)]
    return by_time(normal, errors)


def days_of(incidents: list[dict[str, Any]]) -> list[int]:
    return [int((i["realtime_usec"] - BASE_USEC) / 1e6 // DAY) for i in incidents]


@pytest.mark.parametrize(("days_before", "paged_on"), [(20, [TODAY - 20, TODAY]), (2, [TODAY - 2])],
                         ids=["20-days-before", "2-days-before"])
def test_a_blip_learnt_weeks_ago_no_longer_hides_the_same_surge(make_journal, days_before: int,
                                                               paged_on: list[int]):
    """The first blip pages (the unit's first errors ever) and, short, is learnt after it ended: its 30 errors
    are the unit's busiest two minutes. 20 days later that peak has aged out and the same surge pages
    again (before: never, the peak held for good); 2 days later it is the unit's recent normal."""
    journal = make_journal(blip_then_surge(TODAY - days_before))
    incidents = scan_anomalies(journal)
    assert days_of(incidents) == paged_on, [(i["rule"], days_of([i]), i["why"]) for i in incidents]
    if days_before == 20:
        assert incidents[1]["rule"] in ("error-rate-spike", "error-share-jump")
        assert "at most 0 in two minutes usually" in incidents[1]["why"], incidents[1]["why"]
    _, pipeline = assert_same(journal, one_by_one=0.5)  # the counted path ages the same peaks at the same lines
    assert pipeline.anomaly is not None
    [(_, stats)] = pipeline.anomaly.baselines.units.items()
    assert stats.errors >= 30  # the blip was learnt (its busiest two minutes once held all 30)


def test_the_ring_keeps_each_days_peak_for_peak_days_and_stays_small():
    """The peak is the busiest of the last PEAK_DAYS days' (the day it ended in and the days after), whatever
    came before; a day no busier than a later one is not kept."""
    minutes = Minutes()
    peaks = {0: 9, 3: 4, 5: 7, 6: 2, 20: 3}  # day -> lines in one minute of that day
    for day in range(40):
        for k in range(peaks.get(day, 1)):
            minutes.add(day * DAY_USEC + 3_600_000_000 + k)
        minutes.add(day * DAY_USEC + 7_200_000_000)  # two hours on: that minute is folded into the peak
        expected = max(peaks.get(d, 1) for d in range(max(0, day - PEAK_DAYS + 1), day + 1))
        assert minutes.peak == expected, (day, minutes.days)
        assert len(minutes.days) <= 2 * PEAK_DAYS
    assert minutes.days == [39, 1]


def test_an_old_single_peak_becomes_todays_and_the_ring_is_saved(tmp_path: Path):
    """A state saved before peaks aged (peak columns, no ring): its peak counts as today's, so it bounds the
    next PEAK_DAYS days as before and then ages out; the ring goes back to the file and comes back equal."""
    path = tmp_path / "state.db"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE baseline_unit (unit TEXT PRIMARY KEY, first_usec INTEGER NOT NULL, last_usec INTEGER NOT NULL,
            entries INTEGER NOT NULL, errors INTEGER NOT NULL, peak_errors INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE baseline_template (unit TEXT NOT NULL, template_id TEXT NOT NULL, text TEXT NOT NULL,
            count INTEGER NOT NULL, first_usec INTEGER NOT NULL, last_usec INTEGER NOT NULL, level INTEGER,
            example TEXT NOT NULL, unit_age_usec INTEGER NOT NULL, unit_entries INTEGER NOT NULL,
            accepted INTEGER NOT NULL DEFAULT 0, peak INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (unit, template_id));
    """)
    now = time.time_ns() // 1000
    old.execute("INSERT INTO baseline_unit VALUES ('api.service', ?, ?, 5000, 40, 30)", (now - 30 * DAY_USEC, now))
    old.execute("INSERT INTO baseline_template VALUES ('api.service', 'abc', 'worker <NUM> died', 40, ?, ?, 3, "
                "'worker 1 died', 0, 0, 0, 25)", (now - 30 * DAY_USEC, now))
    old.commit()
    old.close()

    state = State(path)
    loaded = Baselines()
    state.load_baselines(loaded)
    today = now // DAY_USEC
    unit, template = loaded.units["api.service"], loaded.templates["api.service"]["abc"]
    assert (unit.error_minutes.peak, unit.error_minutes.days) == (30, [today, 30])
    assert (template.minutes.peak, template.minutes.days) == (25, [today, 25])
    unit.error_minutes.add(now + 60_000_000)
    unit.error_minutes.add(now + 120_000_000)
    loaded.mark_all_changed()
    state.commit({}, [], now, loaded)
    state.close()

    state = State(path)
    again = Baselines()
    state.load_baselines(again)
    state.close()
    assert again.units["api.service"].error_minutes.days == unit.error_minutes.days
    minutes = again.units["api.service"].error_minutes
    minutes.add(now + (PEAK_DAYS - 1) * DAY_USEC)
    assert minutes.peak == 30  # still within its days
    minutes.add(now + PEAK_DAYS * DAY_USEC)
    assert minutes.days == [(now + (PEAK_DAYS - 1) * DAY_USEC) // DAY_USEC, 1]  # aged out: the last line's day


@pytest.mark.parametrize("saved", ["7:3 5:9", "5:9 @60000000:1:2", "5:9 @60000001:1:2:3", "@x"])
def test_a_malformed_saved_ring_is_said_and_its_peak_kept(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                          saved: str):
    path = tmp_path / "state.db"
    state = State(path)
    baselines = Baselines()
    baselines.observe("api.service", "abc", "x", time.time_ns() // 1000, 3, "x")
    state.commit({}, [], 0, baselines)
    state.db.execute("UPDATE baseline_unit SET peak_days = ?, peak_errors = 9", (saved,))
    loaded = Baselines()
    state.load_baselines(loaded)
    state.close()
    assert loaded.units["api.service"].error_minutes.peak == 9
    assert f"{path}: the saved peaks of api.service are malformed" in caplog.text


def test_a_surge_two_weeks_after_the_blip_is_caught_in_the_detector():
    """The same, one entry at a time: a unit's blip of 30 errors, learnt; the same 30 errors 13 days later stay
    quiet, 14 days later (the blip's day has aged out) they fire."""
    for days, fires in ((13, False), (14, True)):
        detector = anomaly_detector()
        at = 0.0
        while at < (days + 1) * DAY:
            detector.observe(Entry(int(at * 1e6), f"GET /a/{int(at)} 200", "api.service", 6, ""))
            if at in (2 * HOUR, days * DAY + 2 * HOUR):
                hits = [hit for k in range(30)
                        for hit in detector.observe(Entry(int((at + 1 + k) * 1e6), f"worker {k} died: queue closed",
                                                          "api.service", 3, ""))]
                if at > DAY:
                    assert bool(hits) == fires, (days, [hit.why for hit in hits])
            at += 300


def test_a_once_busy_template_can_spike_again_on_both_paths(make_journal):
    """A known info line (a cache refresh an hour) comes 100 times in 50 s on day 1, pages, and is learnt: its
    busiest two minutes hold 100. Before, the template could never spike again; now its burst 15 days later
    pages again. The counted path (engine/runstep.py) reckoned that burst's budget on the old peak: it must
    not learn it counted when the peak ages out among its lines."""
    normal = steady("cache.service", 0, 16 * DAY, 60, "GET /k/{n} 200 {ms}ms")
    refresh = steady("cache.service", 0, 16 * DAY, HOUR, "refreshed {n} keys from upstream", seed=2)
    bursts = [entry(f"refreshed {k} keys from upstream", unit="cache.service", at=day * DAY + 10 * HOUR + k / 2)
              for day in (1, 16) for k in range(100)]
    journal = make_journal(by_time(normal, refresh, bursts))
    incidents = scan_anomalies(journal)
    assert [(i["rule"], d) for i, d in zip(incidents, days_of(incidents), strict=True)] == [
        ("template-rate-spike", 1), ("template-rate-spike", 16)], [i["why"] for i in incidents]
    assert_same(journal, one_by_one=0.5)


def test_an_old_single_peak_is_its_last_sightings_days_at_every_start(tmp_path: Path):
    """An old row's peak is dated by its last sighting (journal time), not by the wall clock: the same day at
    every start (the wall clock's day moved it on at each restart, so it never aged), and a backlog of the days
    after that sighting keeps the ring's days rising (helper R: a falling ring was refused at the next start)."""
    path = tmp_path / "state.db"
    state = State(path)
    baselines = Baselines()
    seen = time.time_ns() // 1000 - 3 * DAY_USEC
    baselines.observe("api.service", "abc", "x", seen, 3, "x")
    state.commit({}, [], 0, baselines)
    state.db.execute("UPDATE baseline_unit SET peak_days = '', peak_errors = 9")
    state.db.commit()
    days = []
    for _ in range(2):
        loaded = Baselines()
        state.load_baselines(loaded)
        days.append(loaded.units["api.service"].error_minutes.days)
    assert days == [[seen // DAY_USEC, 9]] * 2
    minutes = loaded.units["api.service"].error_minutes
    for k in range(40):  # a backlog read after it, a step back in journal time among it
        minutes.add(seen + DAY_USEC + k * 60_000_000 - (2 * DAY_USEC if k == 20 else 0))
    assert Minutes.restored(minutes.peak, minutes.saved(), 0).days == minutes.days
    state.close()


def test_the_minutes_before_a_stop_count_in_the_peak_after_it():
    """A restart starts the current minutes again empty: what the last three held must go into the saved ring
    (helper D found a blip just before a restart no longer bounded the same lines after it: the restored
    peak was one line, where reading straight through gives the blip's 60)."""
    straight = Minutes()
    for k in range(60):
        straight.add(DAY_USEC + k * 1_500_000)  # 60 lines over 90 s
    saved = straight.saved()
    restarted = Minutes.restored(straight.peak, saved, DAY_USEC // DAY_USEC)
    assert straight.saved() == saved and straight.peak == 0  # saving changes nothing of the live counts
    hour_later = DAY_USEC + 3_600_000_000
    straight.add(hour_later)
    restarted.add(hour_later)
    assert restarted.peak == straight.peak == 60
