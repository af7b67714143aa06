"""What the anomaly rules cost in `logsentry scan`, against `journalctl -o cat` measured in the same run.

    .venv/bin/python bench/anomaly_speed.py                      # the 1M-entry bench journal (bench/make_journal.py)
    .venv/bin/python bench/anomaly_speed.py --journal DIR --repeat 3

Four commands on one journal, each `--repeat` times (best wall time kept, with its CPU seconds):
`journalctl -D DIR -o cat` (the floor), `scan --no-anomalies`, `scan` (anomaly rules on: engine/runstep.py,
the counted path) and `scan` with the per-entry anomaly path (Pipeline.runstep = None, the path before the
RunStep, kept as the reference). Prints wall and CPU seconds, ratios to journalctl, the anomaly step's CPU
per entry (scan less scan --no-anomalies) and the load average around each command (two cores shared with
other work skew wall times; CPU seconds less so). Checks that both anomaly paths print the same records.
Then the pipeline alone over items read beforehand (reading left out, so less noisy than the commands), CPU µs
per entry without anomaly rules, counted and per entry, best of `--repeat` passes: the scan path over the
first `--scan-entries` entries as scan reads them (ScreenedRuns and candidates in full), and the service path
over `--service-entries` entries read in full (as the service's former entry-by-entry reader gave them).
Results go to bench/results/anomaly-speed-*.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = Path("/var/tmp/logsentry-bench/data/s1-n1000000-g2/journal")
PER_ENTRY = ("import sys; from logsentry import pipeline; init = pipeline.Pipeline.__init__\n"
             "def per_entry(self, *a, **k):\n    init(self, *a, **k); self.runstep = None\n"
             "pipeline.Pipeline.__init__ = per_entry\n"
             "from logsentry.cli import main; sys.argv[0] = 'logsentry'; main()")


def run(cmd: list[str]) -> dict[str, float | str]:
    """Wall and CPU seconds (children's rusage), the load average before, and a digest of stdout."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    digest, tail = hashlib.sha256(), b""
    for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):  # type: ignore[union-attr]
        digest.update(chunk)
        tail = (tail + chunk)[-4096:]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{cmd[0]} ... exited with {status}")
    last = tail.rstrip(b"\n").rpartition(b"\n")[2]
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "load_before": load,
            "stdout_sha256": digest.hexdigest(), "last_line": last.decode("utf-8", "replace")}


