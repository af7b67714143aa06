"""`logsentry demo` quotes the lines it names whole: the first failing line (it kept its last 110 characters,
"…rror, called at ./Control/AutoUpdate.hs..."), and the line the rule fired on, which it did not show at all
(the first failing line is error-burst's; the worker's death is the third line of the failing request). The
real replay (a journal file built with systemd-journal-remote, the pipeline), drawn on a wide console."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from logsentry.demo import replay
from logsentry.demo.outage import FACTS
from logsentry.views.demo import _quote, render_demo


def test_the_demo_quotes_the_first_failing_line_and_the_line_the_rule_fired_on_whole(tmp_path: Path) -> None:
    result = replay(tmp_path)
    assert result.first_hit is not None and result.incident is not None
    out = io.StringIO()
    render_demo(Console(file=out, width=1000, highlight=False), result, FACTS, 0)
    lines = [line.strip(" │") for line in out.getvalue().splitlines()]
    first = result.first_hit.entry.message
    assert first.startswith("  error, called at ./Control/AutoUpdate.hs") and len(first) > 110
    assert first.strip() in lines
    fired_on = result.incident.samples[0]
    assert fired_on.endswith("] Unhandled exception: Control.AutoUpdate.mkAutoUpdate: worker thread exited with "
                             "exception: thread blocked indefinitely in an MVar operation")
    assert fired_on in lines


def test_a_long_message_keeps_its_start_and_its_end() -> None:
    message = "worker 7: request failed\n" + "\n".join(f"  at frame {n} of the stack" for n in range(40)) + \
        "\nCaused by: java.io.IOException: disk quota exceeded"
    quoted = _quote(message, width=200)
    assert len(quoted) <= 200
    assert quoted.startswith("worker 7: request failed ⏎   at frame 0 of the stack")
    assert quoted.endswith("⏎ Caused by: java.io.IOException: disk quota exceeded")
    assert " … " in quoted
    assert _quote("short line") == "short line"
