"""policy.StaleReports' held incidents (pure logic): an incident held while its host's clock is learnt is judged
once the clock is known, or after MAX_HELD_USEC whatever the clock (a host whose entries keep arriving at changing
delays may never settle: it was held, unjudged and unsaid, for as long as it kept sending)."""

from __future__ import annotations

from dataclasses import replace

from logsentry.engine.second_look import HELD, MAX_HELD_USEC, STALE, StaleReports
from logsentry.model import Action, Incident, Severity

MACHINE = "b2" * 16


def incident() -> Incident:
    return Incident("boom", Severity.CRITICAL, "api.service", "", 1_000, 1_000, 1_000, 1, 1, 60_000_000, "",
                    ("BOOM",), "alert", machine_id=MACHINE)


def test_a_held_incident_is_judged_when_its_clock_is_known_or_after_the_longest_hold() -> None:
    reports = StaleReports()
    reports.note(Action("report", "api.service", incident(), True, f"{HELD}its newest hit is 600s old"), 5_000_000)
    never = lambda machine: False  # noqa: E731
    assert reports.clock_known(never, lambda *ident: None, 5_000_000 + MAX_HELD_USEC - 1) == []
    [(held, at, still)] = reports.clock_known(never, lambda *ident: None, 5_000_000 + MAX_HELD_USEC)
    assert (held, at, still) == (incident(), 5_000_000, False)
    assert reports.clock_known(lambda machine: True, lambda *ident: None, 10**12) == []  # each once


def test_a_held_incident_still_open_is_judged_as_it_is_now() -> None:
    reports = StaleReports()
    reports.note(Action("report", "api.service", incident(), True, f"{HELD}its newest hit is 600s old"), 5_000_000)
    now = replace(incident(), count=3, last_usec=9_000)  # hits since it was held
    [(held, at, still)] = reports.clock_known(lambda machine: True, lambda *ident: now, 6_000_000)
    assert (held, at, still) == (now, 5_000_000, True)
    reports.note(Action("report", "api.service", incident(), True, f"{STALE}its newest hit is 600s old"), 7_000_000)
    assert reports.clock_known(lambda machine: True, lambda *ident: None, 8_000_000) == []  # stale: not held
