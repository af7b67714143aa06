"""HostSilence.saw_run walks a host's spans in C (sources/hosts_fold.c): what each host learns from a run is what
the per-span Python walk (HostSilence._saw, span after span) learns, rhythm reviews and halvings included."""

from __future__ import annotations

import random
from dataclasses import astuple
from pathlib import Path

from logsentry.config import SiteConfig
from logsentry.host_silence import HostSilence
from logsentry.model import ScreenedRun

MACHINES = ("", "a" * 32, "b" * 32, "c" * 32)
SITE = SiteConfig(path=Path("x"), journal_directory=Path("/var/log/journal/remote"), host_silent_after_usec=None)


def random_runs(rng: random.Random, at: int) -> list[ScreenedRun]:
    """Runs of spans of a few hosts (and of none), in time order with clocks stepping back now and then; counts
    from 1 to past a rhythm's MAX_GAPS (its halving)."""
    runs = []
    for _ in range(rng.randrange(1, 14)):
        spans = []
        for _ in range(rng.randrange(1, 13)):
            count = rng.choice((1, 1, 2, 3, rng.randrange(1, 200), 70_000))
            at += rng.randrange(-3_000_000, 60_000_000)
            length = 0 if count == 1 else rng.randrange(0, 120_000_000)
            longest = 0 if count == 1 else rng.randrange(0, length + 1)
            spans.append((rng.choice(("a.service", "b.service")), count, at, at + length, longest,
                          f"line {at}".encode(), rng.choice(MACHINES), rng.choice(("", "web-1", "web-2"))))
        runs.append(ScreenedRun(sum(s[1] for s in spans), min(s[2] for s in spans), max(s[3] for s in spans),
                                max(s[3] for s in spans), tuple(spans), tuple(dict.fromkeys(s[0] for s in spans)),
                                0, (b"", b"", b"", b"", b"", b"")))
    return runs


def state(hosts: HostSilence) -> list[tuple[object, ...]]:
    return [(machine, astuple(host), list(host.rhythm.bins.items())) for machine, host in hosts.hosts.items()]


def test_the_c_walk_learns_what_the_python_walk_learns() -> None:
    halved = reviewed = learnt = 0
    for seed in range(60):
        rng = random.Random(seed)
        walked, reference = HostSilence(SITE), HostSilence(SITE)
        runs = random_runs(rng, 1_700_000_000_000_000)
        silent = {machine for machine in MACHINES[1:] if rng.random() < 0.3}
        for index, run in enumerate(runs):
            if index == len(runs) // 2:  # hosts gone silent halfway: _saw walks their spans (and their way back)
                for hosts in (walked, reference):
                    for machine in silent & set(hosts.hosts):
                        hosts.hosts[machine].silent_since = hosts.hosts[machine].newest_usec
            before = {machine: host.rhythm.gaps for machine, host in walked.hosts.items()}
            walked.saw_run(run)
            for unit, count, first, last, longest, message, machine, name in run.spans:
                if machine:
                    reference._saw(machine, first, last, count, longest, unit, message, name)
            assert state(walked) == state(reference), (seed, index)
            halved += any(host.rhythm.gaps < before.get(machine, 0) for machine, host in walked.hosts.items())
        reviewed += sum(host.review_at > 1 for host in walked.hosts.values())
        learnt += sum(host.rhythm.gaps > 0 for host in walked.hosts.values())
    assert halved and reviewed and learnt, (halved, reviewed, learnt)  # the walks met every case
