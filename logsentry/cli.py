"""Command line: `logsentry scan`, `logsentry demo`, `logsentry rules ...`.

Exit codes: 0 done, 2 usage or configuration error (bad rule files included), 3 `--fail-on` threshold met.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

import click
from rich.console import Console

from .engine.detector import Detector, RuleTimeout, match_rule
from .model import SEVERITY_NAMES, Entry, Severity
from .pipeline import Event, Pipeline
from .rules.check import check_rule
from .rules.loader import RuleSet, default_rule_dirs, load_rules
from .sources import InputFormatError, JournalOpenError, Selection, open_entries
from .sources.selection import parse_priority_range, unit_name
from .timespec import TimeSpecError, format_usec, parse_timestamp
from .views import jsonl
from .views.report import ScanSummary, render_scan

EXIT_USAGE = 2
EXIT_FOUND = 3


def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


def fail(message: str) -> None:
    """Report a usage/configuration error and exit 2."""
    click.echo(f"logsentry: {message}", err=True)
    sys.exit(EXIT_USAGE)


def load_rule_set(extra: Iterable[Path], shipped: bool) -> RuleSet:
    """Load rules or exit 2 with every error listed: a broken file never silently drops out."""
    dirs = [*(default_rule_dirs() if shipped else ()), *extra]
    if not dirs:
        fail("no rules: give --rules DIR or drop --no-shipped-rules")
    rule_set = load_rules(dirs)
    if rule_set.errors:
        for line in rule_set.errors:
            click.echo(line, err=True)
        fail(f"{len(rule_set.errors)} error(s) in rule files; nothing was scanned")
    return rule_set


def _selection(units: tuple[str, ...], priority: str | None, since: str | None, until: str | None) -> Selection:
    try:
        return Selection(
            units=tuple(unit_name(u) for u in units),
            priorities=parse_priority_range(priority) if priority else None,
            since_usec=parse_timestamp(since) if since else None,
            until_usec=parse_timestamp(until) if until else None,
        )
    except TimeSpecError as error:
        raise click.BadParameter(str(error), param_hint="'--since' / '--until'") from None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'-p' / '--priority'") from None


rules_option = click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
                            help="Extra rule file or directory (repeatable); overrides shipped rules by id.")
shipped_option = click.option("--no-shipped-rules", "no_shipped", is_flag=True,
                              help="Use only the rules given with --rules.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="logsentry")
def main() -> None:
    """Catch services that log fatal errors, from the systemd journal."""


@main.command()
@click.option("-D", "--directory", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Read journal files from this directory instead of the local journal.")
@click.option("--file", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="A journal file, export-format or JSON-lines dump (gzip ok); repeatable; - for stdin.")
@click.option("-u", "--unit", "units", multiple=True, help="Only this unit, as journalctl -u (repeatable).")
@click.option("-p", "--priority", help='Only entries of this priority or more important ("err", "3", "warning..err").')
@click.option("-S", "--since", help='Start time, as journalctl takes it ("2026-11-02 10:00", "-1h", "today").')
@click.option("-U", "--until", help="End time, same forms as --since.")
@click.option("-o", "--output", type=click.Choice(["report", "json"]), default="report", show_default=True,
              help="A report for people, or JSON Lines (one event per line) for programs.")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES),
              help="Exit 3 when an incident of this severity or worse was found.")
@rules_option
@shipped_option
def scan(directory: Path | None, files: tuple[Path, ...], units: tuple[str, ...], priority: str | None,
         since: str | None, until: str | None, output: str, fail_on: str | None,
         rule_paths: tuple[Path, ...], no_shipped: bool) -> None:
    """Scan the journal once (or copied journals and dumps) and report what the rules find."""
    if directory is not None and files:
        raise click.UsageError("give either --directory or --file, not both")
    selection = _selection(units, priority, since, until)
    rule_set = load_rule_set(rule_paths, not no_shipped)
    detector = Detector(rule_set.rules)
    pipeline = Pipeline(detector)
    try:
        entries = open_entries(selection, directory=directory, files=files, extra_fields=detector.needed_fields)
        summary = _consume(pipeline.run(entries), output)
    except (InputFormatError, JournalOpenError) as error:
        fail(str(error))
    if output == "json":
        click.echo(jsonl.dumps(jsonl.summary_record(pipeline.progress)))
    else:
        render_scan(Console(highlight=False), summary, pipeline.progress, len(rule_set.rules))
    if fail_on is not None and summary.worst is not None and summary.worst >= Severity.parse(fail_on):
        sys.exit(EXIT_FOUND)


def _consume(events: Iterator[Event], output: str) -> ScanSummary:
    summary = ScanSummary()
    write = sys.stdout.write
    for event in events:
        summary.add(event)
        if output == "json":
            write(jsonl.dumps(jsonl.event_record(event)) + "\n")
    return summary


@main.command()
@click.option("--speed", type=click.FloatRange(min=0), default=0.0,
              help="Pause between steps of the story, in seconds (0: print at once).")
def demo(speed: float) -> None:
    """Replay the 20 Dec 2020 Cachix outage and show when logsentry would have caught it."""
    from .demo import run_demo

    run_demo(Console(highlight=False), speed)


@main.group()
def rules() -> None:
    """List, test and try rule files."""


@rules.command("list")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@rules_option
@shipped_option
def rules_list(output: str, rule_paths: tuple[Path, ...], no_shipped: bool) -> None:
    """Every loaded rule with its severity, action and trigger."""
    rule_set = load_rule_set(rule_paths, not no_shipped)
    for rule in rule_set.rules:
        trigger = rule.trigger
        within = f"{trigger.within_usec / 1_000_000:g}s"
        if output == "json":
            click.echo(jsonl.dumps({"id": rule.id, "title": rule.title, "severity": rule.severity.label,
                                    "action": rule.action, "count": trigger.count, "within": within,
                                    "group_by": trigger.group_by, "path": str(rule.path)}))
        else:
            click.echo(f"{rule.id:40} {rule.severity.label:9} {rule.action:8} {trigger.count}/{within:6} {rule.title}")


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
def rules_test(paths: tuple[Path, ...]) -> None:
    """Run every rule's samples and scenarios; exit 1 on a failure (with the line and why)."""
    rule_set = load_rule_set(paths, shipped=not paths)
    failures = 0
    checks = 0
    for rule in rule_set.rules:
        for result in check_rule(rule):
            checks += 1
            if not result.ok:
                failures += 1
                click.echo(f"FAIL {rule.path}: {result.what}: {result.detail}")
    click.echo(f"{len(rule_set.rules)} rules, {checks} checks: {checks - failures} passed, {failures} failed")
    if failures:
        sys.exit(1)


@rules.command("check")
@click.argument("text", required=False)
@click.option("--file", "file", type=click.File("r", errors="replace"), help="Check each line of this file.")
@rules_option
@shipped_option
def rules_check(text: str | None, file: TextIO | None, rule_paths: tuple[Path, ...],
                no_shipped: bool) -> None:
    """Which rules match a given line (or each line of --file), with their captures."""
    if (text is None) == (file is None):
        raise click.UsageError("give a TEXT line or --file, not both")
    rule_set = load_rule_set(rule_paths, not no_shipped)
    lines = [text] if text is not None else [line.rstrip("\n") for line in file or ()]
    for line in lines:
        for rule in rule_set.rules:
            try:
                captures = match_rule(rule, line, None if rule.max_priority is None else rule.max_priority,
                                      dict(rule.fields))
            except RuleTimeout as error:
                click.echo(f"{rule.id}: {error}")
                continue
            if captures is not None:
                click.echo(f"{rule.id} ({rule.severity.label}, {rule.action}) {captures or ''}: {line}")


def describe_entry(entry: Entry) -> str:
    """journalctl-like one-liner: time, unit, message."""
    return f"{format_usec(entry.realtime_usec)} {entry.unit}: {entry.message}"
