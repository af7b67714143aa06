"""The service reading a live journal (issue 15): CPU per entry at a steady rate, idle CPU, write-to-incident
latency, and a backlog caught up against `scan`'s time on the same journal, all in one run.

A real `logsentry run` follows a journal written by systemd-journal-remote from a FIFO (the path the tests
use). A writer feeds it entries sampled from the bench journal (bench/make_journal.py: 26 units, realistic
lines, about 5 % errors) at a steady rate, stamped with the current time, plus a probe line a few times a
second; the service has the shipped rules and a probe rule (one incident per probe, restart action, dry
run). Figures:

- CPU per entry: the service's user+system CPU (/proc/PID/stat) from the start of the steady window until it
  has counted every entry written in it (its sd_notify STATUS), divided by those entries; % of one core is
  that CPU over the window's wall time.
- idle CPU: the service's CPU over a quiet period after that, as % of one core.
- latency: from each probe line's journal time (stamped as it is written) to the service's log line of its
  incident, which names that time ("N hits since T"): both in milliseconds of the same clock; p50 and p99.
  The feed is one write every --write-ms (default 1 ms: 20 entries at 20k/s), the probe last in its write.
  systemd-journal-remote takes about 28 µs of CPU an entry here (perf), so with 10-ms writes of 200 entries
  a probe first waits about 5 ms behind the 199 before it in journal-remote alone: `--write-ms 10` measures
  that burst, the default a steady stream.
- backlog: the service (watching `units = ["*"]`, every unit the journal names) started with its cursor at
  the first entry of the bench journal (no baseline warm-up: that only runs without a cursor) until its
  STATUS count stops growing (the time of its last growth, within about a second: STATUS comes once a
  second while a backlog is read), against `logsentry scan -D` with the same rules, in the same run; the
  ratio is the service's time over scan's. Its CPU is read 5 s after it finished (idle by then).

What the CPU figure holds (measured on the 2-core machine, see bench/service_replay.py --pause-ms): the service's
loop wakes for a hand-over every 3 ms (~60 entries at 20k/s) and in between journal-remote (~28 µs an entry, half
a core at 20k/s), this writer and whatever else runs evict its caches, so the same work costs 1.5-2x what the
replay measures in one go. The writer's 1-ms cadence does not make the batches: the scanner's 3-ms coalescing
does (--write-ms 10 gives ~200-entry batches every 10 ms and costs about the same: longer gaps evict more). So the
figure moves with the machine's load, and per-wake-up costs are not where it goes: compare versions alternately.

    .venv/bin/python bench/follow.py                          # 20k entries/s for 20 s, then the 1M backlog
    .venv/bin/python bench/follow.py --no-anomalies           # signature rules only (both sides)
    .venv/bin/python bench/follow.py --skip-backlog --seconds 10
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from logsentry.hosts import local_machine_id  # noqa: E402
from logsentry.rules.loader import load_rules  # noqa: E402
from logsentry.sources.journal_files import export_entry, journal_remote  # noqa: E402
from logsentry.state_open import open_service_state  # noqa: E402

BENCH_JOURNAL = Path("/var/tmp/logsentry-bench/data/s1-n1000000-g2/journal")
PROBE_RULE = """id = "bench-probe"
title = "bench probe"
severity = "critical"
action = "restart"
[match]
message = '^BENCHPROBE (?P<id>\\d+)$'
[trigger]
count = 1
within = "1s"
group_by = "id"
"""
ANOMALY_RULES = tuple(sorted(rule.id for rule in load_rules([ROOT / "rules" / "anomaly"]).rules
                             if rule.anomaly is not None))
"""Every shipped anomaly rule, from the rule files (a list written here missed the two added later, so
--no-anomalies still ran them)."""
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK  # utime, stime


def main_thread_seconds(pid: int) -> float:
    """The CPU of the process's main thread alone (its task has the process's id): the Python read loop;
    the rest is the reader threads (the C scanners, the inotify waits) and the outbox."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


