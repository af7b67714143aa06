"""A failure that goes on in other words is paged once (helper R4's finding, 2026-12-02): a web service's database
outage went on for 4 h, and an hour in its driver's last words changed from "Connection refused" to "timeout
expired"; the new template, first seen 30 min or more after the outage's incident began, was taken for another
failure and paged again (error-share-jump). A template sharing most of its words with the open failure's is that
failure going on (failures.LIKE_SHARE); a disk filling up hours in, in words of its own, is still paged
(test_failure_chains_apart, test_anomaly_same_rule_second). Real journal files (systemd-journal-remote), every
shipped rule."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import HOUR, by_time, steady
from test_anomaly_sustained import journal_usec

from logsentry.engine.failure_likeness import template_likeness

UNIT = "shop-web.service"
FAIL = 30 * HOUR


def outage(wording_changes_at: float) -> list[dict]:
    """A database outage for 4 h; the driver's last words change from "Connection refused" to "timeout expired"."""
    return [entry('ERROR:shop.db:could not connect to database: connection to server at "db1.internal" '
                  '(10.0.0.5), port 5432 failed: ' + ("Connection refused" if 5 * k < wording_changes_at
                                                      else "timeout expired"), unit=UNIT, at=FAIL + 5 * k)
            for k in range(4 * 720)]


def pages(make_journal, *groups: list[dict]) -> tuple[list[tuple[str, float]], list[dict]]:
    normal = steady(UNIT, 0, FAIL + 4 * HOUR, 10, 'GET /products/{n} HTTP/1.1" 200 {ms}')
    result = run_cli("scan", "--file", str(make_journal(by_time(normal, *groups))), "-o", "json")
    assert result.exit_code == 0, result.output
    events = json_events(result)
    return ([(e["rule"], (e["first_usec"] - journal_usec(FAIL)) / 1e6) for e in of_type(events, "incident")
             if e["unit"] == UNIT], [e for e in of_type(events, "incident_end") if e["unit"] == UNIT])


def test_an_outage_whose_words_change_is_paged_once(make_journal):
    given, ended = pages(make_journal, outage(HOUR))
    assert len(given) == 1 and given[0][1] < 60, given
    [end] = ended
    assert end["last_usec"] >= journal_usec(FAIL + 4 * HOUR - 60), (end["last_usec"] - journal_usec(FAIL)) / 1e6


def test_likeness_is_a_share_of_words():
    """Pure logic: the share of the longer template's words the two have in common, as multisets."""
    assert template_likeness("a b c d", ["a b c e"]) == 0.75
    assert template_likeness("a b", ["a b c d"]) == 0.5
    assert template_likeness("a a b", ["a b b"]) == 2 / 3
    assert template_likeness("a b", ["x y", "a z"]) == 0.5
    assert template_likeness("a b", []) == 0.0 and template_likeness("a b", [""]) == 0.0
