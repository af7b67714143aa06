"""A second failure hours into a first is paged once, by whichever rule sees it first (helper D12's Loki trial,
2026-12-02): Loki's object store went away (every chunk flush failing for 3 h) and 2 h in its WAL disk filled up.
scan paged the disk twice: error-share-jump at its first line, then the disk-full signature at its first
`no space left on device` 5 min later, because a failure's latest hit was taken as of when it joined (scan never
refreshes it; the service does, once a second) and the signature came more than 30 s after that. The service
paged it once, but only at the signature: with its failures refreshed, the anomaly incident Owners had found to be
another failure joined the first one for its recent hits. Now both take the members' live latest hits, and an
anomaly incident of another failure never joins a failure that began 30 min or more before it. Real journal files
(systemd-journal-remote), every shipped rule; Loki 2.9's wordings (pkg/ingester flush.go, checkpoint.go,
instance.go)."""

from __future__ import annotations

import random

from conftest import json_events, of_type, run_cli
from test_anomaly import HOUR, by_time
from test_anomaly_second_goes_on import DISK, FAIL, UNIT
from test_anomaly_second_goes_on import logfmt as line
from test_anomaly_sustained import journal_usec


def journal_entries() -> list[dict]:
    rng = random.Random(3)
    normal = [line(t, "info", "checkpoint.go:615", 'msg="starting checkpoint"') for t in range(0, int(FAIL + 3 * HOUR),
                                                                                            300)]
    normal += [line(t + 0.7, "info", "checkpoint.go:340", f'msg="checkpoint done" time={rng.uniform(0.2, 2):.6f}s')
               for t in range(0, int(DISK), 300)]
    normal += [line(t, "warn", "logging.go:86", 'orgID=fake msg="POST /loki/api/v1/push (400) '
                    f'{rng.uniform(0.2, 3):.3f}ms Response: \\"entry has timestamp too old\\""')
               for t in range(7, int(FAIL + 3 * HOUR), 20)]
    flush = [line(FAIL + 5 * k + rng.uniform(0, 2), "error", "flush.go:143",
                  'org_id=fake msg="failed to flush" err="failed to flush chunks: store put chunk: RequestError: '
                  f'send request failed caused by: Put \\"http://10.20.0.90:9000/loki/fake/{rng.getrandbits(64):x}'
                  f'\\": dial tcp 10.20.0.90:9000: connect: connection refused, num_chunks: {rng.randrange(1, 6)}"')
             for k in range(3 * 720)]
    disk = [line(DISK, "error", "instance.go:306",
                 'msg="Error writing to WAL, disk full, no further messages will be logged for this error"')]
    disk += [line(DISK + 300 * k + 0.4, "error", "checkpoint.go:613", 'msg="error checkpointing series" err="write '
                  f'/var/lib/loki/wal/{k:08d}: no space left on device"') for k in range(1, 12)]
    return by_time(normal, flush, disk)


def test_the_disk_filling_up_is_paged_once_at_its_first_line(make_journal):
    result = run_cli("scan", "--file", str(make_journal(journal_entries())), "-o", "json")
    assert result.exit_code == 0, result.output
    events = json_events(result)
    pages = [(i["rule"], (i["first_usec"] - journal_usec(FAIL)) / 1e6) for i in of_type(events, "incident")
             if i["unit"] == UNIT]
    assert len(pages) == 2 and pages[0][1] < 60, pages
    assert 2 * HOUR - 60 <= pages[1][1] <= 2 * HOUR + 60, pages  # at its first line, not the signature's 5 min on
    second = next(e for e in of_type(events, "incident_end")
                  if e["unit"] == UNIT and e["first_usec"] >= journal_usec(DISK - 60))
    assert "disk-full" in {link["rule"] for link in second["chain"]} | {second["rule"]}, second["chain"]


def test_the_services_refreshed_failure_does_not_take_in_another_failure():
    """Pure logic, as the service has it: its STATUS refreshes the first failure's members to their live versions
    (a hit a second ago), and an anomaly incident Owners found to be another failure (`apart`), 2 h after that
    failure began, is its own failure all the same (it joined the first for its recent hits: paged 5 min late, by
    the disk-full signature, a cause-naming rule that never joins a failure that old)."""
    from logsentry.engine.failures import SETTLE_USEC, FailureGroups
    from logsentry.model import Incident, Severity
    from logsentry.rules.loader import load_rules, shipped_rules_dir

    def incident(rule: str, first: int, last: int, template: str = "") -> Incident:
        return Incident(rule, Severity.ERROR, UNIT, "", first, first, last, 1, 1, 600_000_000, "", (f"{rule} line",),
                        "alert", why="w", template=template, machine_id="m")

    groups = FailureGroups(load_rules([shipped_rules_dir()]).rules)
    hour = 3_600_000_000
    first = incident("first-error-template", hour, hour, "level=error <*> failed to flush")
    groups.fired(first)
    assert len(groups.settle(hour + SETTLE_USEC + 1)) == 1
    groups.refresh([incident("first-error-template", hour, 3 * hour - 1_000_000, first.template)])
    assert groups.fired(incident("error-share-jump", 3 * hour, 3 * hour), apart=True) == []
    [given] = groups.settle(3 * hour + SETTLE_USEC + 1)
    assert given.rule_id == "error-share-jump"
    groups.refresh([incident("error-share-jump", 3 * hour, 3 * hour + 299_000_000)])  # its lines go on
    assert groups.fired(incident("disk-full", 3 * hour + 300_000_000, 3 * hour + 300_000_000)) == []
    assert groups.settle(3 * hour + 300_000_000 + SETTLE_USEC + 1) == []  # the signature joined the disk's failure
