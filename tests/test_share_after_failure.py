"""A failure's lines are judged once (helper F9's finding, 2026-12-02): a 2-min database outage of a web service was
paged and resolved, and one routine known error line 18 min after its end paged error-share-sustained, whose
30-min window still held the outage's 120 error lines ("121 of 936 lines at error level within 30m"). An ended
incident's lines now leave the unit's rate and share counts (Rolling.forget_until); a relapse after the end is
judged on its own lines and still paged. Real journal files (systemd-journal-remote), every shipped rule."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import HOUR, by_time, steady
from test_anomaly_sustained import journal_usec

UNIT = "shop-web.service"
FAIL = 30 * HOUR


def history() -> list[dict]:
    normal = steady(UNIT, 0, FAIL + HOUR, 2, 'INFO shop.access: 10.1.1.{ms} "GET /api/orders/{n} HTTP/1.1" 200 3ms')
    known = steady(UNIT, 0, FAIL, 1800, "ERROR shop.payments: payment provider returned 502 for order {n}", seed=5)
    return by_time(normal, known)


def outage(start: float, seconds: int) -> list[dict]:
    return [entry(f"ERROR shop.views: GET /api/orders/{k} failed: database unavailable (connection refused)",
                  unit=UNIT, at=start + k) for k in range(seconds)]


def pages(make_journal, *groups: list[dict]) -> list[tuple[str, float]]:
    result = run_cli("scan", "--file", str(make_journal(by_time(history(), *groups))), "-o", "json")
    assert result.exit_code == 0, result.output
    return [(i["rule"], (i["first_usec"] - journal_usec(FAIL)) / 1e6) for i in of_type(json_events(result), "incident")
            if i["unit"] == UNIT]


def test_a_known_error_after_a_resolved_outage_pages_nothing(make_journal):
    routine = [entry("ERROR shop.payments: payment provider returned 502 for order 4242", unit=UNIT,
                     at=FAIL + 120 + 18 * 60)]
    found = pages(make_journal, outage(FAIL, 120), routine)
    assert len(found) == 1 and found[0][1] < 10, found


def test_a_relapse_after_the_end_is_still_paged(make_journal):
    found = pages(make_journal, outage(FAIL, 120), outage(FAIL + 120 + 15 * 60, 300))
    assert len(found) == 2 and found[0][1] < 10 and 120 + 15 * 60 <= found[1][1] <= 120 + 15 * 60 + 120, found
