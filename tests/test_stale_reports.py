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


def test_two_held_incidents_of_one_window_are_both_judged_and_survive_a_restart() -> None:
    """Two incidents of one (rule, machine, unit, key) held while the clock is learnt: two bursts apart by more than
    the window by the host's own clock, or a restarted unit's two invocations. The second overwrote the first,
    which was never judged nor alerted (helper-149's lost MVar page); both are now, the first as it ended."""
    reports = StaleReports()
    first, second = incident(), replace(incident(), first_usec=90_000_000, fired_usec=90_000_000,
                                        last_usec=90_000_000, samples=("BOOM again",))
    reports.note(Action("report", "api.service", first, True, f"{HELD}its newest hit is 600s old"), 5_000_000)
    reports.note(Action("report", "api.service", second, True, f"{HELD}its newest hit is 600s old"), 6_000_000)
    saved = reports.saved()
    restored = StaleReports()
    restored.restore(saved, lambda *ident: second)  # only the second is open in its window now
    for each in (reports, restored):
        known = each.clock_known(lambda machine: True, lambda *ident: second, 7_000_000)
        assert sorted(known, key=lambda item: item[0].first_usec) == [(first, 5_000_000, False),
                                                                      (second, 6_000_000, True)]
    again = StaleReports()
    again.note(Action("report", "api.service", first, True, f"{HELD}its newest hit is 600s old"), 5_000_000)
    more = replace(first, count=2, last_usec=2_000)  # the same incident held again with a hit more: one, kept
    again.note(Action("report", "api.service", more, True, f"{HELD}its newest hit is 600s old"), 5_500_000)
    assert again.clock_known(lambda machine: True, lambda *ident: None, 7_000_000) == [(more, 5_000_000, False)]