class Status(threading.Thread):
    """Receives the service's sd_notify messages: the entry count from STATUS."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.entries = 0

    def run(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536).decode("utf-8", "replace")
            except OSError:
                return
            if found := re.search(r"; (\d+) entries,", data):
                self.entries = int(found.group(1))

    def settled(self, quiet: float, timeout: float) -> float:
        """When the entry count last grew, once it has not grown for `quiet` seconds (STATUS comes at least
        once a second while a backlog is read)."""
        deadline, last, changed = time.monotonic() + timeout, -1, time.monotonic()
        while time.monotonic() - changed < quiet or self.entries == 0:
            if time.monotonic() > deadline:
                raise SystemExit(f"the service was still counting after {timeout}s")
            if self.entries != last:
                last, changed = self.entries, time.monotonic()
            time.sleep(0.01)
        return changed

    def wait_for(self, entries: int, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while self.entries < entries:
            if time.monotonic() > deadline:
                raise SystemExit(f"the service counted {self.entries} of {entries} entries in {timeout}s")
            time.sleep(0.005)
        return time.monotonic()


def sample_entries(journal: Path, count: int) -> list[bytes]:
    """Export-format entries (without timestamps) from the bench journal's last `count` entries."""
    done = subprocess.run(["journalctl", "-D", str(journal), "-o", "json", "-n", str(count), "-q",
                           "--output-fields=_SYSTEMD_UNIT,PRIORITY,MESSAGE,SYSLOG_IDENTIFIER,_PID"],
                          capture_output=True, check=True)
    machine = local_machine_id()
    out = []
    for line in done.stdout.splitlines():
        record = json.loads(line)
        message = record.get("MESSAGE")
        if not isinstance(message, str) or "_SYSTEMD_UNIT" not in record:
            continue
        fields = {name: record[name] for name in ("_SYSTEMD_UNIT", "PRIORITY", "SYSLOG_IDENTIFIER", "_PID")
                  if isinstance(record.get(name), str)}
        out.append(export_entry({**fields, "MESSAGE": message, "_MACHINE_ID": machine}))
    return out


def quiet_entries(sample: list[bytes], no_anomalies: bool) -> list[bytes]:
    """The sample's entries that the service's screen summarises (no rule can match them: no candidate), found
    by reading the sample through the scanner with the shipped rules' and the probe rule's screen (anomaly
    rules are no part of it: the scanner counts for them): a quiet host's traffic, where only the probes come
    in full."""
    from logsentry.engine.detector import Detector
    from logsentry.rules.loader import shipped_rules_dir
    from logsentry.sources.journal import JournalLocation
    from logsentry.sources.journal_files import build_journal
    from logsentry.sources.screening import open_scanner
    from logsentry.sources.selection import Selection

    with tempfile.TemporaryDirectory(dir="/var/tmp") as scratch:
        rules_dir = Path(scratch) / "rules"
        rules_dir.mkdir()
        (rules_dir / "bench-probe.toml").write_text(PROBE_RULE)
        rule_set = load_rules([shipped_rules_dir(), rules_dir], ANOMALY_RULES if no_anomalies else ())
        detector = Detector([rule for rule in rule_set.rules if rule.anomaly is None])
        boot = uuid.uuid4().hex
        export = b"".join(stamp(b"BENCH_INDEX=%d\n" % index + body, boot) for index, body in enumerate(sample))
        journal = build_journal(export, Path(scratch) / "sample.journal")
        scanner = open_scanner(JournalLocation(files=(journal,)), Selection(), detector.screen(), ("BENCH_INDEX",))
        full = set()
        while (batch := scanner.read()) is not None:
            # a candidate is (realtime, cursor, fields, level); a run has more members
            full.update(int(item[2]["BENCH_INDEX"]) for item in batch if len(item) == 4)
        scanner.close()
    return [body for index, body in enumerate(sample) if index not in full]


def stamp(body: bytes, boot: str) -> bytes:
    now = time.time_ns() // 1000
    return b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n" % (now, now, boot.encode()) + body


def write_config(root: Path, journal: Path, units: list[str], no_anomalies: bool) -> Path:
    rules = root / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "bench-probe.toml").write_text(PROBE_RULE)
    disabled = f"disabled_rules = {json.dumps(list(ANOMALY_RULES))}\n" if no_anomalies else ""
    config = root / "logsentry.toml"
    config.write_text(f'state_dir = "{root / "state"}"\njournal_directory = "{journal}"\nrules = ["{rules}"]\n'
                      f"dry_run = true\n{disabled}\n[[watch]]\nunits = {json.dumps(units)}\nactions = [\"restart\"]\n")
    config.chmod(0o600)
    return config


PROFILE: list[str] = []


