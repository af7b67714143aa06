"""The floor of reading a journal through sd-journal in C, against journalctl -o cat on the same files in the same run.

Issue 15 asks the service for at most 2.5 µs of CPU an entry at 20k entries/s, everything included. This measures
what libsystemd's reader alone costs on the bench journal (bench/make_journal.py): a C program (compiled here with
gcc and pkg-config's libsystemd flags, in a temporary directory) that loops sd_journal_next() and reads MESSAGE
(sd_journal_get_data), or every field (SD_JOURNAL_FOREACH_DATA, as the scanner reads a candidate), and prints its
CPU µs an entry (CLOCK_PROCESS_CPUTIME_ID); journalctl's user+system CPU for -o cat is the reference. Best of
`--repeat` each, alternating.

    .venv/bin/python bench/journal_floor.py
    .venv/bin/python bench/journal_floor.py --journal DIR --repeat 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

DEFAULT = Path("/var/tmp/logsentry-bench/data/s1-n1000000-g2/journal")
SOURCE = r"""
#include <systemd/sd-journal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
int main(int argc, char **argv) {
    sd_journal *j;
    int all = argc > 2 && strcmp(argv[2], "all") == 0;
    if (sd_journal_open_directory(&j, argv[1], 0) < 0) return 1;
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    long n = 0; size_t bytes = 0; const void *d; size_t l;
    while (sd_journal_next(j) > 0) {
        n++;
        if (all) { SD_JOURNAL_FOREACH_DATA(j, d, l) bytes += l; }
        else if (sd_journal_get_data(j, "MESSAGE", &d, &l) >= 0) bytes += l;
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    printf("%ld %zu %.3f\n", n, bytes, ((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3) / n);
    return 0;
}
"""


def build(work: Path) -> Path:
    """The floor program, compiled in `work`."""
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libsystemd"], capture_output=True, text=True,
                           check=True).stdout.split()
    (work / "floor.c").write_text(SOURCE)
    subprocess.run(["gcc", "-O2", "-o", str(work / "floor"), str(work / "floor.c"), *flags], check=True)
    return work / "floor"


def journalctl_cpu(journal: Path) -> float:
    """CPU seconds of `journalctl -D DIR -o cat` (its rusage), its output thrown away."""
    before = os.times()
    subprocess.run(["journalctl", "-D", str(journal), "-q", "--no-pager", "-o", "cat"], stdout=subprocess.DEVNULL,
                   check=True)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journal", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.journal.is_dir():
        raise SystemExit(f"{args.journal}: no journal directory (bench/make_journal.py builds one)")
    if shutil.which("gcc") is None or shutil.which("pkg-config") is None:
        raise SystemExit("gcc and pkg-config are needed (scripts/setup installs libsystemd-dev)")
    with tempfile.TemporaryDirectory() as scratch:
        floor = build(Path(scratch))
        best: dict[str, float] = {}
        entries = 0
        for _ in range(args.repeat):
            for what in ("MESSAGE", "all"):
                out = subprocess.run([str(floor), str(args.journal), what], capture_output=True, text=True,
                                     check=True).stdout.split()
                entries = int(out[0])
                best[what] = min(best.get(what, float("inf")), float(out[2]))
            usec = journalctl_cpu(args.journal) / max(entries, 1) * 1e6
            best["journalctl"] = min(best.get("journalctl", float("inf")), usec)
    load = os.getloadavg()[0]
    print(f"{entries} entries in {args.journal} (load {load:.2f}); CPU µs an entry, best of {args.repeat}:")
    print(f"  sd-journal: next + MESSAGE       {best['MESSAGE']:.2f}")
    print(f"  sd-journal: next + every field   {best['all']:.2f}")
    print(f"  journalctl -o cat                {best['journalctl']:.2f}")
    print("issue 15's target for the whole service: 2.50 (signature rules), 5.00 (with the anomaly rules)")


if __name__ == "__main__":
    main()
