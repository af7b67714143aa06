"""A short anomaly that ended by itself is learnt after it (engine/held.py), so a blip that recurs every day
pages once; a long outage, or one still going on, is never learnt. Real journal files, both anomaly paths."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import BASE_USEC, entry
from test_anomaly import HOUR, anomaly_detector, by_time, scan_anomalies, steady
from test_runstep import assert_same

from logsentry.engine.baseline import ERROR_LEVEL
from logsentry.engine.held import MAX_HELD_MINUTES, MAX_HELD_TEMPLATES, MAX_HELD_UNITS, SHORT_USEC
from logsentry.model import Entry

DAY = 24 * HOUR
DAYS = 4
DEPLOY = 16 * HOUR
"""The blip's (or outage's) time of day: 16:00, as helper C's busy web app deploys."""


def refused(unit: str, at: float, n: int) -> dict[str, Any]:
    return entry(f"2026/01/01 16:00:{n % 60:02} [error] 43#43: *{n} connect() failed (111: Connection refused) "
                 f"while connecting to upstream, client: 192.0.2.{n % 250}, server: shop", unit=unit, at=at,
                 priority=ERROR_LEVEL)


def daily(unit: str, seconds: float, seed: int = 3) -> list[dict[str, Any]]:
    """A unit's normal traffic over DAYS days (a request every 5 s) and, each day at DEPLOY, `seconds` of
    upstream errors, about one a second (the blip's size varies a little from day to day)."""
    rng = random.Random(seed)
    errors = []
    for day in range(DAYS):
        at = day * DAY + DEPLOY
        for k in range(int(seconds) + rng.randint(-2, 2)):
            errors.append(refused(unit, at, day * 100_000 + k))
            at += rng.uniform(0.9, 1.1)
    return by_time(steady(unit, 0, DAYS * DAY, 5, "GET /shop/{n} 200 {ms}ms"), errors)


