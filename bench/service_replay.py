"""The service's own Python cost per entry, without the reader and without a live feed's noise.

    .venv/bin/python bench/service_replay.py                    # 300k entries, 3 runs
    .venv/bin/python bench/service_replay.py --entries 100000 --repeat 5
    .venv/bin/python bench/service_replay.py --batch-entries 60 --anomalies   # live batch sizes, all rules

bench/follow.py's feed (entries sampled from the 1M bench journal, 5 probe lines a second, the same config with
signature rules only) is written once into a journal file by systemd-journal-remote, stamped 50 µs apart (20k
entries/s of journal time), under /var/tmp/logsentry-bench/replay/. Each run reads it through the service's
screened follower first (not timed), then times a real Service's read loop (`Service.run`, one thread) over
those items, with CAUGHT_UP after every 0.1 s of journal time, as the fan-in reader hands them over live, and
with the service's clocks (time.monotonic, wall_usec, the policy's clock) following journal time, so that its
cadence (ticks and STATUS every CAUGHT_UP_S, commits, stale guards) is the live one. Prints the CPU µs an
entry of that loop (process_time; nothing else runs in the process) and a digest of what the service said and
saved (its log lines, the final state without its timestamps, windows and outbox): two code versions that
behave the same print the same digest (run with the same PYTHONHASHSEED: saved sets are in hash order).
Compare versions in the same session, alternating: the machine's load moves every figure.

--batch-entries N reads the feed in scanner batches of at most N entries: live at 20k entries/s the fan-in
reader hands over a batch every 3 ms (its coalescing), ~60 entries, so per-batch and per-run fixed costs
(more, smaller ScreenedRuns and a ReadUpTo each) weigh as they do live. --anomalies keeps the anomaly rules
(by default they are disabled, as follow.py --no-anomalies).

--pause-ms MS sleeps that long after each batch (its ReadUpTo), as the live loop waits between the scanner's
hand-overs (3 ms at 20k entries/s). The work and the digest are the same, but each batch then starts with the
caches cold (other processes ran meanwhile) as live: on the 2-core machine, --batch-entries 60 --pause-ms 3
costs about as much CPU an entry as follow.py measures live, 1.4-2x the figure without pauses. Sleeping is not
counted (process_time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import follow  # noqa: E402

from logsentry.hosts import local_machine_id  # noqa: E402
from logsentry.sources.journal_files import export_entry, journal_remote  # noqa: E402

RATE = 20_000
T0 = 1_764_547_200_000_000  # 2025-12-01 00:00 UTC: the journal time of the first entry (µs)
DATA = Path("/var/tmp/logsentry-bench/replay")


def stamped(at: int, body: bytes) -> bytes:
    return b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n" % (at, at, b"1" * 32) + body


def build(entries: int) -> Path:
    """The feed as a journal file (cached per size); its units beside it."""
    directory = DATA / f"n{entries}"
    if (directory / "units.json").exists():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    sample = follow.sample_entries(follow.BENCH_JOURNAL, 20_000)
    units = sorted({found.group(1).decode() for body in sample
                    if (found := re.search(rb"_SYSTEMD_UNIT=([^\n]+)", body))})
    tool = journal_remote()
    assert tool, "systemd-journal-remote is required (scripts/setup installs it)"
    writer = subprocess.Popen([tool, "-o", str(directory / "feed.journal"), "-"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert writer.stdin is not None
    machine, probes = local_machine_id(), 0
    for index in range(entries):
        at = T0 + index * 1_000_000 // RATE
        parts = [stamped(at, sample[index % len(sample)])]
        if index % (RATE // 5) == 0:
            parts.append(stamped(at, export_entry({"_SYSTEMD_UNIT": units[0], "PRIORITY": "6", "_MACHINE_ID": machine,
                                                   "_SYSTEMD_INVOCATION_ID": uuid.UUID(int=probes + 1).hex,
                                                   "MESSAGE": f"BENCHPROBE {probes}"})))
            probes += 1
        writer.stdin.write(b"".join(parts))
    writer.stdin.close()
    writer.wait()
    (directory / "units.json").write_text(json.dumps(units))
    return directory


class Clock:
    """Journal time as the service's clocks see it (µs)."""

    usec = T0


