"""Fleet benchmark (issue 17): many hosts' journals in journal-remote's layout, scanned as a collector would.

    .venv/bin/python bench/fleet.py                       # 200 hosts, 5,000,000 entries in all
    .venv/bin/python bench/fleet.py --entries 200000      # a smaller run (same hosts, fewer entries each)
    .venv/bin/python bench/fleet.py --hosts 50 --entries 500000 --repeat 3

Builds (cached by hosts, entries and generator version) under /var/tmp/logsentry-bench/fleet/h<H>-n<N>-g<V>/
one `remote-hostNNN.journal` per host (journal-remote rotates big ones into `remote-hostNNN@...journal`), each
written by systemd-journal-remote from export format with its own `_MACHINE_ID` and `_HOSTNAME`, the hosts'
entries interleaved in time over one hour: web, app, database and timer units, ~3 % error lines, and one MVar
deadlock burst on every 20th host (what the collector must find). Then, in one run and on the same warm files:

* `journalctl -D DIR -o cat` (the baseline: reads every entry's MESSAGE),
* `logsentry scan -D DIR -o json --no-anomalies` (signatures and silences; every host's windows apart),
* `logsentry scan -D DIR -o json` (with the anomaly rules),

each timed (median of --repeat runs) with its peak RSS (`/usr/bin/time -f %M`, KiB), as entries/s and as a
ratio to journalctl's time. A check: the MVar incidents found, one per burst host. Results as JSON in
bench/results/fleet-<time>-h<H>-n<N>.json.

    .venv/bin/python bench/fleet.py --follow 20000 --seconds 60     # the service following 200 live hosts

`--follow RATE` instead starts one systemd-journal-remote per host on a FIFO (a fresh directory), `logsentry
run` over the directory with its metrics endpoint on 127.0.0.1, and writes RATE entries/s in all, stamped with
the current time, spread over the hosts; every second it scrapes the service: the largest
`logsentry_journal_lag_seconds{host}` (refreshed whenever the service has caught up) and
`logsentry_entries_read_total` against the entries written (the backlog). It reports the service's CPU share,
the largest backlog after the first 3 s, the median and largest per-host lag, its memory (RSS, anonymous and
file-backed) at the end of writing and again once it reads no more (its held scanners idle), and the entries it
never read of those journalctl lists in the files (bench/results/fleet-follow-*).
The writer and the journal-remote processes share the machine with the service: on 2 cores they cost about as
much as it does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from logsentry.model import Entry
from logsentry.sources.fanin import FanInFollower, tail_positions
from logsentry.sources.journal_files import FieldValue, export_entry, journal_remote
from logsentry.sources.selection import Selection


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

GENERATOR_VERSION = 1
ROOT = Path("/var/tmp/logsentry-bench/fleet")
RESULTS = Path(__file__).resolve().parent / "results"
START_USEC = 1_732_579_200_000_000  # 2024-11-26 00:00:00 UTC
SPAN_USEC = 3600 * 1_000_000
BURST_EVERY = 20
MVAR = "thread blocked indefinitely in an MVar operation"

UNITS: tuple[tuple[str, int, Callable[[random.Random], str]], ...] = (
    ("nginx.service", 6, lambda r: f'10.0.{r.randrange(256)}.{r.randrange(256)} - - "GET /api/v1/items/'
                                   f'{r.randrange(10**6)} HTTP/1.1" {r.choice((200, 200, 200, 304, 404))} '
                                   f'{r.randrange(100, 90000)} "-" "curl/8.5.0"'),
    ("api.service", 6, lambda r: f"request id={r.getrandbits(64):016x} user={r.randrange(10**5)} took "
                                 f"{r.randrange(1, 900)}ms"),
    ("api.service", 3, lambda r: f"ERROR upstream timeout after {r.randrange(1, 30)}s (pool {r.randrange(8)})"),
    ("postgresql.service", 6, lambda r: f"LOG:  checkpoint complete: wrote {r.randrange(9999)} buffers"),
    ("cron.service", 6, lambda r: f"(root) CMD (run-parts /etc/cron.hourly {r.randrange(99)})"),
    ("systemd-timesyncd.service", 6, lambda r: f"Contacted time server 10.0.0.{r.randrange(1, 9)}:123."),
)
WEIGHTS = (45, 30, 3, 10, 6, 6)


def machine_id(host: int) -> str:
    return f"{host:08x}" + "f1ee7" + "0" * 19


def host_entries(host: int, count: int) -> Iterator[dict[str, FieldValue]]:
    """One host's entries in time order, spread over SPAN_USEC (seeded by the host number)."""
    rng = random.Random(host)
    name, machine, boot = f"host{host:03d}", machine_id(host), f"{host:08x}" + "b007" + "0" * 20
    times = sorted(rng.randrange(SPAN_USEC) for _ in range(count))
    burst_from = count // 2 if host % BURST_EVERY == 0 else count + 1
    for index, offset in enumerate(times):
        if burst_from <= index < burst_from + 30:
            unit, priority, message = "api.service", 3, f"api: {MVAR}"
        else:
            unit, priority, make = rng.choices(UNITS, WEIGHTS)[0]
            message = make(rng)
        yield {"__REALTIME_TIMESTAMP": START_USEC + offset, "__MONOTONIC_TIMESTAMP": offset + 1,
               "_BOOT_ID": boot, "_MACHINE_ID": machine, "_HOSTNAME": name, "_SYSTEMD_UNIT": unit,
               "SYSLOG_IDENTIFIER": unit.split(".")[0], "_PID": str(1000 + host), "_UID": "0",
               "PRIORITY": priority, "MESSAGE": message}


