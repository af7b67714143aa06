"""Memory of the service path over a long run: is it flat with time, and bounded with many units and keys?

Drives a real `Service` (logsentry run's object: pipeline, guarded policy, per-unit context lines, alert
state, SQLite outbox and state commits, the outbox worker with a failing channel) with N synthetic entries,
as its journal follower would hand them over, and samples the process's anonymous RSS as it goes. The
journal reader itself is left out: it is C (sd-journal) with no state that grows with entries, and feeding
10M entries through a real journal would take a 10 GB file. The stream is hostile on purpose:

- 5,000 units in rotation, and every 50,000 entries 1,000 new unit names that are never seen again;
- sshd "Failed password" lines from a new client address each time (group keys from log text),
  200 a second, while a real brute force from one address runs in bursts;
- error-priority bursts (error-burst, grouped by unit), MVar deadlocks, units that go silent and return.

    .venv/bin/python bench/memory.py                      # 10M entries, about 10 minutes
    .venv/bin/python bench/memory.py --entries 2000000    # quicker
    .venv/bin/python bench/memory.py --case long-lines    # 6,000 lines of 48 KiB, 1,200 group keys

The long-lines case (issue 13) feeds 6,000 matching lines of 48 KiB (journald's longest) spread over 1,200 group
keys, so 1,200 incidents stay open with samples and context lines, then lets the service sit idle for 60
catch-ups (a minute), then starts a second service on the state it left. It judges peak RSS (VmHWM) against the
shipped unit's limit as the level below, and reports the state directory's size and the CPU time of the idle minute.

It prints the samples and judges: after a warm-up (the first 20%, and until the burst windows and the
silence tracking have filled to their limits), anonymous RSS may not grow by more than 10% or 8 MB,
whichever is larger. A run too short to fill them is inconclusive. And the level: the peak anonymous RSS
(sampled at every catch-up, warm-up included) may not pass the shipped unit's MemoryHigh= (else MemoryMax=),
read from contrib/logsentry.service, less PAGE_CACHE_MIB for the journal files' pages that the cgroup counts
too. Results go to bench/results/memory.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from logsentry.config_parse import load_config  # noqa: E402
from logsentry.engine.absence import MAX_UNITS  # noqa: E402
from logsentry.engine.window import MAX_WINDOWS  # noqa: E402
from logsentry.model import Entry  # noqa: E402
from logsentry.service import Service, quiet_collector  # noqa: E402
from logsentry.timespec import wall_usec  # noqa: E402

STEP_USEC = 1_000  # 1,000 entries a second of journal time: 10M entries are about 2.8 hours
UNITS = 5_000


def anon_kib() -> int:
    match = re.search(r"RssAnon:\s+(\d+) kB", Path("/proc/self/status").read_text())
    return int(match.group(1)) if match else 0


def entry_at(i: int, start_usec: int) -> Entry:
    """The i-th entry of the stream (deterministic but for the start time: the service's clock is real)."""
    at = start_usec + i * STEP_USEC
    unit = f"svc{i % UNITS}.service"
    fields = {"_PID": str(1000 + i % UNITS), "_UID": "100", "SYSLOG_IDENTIFIER": unit[:-8],
              "_SYSTEMD_INVOCATION_ID": f"{i % UNITS:032x}"}
    if i % 50_000 < 1_000:  # a wave of never-again unit names
        unit = f"oneshot-{i}.service"
    priority = 6
    if i % 5 == 0:  # 200/s: a new client address every time
        message = f"Failed password for invalid user admin from 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255} " \
                  f"port {1024 + i % 60000} ssh2"
        unit = "ssh.service"
    elif i % 100_000 < 2_000 and i % 20 == 1:  # a brute force from one address, in bursts
        message = "Failed password for root from 203.0.113.7 port 40022 ssh2"
        unit = "ssh.service"
    elif i % 37 == 0:
        message, priority = f"request {i} failed: upstream reset", 3
    elif i % 200_000 < 500 and i % 5 == 2:
        message, unit = "cachix-server: thread blocked indefinitely in an MVar operation", "cachix.service"
    elif (i // 300_000) % 2 and unit == "svc7.service":
        message, unit = "heartbeat", "svc8.service"  # svc7 goes silent for a while, then comes back
    else:
        message = f"GET /api/items/{i % 997} 200 {i % 53}ms"
    return Entry(at, message, unit, priority, f"s=bench;i={i:x}", fields)


UNIT_FILE = ROOT / "contrib" / "logsentry.service"
PAGE_CACHE_MIB = 32
"""What the level check leaves of the unit's limit for the page cache of the journal files the service reads
(the cgroup counts it as the service's memory): four of sd-journal's mmap windows, 8 MiB each (systemd's
mmap-cache.c WINDOW_SIZE), the tail of the file being followed and the entry arrays and hash tables it looks up.
Below that the kernel reclaims those pages on every read. A fleet collector needs more (README: "Memory")."""
_SIZE_SUFFIXES = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def unit_memory_limits(unit_file: Path = UNIT_FILE) -> dict[str, float]:
    """MemoryHigh= and MemoryMax= of a unit file's [Service] section, in MiB (systemd's sizes: bytes or a K, M,
    G, T suffix, base 1024; "infinity" leaves a setting out). Raises ValueError naming the file and line for a
    size this does not read (a percentage: it depends on the machine) and for a unit without MemoryMax=."""
    limits: dict[str, float] = {}
    for number, line in enumerate(unit_file.read_text().splitlines(), 1):
        name, _, value = line.strip().partition("=")
        if name not in ("MemoryHigh", "MemoryMax"):
            continue
        value = value.strip()
        if value == "infinity":
            limits.pop(name, None)
            continue
        match = re.fullmatch(r"(\d+)([KMGT]?)", value)
        if match is None:
            raise ValueError(f"{unit_file}:{number}: {name}={value}: not a size in bytes or K, M, G, T")
        limits[name] = int(match.group(1)) * _SIZE_SUFFIXES[match.group(2)] / (1 << 20)
    if "MemoryMax" not in limits:
        raise ValueError(f"{unit_file}: no MemoryMax= to judge the level against")
    return limits


def level_limit_mib(limits: dict[str, float]) -> float:
    """The most anonymous memory the service may reach: its unit's soft limit (MemoryHigh=, where the kernel
    starts throttling and reclaiming it), else MemoryMax=, less PAGE_CACHE_MIB for the journal files' pages."""
    return min(limits.values()) - PAGE_CACHE_MIB


def limits_text(limits: dict[str, float]) -> str:
    return ", ".join(f"{name} {mib:.0f} MiB" for name, mib in sorted(limits.items()))
LONG_LINE = 48 * 1024
LONG_RULE = """id = "long-key"
title = "a keyed error whose lines are as long as journald allows"
severity = "error"
action = "alert"
[match]
message = '^ERROR key=(?P<key>k\\d+) '
[trigger]
count = 3
within = "1h"
group_by = "key"
"""


def long_entry(i: int, start_usec: int, keys: int) -> Entry:
    unit = f"app{i % 40}.service"
    fields = {"_PID": "1234", "_UID": "100", "SYSLOG_IDENTIFIER": unit[:-8], "_SYSTEMD_INVOCATION_ID": "ab" * 16}
    head = f"ERROR key=k{i % keys} request {i} failed: "
    message = head + "x" * (LONG_LINE - len(head))
    return Entry(start_usec + i * 10_000, message, unit, 3, f"s=bench;i={i:x}", fields)


def peak_rss_mib() -> float:
    """The process's peak resident set so far (VmHWM): transient peaks between samples included."""
    match = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
    return int(match.group(1)) / 1024 if match else 0.0


def state_size(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def long_lines(entries: int, keys: int) -> int:
    """The issue-13 case: long lines, many keys; RSS against MemoryMax, state size, idle CPU, restart RSS."""
    import os
    import subprocess

    with tempfile.TemporaryDirectory(prefix="logsentry-memory-long-") as tmp:
        rules = Path(tmp) / "rules"
        rules.mkdir()
        (rules / "long-key.toml").write_text(LONG_RULE)
        config_path = Path(tmp) / "logsentry.toml"
        config_path.write_text(f"""
state_dir = "{tmp}/state"
journal_directory = "{tmp}"
rules = ["{rules}"]
[[watch]]
units = ["*"]
actions = ["alert"]
[alerts]
backoff = "1s"
max_backoff = "30s"
[[channel]]
type = "command"
argv = ["/bin/false"]
""")
        config_path.chmod(0o600)
        logging.basicConfig(level=logging.ERROR, format="%(message)s")
        start_anon = anon_kib() / 1024
        service = Service(load_config(config_path), notify=lambda message: None)
        service.worker.start()
        quiet_collector()  # as Service.run does before its read loop
        start_usec = wall_usec() - entries * 10_000
        peak = 0.0
        started = time.perf_counter()
        for i in range(entries):
            service._entry(long_entry(i, start_usec, keys))
            if service.commit_due():
                service._commit()
            if i % 500 == 499:
                service._caught_up()
                peak = max(peak, anon_kib() / 1024)
        service._caught_up()
        fed_s = time.perf_counter() - started
        peak = max(peak, anon_kib() / 1024)
        high_water = peak_rss_mib()
        cpu = time.process_time()
        for _ in range(60):  # an idle minute: the read loop comes round once a second
            service._caught_up()
        idle_cpu = time.process_time() - cpu
        open_incidents = len(service.pipeline.open_incidents())
        service.worker.close()
        service._commit(final=True)
        service.state.close()
        if hasattr(service, "lock"):  # (older versions had no state lock)
            service.lock.close()
        size = state_size(Path(tmp) / "state")
        restarted = subprocess.run([sys.executable, __file__, "--restore", str(config_path)], capture_output=True,
                                   text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        restart_mib = float(restarted.stdout.split()[-1])
    limits = unit_memory_limits()
    limit = level_limit_mib(limits)
    verdict = high_water <= limit and restart_mib <= limit
    print(f"{entries:,} lines of {LONG_LINE // 1024} KiB over {keys:,} keys in {fed_s:.1f} s; {open_incidents:,} "
          f"incidents open\nanonymous RSS: {start_anon:.0f} MiB at start, {peak:.0f} MiB at most when sampled; peak "
          f"RSS (VmHWM) {high_water:.0f} MiB (at most {limit:.0f}: {limits_text(limits)} less {PAGE_CACHE_MIB} MiB "
          f"of page cache): {'PASS' if verdict else 'FAIL'}\n"
          f"idle minute (60 catch-ups): {idle_cpu:.2f} s of "
          f"CPU\nstate directory: {size / 1024 / 1024:.1f} MiB\na service restarted on that state: {restart_mib:.0f} "
          "MiB anonymous RSS")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "memory_long_lines.json").write_text(json.dumps(
        {"entries": entries, "keys": keys, "line_bytes": LONG_LINE, "peak_anon_mib": peak, "peak_rss_mib": high_water,
         "start_anon_mib": start_anon,
         "idle_minute_cpu_s": idle_cpu, "state_bytes": size, "restart_anon_mib": restart_mib,
         "unit_limits_mib": limits, "limit_mib": limit, "pass": verdict}, indent=1))
    return 0 if verdict else 1


def restore(config_path: Path) -> int:
    """Start a service on a saved state (as after a restart) and print its anonymous RSS in MiB."""
    service = Service(load_config(config_path), notify=lambda message: None)
    print(f"{anon_kib() / 1024:.1f}")
    service.state.close()
    return 0


def mallinfo_mib() -> tuple[float, float, float]:
    """glibc's heap (mallinfo2): bytes in use from malloc, bytes free but held, bytes in mmapped chunks; in MiB."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                          "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    return info.uordblks / 2**20, info.fordblks / 2**20, info.hblkhd / 2**20


def census_sample(first: dict[str, int] | None) -> dict[str, int]:
    """Print glibc's heap (in use, free but held) and the object types whose live count grew most since the first
    census (gc.get_objects: the containers Python tracks; their sizes as sys.getsizeof, shallow)."""
    import gc
    import sys as _sys
    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for obj in gc.get_objects():
        name = type(obj).__name__
        counts[name] = counts.get(name, 0) + 1
        sizes[name] = sizes.get(name, 0) + _sys.getsizeof(obj)
    used, free, mapped = mallinfo_mib()
    print(f"    malloc in use {used:.1f} MiB, free held {free:.1f}, mmapped {mapped:.1f}; {sum(counts.values()):,} "
          f"objects, {sum(sizes.values()) / 2**20:.1f} MiB shallow", flush=True)
    now = {**{f"n:{k}": v for k, v in counts.items()}, **{f"b:{k}": v for k, v in sizes.items()}}
    if first is None:
        return now
    grown = sorted(((now.get(f"b:{k}", 0) - first.get(f"b:{k}", 0), k) for k in counts), reverse=True)[:8]
    for delta, name in grown:
        more = now.get(f"n:{name}", 0) - first.get(f"n:{name}", 0)
        print(f"    {name:30} {delta / 1024:+9.1f} KiB shallow, {more:+8} objects", flush=True)
    return first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=("flat", "long-lines"), default="flat",
                        help="flat: memory over a long hostile run (default); long-lines: 48 KiB lines")
    parser.add_argument("--keys", type=int, default=1_200, help="long-lines: distinct group keys")
    parser.add_argument("--restore", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--journal-clock", action="store_true",
                        help="the service's clocks follow the entries' time (1 ms an entry: 10M entries are 2.8 h), "
                             "as bench/service_replay.py has them; without it the service clamps journal time "
                             "running ahead of the wall clock to the wall clock (service_journal._clamped), so the "
                             "stream's time passes at the bench's speed, some 20 minutes for 10M entries, and no "
                             "structure that expires after an hour ever does")
    parser.add_argument("--census-from", type=int, default=0,
                        help="from this entry on, at every sample, print glibc's heap in use and free (mallinfo2) and "
                             "the object types that grew since the first such sample (gc.get_objects)")
    parser.add_argument("--caught-up-every", type=int, default=5_000,
                        help="entries between the follower's catch-ups (tick, reminders, commit, prune)")
    args = parser.parse_args()
    if args.restore:
        return restore(args.restore)
    if args.case == "long-lines":
        return long_lines(6_000 if args.entries == 10_000_000 else args.entries, args.keys)
    with tempfile.TemporaryDirectory(prefix="logsentry-memory-") as tmp:
        config_path = Path(tmp) / "logsentry.toml"
        config_path.write_text(f"""
state_dir = "{tmp}/state"
journal_directory = "{tmp}"
[[watch]]
units = ["*"]
actions = ["restart", "alert"]
[restart]
systemctl = ["/bin/false"]
cooldown = "1s"
budget = 3
[alerts]
backoff = "1s"
max_backoff = "30s"
[[channel]]
type = "command"
argv = ["/bin/false"]
""")
        config_path.chmod(0o600)
        logging.basicConfig(level=logging.ERROR, format="%(message)s")
        clock = None
        if args.journal_clock:  # the service's clocks follow the entries' time, as service_replay.py has them
            sys.path.insert(0, str(ROOT / "bench"))
            import service_replay
            service_replay.patch_clocks()
            clock = service_replay.Clock
            clock.usec = wall_usec()
        service = Service(load_config(config_path), notify=lambda message: None)
        start_usec = wall_usec() if clock is None else clock.usec
        service.worker.start()
        quiet_collector()  # as Service.run does before its read loop
        every = max(1, args.entries // args.samples)
        samples: list[dict[str, float]] = []
        peak = 0.0  # anonymous RSS at every catch-up, between the samples too
        first_census: dict[str, int] | None = None
        started = time.perf_counter()
        try:
            for i in range(args.entries):
                if clock is not None:
                    clock.usec = start_usec + i * STEP_USEC
                service._entry(entry_at(i, start_usec))
                if service.commit_due():
                    service._commit()
                if i % args.caught_up_every == args.caught_up_every - 1:
                    service._caught_up()
                    peak = max(peak, anon_kib() / 1024)
                if i % every == every - 1:
                    pipeline = service.pipeline
                    samples.append({"entries": i + 1, "anon_mib": anon_kib() / 1024,
                                    "seconds": time.perf_counter() - started, "windows": len(pipeline.tracker),
                                    "evicted": pipeline.tracker.evicted,
                                    "units_tracked": sum(len(units) for units in pipeline.silence._seen.values()),
                                    "contexts": len(service.context), "alerting": len(service.alerting)})
                    s = samples[-1]
                    if args.census_from and i + 1 >= args.census_from:
                        first_census = census_sample(first_census)
                    print(f"{s['entries']:>11,} entries {s['seconds']:7.1f} s  anon {s['anon_mib']:6.1f} MiB  "
                          f"windows {s['windows']:>6} (evicted {s['evicted']:>9,})  silence units "
                          f"{s['units_tracked']:>6}  contexts {s['contexts']:>5}  open alerts {s['alerting']:>5}",
                          flush=True)
        finally:
            service.worker.close()
            service.state.close()
    # Warm-up: the first 20%, and until the tracked windows and units have reached their limits.
    full = [i for i, s in enumerate(samples) if i >= len(samples) // 5 and s["windows"] >= 0.9 * MAX_WINDOWS
            and s["units_tracked"] >= MAX_UNITS]
    if not full or full[0] >= len(samples) - 2:
        print("\ninconclusive: the run ended before the limits were reached (try more --entries)")
        flat, warm, peak_after = False, 0.0, 0.0
    else:
        warm = samples[full[0]]["anon_mib"]
        peak_after = max(s["anon_mib"] for s in samples[full[0]:])
        growth = peak_after - warm
        allowed = max(0.10 * warm, 8.0)
        flat = growth <= allowed
        print(f"\nafter warm-up ({samples[full[0]]['entries']:,} entries): {warm:.1f} MiB; peak after it "
              f"{peak_after:.1f} MiB; growth {growth:+.1f} MiB (allowed {allowed:.1f}): "
              f"{'PASS' if flat else 'FAIL'}")
    # The level: the most the run reached, warm-up included, against the shipped unit's limits.
    limits = unit_memory_limits()
    limit = level_limit_mib(limits)
    peak = max([peak, *(s["anon_mib"] for s in samples)])
    level = peak <= limit
    print(f"level: peak anonymous RSS {peak:.1f} MiB, at most {limit:.0f} ({limits_text(limits)} of "
          f"{UNIT_FILE.relative_to(ROOT)}, less {PAGE_CACHE_MIB} MiB of journal page cache): "
          f"{'PASS' if level else 'FAIL'}")
    verdict = flat and level
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "memory.json").write_text(json.dumps({"entries": args.entries, "samples": samples, "warm_mib": warm,
                                                 "peak_after_warm_mib": peak_after, "flat": flat, "peak_mib": peak,
                                                 "unit_limits_mib": limits, "limit_mib": limit, "level": level,
                                                 "pass": verdict}, indent=1))
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
