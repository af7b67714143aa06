"""`logsentry tail`'s live dashboard on a collector's directory: the same unit on two machines is two burst
counters and two incidents, each named by its host (this machine's unnamed, as before), and the stream names
the host of another machine's lines. Rendered from a real pipeline and rule, as the terminal shows it."""

from __future__ import annotations

import io
from pathlib import Path

from conftest import LOCAL_MACHINE, simple_rule
from rich.console import Console

from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.pipeline import Pipeline
from logsentry.rules.loader import load_rules
from logsentry.views.tail import render
from logsentry.views.tail_state import TailState

NOW = 1_767_225_600_000_000
WEB7 = "f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7"


def _entry(message: str, usec: int, machine: str, host: str) -> Entry:
    return Entry(realtime_usec=usec, message=message, unit="api.service", priority=3, cursor=f"c{usec}",
                 fields={"_MACHINE_ID": machine, "_HOSTNAME": host})


def test_the_dashboard_keeps_hosts_apart_and_names_the_other_one(write_rule, rules_dir: Path) -> None:
    write_rule("boom", simple_rule(regex="^BOOM", count=3, within="60s"))
    rule_set = load_rules([rules_dir])
    pipeline = Pipeline(Detector(rule_set.rules))
    state = TailState(pipeline.detector.rules, pipeline.progress, "following all units")
    lines = [("BOOM web-7 a", WEB7, "web-7"), ("BOOM web-7 b", WEB7, "web-7"), ("BOOM web-7 c", WEB7, "web-7"),
             ("BOOM here", LOCAL_MACHINE, "thishost")]
    for offset, (message, machine, host) in enumerate(lines):
        entry = _entry(message, NOW + offset * 1_000_000, machine, host)
        state.add_entry(entry, list(pipeline.process(entry)))
    state.add_events(list(pipeline.tick(NOW + 5_000_000)))  # past the 2 s a failure settles (engine/failures.py)
    console = Console(record=True, width=160, height=40, file=io.StringIO(), color_system="truecolor")
    console.print(render(state, NOW + 5_000_000, console.width, console.height))
    text = console.export_text()
    rows = [line for line in text.splitlines() if " boom " in line and " error " in line and "→" not in line]
    # web-7 fired (3 of 3); this machine's one hit is 1/3 on its own row, unnamed.
    assert len(rows) == 2, text
    assert "web-7 api.service" in rows[0] and "FIRING 3" in rows[0], text
    assert "web-7" not in rows[1] and "api.service" in rows[1] and "1/3 in 1m" in rows[1], text
    incident = next(line for line in text.splitlines() if "→" in line)
    assert "FIRING web-7 api.service boom" in incident and "3 hits since" in incident
    assert "4 entries  ·  4 matches  ·  1 incident  ·  1 rule  ·" in text.splitlines()[0]  # the header's counts
    assert "web-7 api.service [boom] BOOM web-7 a" in text and "00:00:03.000 api.service [boom] BOOM here" in text
