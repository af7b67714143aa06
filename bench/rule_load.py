"""Start-up: loading the shipped rules with their regexes compiled at load (eager) or at first use (lazy), and a
paste scan end to end. Each figure is the median of fresh processes, eager and lazy alternating in one run.

    .venv/bin/python bench/rule_load.py                 # 7 runs of each row, 30-60 s
    .venv/bin/python bench/rule_load.py --repeat 15

Rows (rules/pattern.py says why the shipped rules are compiled lazily):
    load-eager   load_rules([shipped], lazy_shipped=False): as `rules test` and `config check` load them
    load-lazy    load_rules([shipped], lazy_shipped=True): as scan, tail and run load them
    scan-eager   `logsentry scan --file PASTE -o json` with every rule file loaded eagerly (the tree before lazy
                 loading, emulated: load_rule_file is patched to lazy=False)
    scan         `logsentry scan --file PASTE -o json` as shipped
PASTE is 20 syslog lines of a service failing on a full disk (written here). The load rows time load_rules alone,
in a process that imported it already; the scan rows are wall time of the whole process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PASTE = """\
Dec  7 08:10:01 web01 systemd[1]: Starting myapp.service - My App...
Dec  7 08:10:01 web01 myapp[2211]: INFO starting worker pool size=4
Dec  7 08:10:02 web01 myapp[2211]: INFO connected to postgres at 10.0.0.5:5432
Dec  7 08:10:02 web01 systemd[1]: Started myapp.service - My App.
Dec  7 08:10:05 web01 CRON[2240]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)
Dec  7 08:10:07 web01 sshd[2250]: Accepted publickey for deploy from 192.0.2.10 port 52234 ssh2
Dec  7 08:10:09 web01 myapp[2211]: INFO GET /api/items 200 12ms
Dec  7 08:10:11 web01 myapp[2211]: WARNING slow query took 2300ms
Dec  7 08:10:12 web01 myapp[2211]: ERROR could not write /var/lib/myapp/cache.db: No space left on device
Dec  7 08:10:12 web01 myapp[2211]: Traceback (most recent call last):
Dec  7 08:10:12 web01 myapp[2211]:   File "/usr/lib/myapp/store.py", line 88, in save
Dec  7 08:10:12 web01 myapp[2211]:     fh.write(blob)
Dec  7 08:10:12 web01 myapp[2211]: OSError: [Errno 28] No space left on device
Dec  7 08:10:13 web01 systemd[1]: myapp.service: Main process exited, code=exited, status=1/FAILURE
Dec  7 08:10:13 web01 systemd[1]: myapp.service: Failed with result 'exit-code'.
Dec  7 08:10:18 web01 systemd[1]: myapp.service: Scheduled restart job, restart counter is at 1.
Dec  7 08:10:18 web01 systemd[1]: Stopped myapp.service - My App.
Dec  7 08:10:18 web01 systemd[1]: Starting myapp.service - My App...
Dec  7 08:10:19 web01 myapp[2301]: INFO starting worker pool size=4
Dec  7 08:10:19 web01 systemd[1]: Started myapp.service - My App.
"""

LOAD = """\
import sys, time
from logsentry.rules.loader import load_rules, shipped_rules_dir
started = time.perf_counter()
rule_set = load_rules([shipped_rules_dir()], lazy_shipped=sys.argv[1] == "lazy")
elapsed = time.perf_counter() - started
assert len(rule_set.rules) > 300 and not rule_set.errors, rule_set.errors
print(elapsed)
"""

SCAN_EAGER = """\
import sys
import logsentry.rules.loader as loader
eager = loader.load_rule_file
loader.load_rule_file = lambda path, display=None, *, lazy=False: eager(path, display)
from logsentry.cli import main
sys.argv[0] = "logsentry"
main()
"""


def child_env() -> dict[str, str]:
    """This checkout's logsentry, whatever the venv has installed."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))}


def time_load(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", LOAD, mode], env=child_env(), cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def time_scan(paste: Path, eager: bool) -> tuple[float, str]:
    start = [sys.executable, "-c", SCAN_EAGER] if eager else [sys.executable, "-m", "logsentry"]
    started = time.perf_counter()
    done = subprocess.run([*start, "scan", "--file", str(paste), "-o", "json"], env=child_env(), cwd=REPO,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 3):
        sys.exit(f"scan failed ({done.returncode}): {done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="runs of each row (the median is reported)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(f"warning: load average {load:.1f} on {os.cpu_count()} cores: the figures will be noisy",
              file=sys.stderr)
    times: dict[str, list[float]] = {"load-eager": [], "load-lazy": [], "scan-eager": [], "scan": []}
    with tempfile.TemporaryDirectory() as tmp:
        paste = Path(tmp) / "paste.log"
        paste.write_text(PASTE)
        outputs = set()
        for _ in range(args.repeat):  # alternating, so that a change of load weighs on both sides alike
            times["load-eager"].append(time_load("eager"))
            times["load-lazy"].append(time_load("lazy"))
            for row, eager in (("scan-eager", True), ("scan", False)):
                elapsed, output = time_scan(paste, eager)
                times[row].append(elapsed)
                outputs.add(output)
    if len(outputs) != 1:
        sys.exit("the scans' outputs differ between eager and lazy loading")
    medians = {row: statistics.median(values) for row, values in times.items()}
    print(f"{'row':<12} {'median s':>9} {'min s':>7} {'max s':>7}   (runs: {args.repeat}; load average at the start "
          f"{load:.1f}, at the end {os.getloadavg()[0]:.1f})")
    for row, values in times.items():
        print(f"{row:<12} {medians[row]:>9.3f} {min(values):>7.3f} {max(values):>7.3f}")
    print(f"load-lazy / load-eager = {medians['load-lazy'] / medians['load-eager']:.2f}; "
          f"scan / scan-eager = {medians['scan'] / medians['scan-eager']:.2f} "
          f"({(medians['scan-eager'] - medians['scan']) * 1000:.0f} ms less); the scans' outputs are the same")


if __name__ == "__main__":
    main()