class FollowingTime:
    """The time module with monotonic() and time() following the replay's journal time."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def monotonic(self) -> float:
        return Clock.usec / 1e6

    def time(self) -> float:
        return Clock.usec / 1e6


def wall_usec() -> int:
    return Clock.usec + 1000


def patch_clocks() -> None:
    import logsentry.actions.outbox
    import logsentry.actions.runner
    import logsentry.baseline_keeper
    import logsentry.host_silence
    import logsentry.service
    import logsentry.service_alerts
    import logsentry.service_journal
    import logsentry.service_reload
    import logsentry.service_state
    import logsentry.silences
    for module in (logsentry.service, logsentry.service_state, logsentry.service_journal, logsentry.service_alerts,
                   logsentry.service_reload, logsentry.host_silence, logsentry.actions.runner, logsentry.actions.outbox,
                   logsentry.baseline_keeper, logsentry.silences):
        if hasattr(module, "time"):
            module.time = FollowingTime()  # type: ignore[assignment]
        if hasattr(module, "wall_usec"):
            module.wall_usec = wall_usec  # type: ignore[attr-defined]
    policy = logsentry.service_reload.guarded_policy
    logsentry.service_reload.guarded_policy = lambda config, ledger: policy(config, ledger, clock=wall_usec)  # type: ignore[assignment]


def one_run(directory: Path, batch_entries: int = 0, anomalies: bool = False,
            pause_s: float = 0.0) -> tuple[float, int, str]:
    """(CPU s of the read loop, entries, digest) of one fresh Service over the feed, sleeping `pause_s` after
    each batch."""
    import logsentry.service
    from logsentry.config_parse import load_config
    from logsentry.model import Entry, ScreenedRun
    from logsentry.service import Service
    from logsentry.service_journal import follower_for
    from logsentry.sources.follow import ReadUpTo, ScanningFollower
    from logsentry.sources.journal import CAUGHT_UP, JournalLocation, StartAt

    root = Path(tempfile.mkdtemp(prefix="logsentry-replay-", dir="/var/tmp"))
    try:
        (root / "rules").mkdir()
        (root / "rules" / "bench-probe.toml").write_text(follow.PROBE_RULE)
        (root / "state").mkdir()
        units = json.loads((directory / "units.json").read_text())
        config = root / "logsentry.toml"
        disabled = "" if anomalies else f"disabled_rules = {json.dumps(list(follow.ANOMALY_RULES))}\n"
        config.write_text(f'state_dir = "{root / "state"}"\njournal_directory = "{directory}"\n'
                          f'rules = ["{root / "rules"}"]\ndry_run = true\n'
                          f"{disabled}\n"
                          f'[[watch]]\nunits = {json.dumps(units)}\nactions = ["restart"]\n')
        config.chmod(0o600)
        Clock.usec = T0 - 1_000_000
        service = Service(load_config(config), notify=lambda message: None)
        live = follower_for(service.config, service.pipeline.detector, None, None)
        assert isinstance(live, ScanningFollower)
        reader = ScanningFollower(JournalLocation(directory=directory), live.selection, live.screen,
                                  live.fields, StartAt(since_usec=T0 - 1_000_000), wait_s=0.05,
                                  poked=batch_entries > 0, batch_entries=batch_entries)
        items = []
        for item in reader:
            if item is CAUGHT_UP:
                break
            items.append(item)
        reader.close()
        entries = sum(item.count if isinstance(item, ScreenedRun) else 1 for item in items
                      if isinstance(item, Entry | ScreenedRun))

        def handed_over() -> Iterator[Any]:
            poll = None
            for item in items:
                at = item.peak_usec if isinstance(item, ScreenedRun) else getattr(item, "realtime_usec", None)
                if at is not None:
                    poll = at + 100_000 if poll is None else poll
                    while at >= poll:
                        Clock.usec = poll
                        yield CAUGHT_UP
                        poll += 100_000
                    Clock.usec = max(Clock.usec, at)
                yield item
                if pause_s and isinstance(item, ReadUpTo):
                    time.sleep(pause_s)  # as live, between hand-overs (after the batch's last item)
            yield CAUGHT_UP
            service.stop.set()

        calls = iter((handed_over(), iter(())))
        service._follower = lambda: next(calls)  # type: ignore[method-assign,assignment,return-value]
        logsentry.service.probe_journal = lambda config: None  # type: ignore[assignment]
        service.cursor = "replay"  # as if resumed: no tail cursor, and no warm-up: since the history is relearnt
        # at a start that never adopted it (baseline_keeper.HISTORY_KEY), the learner read the feed in a thread
        # while the loop was timed (its CPU counted, its adoption at a random point: the digest varied)
        service.keeper.warm_up = lambda *args, **kwargs: None  # type: ignore[method-assign]
        said: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
        logger = logging.getLogger("logsentry")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        started = time.process_time()
        service.run()
        cpu = time.process_time() - started
        logger.removeHandler(handler)
        db = sqlite3.connect(root / "state" / "state.db")
        saved = [sorted((key, value) for key, value in db.execute("SELECT key, value FROM meta")
                        if key not in ("figures", "opened_usec", "hosts_saved_usec")),  # (wall clock)
                 sorted(db.execute("SELECT key, value FROM windows")),
                 sorted(db.execute("SELECT dedupe, kind FROM outbox"))]
        db.close()
        pid = os.getpid()
        said = [line.replace(f"PID {pid}", "PID").replace(f"-HUP {pid}", "-HUP").replace(str(root), "ROOT")
                for line in said if not line.startswith("stopped after")]  # (the ready line names the PID, the file)
        return cpu, entries, hashlib.sha256(json.dumps([said, saved]).encode()).hexdigest()[:12]
    finally:
        shutil.rmtree(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-entries", type=int, default=0,
                        help="scanner batches of at most N entries (live at 20k/s: ~60); 0: the scanner's own")
    parser.add_argument("--anomalies", action="store_true", help="keep the anomaly rules (default: disabled)")
    parser.add_argument("--pause-ms", type=float, default=0.0,
                        help="sleep this long after each batch, as live between hand-overs (default 0)")
    args = parser.parse_args()
    directory = build(args.entries)
    patch_clocks()
    figures = []
    for _ in range(args.repeat):
        cpu, entries, digest = one_run(directory, args.batch_entries, args.anomalies, args.pause_ms / 1000)
        figures.append(cpu / entries * 1e6)
        print(f"{entries} entries: {figures[-1]:.2f} µs CPU an entry (load {os.getloadavg()[0]:.2f}), "
              f"digest {digest}", flush=True)
    print(f"median {statistics.median(figures):.2f} µs an entry")


if __name__ == "__main__":
    main()
