"""warning-template-persists: a known warning-level line that goes on without a pause far longer than it ever did.
Helper D14's held-out trial: a container crash-looping under Docker's restart policy (back-off doubling to one
minute) makes containerd 1.6 log its known `level=warning msg="cleaning up after shim disconnected"` once a minute,
among info lines only, and no rule fired. Real journal files built with systemd-journal-remote, scanned with the
anomaly rules only. Its twins in the same journal must not fire: a chronic warning at random, a nightly job's
warnings as long as they always last, and a known warning's 8-minute run (under the 10-minute floor)."""

from __future__ import annotations

import random

from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies

DAY = 24 * HOUR
FAIL = 3 * DAY + 12 * HOUR
RULE = "warning-template-persists"
CID = "7b297d0b0e5e18baf320cd57a3c1f00d2e9a4b6c8d0e1f2a3b4c5d6e7f8091a2"


def containerd(at: float, text: str, level: str = "info") -> dict:
    """containerd's logrus text on stderr: PRIORITY 6, the level only inside the line (runtime/v2/shim.go)."""
    return entry(f'time="2026-11-23T12:20:34.500000000Z" level={level} msg="{text}" id={CID} namespace=moby',
                 "containerd.service", at, 6, SYSLOG_IDENTIFIER="containerd", _COMM="containerd")


def container_exit(at: float) -> list[dict]:
    return [containerd(at, "shim disconnected"), containerd(at + 0.0001, "cleaning up after shim disconnected",
                                                            "warning"),
            containerd(at + 0.0002, "cleaning up dead shim"), containerd(at + 1.0, "starting signal loop")]


def crash_loop() -> tuple[list[dict], list[dict]]:
    """A container exits now and then for 3.5 days (a nightly job's container, a deploy): 4 a day; then one exits
    a second after each start and is restarted after 0.1, 0.2, ... 60 s for 25 minutes; returns (all, warnings)."""
    rng = random.Random(4)
    exits = [day * DAY + k * 6 * HOUR + rng.uniform(0, HOUR) for day in range(4) for k in range(4)]
    lines = [line for at in exits if at < FAIL for line in container_exit(at)]
    warnings, at, delay = [], FAIL, 0.1
    while at < FAIL + 25 * 60:
        exited = container_exit(at)
        warnings.append(exited[1])
        lines += exited
        at += delay + 1.2
        delay = min(delay * 2, 60.0)
    return lines, warnings


def twins() -> list[dict]:
    """Must not fire: a chronic warning at about 6 an hour at random; a nightly job's warnings every minute for 15
    minutes each night, the same at FAIL; a known warning that came once a day, then for 8 minutes at FAIL."""
    rng, lines, at = random.Random(12), [], 0.0
    while at < FAIL + HOUR:
        at += rng.expovariate(6 / HOUR)
        lines.append(entry(f"[WARN] upstream slow, request took {rng.randint(2, 9)}s", "proxy.service", at, 4))
    for night in range(4):
        start = night * DAY + 2 * HOUR if night < 3 else FAIL + 30
        lines += [entry(f"backup {night}: starting", "backup.service", start - 60 + k) for k in range(4)]
        lines += [entry(f"WARNING: file changed as we read it: /srv/data/{k}.db", "backup.service", start + k * 60, 6)
                  for k in range(15)]
    lines += [entry(f"level=warning msg=\"slow disk flush\" took={d}s", "metrics.service", d * DAY + 5 * HOUR, 6)
              for d in range(3)]
    lines += [entry(f"level=info msg=\"scrape done\" n={k}", "metrics.service", k * HOUR, 6) for k in range(90)]
    lines += [entry(f"level=warning msg=\"slow disk flush\" took={k}s", "metrics.service", FAIL + 60 + k * 50, 6)
              for k in range(10)]
    return lines


def test_a_crash_loops_known_warning_going_on_is_caught_and_its_twins_are_not(make_journal):
    """The loop's warning comes once a minute after the back-off's first two minutes: the run passes 10 minutes
    and 10 lines at the first warning after FAIL + 10 min; nothing else fires (no error line anywhere)."""
    lines, warnings = crash_loop()
    incidents = scan_anomalies(make_journal(by_time(lines, twins())))
    first = next(w for w in warnings if int(w["__REALTIME_TIMESTAMP"]) - int(warnings[0]["__REALTIME_TIMESTAMP"])
                 > 600_000_000)
    assert [(i["rule"], i["unit"], i["first_usec"]) for i in incidents] == [
        (RULE, "containerd.service", int(first["__REALTIME_TIMESTAMP"]))]
    assert "its longest run" in incidents[0]["why"]
