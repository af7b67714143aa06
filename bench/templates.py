"""Message templates on the loghub-2k parsing benchmark: grouping accuracy and speed, ours beside Drain and drain3.

    .venv/bin/pip install drain3          # for this benchmark only; logsentry does not depend on it
    .venv/bin/python bench/templates.py --loghub /work/loghub

`--loghub DIR` holds the 16 logs of logpai/logparser `data/loghub_2k/` (each `<Name>/<Name>_2k.log_structured.csv`,
found anywhere under DIR) and, for Drain's published figures, that repository's `docs/benchmark.rst` (or the
older `docs/benchmark.md`) anywhere under DIR or given with `--table`. Nothing of loghub is kept in this repository.

Grouping accuracy (GA): a line counts when the set of lines in its predicted group equals the set of lines in its
ground-truth group (EventId). Every parser sees each log's `Content` column, one line after another, as one unit.
Speed is the CPU time of the `add` calls per line in this process (first pass: every line new to the miner); "repeat"
is a second pass over the same lines (the exact-line cache, as for a service that keeps seeing the same lines).
Each parser runs `--repeat N` times per log (default 5), alternating, each time with a fresh miner, and the fastest
run counts: on shared cores a busy spell then hits all of them alike instead of one parser's single run.

`--explain N` prints, per log, the N largest wrong groups: ground-truth events merged into one template (with an
example line as tokenised, so a masking miss shows) and events split over several templates. `--settled N` and
`--similarity` run the clustering with other settings, to see how much the result depends on them.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from logsentry.engine.templates import TemplateMiner, drain, tokenize

LOGS = ["HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "HPC", "Thunderbird", "Windows", "Linux", "Mac", "Android",
        "HealthApp", "Apache", "OpenSSH", "OpenStack", "Proxifier"]


def grouping_accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Share of lines whose predicted group is exactly their ground-truth group."""
    by_truth: dict[Hashable, int] = defaultdict(int)
    for t in truth:
        by_truth[t] += 1
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, p in enumerate(predicted):
        groups[p].append(i)
    correct = 0
    for members in groups.values():
        kinds = {truth[i] for i in members}
        if len(kinds) == 1 and by_truth[next(iter(kinds))] == len(members):
            correct += len(members)
    return correct / len(truth) if truth else 0.0


