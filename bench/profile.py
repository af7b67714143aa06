"""Where `logsentry scan` spends its time: a py-spy sample of one scan, summed per function.

    .venv/bin/pip install py-spy                       # once (PyPI)
    .venv/bin/python bench/profile.py                  # 100k entries, shipped rules
    .venv/bin/python bench/profile.py --entries 1000000 --rules /var/tmp/logsentry-bench/rules/n100-g1
    .venv/bin/python bench/profile.py --cprofile       # deterministic counts (slower, inflates small calls)

Prints the functions with the most samples on top of the stack ("self") and anywhere on it ("total"),
as a share of all samples, and writes a flamegraph SVG and the raw collapsed stacks next to the
run's other outputs (/var/tmp/logsentry-bench/runs/profile-*). Uses the same generated journal as run.py.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
from pathlib import Path

import make_journal

VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::(?P<line>\d+))?\)$")


def frame_name(frame: str) -> str:
    """'detect (logsentry/engine/detector.py:80)' -> 'logsentry/engine/detector.py:detect'."""
    found = FRAME.match(frame)
    return f"{found['file']}:{found['func']}" if found else frame


def source_line(file: str, number: int) -> str:
    """The text of a line of a logsentry file (py-spy shortens paths to the package part)."""
    path = REPO / file
    try:
        return path.read_text().splitlines()[number - 1].strip()
    except (OSError, IndexError):
        return ""


def summarise(raw: Path, top: int) -> str:
    self_lines: collections.Counter[tuple[str, int]] = collections.Counter()
    self_time: collections.Counter[str] = collections.Counter()
    total_time: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame_name(f) for f in stack.split(";")]
        samples += count
        self_time[frames[-1]] += count
        last = FRAME.match(stack.split(";")[-1])
        if last and last["line"]:
            self_lines[(last["file"], int(last["line"]))] += count
        for name in set(frames):
            total_time[name] += count
    rows = [f"{samples} samples", "", f"{'self %':>7}  function"]
    rows += [f"{100 * n / samples:>6.1f}%  {name}" for name, n in self_time.most_common(top)]
    rows += ["", f"{'total %':>7}  function (self + callees)"]
    rows += [f"{100 * n / samples:>6.1f}%  {name}" for name, n in total_time.most_common(top * 2)]
    rows += ["", f"{'self %':>7}  line (C code called from a line counts for that line)"]
    rows += [f"{100 * n / samples:>6.1f}%  {file}:{number}  {source_line(file, number)}"
             for (file, number), n in self_lines.most_common(top)]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=make_journal.DEFAULT_SEED)
    parser.add_argument("--rules", type=Path, help="synthetic rule directory instead of the shipped library")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--cprofile", action="store_true", help="use cProfile (-s tottime) instead of py-spy")
    parser.add_argument("--root", type=Path, default=make_journal.DEFAULT_ROOT)
    args = parser.parse_args()

    cache = make_journal.build(args.seed, args.entries, args.root)
    scan = ["-m", "logsentry", "scan", "-D", str(cache.journal_dir), "-o", "json"]
    if args.rules:
        scan += ["--no-shipped-rules", "--rules", str(args.rules)]
    out_dir = args.root / "runs"
    out_dir.mkdir(parents=True, exist_ok=True)
    python = str(VENV_BIN / "python")
    if args.cprofile:
        stats = out_dir / "profile-cprofile.txt"
        with open(stats, "w") as handle:
            subprocess.run([python, "-m", "cProfile", "-s", "tottime", *scan], stdout=handle, check=True)
        lines = [line for line in stats.read_text().splitlines() if not line.startswith('{"type"')]
        print("\n".join(lines[: args.top + 10]))
        print(f"\nfull listing: {stats}", file=sys.stderr)
        return
    spy = shutil.which("py-spy", path=str(VENV_BIN)) or shutil.which("py-spy")
    if spy is None:
        sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
    raw = out_dir / "profile-raw.txt"
    svg = out_dir / "profile.svg"
    base = [spy, "record", "--rate", str(args.rate)]
    subprocess.run([*base, "--format", "raw", "-o", str(raw), "--", python, *scan],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    print(summarise(raw, args.top))
    print(f"\nraw stacks: {raw} (make an SVG with: {spy} record --format flamegraph -o {svg} -- "
          f"{python} {' '.join(scan)})", file=sys.stderr)


if __name__ == "__main__":
    main()
