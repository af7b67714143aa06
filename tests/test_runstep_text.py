"""A long text log (a syslog file, a program's own log of hours) through the counted anomaly step: once its unit
is warm for every rule that judges excerpts and a novelty span has passed, its lines are counted as a journal's
(RunStep._as_excerpt); before that they come one by one, because an excerpt's template first seen cold stays
new. Same events and baselines as observing every line."""

from __future__ import annotations

from pathlib import Path

from test_runstep import ANOMALY_RULES, Counting, baselines_of, incidents

from logsentry.engine.baseline import Baselines
from logsentry.engine.detector import Detector
from logsentry.engine.policy import Policy
from logsentry.engine.templates import TemplateMiner
from logsentry.pipeline import Event, Pipeline
from logsentry.sources import Selection, open_entries


def stamp(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"2026-03-02T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}.000000+00:00"


def long_log(path: Path) -> Path:
    """Six hours of a steady service in syslog text (ISO times): a failure template (no level) first seen in its
    first quarter hour (the unit still an excerpt: under an hour and 200 lines) that comes back ten times within its
    novelty, and a new error template at 4 h."""
    lines: list[tuple[int, str]] = []
    for second in range(0, 6 * 3600, 10):
        lines.append((second, f"app[412]: handled job {second} in {second % 97}ms"))
        if second % 60 == 0:
            lines.append((second + 1, f"worker[77]: heartbeat {second // 60} ok"))
    for second in (15 * 60, *range(40 * 60, 50 * 60, 60)):  # first seen cold, then within its novelty
        lines.append((second + 2, f"app[412]: cache shard {second % 7} unreachable: connection refused"))
    for second in (4 * 3600, 4 * 3600 + 30, 4 * 3600 + 90):  # a new error in a warm unit
        lines.append((second + 3, f"app[412]: ERROR: could not write spool file /var/spool/app/{second}.tmp: "
                                  "No space left on device"))
    path.write_text("".join(f"{stamp(at)} host1 {text}\n" for at, text in sorted(lines)))
    return path


def replay(log: Path, fast: bool) -> tuple[list[Event], Pipeline, Counting]:
    detector = Detector(list(ANOMALY_RULES))
    anomaly = Counting(detector.rules.values(), miner=TemplateMiner(), baselines=Baselines())
    pipeline = Pipeline(detector, Policy(), anomaly=anomaly)
    if not fast:
        pipeline.runstep = None
    events = list(pipeline.run(open_entries(Selection(), files=[log], extra_fields=detector.needed_fields)))
    if pipeline.runstep is not None:
        for single in pipeline.runstep.flush_all():
            assert not anomaly.observe(single.entry)
    return events, pipeline, anomaly


def test_a_long_text_log_is_counted_once_past_its_excerpt_span(tmp_path: Path):
    log = long_log(tmp_path / "app.log")
    slow_events, slow, slow_anomaly = replay(log, False)
    fast_events, fast, fast_anomaly = replay(log, True)
    assert fast_events == slow_events
    assert baselines_of(fast) == baselines_of(slow)
    entries = slow.progress.entries
    assert slow_anomaly.singles >= entries * 0.9
    assert fast_anomaly.singles <= entries * 0.6, (fast_anomaly.singles, entries)  # the first 2 h one by one
    found = incidents(fast_events)
    # the spool file's errors at 4 h; not the shard failures of the unit's first hour: the file holds six hours of
    # the unit (a long unit, sources/text_recurring.py), so its lines below error level are judged as a journal's,
    # which learnt them cold
    assert found == [("new-error-template", "(app)")], found
