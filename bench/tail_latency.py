"""How soon `logsentry tail` shows a match, and what it costs while the journal is quiet.

    .venv/bin/python bench/tail_latency.py                      # 1000 entries at 100/s, 10 s quiet
    .venv/bin/python bench/tail_latency.py --entries 2000 --rate 200 --quiet-s 30

Latency: each entry is written (export format) into the FIFO of a systemd-journal-remote writing a live
journal, as tests/conftest.py's `live_journal` does, and `logsentry tail -D DIR -o json` reads it; the
clock runs from just before the write to the moment its match line is read from tail's stdout pipe
(time.perf_counter_ns on both sides). So it includes journal-remote's own write and the inotify wake-up.

Quiet CPU: utime+stime from /proc/PID/stat of tail processes over a journal that gets no entries: the
`-o json` one above, and a live dashboard on a pseudo-terminal that has seen a few hits (so it has
counters and sparklines to keep up to date). A busy loop would show up as seconds of CPU.

Results: a table on stdout and bench/results/tail_latency.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import pty
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from logsentry.sources.journal_files import export_entry, journal_remote

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "tail_latency.json"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TARGETS = {"median_ms": 5.0, "p99_ms": 50.0}
RULE = """id = "bench"
title = "bench"
severity = "error"
action = "alert"
[match]
message = '^BENCH '
[trigger]
count = 1000000
within = "1s"
"""


class Feed:
    """A live journal: systemd-journal-remote reading export-format entries from a FIFO."""

    def __init__(self, root: Path):
        tool = journal_remote()
        if tool is None:
            sys.exit("systemd-journal-remote is required (scripts/setup installs it)")
        self.directory = root / "journal"
        self.directory.mkdir()
        fifo = root / "feed.fifo"
        os.mkfifo(fifo)
        self.fd = os.open(fifo, os.O_RDWR)
        self.process = subprocess.Popen([tool, "-o", str(self.directory / "live.journal"), str(fifo)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def write(self, message: str) -> int:
        """Write one entry; returns perf_counter_ns taken just before the write."""
        now = time.time_ns() // 1000
        record = export_entry({"__REALTIME_TIMESTAMP": now, "__MONOTONIC_TIMESTAMP": now,
                               "_BOOT_ID": "0123456789abcdef0123456789abcdef", "MESSAGE": message, "PRIORITY": 3,
                               "_SYSTEMD_UNIT": "bench.service", "SYSLOG_IDENTIFIER": "bench"})
        started = time.perf_counter_ns()
        os.write(self.fd, record)
        return started

    def close(self) -> None:
        os.close(self.fd)
        self.process.terminate()
        self.process.wait(timeout=10)


class LineReader:
    """Reads tail's stdout in a thread, stamping each line the moment readline returns it."""

    def __init__(self, stream: IO[bytes]):
        self.lines: queue.Queue[tuple[int, bytes]] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[bytes]) -> None:
        for line in iter(stream.readline, b""):
            self.lines.put((time.perf_counter_ns(), line))

    def get(self, timeout: float) -> tuple[int, bytes] | None:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None


@dataclass(frozen=True)
class CpuSample:
    cpu_ticks: int
    voluntary_switches: int


def cpu_sample(pid: int) -> CpuSample:
    """utime+stime (fields 14 and 15 of /proc/PID/stat) and how often the process went to sleep."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ", field 3 is fields[0]
    switches = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if line.startswith("voluntary_ctxt_switches"))
    return CpuSample(int(fields[11]) + int(fields[12]), switches)


def tail_command(directory: Path, rules: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "logsentry", "tail", "-D", str(directory), "--rules", str(rules),
            "--no-shipped-rules", *extra]


def wait_ready(feed: Feed, reader: LineReader, timeout: float = 10.0) -> None:
    """Write probes until tail prints one: it has positioned itself and is following."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        feed.write("BENCH probe")
        if (got := reader.get(0.2)) is not None and b"probe" in got[1]:
            return
    sys.exit("tail never printed a probe")


