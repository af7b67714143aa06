"""Where the CPU of the entries that reach Python in full goes, by kind: PID 1's lines, the other entries in full
(screen hits, coredumps, ...), and the screened ones a run hands over one by one.

    .venv/bin/python bench/full_entry_cost.py                      # signature rules only
    .venv/bin/python bench/full_entry_cost.py --anomalies
    .venv/bin/python bench/full_entry_cost.py --steps logsentry.engine.detector.Detector.detect,...

Runs bench/service_replay.py's feed once (100k entries, scanner batches of 60) with ServiceReading._entry and
each of `--steps` (dotted paths of functions or methods) wrapped in a timer of the thread's CPU time
(time.thread_time_ns), and prints, per kind of entry, each step's calls, total and µs a call (inclusive: a step
called inside another counts in both). A wrapped call costs about 0.6 µs more (printed: an empty method's, timed
the same way), and many wrapped steps cost their callers more than that (ServiceReading._entry of a PID 1 line:
8.7 µs with `--steps ""`, 25.5 with the default steps, load 3.6): take a kind's cost from a run that wraps only
_entry (`--steps ""`), and from the default steps only where it goes. A step that returns a
generator is timed across its next() calls, so the order of work (and the digest) stays the replay's. cProfile and
py-spy mislead on this machine (cProfile inflates small calls); this times only what it is asked to.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import inspect
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import service_replay  # noqa: E402

DEFAULT_STEPS = (
    "logsentry.pipeline.Pipeline.process", "logsentry.pipeline.Pipeline._anomalies",
    "logsentry.pipeline.Pipeline._line",
    "logsentry.engine.detector.Detector.detect", "logsentry.engine.absence.SilenceTracker.observe",
    "logsentry.engine.failures.FailureGroups.learn", "logsentry.engine.stop_windows.StopWindows.note",
    "logsentry.engine.main_exits.MainExits.note", "logsentry.service_journal.ServiceReading._clamped",
    "logsentry.service_journal.cut_long_lines", "logsentry.service_journal.invocation_of",
    "logsentry.service_alerts.ServiceAlerts._remember_entry", "logsentry.host_silence.HostSilence.saw",
    "logsentry.host_clocks.HostClocks.saw", "logsentry.service_journal.ServiceReading._handle",
)
Totals = collections.defaultdict[tuple[str, str], list[int]]


def resolve(path: str) -> tuple[Any, str]:
    """(owner, attribute) of a dotted path: the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1]
    raise SystemExit(f"cannot import {path}")


class Timers:
    """Wraps functions in thread-CPU timers, keyed by the kind of the entry _entry is handling."""

    def __init__(self) -> None:
        self.totals: Totals = collections.defaultdict(lambda: [0, 0])
        self.kind = "run"

    def wrap(self, owner: Any, name: str, label: str, top: bool = False) -> None:
        original: Callable[..., Any] = getattr(owner, name)
        clock, totals, timers = time.thread_time_ns, self.totals, self

        def timed_iter(inner: Iterator[Any], kind: str) -> Iterator[Any]:
            while True:
                started = clock()
                try:
                    item = next(inner)
                except StopIteration:
                    totals[(label, kind)][0] += clock() - started
                    return
                totals[(label, kind)][0] += clock() - started
                yield item

        def timed(*args: Any, **kwargs: Any) -> Any:
            if top:
                entry = args[1]
                timers.kind = "screened" if entry.screened_out else \
                    "pid1" if entry.fields.get("_PID") == "1" else "other"
            kind = timers.kind
            started = clock()
            result = original(*args, **kwargs)
            spent = clock() - started
            total = totals[(label, kind)]
            total[0] += spent
            total[1] += 1
            if top:
                timers.kind = "run"
            return timed_iter(result, kind) if inspect.isgenerator(result) else result

        setattr(owner, name, timed)


class Empty:
    def call(self, value: int) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--anomalies", action="store_true", help="keep the anomaly rules (default: disabled)")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--steps", default=",".join(DEFAULT_STEPS), help="dotted paths, comma-separated")
    args = parser.parse_args()
    timers = Timers()
    timers.wrap(Empty, "call", "(empty method)")
    empty = Empty()
    for value in range(100_000):
        empty.call(value)
    import logsentry.service_journal
    timers.wrap(logsentry.service_journal.ServiceReading, "_entry", "ServiceReading._entry", top=True)
    for path in filter(None, args.steps.split(",")):
        owner, name = resolve(path)
        timers.wrap(owner, name, path.removeprefix("logsentry."))
    directory = service_replay.build(args.entries)
    service_replay.patch_clocks()
    cpu, entries, digest = service_replay.one_run(directory, 60, args.anomalies)
    print(f"{entries} entries: {cpu / entries * 1e6:.2f} µs CPU an entry timed (load {os.getloadavg()[0]:.2f}), "
          f"digest {digest}")
    totals = timers.totals
    overhead, calls = totals.pop(("(empty method)", "run"))
    print(f"a timed call costs ~{overhead / calls / 1000:.2f} µs more")
    for (label, kind), (spent, calls) in sorted(totals.items(), key=lambda item: (item[0][1], -item[1][0])):
        if calls:
            print(f"{kind:8} {label:52} {calls:7} calls {spent / 1e6:8.1f} ms {spent / calls / 1000:7.2f} µs a call")


if __name__ == "__main__":
    main()