def build(hosts: int, entries: int) -> Path:
    """The collector's directory (cached): one journal-remote run per host, two at a time."""
    directory = ROOT / f"h{hosts}-n{entries}-g{GENERATOR_VERSION}"
    done = directory / "built.json"
    if done.exists():
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    (directory / "remote").mkdir(parents=True)
    tool = journal_remote()
    if tool is None:
        sys.exit("systemd-journal-remote is needed (scripts/setup installs it)")
    began = time.monotonic()
    running: list[subprocess.Popen[bytes]] = []
    for host in range(hosts):
        count = entries // hosts + (1 if host < entries % hosts else 0)
        process = subprocess.Popen([tool, "-o", str(directory / "remote" / f"remote-host{host:03d}.journal"), "-"],
                                   stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert process.stdin is not None
        chunk = []
        for record in host_entries(host, count):
            chunk.append(export_entry(record))
            if len(chunk) >= 2000:
                process.stdin.write(b"".join(chunk))
                chunk = []
        process.stdin.write(b"".join(chunk))
        process.stdin.close()
        running.append(process)
        while len(running) >= 2:
            running.pop(0).wait()
    for process in running:
        process.wait()
    seconds = time.monotonic() - began
    size = sum(path.stat().st_size for path in (directory / "remote").iterdir())
    done.write_text(json.dumps({"hosts": hosts, "entries": entries, "build_s": round(seconds, 1), "bytes": size}))
    print(f"built {hosts} hosts, {entries} entries, {size / 2**20:.0f} MiB in {seconds:.0f} s", file=sys.stderr)
    return directory


def timed(argv: list[str]) -> tuple[float, int, bytes]:
    """Wall seconds, peak RSS (KiB) and stdout of one run."""
    began = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], capture_output=True, check=False)
    seconds = time.monotonic() - began
    if done.returncode != 0:
        sys.exit(f"{argv[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
    return seconds, int(done.stderr.decode().strip().splitlines()[-1]), done.stdout


def scrape(port: int) -> dict[str, dict[str, float]]:
    """logsentry's metrics: name -> {host label (or ""): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    out: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[sample.labels.get("host", "")] = sample.value
    return out


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def follow(hosts: int, rate: int, seconds: float) -> dict[str, object]:
    """The service following `hosts` live journals (one journal-remote per host, fed through a FIFO) written at
    `rate` entries/s in all for `seconds`: its read rate, backlog, CPU and per-host lag (its own metric)."""
    tool = journal_remote()
    if tool is None:
        sys.exit("systemd-journal-remote is needed (scripts/setup installs it)")
    work = Path(tempfile.mkdtemp(prefix="follow-", dir=ROOT))
    remote = work / "remote"
    remote.mkdir()
    fds, feeders = [], []
    heads = []
    for host in range(hosts):
        fifo = work / f"host{host:03d}.fifo"
        os.mkfifo(fifo)
        fds.append(os.open(fifo, os.O_RDWR))
        feeders.append(subprocess.Popen([tool, "-o", str(remote / f"remote-host{host:03d}.journal"), str(fifo)],
                                        stderr=subprocess.DEVNULL))
        heads.append(f"_BOOT_ID={host:08x}b007{'0' * 20}\n_MACHINE_ID={machine_id(host)}\n_HOSTNAME=host{host:03d}\n"
                     "_SYSTEMD_UNIT=api.service\nSYSLOG_IDENTIFIER=api\nPRIORITY=6\n")

    def write(host: int, count: int, serial: int) -> None:
        now = time.time_ns() // 1000
        os.write(fds[host], "".join(f"__REALTIME_TIMESTAMP={now}\n__MONOTONIC_TIMESTAMP={now}\n{heads[host]}"
                                    f"MESSAGE=request {serial + i} took 12ms\n\n" for i in range(count)).encode())

    for host in range(hosts):
        write(host, 1, 0)
    port = free_port()
    (work / "logsentry.toml").write_text(f'''state_dir = "{work / 'state'}"
journal_directory = "{remote}"
hostname = "collector"
[metrics]
listen = "127.0.0.1:{port}"
[[watch]]
units = ["*"]
actions = ["alert"]
''')
    (work / "state").mkdir(mode=0o700)
    log = open(work / "service.log", "wb")  # noqa: SIM115  (closed below)
    service = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(work / "logsentry.toml")],
                               stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while b"ready: watching" not in (work / "service.log").read_bytes():
        if time.monotonic() > deadline or service.poll() is not None:
            sys.exit(f"the service did not start: {(work / 'service.log').read_text()[-2000:]}")
        time.sleep(0.1)
    written, tick, lags, samples = 0, 0.02, [], []
    began = time.monotonic()
    cpu_before = cpu_seconds(service.pid)
    feeders_before = sum(cpu_seconds(feeder.pid) for feeder in feeders)
    writer_before = time.process_time()
    next_sample = began + 1
    while (elapsed := time.monotonic() - began) < seconds:
        due = int(rate * elapsed) - written
        if due > 0:
            per_host, extra = divmod(due, hosts)
            for host in range(hosts):
                count = per_host + (1 if host < extra else 0)
                if count:
                    write(host, count, written)
            written += due
        if time.monotonic() >= next_sample:
            next_sample += 1
            metrics = scrape(port)
            host_lags = list(metrics.get("logsentry_journal_lag_seconds", {}).values())
            if host_lags:
                lags.append(max(host_lags))
            samples.append((time.monotonic() - began, written, metrics["logsentry_entries_read_total"][""]))
        time.sleep(tick)
    cpu = cpu_seconds(service.pid) - cpu_before
    rss = memory_mib(service.pid)
    feeders_cpu = sum(cpu_seconds(feeder.pid) for feeder in feeders) - feeders_before
    writer_cpu = time.process_time() - writer_before
    read_total, still, settle_until = -1.0, 0, time.monotonic() + 60  # until the service reads no more
    while still < 3 and time.monotonic() < settle_until:
        time.sleep(1)
        now_read = scrape(port)["logsentry_entries_read_total"][""]
        still, read_total = (still + 1, now_read) if now_read == read_total else (0, now_read)
    idle = memory_mib(service.pid)  # read all, waiting 3 s and more: the held scanners are idle
    listed = subprocess.run(["journalctl", "-D", str(remote), "-o", "cat", "--no-pager", "-q"], capture_output=True,
                            check=True)
    in_files = listed.stdout.count(b"\n")
    service.terminate()
    service.wait(timeout=30)
    log.close()
    for fd in fds:
        os.close(fd)
    for feeder in feeders:
        feeder.terminate()
        feeder.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)
    steady = [s for s in samples if s[0] >= 3]
    behind = [max(0.0, w - r) for _t, w, r in steady]
    return {"hosts": hosts, "rate": rate, "seconds": seconds, "written": written + hosts,
            "in_journal_files": in_files, "read_by_service": int(read_total),
            "missed_by_service": in_files - hosts - int(read_total),  # the first `hosts` came before it started
            "service_cpu_s": round(cpu, 1),
            "service_cpu_share": round(cpu / seconds, 2),
            "journal_remote_cpu_share": round(feeders_cpu / seconds, 2),
            "writer_cpu_share": round(writer_cpu / seconds, 2),
            "max_backlog_entries": int(max(behind, default=0)),
            "max_host_lag_s_p50": round(statistics.median(lags), 2) if lags else None,
            "max_host_lag_s_max": round(max(lags), 2) if lags else None,
            "service_rss_mib": rss.get("VmRSS"), "service_peak_rss_mib": rss.get("VmHWM"),
            "service_rss_anon_mib": rss.get("RssAnon"), "service_rss_file_mib": rss.get("RssFile"),
            "service_idle_rss_anon_mib": idle.get("RssAnon"), "service_idle_rss_file_mib": idle.get("RssFile")}


def memory_mib(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak), RssAnon and RssFile of a process (MiB)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {key: int(value.split()[0]) // 1024 for key, value in
            (line.split(":", 1) for line in status.splitlines()) if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


def merge_check() -> list[str]:
    """Two hosts' files followed through one sd-journal (as the service reads a directory): host a's entry
    stamped now+2 s is read, then host b's entry stamped now+1 s reaches b's file. Returns what the follower
    read after that ([] when sd-journal skips it; journalctl -D lists it)."""
    from systemd import journal

    tool = journal_remote()
    if tool is None:
        sys.exit("systemd-journal-remote is needed (scripts/setup installs it)")
    work = Path(tempfile.mkdtemp(prefix="merge-"))
    (work / "d").mkdir()
    fds, feeders = [], []
    for name in "ab":
        os.mkfifo(work / f"{name}.fifo")
        fds.append(os.open(work / f"{name}.fifo", os.O_RDWR))
        feeders.append(subprocess.Popen([tool, "-o", str(work / "d" / f"remote-{name}.journal"),
                                         str(work / f"{name}.fifo")], stderr=subprocess.DEVNULL))
    now = time.time_ns() // 1000

    def write(index: int, at: int, message: str) -> None:
        os.write(fds[index], export_entry({"__REALTIME_TIMESTAMP": at, "__MONOTONIC_TIMESTAMP": at,
                                           "_BOOT_ID": f"{index}" * 32, "_MACHINE_ID": f"{index + 1}" * 32,
                                           "MESSAGE": message}))
        time.sleep(0.3)

    write(0, now, "a0")
    write(1, now, "b0")
    reader = journal.Reader(path=str(work / "d"))
    reader.seek_tail()
    reader.get_previous()
    reader.get_next()
    fanin = iter(FanInFollower(work / "d", Selection(), positions=tail_positions(work / "d")))  # the service's
    fanin_read = fanin_messages(fanin)
    write(0, now + 2_000_000, "a at now+2s")
    reader.wait(1)
    first = [str(e["MESSAGE"]) for e in reader]
    fanin_read += fanin_messages(fanin)
    write(1, now + 1_000_000, "b at now+1s")
    reader.wait(1)
    after = [str(e["MESSAGE"]) for e in reader]
    fanin_read += fanin_messages(fanin)
    print(f"one sd-journal over the directory read {first}, then {after}")
    print(f"the service's host-by-host follower (sources/fanin.py) read {fanin_read}")
    listed = subprocess.run(["journalctl", "-D", str(work / "d"), "-o", "cat"], capture_output=True, text=True,
                            check=True).stdout.split()
    for fd in fds:
        os.close(fd)
    for feeder in feeders:
        feeder.terminate()
        feeder.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)
    print(f"journalctl -D lists {len(listed)} words: {' '.join(listed)}")
    return after


def fanin_messages(items: Iterator[object]) -> list[str]:
    """What the fan-in follower hands over until it has caught up (its CAUGHT_UP, None)."""
    read: list[str] = []
    for item in items:
        if item is None:
            return read
        if isinstance(item, Entry):
            read.append(str(item.fields.get("MESSAGE", item.message)))
    return read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--entries", type=int, default=5_000_000, help="in all (default 5,000,000)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--follow", type=int, metavar="RATE", default=0,
                        help="instead: the service following --hosts live journals at RATE entries/s in all")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to write with --follow")
    parser.add_argument("--merge-check", action="store_true",
                        help="instead: does sd-journal, following a directory, return an entry that reaches one "
                             "host's file with a time before one already read from another's?")
    args = parser.parse_args()
    if args.merge_check:
        print("one sd-journal: " + ("returned it" if merge_check() else "SKIPPED b at now+1s"))
        return
    if args.follow:
        ROOT.mkdir(parents=True, exist_ok=True)
        result = follow(args.hosts, args.follow, args.seconds)
        RESULTS.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        out = RESULTS / f"fleet-follow-{stamp}-h{args.hosts}-r{args.follow}.json"
        out.write_text(json.dumps({**result, "load_at_end": round(os.getloadavg()[0], 2)}, indent=1) + "\n")
        print(json.dumps(result, indent=1))
        print(out)
        return
    directory = build(args.hosts, args.entries)
    remote = str(directory / "remote")
    meta = json.loads((directory / "built.json").read_text())
    logsentry = [sys.executable, "-m", "logsentry", "scan", "-D", remote, "-o", "json"]
    commands = {"journalctl": ["journalctl", "-D", remote, "-o", "cat", "--no-pager"],
                "scan --no-anomalies": [*logsentry, "--no-anomalies"],
                "scan": logsentry}
    subprocess.run(["cat", *(str(p) for p in Path(remote).iterdir())], stdout=subprocess.DEVNULL, check=True)
    load = os.getloadavg()[0]
    rows: dict[str, dict[str, float]] = {}
    mvar_hosts: set[str] = set()
    for name, argv in commands.items():
        runs = [timed(argv) for _ in range(args.repeat)]
        seconds = statistics.median(run[0] for run in runs)
        rows[name] = {"seconds": round(seconds, 2), "entries_per_s": round(args.entries / seconds),
                      "peak_rss_mib": round(max(run[1] for run in runs) / 1024, 1)}
        if name == "scan --no-anomalies":
            records = [json.loads(line) for line in runs[0][2].splitlines()]
            mvar_hosts = {r["host"] for r in records if r["type"] == "incident" and r["rule"] == "ghc-mvar-deadlock"}
            summary = records[-1]
            assert summary["type"] == "summary" and summary["entries"] == args.entries, summary
    base = rows["journalctl"]["seconds"]
    for row in rows.values():
        row["ratio_to_journalctl"] = round(row["seconds"] / base, 2)
    expected = {f"host{h:03d}" for h in range(0, args.hosts, BURST_EVERY)}
    result = {"hosts": args.hosts, "entries": args.entries, "build": meta, "load_at_start": round(load, 2),
              "repeat": args.repeat, "rows": rows, "mvar_hosts_found": len(mvar_hosts),
              "mvar_hosts_expected": len(expected), "mvar_hosts_match": mvar_hosts == expected}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"fleet-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-h{args.hosts}-n{args.entries}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{args.hosts} hosts, {args.entries} entries ({meta['bytes'] / 2**20:.0f} MiB, built in "
          f"{meta['build_s']} s), load {load:.1f} at start")
    print(f"{'':22} {'seconds':>8} {'entries/s':>10} {'x journalctl':>12} {'peak RSS MiB':>12}")
    for name, row in rows.items():
        print(f"{name:22} {row['seconds']:8.2f} {row['entries_per_s']:10,.0f} {row['ratio_to_journalctl']:12.2f} "
              f"{row['peak_rss_mib']:12.1f}")
    print(f"MVar incidents on {len(mvar_hosts)} hosts of {len(expected)} with a burst "
          f"({'all found' if mvar_hosts == expected else 'MISMATCH'}); {out}")


if __name__ == "__main__":
    main()