def measure_latency(feed: Feed, reader: LineReader, entries: int, rate: float) -> list[float]:
    """Milliseconds from write to match line, one per entry (probe lines are skipped)."""
    written: dict[int, int] = {}
    start = time.perf_counter()
    for seq in range(entries):
        pause = start + seq / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        written[seq] = feed.write(f"BENCH seq={seq}")
    read: dict[int, int] = {}
    deadline = time.monotonic() + 10
    while len(read) < entries and time.monotonic() < deadline:
        got = reader.get(0.5)
        if got is None:
            continue
        record = json.loads(got[1])
        message = record.get("message", "")
        if record.get("type") == "match" and message.startswith("BENCH seq="):
            read[int(message.removeprefix("BENCH seq="))] = got[0]
    missing = entries - len(read)
    if missing:
        sys.exit(f"{missing} entries were never shown by tail")
    return [(read[seq] - written[seq]) / 1e6 for seq in range(entries)]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def start_live(directory: Path, rules: Path) -> tuple[subprocess.Popen[bytes], threading.Thread]:
    """A live dashboard on a 40x120 pseudo-terminal, its screen output drained (and discarded)."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    process = subprocess.Popen(tail_command(directory, rules), stdin=slave, stdout=slave, stderr=slave, env=env,
                               start_new_session=True)
    os.close(slave)

    def drain() -> None:
        try:
            while os.read(master, 65536):
                pass
        except OSError:
            pass
        os.close(master)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return process, thread


def quiet_cpu(pids: dict[str, int], seconds: float) -> dict[str, dict[str, float]]:
    before = {name: cpu_sample(pid) for name, pid in pids.items()}
    time.sleep(seconds)
    after = {name: cpu_sample(pid) for name, pid in pids.items()}
    return {name: {"cpu_ms": (after[name].cpu_ticks - before[name].cpu_ticks) * 1000 / CLOCK_TICKS,
                   "clock_tick_ms": 1000 / CLOCK_TICKS,
                   "wakeups_per_s": (after[name].voluntary_switches - before[name].voluntary_switches) / seconds}
            for name in pids}


def stop(process: subprocess.Popen[Any]) -> int:
    process.send_signal(2)
    try:
        return process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def run(entries: int, rate: float, quiet_s: float) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="tail-latency-"))
    rules = root / "rules"
    rules.mkdir()
    (rules / "bench.toml").write_text(RULE)
    feed = Feed(root)
    command = tail_command(feed.directory, rules, "-o", "json")
    tail = subprocess.Popen(command, stdout=subprocess.PIPE, bufsize=0)
    live: subprocess.Popen[bytes] | None = None
    try:
        assert tail.stdout is not None
        reader = LineReader(tail.stdout)
        wait_ready(feed, reader)
        latencies = measure_latency(feed, reader, entries, rate)
        live, _ = start_live(feed.directory, rules)
        time.sleep(1.5)  # let the dashboard start, then give it something to show
        for seq in range(20):
            feed.write(f"BENCH warm {seq}")
        time.sleep(2.0)
        cpu = quiet_cpu({"json": tail.pid, "live": live.pid}, quiet_s)
        exit_codes = {"json": stop(tail), "live": stop(live)}
    finally:
        for process in (tail, live):
            if process is not None and process.poll() is None:
                process.kill()
        feed.close()
        shutil.rmtree(root, ignore_errors=True)
    latency = {"median_ms": statistics.median(latencies), "p99_ms": percentile(latencies, 0.99),
               "max_ms": max(latencies), "mean_ms": statistics.fmean(latencies), "min_ms": min(latencies)}
    return {
        "command": " ".join(["python", "-m", "logsentry", *command[3:]]).replace(str(root), "$TMP"),
        "entries": entries, "rate_per_s": rate, "latency": latency, "targets": TARGETS,
        "latency_ok": latency["median_ms"] < TARGETS["median_ms"] and latency["p99_ms"] < TARGETS["p99_ms"],
        "quiet_seconds": quiet_s, "quiet_cpu": cpu, "exit_codes": exit_codes,
        "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release(),
                 "systemd": subprocess.run(["journalctl", "--version"], capture_output=True, text=True,
                                           check=False).stdout.split("\n", 1)[0]},
    }


def print_table(result: dict[str, Any]) -> None:
    latency = result["latency"]
    print(f"logsentry tail latency: {result['entries']} entries at {result['rate_per_s']:g}/s, write -> match line")
    print(f"  {'median':<8}{latency['median_ms']:8.2f} ms   (target < {TARGETS['median_ms']:g} ms)")
    print(f"  {'p99':<8}{latency['p99_ms']:8.2f} ms   (target < {TARGETS['p99_ms']:g} ms)")
    print(f"  {'max':<8}{latency['max_ms']:8.2f} ms")
    print(f"  {'min':<8}{latency['min_ms']:8.2f} ms")
    print(f"quiet journal, {result['quiet_seconds']:g} s (CPU counted in {1000 / CLOCK_TICKS:g} ms clock ticks):")
    for name, cpu in result["quiet_cpu"].items():
        print(f"  {name:<8}{cpu['cpu_ms']:8.1f} ms CPU   {cpu['wakeups_per_s']:5.1f} wake-ups/s")
    print(f"latency targets met: {'yes' if result['latency_ok'] else 'NO'}; results in {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="entries written per second")
    parser.add_argument("--quiet-s", type=float, default=10.0, help="seconds of quiet journal for the CPU check")
    args = parser.parse_args()
    result = run(args.entries, args.rate, args.quiet_s)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)


if __name__ == "__main__":
    main()