def days_of(incidents: list[dict[str, Any]]) -> list[int]:
    return [int((i["realtime_usec"] - BASE_USEC) / 1e6 // DAY) for i in incidents]


def test_a_daily_blip_pages_on_its_first_day_only(make_journal):
    """A deploy's 20 s of 502s every day at 16:00: day 1 pages (the unit never erred before); days 2-4 it is
    the unit's normal (each day paged an error-share-jump before: the blip was never learnt)."""
    incidents = scan_anomalies(make_journal(daily("nginx.service", 20)))
    assert days_of(incidents) == [0], [(i["rule"], days_of([i]), i["why"]) for i in incidents]
    assert incidents[0]["rule"] == "new-error-template"


@pytest.mark.parametrize("screened", [True, False])
def test_a_blip_is_learnt_on_both_paths_alike(make_journal, screened: bool):
    """The counted path (engine/runstep.py) learns the held lines at the same point as observing each (before
    any later line of the unit, counted or not): the same events and baselines, and the blips' errors are in
    them (the busiest minute holds a blip). Entries in full (`screened` False) are counted one at a time, so
    the first line after a blip is counted, not observed."""
    _, pipeline = assert_same(make_journal(daily("nginx.service", 20)), one_by_one=0.2, screened=screened)
    assert pipeline.anomaly is not None
    [(_, stats)] = pipeline.anomaly.baselines.units.items()
    assert stats.errors >= DAYS * 17 and stats.error_minutes.peak >= 17, (stats.errors, stats.error_minutes.peak)


def test_an_hour_long_outage_is_never_learnt(make_journal):
    """An hour of errors every day at 16:00: it fires every day, and its errors never enter the baseline
    (on both paths alike)."""
    journal = make_journal(daily("api.service", HOUR, seed=4))
    incidents = scan_anomalies(journal)
    assert sorted(set(days_of(incidents))) == list(range(DAYS)), [(i["rule"], days_of([i])) for i in incidents]
    _, pipeline = assert_same(journal, one_by_one=0.45)  # each outage's unit stays anomalous, its lines one by
    # one, for error-share-sustained's 30 minutes after its last hit
    assert pipeline.anomaly is not None
    [(_, stats)] = pipeline.anomaly.baselines.units.items()
    # Only each day's errors before its first hit (as many as a rule needs to fire) are learnt, of 3,600 a day;
    # learnt, the outage's two minutes would hold 120.
    assert stats.errors < 100 and stats.error_minutes.peak < 30, (stats.errors, stats.error_minutes.peak)


def blip(detector: Any, start: float, seconds: int, unit: str = "api.service") -> None:
    for k in range(seconds):
        detector.observe(Entry(int((start + k) * 1e6), f"worker {k} died: queue closed", unit, 3, ""))


def warm(detector: Any, unit: str = "api.service", every: float = 5) -> float:
    """Two hours of the unit's normal (the rules' warm-up is an hour and 200 entries)."""
    at = 0.0
    while at < 2 * HOUR:
        detector.observe(Entry(int(at * 1e6), f"GET /a/{int(at)} 200", unit, 6, ""))
        at += every
    return at


def test_a_blip_still_going_on_is_not_learnt_until_it_ended():
    """The blip's lines are learnt only once a line of the unit comes after its anomaly ended (its last hit
    plus the rule's window): not while it goes on, nor at the end of the input."""
    detector = anomaly_detector()
    at = warm(detector)
    blip(detector, at, 30)
    units = detector.baselines.units
    assert units["api.service"].errors == 1  # the first, before the unit was anomalous
    detector.observe(Entry(int((at + 60) * 1e6), "GET /b 200", "api.service", 6, ""))  # still anomalous
    assert units["api.service"].errors == 1
    detector.observe(Entry(int((at + 30 + 11 * 60) * 1e6), "GET /c 200", "api.service", 6, ""))  # ended
    assert units["api.service"].errors == 30 and units["api.service"].error_minutes.peak == 0
    assert not detector.observe(Entry(int((at + 2 * HOUR) * 1e6), "worker 1 died: queue closed", "api.service", 3,
                                      ""))  # no longer new, and one error is no jump
    assert units["api.service"].error_minutes.peak == 30  # its busiest minutes, once they are past


def test_an_anomaly_whose_hits_span_more_than_the_bound_is_not_learnt():
    """Errors now and then for longer than SHORT_USEC, each keeping the unit anomalous: never learnt."""
    detector = anomaly_detector()
    at = warm(detector)
    span = SHORT_USEC / 1e6 + 120
    k = 0
    while k * 20 < span:
        blip(detector, at + k * 20, 1)
        k += 1
    detector.observe(Entry(int((at + span + HOUR) * 1e6), "GET /c 200", "api.service", 6, ""))
    assert detector.baselines.units["api.service"].errors == 1


def test_what_is_held_stays_bounded():
    """Many units anomalous at once, with ever new templates over many minutes: at most MAX_HELD_UNITS units
    hold lines, each within its bounds (a unit past them is not learnt from its anomaly)."""
    detector = anomaly_detector()
    units = [f"u{n}.service" for n in range(2 * MAX_HELD_UNITS)]
    for unit in units:
        warm(detector, unit, every=20)
    at = 2 * HOUR
    for unit in units:
        blip(detector, at, 3, unit)
    rng = random.Random(1)
    for k in range(400):  # lines of ever new templates
        words = " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(4))
        for unit in units[:3]:
            detector.observe(Entry(int((at + 3 + k / 2) * 1e6), words, unit, 6, ""))
    held = detector._held
    assert 0 < len(held) <= MAX_HELD_UNITS
    assert all(len(h.templates) <= MAX_HELD_TEMPLATES and h.pairs <= MAX_HELD_MINUTES for h in held.values())
    assert "u0.service" not in held  # past its templates' bound: let go