def start_service(config: Path, notify: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NOTIFY_SOCKET": str(notify)}
    with open(log, "ab") as out:
        return subprocess.Popen([*PROFILE, sys.executable, "-m", "logsentry", "run", "-c", str(config)], env=env,
                                stdout=out, stderr=out, cwd=ROOT)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT if PROFILE else signal.SIGTERM)  # py-spy writes its graph on SIGINT
    process.wait(timeout=60)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def steady(args: argparse.Namespace, root: Path, units: list[str], sample: list[bytes]) -> dict[str, float]:
    live = root / "live"
    live.mkdir()
    fifo = root / "feed.fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR)
    tool = journal_remote()
    assert tool, "systemd-journal-remote is required (scripts/setup installs it)"
    remote = subprocess.Popen([tool, "-o", str(live / "live.journal"), str(fifo)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    boot, machine = uuid.uuid4().hex, local_machine_id()
    notify = root / "notify.sock"
    status = Status(notify)
    status.start()
    log = root / "service.log"
    os.write(fd, stamp(sample[0], boot))  # a journal file to open
    time.sleep(0.5)
    service = start_service(write_config(root, live, units, args.no_anomalies), notify, log)
    try:
        while "ready: watching" not in log.read_text():
            time.sleep(0.05)
        time.sleep(0.5)
        base = status.entries
        chunk = max(1, round(args.rate * args.write_ms / 1000))  # one write every --write-ms
        probes: list[float] = []
        written, index, next_probe = 0, 0, time.monotonic()
        cpu0, main0, start = cpu_seconds(service.pid), main_thread_seconds(service.pid), time.monotonic()
        while time.monotonic() - start < args.seconds:
            due = start + (written + chunk) / args.rate
            parts = []
            for _ in range(chunk):
                parts.append(stamp(sample[index % len(sample)], boot))
                index += 1
            if time.monotonic() >= next_probe:
                next_probe += 1 / args.probes
                probe = export_entry({"_SYSTEMD_UNIT": units[0], "PRIORITY": "6", "_MACHINE_ID": machine,
                                      "_SYSTEMD_INVOCATION_ID": uuid.uuid4().hex,
                                      "MESSAGE": f"BENCHPROBE {len(probes)}"})
                parts.append(stamp(probe, boot))
                probes.append(time.time())
            os.write(fd, b"".join(parts))
            written += chunk
            time.sleep(max(0.0, due - time.monotonic()))
        wall = time.monotonic() - start
        status.wait_for(base + written + len(probes), timeout=120)
        cpu1, main1, caught_up = cpu_seconds(service.pid), main_thread_seconds(service.pid), time.monotonic()
        time.sleep(1.0)
        cpu2 = cpu_seconds(service.pid)
        time.sleep(args.idle)
        cpu3 = cpu_seconds(service.pid)
    finally:
        stop(service)
        os.close(fd)
        remote.terminate()
        remote.wait(timeout=10)
    def moment(text: str) -> float:
        return time.mktime(time.strptime(text[:19], "%Y-%m-%d %H:%M:%S")) + int(text[20:23]) / 1000

    latencies = []
    for line in log.read_text().splitlines():
        stamp_ = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d{3})"
        if found := re.match(stamp_ + r" \w+ incident bench-probe on .* hits? since " + stamp_, line):
            latencies.append((moment(found.group(1)) - moment(found.group(2))) * 1000)
    entries = written + len(probes)
    return {"rate": entries / wall, "entries": entries, "cpu_s": cpu1 - cpu0,
            "us_per_entry": (cpu1 - cpu0) / entries * 1e6, "main_us_per_entry": (main1 - main0) / entries * 1e6,
            "core_pct": (cpu1 - cpu0) / (caught_up - start) * 100,
            "idle_core_pct": (cpu3 - cpu2) / args.idle * 100, "probes": len(probes), "probes_seen": len(latencies),
            "p50_ms": statistics.median(latencies) if latencies else float("nan"),
            "p99_ms": percentile(latencies, 0.99) if latencies else float("nan")}


def first_cursor(journal: Path) -> str:
    reader = subprocess.Popen(["journalctl", "-D", str(journal), "-o", "json", "-q"], stdout=subprocess.PIPE)
    assert reader.stdout is not None
    line = reader.stdout.readline()
    reader.kill()
    reader.wait()
    return str(json.loads(line)["__CURSOR"])


def backlog(args: argparse.Namespace, root: Path) -> dict[str, float]:
    journal = args.journal
    rules = root / "rules"
    scan_cmd = [sys.executable, "-m", "logsentry", "scan", "-D", str(journal), "--rules", str(rules), "-o", "json"]
    if args.no_anomalies:
        scan_cmd.append("--no-anomalies")
    before = os.times()
    started = time.monotonic()
    subprocess.run(scan_cmd, stdout=subprocess.DEVNULL, check=False, cwd=ROOT)
    scan_s, after = time.monotonic() - started, os.times()
    scan_cpu = (after.children_user + after.children_system) - (before.children_user + before.children_system)
    state_dir = root / "backlog-state"
    state_dir.mkdir()
    state, _ = open_service_state(state_dir / "state.db")
    state.commit({"cursor": first_cursor(journal)}, [], time.time_ns() // 1000)
    state.close()
    config = write_config(root, journal, ["*"], args.no_anomalies)  # every unit the journal names
    config.write_text(config.read_text().replace(str(root / "state"), str(state_dir)))
    notify = root / "backlog.sock"
    status = Status(notify)
    status.start()
    started = time.monotonic()
    service = start_service(config, notify, root / "backlog.log")
    try:
        done = status.settled(quiet=5.0, timeout=1800)
        service_cpu = cpu_seconds(service.pid)
        total = status.entries
    finally:
        stop(service)
    service_s = done - started
    return {"entries": total, "scan_s": scan_s, "scan_cpu_s": scan_cpu, "service_s": service_s,
            "service_cpu_s": service_cpu, "ratio": service_s / scan_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=20_000, help="entries per second (default 20000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the steady window")
    parser.add_argument("--idle", type=float, default=10.0, help="length of the quiet period")
    parser.add_argument("--probes", type=float, default=5.0, help="probe lines per second")
    parser.add_argument("--write-ms", type=float, default=1.0,
                        help="the feed's cadence: one write to journal-remote's FIFO every this many ms")
    parser.add_argument("--journal", type=Path, default=BENCH_JOURNAL, help="the backlog (and the sample)")
    parser.add_argument("--no-anomalies", action="store_true", help="signature rules only")
    parser.add_argument("--skip-backlog", action="store_true")
    parser.add_argument("--quiet-feed", action="store_true",
                        help="feed only the sampled entries no rule can match (a quiet host: only the probes are "
                        "screen candidates)")
    parser.add_argument("--profile", type=Path, help="run the service under py-spy, writing this flame graph "
                        "(the CPU figures then include py-spy's sampling)")
    args = parser.parse_args()
    if args.profile:
        PROFILE.extend([str(Path(sys.executable).parent / "py-spy"), "record", "-o", str(args.profile),
                        *(("--format", "raw") if args.profile.suffix == ".txt" else ()), "--"])
    sample = sample_entries(args.journal, 20_000)
    if args.quiet_feed:
        kept = quiet_entries(sample, args.no_anomalies)
        print(f"quiet feed: {len(kept)} of the {len(sample)} sampled entries (those the screen summarises)")
        sample = kept
    units = sorted({re.search(rb"_SYSTEMD_UNIT=([^\n]+)", s).group(1).decode() for s in sample  # type: ignore[union-attr]
                    if re.search(rb"_SYSTEMD_UNIT=([^\n]+)", s)})
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores here: other work skews every figure)")
    root = Path(tempfile.mkdtemp(prefix="logsentry-follow-", dir="/var/tmp"))  # kept when a step fails
    if True:
        result = steady(args, root, units, sample)
        print(f"steady: {result['entries']} entries at {result['rate']:.0f}/s: {result['us_per_entry']:.2f} us CPU "
              f"an entry ({result['main_us_per_entry']:.2f} in the main thread, the Python read loop), "
              f"{result['core_pct']:.1f} % of a core; idle {result['idle_core_pct']:.2f} % of a core; "
              f"write-to-incident p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms "
              f"({result['probes_seen']}/{result['probes']} probes)")
        if not args.skip_backlog:
            caught = backlog(args, root)
            print(f"backlog: {caught['entries']} entries (every unit the journal names): "
                  f"service {caught['service_s']:.1f} s "
                  f"({caught['service_cpu_s']:.1f} s CPU), scan {caught['scan_s']:.1f} s "
                  f"({caught['scan_cpu_s']:.1f} s CPU): {caught['ratio']:.2f}x scan's time")
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