def drain_published(table: Path) -> dict[str, float]:
    """Drain's row of logparser's benchmark table (reStructuredText grid or Markdown), by log name."""
    out: dict[str, float] = {}
    header: list[str] = []
    for line in table.read_text().splitlines():
        cells = [c.strip().strip("*").strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "Tools":
            header = cells
        elif cells and cells[0] == "Drain" and header:
            for name, value in zip(header[1:], cells[1:], strict=False):
                out[name] = float(value.strip("*"))
    return out


def load(path: Path) -> tuple[list[str], list[str], dict[str, str]]:
    """The lines, their ground-truth event ids, and each event's template."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventId"] for r in rows], {r["EventId"]: r["EventTemplate"] for r in rows}


def wrong_groups(lines: list[str], truth: list[str], predicted: Sequence[Hashable], events: dict[str, str],
                 texts: dict[Hashable, str], top: int) -> list[str]:
    """The `top` largest wrong groups, each with its parts: events merged into one template, or split over many."""
    by_truth: dict[str, list[int]] = defaultdict(list)
    by_pred: dict[Hashable, list[int]] = defaultdict(list)
    for i, (t, p) in enumerate(zip(truth, predicted, strict=True)):
        by_truth[t].append(i)
        by_pred[p].append(i)
    found: list[tuple[int, list[str]]] = []
    for p, members in by_pred.items():
        parts = Counter(truth[i] for i in members)
        if len(parts) > 1:
            out = [f"MERGED into {texts.get(p, '?')[:100]!r} ({len(members)} lines):"]
            for t, n in parts.most_common(5):
                example = lines[next(i for i in members if truth[i] == t)]
                out.append(f"  {n:5d} of {t} {events[t][:90]!r}\n        as {' '.join(tokenize(example))[:100]!r}")
            found.append((len(members), out))
    for t, members in by_truth.items():
        split = Counter(predicted[i] for i in members)
        if len(split) > 1:
            out = [f"SPLIT {t} {events[t][:100]!r} ({len(members)} lines):"]
            out += [f"  {n:5d} in {texts.get(p, '?')[:100]!r}" for p, n in split.most_common(5)]
            found.append((len(members), out))
    found.sort(key=lambda item: -item[0])
    return [line for _, out in found[:top] for line in out]


def timed(fn: Callable[[str], Hashable], lines: list[str]) -> tuple[list[Hashable], float]:
    """The answers and the CPU seconds of this process (a core shared with other work inflates wall time more)."""
    start = time.process_time()
    out = [fn(line) for line in lines]
    return out, time.process_time() - start


def run_ours(lines: list[str], **settings: float) -> tuple[list[Hashable], float, float, dict[Hashable, str]]:
    """Template ids per line, CPU seconds of the first and second pass, and each template's final text."""
    miner = TemplateMiner(**settings)  # type: ignore[arg-type]
    ids, first = timed(lambda line: miner.add("unit", line).id, lines)
    _, again = timed(lambda line: miner.add("unit", line).id, lines)
    return ids, first, again, {t.id: t.text for t in miner.templates("unit")}


# The masking of drain3's example configuration (examples/drain3.ini), the one most deployments start from.
DRAIN3_EXAMPLE_MASKS = [
    (r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "ID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
    (r"(?<=executed cmd )(\".+?\")", "CMD"),
]


def run_drain3(lines: list[str], masks: bool) -> tuple[list[Hashable], float] | None:
    try:
        from drain3 import TemplateMiner as Drain3  # type: ignore[import-not-found,import-untyped,unused-ignore]
        from drain3.masking import MaskingInstruction  # type: ignore[import-not-found,import-untyped,unused-ignore]
        from drain3.template_miner_config import TemplateMinerConfig  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    config = TemplateMinerConfig()  # drain3's defaults: depth 4, similarity 0.4, max_children 100, no masking
    if masks:
        config.masking_instructions = [MaskingInstruction(p, name) for p, name in DRAIN3_EXAMPLE_MASKS]
    miner = Drain3(config=config)
    return timed(lambda line: miner.add_log_message(line)["cluster_id"], lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--loghub", type=Path, required=True, help="directory holding the loghub_2k logs")
    ap.add_argument("--table", type=Path, help="logparser's docs/benchmark.rst (default: found under --loghub)")
    ap.add_argument("--only", help="comma-separated log names")
    ap.add_argument("--similarity", type=float)
    ap.add_argument("--depth", type=int)
    ap.add_argument("--settled", type=int, help="lines after which an ungeneralised cluster is a fixed message")
    ap.add_argument("--explain", type=int, default=0, metavar="N", help="print each log's N largest wrong groups")
    ap.add_argument("--no-drain3", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, metavar="N",
                    help="time each parser N times per log (alternating, fresh miners) and keep the fastest")
    args = ap.parse_args(argv)
    if args.settled is not None:
        drain.SETTLED = args.settled  # read by every Tree the miners make in this process
    import logging

    logging.disable(logging.WARNING)  # drain3 logs its configuration

    table = args.table or next(iter(sorted(args.loghub.rglob("benchmark.rst")) + sorted(args.loghub.rglob(
        "benchmark.md"))), None)
    published = drain_published(table) if table else {}
    settings: dict[str, float] = {}
    if args.similarity is not None:
        settings["similarity"] = args.similarity
    if args.depth is not None:
        settings["depth"] = args.depth
    names = args.only.split(",") if args.only else LOGS
    rows = []
    print(f"{'log':<12}{'lines':>6}  {'ours GA':>8}{'Drain*':>8}{'diff':>7}{'drain3':>8}{'d3+mask':>8}   "
          f"{'ours us':>8}{'repeat':>8}{'drain3 us':>10}{'x':>6}{'d3+mask us':>11}{'x':>6}")
    for name in names:
        found = sorted(args.loghub.rglob(f"{name}_2k.log_structured.csv"))
        if not found:
            print(f"{name:<12} missing under {args.loghub}")
            continue
        lines, truth, events = load(found[0])
        ours: list[tuple[Any, ...]] = []
        d3 = d3m = None
        for _ in range(args.repeat):  # alternating, so that a busy spell of the machine hits each parser
            ours.append(run_ours(lines, **settings))
            if not args.no_drain3:
                d3 = min(filter(None, [d3, run_drain3(lines, masks=False)]), key=lambda r: r[1], default=None)
                d3m = min(filter(None, [d3m, run_drain3(lines, masks=True)]), key=lambda r: r[1], default=None)
        ids, ours_s, _, texts = min(ours, key=lambda r: r[1])
        again_s = min(r[2] for r in ours)
        ga = grouping_accuracy(truth, ids)
        d3_ga = grouping_accuracy(truth, d3[0]) if d3 else None
        d3m_ga = grouping_accuracy(truth, d3m[0]) if d3m else None
        pub = published.get(name)
        n = len(lines)
        row = (name, n, ga, pub, d3_ga, ours_s / n * 1e6, again_s / n * 1e6, d3[1] / n * 1e6 if d3 else None,
               d3m_ga, d3m[1] / n * 1e6 if d3m else None)
        rows.append(row)
        print(f"{name:<12}{n:>6}  {ga:>8.3f}{_f(pub):>8}{_f(None if pub is None else ga - pub, '+.3f'):>7}"
              f"{_f(d3_ga):>8}{_f(d3m_ga):>8}   {row[5]:>8.1f}{row[6]:>8.2f}{_f(row[7], '.1f'):>10}"
              f"{_f(row[7] / row[5] if row[7] else None, '.1f'):>6}{_f(row[9], '.1f'):>11}"
              f"{_f(row[9] / row[5] if row[9] else None, '.1f'):>6}")
        for line in wrong_groups(lines, truth, ids, events, texts, args.explain):
            print("    " + line)
    if rows:
        def avg(i: int) -> float | None:
            vals = [r[i] for r in rows if r[i] is not None]
            return sum(vals) / len(vals) if len(vals) == len(rows) else None  # type: ignore[arg-type]

        lines_total = sum(r[1] for r in rows)
        ours_total = sum(r[1] * r[5] for r in rows) / lines_total
        again_total = sum(r[1] * r[6] for r in rows) / lines_total
        d3_total = sum(r[1] * r[7] for r in rows) / lines_total if all(r[7] for r in rows) else None  # type: ignore
        d3m_total = sum(r[1] * r[9] for r in rows) / lines_total if all(r[9] for r in rows) else None  # type: ignore
        a_ga, a_pub, a_d3, a_d3m = avg(2), avg(3), avg(4), avg(8)
        print(f"{'average':<12}{lines_total:>6}  {a_ga:>8.3f}{_f(a_pub):>8}"
              f"{_f(None if a_pub is None or a_ga is None else a_ga - a_pub, '+.3f'):>7}{_f(a_d3):>8}{_f(a_d3m):>8}   "
              f"{ours_total:>8.1f}{again_total:>8.2f}{_f(d3_total, '.1f'):>10}"
              f"{_f(d3_total / ours_total if d3_total else None, '.1f'):>6}{_f(d3m_total, '.1f'):>11}"
              f"{_f(d3m_total / ours_total if d3m_total else None, '.1f'):>6}")
        worst = min(((r[2] - r[3], r[0]) for r in rows if r[3] is not None), default=None)
        if worst:
            print(f"largest shortfall against Drain's published GA: {worst[0]:+.3f} ({worst[1]})")
    print("Drain* = Drain's published GA (logparser benchmark table); d3+mask = drain3 with the masks of its example"
          " drain3.ini;\nus = microseconds per line, this run; repeat = the same lines again; x = drain3 time / ours")
    return 0


def _f(v: float | None, spec: str = ".3f") -> str:
    return "-" if v is None else format(v, spec)


if __name__ == "__main__":
    raise SystemExit(main())
