"""`logsentry demo` quotes the lines it names whole: the first failing line, and the line the rule fired on, which
it did not show at all (the worker's death is the third line of the failing request). "First failing line" is the
first line the outage wrote, in both modes: it quoted the first line a rule matched (error-burst's, the middle
one of the first request's three; without signatures the third). The real replay (a journal file built with
systemd-journal-remote, the pipeline), drawn on a wide console."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from logsentry.demo import DemoResult
from logsentry.demo.outage import FACTS, UNIT, outage_entries
from logsentry.views.demo import _quote, render_demo


def first_outage_line() -> str:
    """The message of the first entry the outage wrote, from the demo's journal data."""
    failing = [e for e in outage_entries() if e["_SYSTEMD_UNIT"] == UNIT
               and int(str(e["__REALTIME_TIMESTAMP"])) >= FACTS.first_error_usec]
    return str(min(failing, key=lambda e: int(str(e["__REALTIME_TIMESTAMP"])))["MESSAGE"])


def rendered(result: DemoResult) -> list[str]:
    out = io.StringIO()
    render_demo(Console(file=out, width=1000, highlight=False), result, FACTS, 0)
    return [line.strip(" │") for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("signatures", [True, False])
def test_the_first_failing_line_is_the_first_line_the_outage_wrote(demo_replay, signatures: bool) -> None:
    """With the signatures, the line the rule fired on, in the same millisecond, leads and the request's first line
    is said with it (helper-223: the card led with `CallStack (from HasCallStack):`, the rule's line under it);
    without, the anomaly rule fires seconds later, on a later line, and the outage's first line leads."""
    result = demo_replay(signatures)
    assert result.incident is not None
    lines = rendered(result)
    [said] = [n for n, line in enumerate(lines) if line.endswith("first failing line read from cachix-server.service:")]
    assert lines[said].startswith("02:55:07.000 ")  # its own time
    assert first_outage_line() == "CallStack (from HasCallStack):"
    if signatures:
        assert lines[said + 1] == result.incident.samples[0] and "Unhandled exception" in lines[said + 1], lines
        assert lines[said + 2] == "with it, in the same millisecond, its request's first line: CallStack (from " \
                                  "HasCallStack):", lines
        assert "on its first matching line (one line is enough for this rule)" in lines[said + 3], lines
        assert lines[said + 3].endswith("(one line is enough for this rule)"), lines  # (not quoted twice)
    else:
        assert lines[said + 1] == first_outage_line()


def test_the_demo_quotes_the_line_the_rule_fired_on_whole(demo_replay) -> None:
    result = demo_replay(True)
    assert result.first_hit is not None and result.incident is not None
    lines = rendered(result)
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


@pytest.mark.parametrize("signatures", [True, False])
def test_the_demo_template_calls_the_package_version_no_address(demo_replay, signatures: bool) -> None:
    """`cachix-server-0.1.0.0-LHzK...` (a Haskell package id) was `<IP>` in the card's template (helper-223)."""
    result = demo_replay(signatures)
    assert result.incident is not None and "[cachix-server-<NUM>-LHzK" in result.incident.template, result.incident
    assert "<IP>" not in result.incident.template
