"""Two failures open on one unit each keep their own lines as evidence (helper F8's finding, 2026-12-02): a web
service's database outage went on for 4 h, and 3 h into it its disk filled up. Each was paged once, but the outage's
chain carried the disk-full signature and the disk's new error line, and the disk's chain carried the outage's
line: a hit on a unit with a failure open went to the newest failure within 30 s of its latest hit, whichever
failure its line was about. Real journal files (systemd-journal-remote), every shipped rule."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import HOUR, by_time, steady
from test_anomaly_sustained import journal_usec

UNIT = "shop-web.service"
FAIL = 30 * HOUR
DISK = FAIL + 3 * HOUR


def journal_entries() -> list[dict]:
    normal = steady(UNIT, 0, FAIL, 10, 'GET /products/{n} HTTP/1.1" 200 {ms}')
    outage = [entry('ERROR:shop.db:could not connect to database: connection to server at "db1.internal" '
                    '(10.0.0.5), port 5432 failed: Connection refused', unit=UNIT, at=FAIL + 5 * k)
              for k in range(4 * 720)]
    disk = [entry(f"ERROR:shop.uploads:could not write /var/lib/shop/uploads/{k:08x}.jpg: [Errno 28] No space left "
                  "on device", unit=UNIT, at=DISK + 2.5 + 5 * k) for k in range(720)]
    return by_time(normal, outage, disk)


def test_each_failure_carries_its_own_lines(make_journal):
    result = run_cli("scan", "--file", str(make_journal(journal_entries())), "-o", "json")
    assert result.exit_code == 0, result.output
    ended = sorted((e for e in of_type(json_events(result), "incident_end") if e["unit"] == UNIT),
                   key=lambda e: e["first_usec"])
    assert [e["first_usec"] >= journal_usec(DISK) for e in ended] == [False, True], \
        [(e["rule"], e["first_usec"]) for e in ended]
    outage, disk = ended
    assert outage["chain"] and disk["chain"], (outage, disk)
    assert all("database" in link["message"] for link in outage["chain"]), \
        [(link["rule"], link["message"]) for link in outage["chain"]]
    assert all("No space left" in link["message"] for link in disk["chain"]), \
        [(link["rule"], link["message"]) for link in disk["chain"]]
    assert "disk-full" in {link["rule"] for link in disk["chain"]} | {disk["rule"]}


def test_an_incident_kept_open_by_its_failure_says_how_many_lines_came(make_journal):
    """The outage's incident is one hit of its new-template rule kept open 4 h by its line repeating: its end and
    the report count those lines (the report said "1 hit in all over 3h 59m 55s")."""
    journal = make_journal(journal_entries())
    result = run_cli("scan", "--file", str(journal), "-o", "json")
    outage = next(e for e in of_type(json_events(result), "incident_end")
                  if e["unit"] == UNIT and e["first_usec"] == journal_usec(FAIL))
    assert outage["count"] == 1 and outage["going_on"] > 2000, outage
    assert outage["count"] + outage["going_on"] <= 4 * 720, outage
    report = " ".join(run_cli("scan", "--file", str(journal)).stdout.replace("│", " ").split())
    assert f"1 matching line in all and {outage['going_on']:,} more lines of its failure over 3h 59m" in report, report
