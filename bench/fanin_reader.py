"""The fan-in reader alone (sources/fanin.py, no pipeline): CPU per entry and lag while it follows HOSTS
journal-remote files fed at RATE entries/s in all, for each source tree given, one after the other in one run.

Each host's file is written by its own systemd-journal-remote from a FIFO (as bench/fleet.py --follow does); the
reader, in a child process with PYTHONPATH set to the tree, iterates FanInFollower over the directory with the
shipped rules' screen from the files' ends and counts what comes. Figures: the child's user+system CPU
(getrusage: its scanner threads included; `main` is its main thread alone) per entry read, as % of one core,
the wake-ups (CAUGHT_UP items) and the lag of what was handed over (wall clock at hand-over minus the journal
time of the entry, or of a ScreenedRun's newest entry), p50 and p99. A tree is a checkout with its extensions
built (`python setup.py build_ext --inplace`), e.g. a `git archive` of an older commit, to compare readers:

    .venv/bin/python bench/fanin_reader.py --hosts 1 --rate 20000 --seconds 8 /tmp/old .
    .venv/bin/python bench/fanin_reader.py --hosts 200 --rate 20000 --seconds 10 /tmp/old .
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def reader(directory: Path, seconds: float) -> None:
    """In the child: follow `directory` from its files' ends, say "ready", wait for a line, then measure."""
    from logsentry.engine.detector import Detector
    from logsentry.model import Entry, ScreenedRun
    from logsentry.rules.loader import default_rule_dirs, load_rules
    from logsentry.sources.fanin import FanInFollower, tail_positions
    from logsentry.sources.selection import Selection

    detector = Detector(load_rules(list(default_rule_dirs())).rules)
    items = iter(FanInFollower(directory, Selection(), detector.screen(), detector.needed_fields,
                               tail_positions(directory), wait_s=1.0))
    for item in items:
        if item is None:
            break
    print("ready", flush=True)
    sys.stdin.readline()
    before, began, main_before = resource.getrusage(resource.RUSAGE_SELF), time.monotonic(), time.thread_time()
    entries, wakes, lags = 0, 0, []
    for item in items:
        if item is None:
            wakes += 1
        elif isinstance(item, ScreenedRun):
            entries += item.count
            lags.append(time.time_ns() // 1000 - item.peak_usec)
        elif isinstance(item, Entry):
            entries += 1
            lags.append(time.time_ns() // 1000 - item.realtime_usec)
        if time.monotonic() - began > seconds:
            break
    after, main_cpu = resource.getrusage(resource.RUSAGE_SELF), time.thread_time() - main_before
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    lags.sort()
    print(json.dumps({"entries": entries, "cpu_s": round(cpu, 2), "us_per_entry": round(cpu / max(entries, 1) * 1e6, 2),
                      "core_pct": round(100 * cpu / seconds, 1), "main_thread_cpu_s": round(main_cpu, 2),
                      "wakes": wakes, "lag_p50_ms": round(lags[len(lags) // 2] / 1000, 1) if lags else None,
                      "lag_p99_ms": round(lags[int(len(lags) * 0.99)] / 1000, 1) if lags else None}), flush=True)


def run(tree: Path, hosts: int, rate: int, seconds: float) -> str:
    sys.path.insert(0, str(ROOT))
    from logsentry.sources.journal_files import journal_remote

    tool = journal_remote()
    if tool is None:
        sys.exit("systemd-journal-remote is needed (scripts/setup installs it)")
    work = Path(tempfile.mkdtemp(prefix="fanin-reader-"))
    remote = work / "remote"
    remote.mkdir()
    fds, feeders, heads = [], [], []
    for host in range(hosts):
        fifo = work / f"host{host:03d}.fifo"
        os.mkfifo(fifo)
        fds.append(os.open(fifo, os.O_RDWR))
        feeders.append(subprocess.Popen([tool, "-o", str(remote / f"remote-host{host:03d}.journal"), str(fifo)],
                                        stderr=subprocess.DEVNULL))
        heads.append(f"_BOOT_ID={host:08x}b007{'0' * 20}\n_MACHINE_ID={host:08x}{'ab' * 12}\n_HOSTNAME=host{host:03d}\n"
                     "_SYSTEMD_UNIT=api.service\nSYSLOG_IDENTIFIER=api\nPRIORITY=6\n")

    def write(host: int, count: int, serial: int) -> None:
        now = time.time_ns() // 1000
        os.write(fds[host], "".join(f"__REALTIME_TIMESTAMP={now}\n__MONOTONIC_TIMESTAMP={now}\n{heads[host]}"
                                    f"MESSAGE=request {serial + i} took 12ms\n\n" for i in range(count)).encode())

    try:
        for host in range(hosts):
            write(host, 1, 0)
        time.sleep(1)
        child = subprocess.Popen([sys.executable, __file__, "--child", str(remote), str(seconds)], text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 env={**os.environ, "PYTHONPATH": str(tree.resolve())})
        assert child.stdin is not None and child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            sys.exit(f"{tree}: the reader did not start")
        child.stdin.write("go\n")
        child.stdin.flush()
        began, written = time.monotonic(), 0
        while time.monotonic() - began < seconds + 0.5:
            due = int(rate * (time.monotonic() - began)) - written
            if due > 0:
                per_host, extra = divmod(due, hosts)
                for host in range(hosts):
                    if count := per_host + (1 if host < extra else 0):
                        write(host, count, written)
                written += due
            time.sleep(0.02 if hosts > 1 else 0.001)  # as bench/fleet.py; one host: as bench/follow.py's writer
        result = child.stdout.readline().strip()
        child.wait(timeout=30)
        return result
    finally:
        for fd in fds:
            os.close(fd)
        for feeder in feeders:
            feeder.terminate()
            feeder.wait(timeout=10)
        subprocess.run(["rm", "-rf", "--", str(work)], check=False)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        reader(Path(sys.argv[2]), float(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rate", type=int, default=20000, help="entries/s in all")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("trees", nargs="+", type=Path, help="source trees to compare (each with built extensions)")
    args = parser.parse_args()
    for tree in args.trees:
        load = os.getloadavg()[0]
        result = run(tree, args.hosts, args.rate, args.seconds)
        print(f"{tree}: {args.hosts} hosts at {args.rate}/s, load {load:.1f} at start: {result}", flush=True)


if __name__ == "__main__":
    main()
