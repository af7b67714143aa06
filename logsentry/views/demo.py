"""The demo's story in the terminal: what happened on 20 Dec 2020 against what logsentry would have done."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..timespec import format_duration
from .counts import fired_at, trigger_text
from .escape import one_line, visible

if TYPE_CHECKING:
    from ..demo import DemoResult
    from ..demo.outage import OutageFacts


def _utc(usec: int, millis: bool = False) -> str:
    moment = datetime.fromtimestamp(usec / 1_000_000, UTC)
    return moment.strftime("%H:%M:%S") + (f".{moment.microsecond // 1000:03d}" if millis else "")


def _quote(text: str, width: int = 500) -> str:
    """A log line (or a multi-line message, on one line with ⏎) as printed: whole up to `width` characters
    (the table wraps it), else its start and its end around " … ", each cut at a word: the start says who
    wrote it, the end what went wrong (it kept the last 110 characters: "…rror, called at ...")."""
    text = one_line(text)
    if len(text) <= width:
        return text
    head = text[: width * 2 // 3].rsplit(" ", 1)[0]
    tail = text[len(text) - (width - len(head) - 3):]
    return f"{head} … {tail.split(' ', 1)[-1] if ' ' in tail[1:] else tail}"


def render_demo(console: Console, result: DemoResult, facts: OutageFacts, pause: float) -> None:
    progress = result.progress
    console.print("[bold]logsentry demo[/]: the Cachix outage of 20 December 2020, replayed")
    which = (f"the {result.rule_count} shipped rules" if result.signatures else
             f"only the {result.rule_count} anomaly rules (every signature rule off: nothing knows these words)")
    console.print(
        f"Replayed {progress.entries:,} journal entries ({_utc(facts.start_usec)[:5]} to "
        f"{_utc(facts.end_usec)[:5]} UTC) from {result.journal_kind}, "
        f"through the same pipeline as [bold]logsentry scan[/], with {which}. "
        "[dim]Times and the failing lines come from the public post-mortem; other traffic is reconstructed.[/]\n"
    )
    outage = facts.restart_usec - facts.first_error_usec
    reality = Table(title="What happened", title_justify="left", show_header=True)
    reality.add_column("UTC")
    reality.add_column("event")
    reality.add_row(_utc(facts.first_error_usec), "the backend starts failing every HTTP request (AutoUpdate "
                    "worker died: thread blocked indefinitely in an MVar operation)")
    reality.add_row(_utc(facts.pager_usec), "the pager calls; the phone never rings")
    reality.add_row(_utc(facts.woke_usec), "the operator wakes up and sees the notifications")
    reality.add_row(_utc(facts.restart_usec), f"backend restarted by hand: [bold red]{format_duration(outage)} "
                    f"down, {result.requests_failed:,} failed requests[/]")
    console.print(reality)
    if pause:
        time.sleep(pause)

    if result.incident is None or result.first_line is None:
        console.print("[bold red]logsentry found nothing in the replay: the shipped rules are broken.[/]")
        return
    incident = result.incident
    first = result.first_line  # the outage's own first line, whichever rule matched first
    ours = Table(title="What logsentry would have done", title_justify="left")
    ours.add_column("UTC")
    ours.add_column("event", overflow="fold")  # a long word of a log line is folded, not cut with "…"
    fired_on = incident.samples[0] if result.signatures and incident.samples else first.message
    # The rule's line leads when it came in the outage's first millisecond (one time on the card): the request's
    # first line is said after it (the card led with `CallStack (from HasCallStack):`, the line the rule fired on
    # under it, at the same time: helper-223).
    leads = fired_on != first.message and 0 <= incident.first_usec - first.realtime_usec < 1_000
    said = Text.assemble(f"first failing line read from {visible(first.unit)}:\n",
                         (_quote(fired_on if leads else first.message), "dim"))
    if leads:
        said.append_text(Text.assemble("\nwith it, in the same millisecond, its request's first line: ",
                                       (_quote(first.message), "dim")))
    ours.add_row(_utc(first.realtime_usec, True), said)
    fires = Text.assemble("rule ", (visible(incident.rule_id), "bold"), f" fires ({incident.severity.label}) "
                          f"{fired_at(incident)} ({trigger_text(incident)})")
    if fired_on != first.message and not leads:  # the line it matched
        fires.append_text(Text.assemble(", this one:\n", (_quote(fired_on), "dim")))
    ours.add_row(_utc(incident.fired_usec, True), fires)
    if incident.why:
        why = Text.assemble("why: ", (visible(incident.why), "italic"))
        if incident.template:
            why.append_text(Text.assemble("\ntemplate: ", (_quote(incident.template), "dim")))
        ours.add_row("", why)
    for action in result.actions:
        verb = (f"systemctl restart {visible(action.unit)}" if action.kind == "restart"
                else "alert sent to every channel")
        ours.add_row(_utc(incident.fired_usec, True), Text.assemble((verb, "bold green"),
                     " (dry run here)" if action.dry_run else ""))
    console.print(ours)
    if pause:
        time.sleep(pause)

    delay = incident.fired_usec - facts.first_error_usec
    restarted = any(a.kind == "restart" for a in result.actions)
    failed = f"{result.failed_before:,} failed request{'s' if result.failed_before != 1 else ''}"
    outcome = (f"A restart then would have cut a {format_duration(outage)} outage to seconds: {failed} "
               f"before it (plus those during the restart itself) instead of {result.requests_failed:,}."
               if restarted else
               f"An alert then would have reached people {format_duration(facts.restart_usec - incident.fired_usec)} "
               f"before the restart by hand, {failed} into an outage that cost {result.requests_failed:,}.")
    how = ("a signature rule" if result.signatures else
           "the anomaly rules alone, from the unit's own history (no rule knows these words)")
    console.print(f"\n[bold green]Detected {delay / 1_000_000:.3f} s after the first failing line[/], by {how}. "
                  + outcome)
    if result.benign_mentions and result.signatures:
        console.print(
            f"[dim]Precision: {result.benign_mentions} request whose URL mentioned the same exception text "
            "triggered nothing; the rule anchors on the text the library writes, not on client data.[/]"
        )
    console.print("\nNext: [bold]logsentry scan -u UNIT --since -1h[/] on your own journal, "
                  "[bold]logsentry rules list[/] for what it recognises.")
