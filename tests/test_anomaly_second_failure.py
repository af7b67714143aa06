"""A second failure in a unit whose first is still going on gets its own page.

While an anomaly incident is open on a unit, other anomaly rules' hits on it are that failure seen again:
evidence in its chain, not a second page (one failure, one page). A long failure must not hide the next one
though: helper R's review found that a disk filling up 12 h into a hang (a known error line every 8 s) had no
incident, no chain link, no match. A line at error level of a template none of the unit's open incidents is
about, 30 minutes or more after they began (ANOTHER_FAILURE_USEC), is another failure; a new error within
minutes of the first is its consequence and joins it.
"""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, scan_anomalies
from test_anomaly_sustained import FAIL, UNIT, errors, history, journal_usec, requests

NEW = "[{t}][billing][Error][host1][PID 654] invoice store: write failed: No space left on device"


def disk_full(start: float, lines: int) -> list[dict]:
    return [entry(NEW.format(t=int(start + k * 5)), unit=UNIT, at=start + k * 5) for k in range(lines)]


def journal_with(make_journal, hang: bool, disk_at: float):
    end = FAIL + 3 * HOUR
    lines = [history(), requests(FAIL, end, 0.3, 4), disk_full(disk_at, 20)]
    if hang:
        lines.append(errors(FAIL, end, 1 / 8, 3))  # the known error line, every 8 s, all along
    return make_journal(by_time(*lines))


def about_disk(incidents: list[dict]) -> list[dict]:
    return [i for i in incidents if "No space left on device" in i["template"]]


def test_a_disk_filling_up_hours_into_a_hang_is_paged(make_journal):
    disk_at = FAIL + 2 * HOUR
    alone = about_disk(scan_anomalies(journal_with(make_journal, False, disk_at)))
    assert len(alone) == 1  # without the hang: new-error-template pages it
    during = scan_anomalies(journal_with(make_journal, True, disk_at))
    hang = [i for i in during if "libpq" in i["template"] and i["first_usec"] >= journal_usec(FAIL)]
    [disk] = about_disk(during)
    assert hang and hang[0]["first_usec"] < disk["first_usec"]  # the hang was paged, and is still going on
    assert journal_usec(disk_at) <= disk["first_usec"] <= journal_usec(disk_at + 60)
    assert "new-error-template" in {link["rule"] for link in disk["chain"]}


def test_a_new_error_minutes_into_a_failure_is_part_of_it(make_journal):
    """The same disk lines 10 minutes after the hang was paged: no page of their own."""
    during = scan_anomalies(journal_with(make_journal, True, FAIL + 15 * 60))
    assert not about_disk(during), [(i["rule"], i["template"][-40:]) for i in during]


HANG_RULE = r"""id = "libpq-busy"
title = "libpq: another command is already in progress"
severity = "error"
[match]
message = 'libpq: failed \(another command is already in progress\)$'
[trigger]
count = 3
within = "2m"
"""


def scan_with_signature(journal, tmp_path) -> list[dict]:
    """scan_anomalies with a signature rule that names the hang's line: its incident is open all along."""
    rules = tmp_path / "signature"
    rules.mkdir(exist_ok=True)
    (rules / "libpq-busy.toml").write_text(HANG_RULE)
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                     "--rules", str(rules), "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


def test_a_disk_filling_up_hours_into_a_named_hang_is_paged(make_journal, tmp_path):
    """The same, with the hang named by a signature (the mission case: a rule for its words exists): while a
    signature's incident was open every anomaly hit on the unit was dropped as that failure seen again."""
    disk_at = FAIL + 2 * HOUR
    during = scan_with_signature(journal_with(make_journal, True, disk_at), tmp_path)
    hang = [i for i in during if i["rule"] == "libpq-busy"]
    assert hang and hang[0]["first_usec"] < journal_usec(disk_at)
    [disk] = about_disk(during)
    assert journal_usec(disk_at) <= disk["first_usec"] <= journal_usec(disk_at + 60)
    assert disk["rule"] != "libpq-busy"


def test_a_new_error_minutes_into_a_named_failure_is_part_of_it(make_journal, tmp_path):
    during = scan_with_signature(journal_with(make_journal, True, FAIL + 15 * 60), tmp_path)
    assert [i for i in during if i["rule"] == "libpq-busy"]
    assert not about_disk(during), [(i["rule"], i["template"][-40:]) for i in during]
