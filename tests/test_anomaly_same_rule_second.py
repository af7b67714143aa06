"""A second failure is paged even while the same anomaly rule's incident for the first is open on its unit (helper
R2's finding, 2026-12-02): a busy unit paged by new-error-template for a database outage also logged a harmless
new error line every 5 min, which kept that incident open (the first failure going on in other words); a disk that
filled up 3 h later hit the same rule, its hits went into the open incident, and it was never paged. Real journal
files (systemd-journal-remote), every anomaly rule and nothing else."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, steady
from test_anomaly_sustained import journal_usec

UNIT = "orders.service"
FAIL = 30 * HOUR
DISK = FAIL + 3 * HOUR


def history() -> list[dict]:
    """30 h of the unit's normal traffic, with a known error now and then (so the unit is not a clean one)."""
    normal = steady(UNIT, 0, FAIL + 5 * HOUR, 20, "order {n} stored in {ms}ms")
    known = steady(UNIT, 0, FAIL + 5 * HOUR, 3600, "payment provider answered 502 for order {n}", priority=3,
                   seed=7)
    return by_time(normal, known)


def outage(seconds: int, every: int) -> list[dict]:
    return [entry(f"could not connect to database at 10.0.4.2:5432 (attempt {k}): connection refused",
                  unit=UNIT, at=FAIL + every * k, priority=3) for k in range(seconds // every)]


def harmless() -> list[dict]:
    """A new error line every 5 min from a minute after the outage on, for 4 h: kept as the outage going on."""
    return [entry(f"cache warm-up skipped for shard {k % 16}: peer not ready", unit=UNIT, at=FAIL + 60 + 300 * k,
                  priority=3) for k in range(48)]


def disk_full() -> list[dict]:
    return [entry(f"write /var/lib/orders/spool/{k:06d}.tmp: no space left on device", unit=UNIT,
                  at=DISK + 120 * k, priority=3) for k in range(60)]  # every 2 min for 2 h: no error-share jump


def incidents_of(make_journal, *groups: list[dict]) -> tuple[list[dict], list[dict]]:
    result = run_cli("scan", "--file", str(make_journal(by_time(history(), *groups))), "--no-shipped-rules",
                     "--rules", str(ANOMALY_RULES), "-o", "json")
    assert result.exit_code == 0, result.output
    events = json_events(result)
    return ([i for i in of_type(events, "incident") if i["unit"] == UNIT],
            [e for e in of_type(events, "incident_end") if e["unit"] == UNIT])


def started(incidents: list[dict]) -> list[tuple[str, float]]:
    return [(i["rule"], (i["first_usec"] - journal_usec(FAIL)) / 1e6) for i in incidents]


def test_a_disk_full_hours_into_an_incident_kept_open_is_paged(make_journal):
    incidents, _ = incidents_of(make_journal, outage(10, 1), harmless(), disk_full())
    assert [i["first_usec"] for i in incidents][:1] == [journal_usec(FAIL)], started(incidents)
    second = [i for i in incidents if i["first_usec"] >= journal_usec(DISK)]
    assert len(second) == 1 and second[0]["first_usec"] < journal_usec(DISK + 600), started(incidents)
    assert "no space left on device" in second[0]["template"], second[0]
    assert second[0]["rule"] == "new-error-template" and second[0]["key"] == "another failure"
    assert len(incidents) == 2, started(incidents)  # the harmless line is no third page


def test_without_the_harmless_line_it_is_paged_too(make_journal):
    incidents, _ = incidents_of(make_journal, outage(10, 1), disk_full())
    assert len([i for i in incidents if journal_usec(DISK) <= i["first_usec"] < journal_usec(DISK + 600)]) == 1, \
        started(incidents)


def test_the_first_failure_going_on_stays_open_beside_the_second(make_journal):
    """The outage goes on (a failed connect every 5 min for 4 h): the disk's page does not resolve it."""
    incidents, ended = incidents_of(make_journal, outage(4 * 3600, 300), harmless(), disk_full())
    assert len(incidents) == 2, started(incidents)
    assert [i["rule"] for i in incidents] == ["new-error-template"] * 2, started(incidents)
    first = next(e for e in ended if e["first_usec"] == journal_usec(FAIL))
    last = first["last_usec"]
    assert journal_usec(FAIL + 4 * HOUR - 300) <= last <= journal_usec(FAIL + 4 * HOUR), last - journal_usec(FAIL)
    second = next(e for e in ended if e["first_usec"] >= journal_usec(DISK))
    assert second["last_usec"] == journal_usec(DISK + 120 * 59), "the disk's lines are its own incident's"


def test_a_second_failure_in_failure_words_at_no_level_is_paged(make_journal):
    """Both failures at PRIORITY 6 with no level word, caught by their failure words (new-failure-template): a
    backup failing 40 min into a lost peer's retries is its own page (helper R3's case)."""
    peer = [entry(f"peer 10.0.0.9 not responding, retrying (attempt {k})", unit=UNIT, at=FAIL + 30 * k, priority=6)
            for k in range(240)]
    backup = [entry(f"backup upload to bucket nightly failed: access denied (try {k})", unit=UNIT,
                    at=FAIL + 2400 + 30 * k, priority=6) for k in range(120)]
    incidents, _ = incidents_of(make_journal, peer, backup)
    assert [i["rule"] for i in incidents] == ["new-failure-template"] * 2, started(incidents)
    assert "not responding" in incidents[0]["template"] and "access denied" in incidents[1]["template"]
    assert incidents[1]["key"] == "another failure"
