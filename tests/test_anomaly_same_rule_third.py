"""A third failure of a unit is paged while the same anomaly rule's incidents for the first and the second are both
open (helper R3's review of 2162c25, which gave a second failure its own window, key 'another failure'): a database
outage going on for hours, a disk that filled 3 h in (paged), then 5 h in a certificate that expired. The third's
lines went into the second's open incident and it was never paged. Real journal files (systemd-journal-remote),
every anomaly rule and nothing else."""

from __future__ import annotations

from conftest import entry
from test_anomaly import HOUR
from test_anomaly_same_rule_second import DISK, FAIL, UNIT, incidents_of, outage, started
from test_anomaly_sustained import journal_usec

CERT = FAIL + 5 * HOUR


def disk_full_going_on() -> list[dict]:
    """Every 2 min for 4 h: the disk stays full past the third failure."""
    return [entry(f"write /var/lib/orders/spool/{k:06d}.tmp: no space left on device", unit=UNIT,
                  at=DISK + 120 * k, priority=3) for k in range(120)]


def certificate_expired() -> list[dict]:
    """Every 4 min for 2 h: too few lines for error-share-sustained, so only the new template can page it."""
    return [entry(f"POST https://payments.example.com/v2/charge for order {k}: x509: certificate has expired or is "
                  "not yet valid", unit=UNIT, at=CERT + 240 * k, priority=3) for k in range(30)]


def test_a_third_failure_while_two_are_open_is_paged(make_journal):
    incidents, ended = incidents_of(make_journal, outage(8 * 3600, 300), disk_full_going_on(), certificate_expired())
    assert len([i for i in incidents if journal_usec(DISK) <= i["first_usec"] < journal_usec(DISK + 600)]) == 1, \
        started(incidents)
    third = [i for i in incidents if journal_usec(CERT) <= i["first_usec"] < journal_usec(CERT + 600)]
    assert len(third) == 1, started(incidents)
    assert "certificate has expired" in third[0]["template"], third[0]
    assert third[0]["rule"] == "new-error-template" and third[0]["key"] == "another failure 2", third[0]
    disk = next(e for e in ended if e["key"] == "another failure")
    assert disk["last_usec"] == journal_usec(DISK + 120 * 119), "the disk's lines are its own incident's"
    assert len(incidents) == 3, started(incidents)
