"""`logsentry rules list|test|check`: see, test and try rule files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import click

from ..engine.detector import RuleTimeout, match_rule
from ..rules.check import check_rule
from ..views import jsonl
from .common import load_rule_set, rules_option, shipped_option


@click.group()
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