def pipeline_path(journal: Path, count: int, screened: bool, repeat: int = 1) -> dict[str, float]:
    """CPU µs per entry of the pipeline (shipped rules) over items read beforehand (so reading is left out):
    the scan's items (`screened`: ScreenedRuns and candidates in full) or entries read in full, as the
    service's entry-by-entry reader gave them; without anomaly rules, with them counted, and with them per
    entry (the best of `repeat` passes each, alternating)."""
    sys.path.insert(0, str(ROOT))
    from logsentry.engine.detector import Detector
    from logsentry.engine.policy import Policy
    from logsentry.model import Entry, ScreenedRun
    from logsentry.pipeline import Pipeline
    from logsentry.rules.loader import load_rules, shipped_rules_dir
    from logsentry.sources import Selection, open_entries

    rules = load_rules([shipped_rules_dir()]).rules
    detector = Detector(rules)
    source = open_entries(Selection(), directory=journal, extra_fields=detector.needed_fields,
                          screen=detector.screen() if screened else None)
    items: list[Entry | ScreenedRun] = []
    entries = 0
    for item in source:
        items.append(item)
        entries += item.count if isinstance(item, ScreenedRun) else 1
        if entries >= count:
            break
    out: dict[str, float] = {}
    for _ in range(repeat):
        for name, with_anomalies, counted in (("no anomaly rules", False, False), ("counted", True, True),
                                              ("per entry", True, False)):
            pipeline = Pipeline(Detector(rules if with_anomalies else [r for r in rules if r.anomaly is None]),
                                Policy())
            if not counted:
                pipeline.runstep = None
            start = time.process_time()
            for _ in pipeline.run(items):
                pass
            usec = (time.process_time() - start) / entries * 1e6
            out[name] = min(out.get(name, usec), usec)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journal", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--service-entries", type=int, default=200_000,
                        help="entries for the service-path figure (0: skip it)")
    parser.add_argument("--scan-entries", type=int, default=1_000_000,
                        help="entries for the scan-path figure, the pipeline over the scan's items (0: skip it)")
    args = parser.parse_args()
    if not args.journal.is_dir():
        raise SystemExit(f"{args.journal}: no journal directory (bench/make_journal.py builds one)")
    python, journal = sys.executable, str(args.journal)
    commands = {
        "journalctl -o cat": ["journalctl", "-D", journal, "-q", "--no-pager", "-o", "cat"],
        "scan --no-anomalies": [python, "-m", "logsentry", "scan", "-D", journal, "-o", "json", "--no-anomalies"],
        "scan (anomaly rules, counted)": [python, "-m", "logsentry", "scan", "-D", journal, "-o", "json"],
        "scan (anomaly rules, per entry)": [python, "-c", PER_ENTRY, "scan", "-D", journal, "-o", "json"],
    }
    results: dict[str, dict[str, float | str]] = {}
    for name, cmd in commands.items():
        runs = [run(cmd) for _ in range(args.repeat)]
        results[name] = min(runs, key=lambda r: float(r["wall_s"]))
    floor = float(results["journalctl -o cat"]["wall_s"])
    entries = int(json.loads(str(results["scan --no-anomalies"]["last_line"]))["entries"])
    print(f"{entries} entries in {journal}")
    print(f"{'command':34} {'wall s':>7} {'CPU s':>7} {'x journalctl':>13} {'load':>5}")
    for name, result in results.items():
        print(f"{name:34} {result['wall_s']:>7} {result['cpu_s']:>7} {float(result['wall_s']) / floor:>12.2f}x "
              f"{float(result['load_before']):>5.2f}")
    base = float(results["scan --no-anomalies"]["cpu_s"])
    for name in ("scan (anomaly rules, counted)", "scan (anomaly rules, per entry)"):
        extra = (float(results[name]["cpu_s"]) - base) / max(entries, 1) * 1e6
        print(f"anomaly step, {name[21:-1]}: {extra:.2f} µs CPU per entry")
    same = results["scan (anomaly rules, counted)"]["stdout_sha256"] == \
        results["scan (anomaly rules, per entry)"]["stdout_sha256"]
    print("counted and per-entry paths print the same records:", "yes" if same else "NO")
    figures = {}
    for what, screened, count in (("scan", True, args.scan_entries), ("service", False, args.service_entries)):
        if not count:
            continue
        load = os.getloadavg()[0]
        path = figures[what] = pipeline_path(args.journal, count, screened, args.repeat)
        print(f"{what} path (pipeline over {count} entries' items read beforehand, "
              f"{'screened as scan reads them' if screened else 'every entry in full'}; CPU µs per entry, best of "
              f"{args.repeat}, load {load:.2f}): " + ", ".join(f"{name} {value:.2f}" for name, value in path.items()))
        print(f"anomaly step on the {what} path: counted {path['counted'] - path['no anomaly rules']:.2f} µs, "
              f"per entry {path['per entry'] - path['no anomaly rules']:.2f} µs")
    out = ROOT / "bench" / "results" / f"anomaly-speed-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)  # (git ignores bench/results/: a fresh clone has none)
    out.write_text(json.dumps({"journal": journal, "entries": entries, "results": results, "same": same,
                               "scan_path_usec_per_entry": figures.get("scan", {}),
                               "service_path_usec_per_entry": figures.get("service", {})}, indent=1))
    print(f"written to {out.relative_to(ROOT)}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
