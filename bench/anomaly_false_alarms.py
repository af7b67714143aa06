"""How often the anomaly rules fire on journals of normal traffic: incidents per 10 units per 24 h of journal
time (issue 12's budget: at most 1).

    .venv/bin/python bench/anomaly_false_alarms.py --journal /var/tmp/logsentry-bench/data/s1-n1000000-g2/journal
    NORMAL_ONLY=1 ../shared/tools/realjournal/build.sh /var/tmp/realj-normal 200000
    .venv/bin/python bench/anomaly_false_alarms.py --journal /var/tmp/realj-normal/journal --retime 24

A journal written by a real journald in the sandbox covers seconds of journal time (it is written as fast
as the generator runs), so no unit would ever be warm; `--retime H` spreads its entries evenly over H hours,
in their order (exported with `journalctl -o export`, timestamps rewritten, rebuilt with
systemd-journal-remote), and the scan runs on that copy. Every incident is listed so a reader can tell the
scripted incidents of the benchmark journal (bench/make_journal.py plays one every 100k entries) from false
alarms. Results go to bench/results/anomaly-false-alarms-*.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from logsentry.sources.journal_files import journal_remote  # noqa: E402


def retime(directory: Path, hours: float, out: Path) -> Path:
    """A copy of the journal with its entries spread evenly over `hours`, in their order."""
    first, last, count = None, None, 0
    listing = subprocess.run(["journalctl", "-D", str(directory), "-o", "export",
                              "--output-fields=__REALTIME_TIMESTAMP"], capture_output=True, check=True).stdout
    for line in listing.splitlines():
        if line.startswith(b"__REALTIME_TIMESTAMP="):
            value = int(line.split(b"=", 1)[1])
            first = value if first is None else first
            last = value
            count += 1
    assert first is not None and last is not None and count > 1, "empty journal"
    step = hours * 3600e6 / (count - 1)
    tool = journal_remote()
    assert tool, "systemd-journal-remote is needed (scripts/setup installs it)"
    out.mkdir(parents=True, exist_ok=True)
    target = out / "retimed.journal"
    export = subprocess.Popen(["journalctl", "-D", str(directory), "-o", "export"], stdout=subprocess.PIPE)
    build = subprocess.Popen([tool, "-o", str(target), "-"], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert export.stdout is not None and build.stdin is not None
    index = 0
    for line in export.stdout:
        if line.startswith(b"__REALTIME_TIMESTAMP="):
            line = b"__REALTIME_TIMESTAMP=%d\n" % (first + int(index * step))
            index += 1
        elif line.startswith(b"__CURSOR="):
            continue
        build.stdin.write(line)
    build.stdin.close()
    export.wait()
    build.wait()
    return out


def measure(directory: Path, rules: Path) -> dict[str, object]:
    started = time.monotonic()
    scan = subprocess.run([sys.executable, "-m", "logsentry", "scan", "-D", str(directory), "--no-shipped-rules",
                           "--rules", str(rules), "-o", "json"], capture_output=True, text=True, check=True, cwd=ROOT)
    seconds = time.monotonic() - started
    records = [json.loads(line) for line in scan.stdout.splitlines()]
    summary = records[-1]
    units = subprocess.run(["journalctl", "-D", str(directory), "-F", "_SYSTEMD_UNIT"], capture_output=True,
                           text=True, check=True).stdout.split()
    hours = (summary["last_usec"] - summary["first_usec"]) / 3600e6
    incidents = [r for r in records if r["type"] == "incident"]
    rate = len(incidents) / (max(1, len(units)) / 10) / (hours / 24) if hours else float("nan")
    return {"journal": str(directory), "entries": summary["entries"], "hours": round(hours, 2),
            "units": len(units), "incidents": len(incidents),
            "incidents_per_10_units_per_24h": round(rate, 3), "scan_seconds": round(seconds, 1),
            "list": [{"at_hours": round((r["realtime_usec"] - summary["first_usec"]) / 3600e6, 2),
                      "rule": r["rule"], "unit": r["unit"], "why": r["why"], "template": r["template"]}
                     for r in incidents]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journal", type=Path, required=True, help="journal directory")
    parser.add_argument("--retime", type=float, help="spread the entries over this many hours first")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules" / "anomaly")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="logsentry-fa-", dir="/var/tmp") as tmp:
        directory = retime(args.journal, args.retime, Path(tmp)) if args.retime else args.journal
        result = measure(directory, args.rules)
    result["source"] = str(args.journal)
    result["retimed_hours"] = args.retime
    for item in result["list"]:  # type: ignore[attr-defined]
        print(f"  {item['at_hours']:7.2f} h  {item['rule']:22} {item['unit']:28} {item['why'][:80]}")
    print(f"{result['entries']} entries over {result['hours']} h, {result['units']} units: {result['incidents']} "
          f"anomaly incidents = {result['incidents_per_10_units_per_24h']} per 10 units per 24 h "
          f"(scan {result['scan_seconds']} s)")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"anomaly-false-alarms-{int(time.time())}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
