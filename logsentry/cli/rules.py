"""`logsentry rules list|test|check`: see, test and try rule files."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import TextIO

import click

from ..engine.detector import RuleTimeout, match_rule
from ..engine.minutes import MINUTE_USEC
from ..rules.anomaly import AnomalySpec
from ..rules.check import check_rule
from ..rules.rule import Rule
from ..sources.selection import PRIORITY_NAMES, parse_priority
from ..sources.text_layouts import LINE
from ..timespec import format_duration, timespan
from ..tomlfile import did_you_mean
from ..views import jsonl
from ..views.escape import visible
from ..wording import plural
from .common import fail, load_rule_set, rules_option, shipped_option
from .rules_explain import brief, brief_lines, explain, explain_lines, verdict_records


@click.group()
def rules() -> None:
    """List rule files, test them, check a line against them."""


@rules.command("list")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@rules_option
@shipped_option
def rules_list(output: str, rule_paths: tuple[Path, ...], no_shipped: bool) -> None:
    """Every loaded rule with its kind, severity, action and trigger."""
    rule_set = load_rule_set(rule_paths, not no_shipped)
    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 0  # a pipe gets it all
    if output != "json":
        click.echo(f"{'ID':34} {'KIND':9} {'SEVERITY':9} {'ACTION':8} {'TRIGGER':10} TITLE")
    for rule in rule_set.rules:
        trigger = rule.trigger
        within = f"{trigger.within_usec / 1_000_000:g}s"
        kind = "anomaly" if rule.anomaly is not None else "absence" if rule.absence is not None else "signature"
        shown = (_trigger(rule.anomaly) if rule.anomaly is not None else  # durations as the rule files write them
                 f"quiet {timespan(rule.absence.silent_for_usec)}+" if rule.absence is not None else
                 f"{trigger.count}/{timespan(trigger.within_usec)}")
        if output == "json":
            click.echo(jsonl.dumps({"id": rule.id, "kind": kind, "title": rule.title, "severity": rule.severity.label,
                                    "action": rule.action, "count": trigger.count, "within": within,
                                    "group_by": trigger.group_by, "path": str(rule.path)}))
        else:
            head = f"{visible(rule.id):34} {kind:9} {rule.severity.label:9} {rule.action:8} " \
                   f"{shown:10} "
            title = visible(rule.title)  # rule files from --rules DIR may carry anything
            click.echo(head + (_fit(title, max(20, width - len(head) - 1)) if width else title))


def _trigger(spec: AnomalySpec) -> str:
    """An anomaly rule's test in a few characters (`rules show` says it in full): "new" for a new template,
    a persistence rule's floor and margin over the longest run learnt, else the least count and the factor over
    the learnt rate or share."""
    if spec.kind == "persistence":
        return f"{timespan(spec.floor_usec)}+ x{spec.margin:g}"
    if spec.kind == "new-template":
        return f"new {spec.min_count}+" if spec.flood else "new"
    return f"{spec.min_count}+ x{spec.factor:g}"


def warm_words(spec: AnomalySpec) -> str:
    """When a unit is judged (AnomalySpec's warm_after and warm_entries, both needed: UnitStats.warm), and when
    a unit logging one line a minute gets there, if its entries come later than its time."""
    if spec.excerpts_only:
        return (f"only lines read from text (a paste, a program's log), from their unit's first line until "
                f"{format_duration(spec.warm_after_usec)} of its history and {spec.warm_entries:,} of its entries are "
                "learnt")
    said = (f"a unit is judged once {format_duration(spec.warm_after_usec)} of its history and "
            f"{spec.warm_entries:,} of its entries are learnt")
    slow = spec.warm_entries * MINUTE_USEC
    said += f" (at one line a minute: after {format_duration(slow)})" if slow > spec.warm_after_usec else ""
    said += ("; a line read from text (a paste, a program's log) from its unit's first line" if spec.excerpts
             else "")
    # (each rule its own: scan's footer named error-share-jump's 10m beside this 1h, read as a contradiction)
    return said + " (this rule's warm-up, in scan and the service alike; each anomaly rule has its own)"


def _fit(text: str, width: int) -> str:
    """One line: cut at a word boundary with an ellipsis rather than wrapped mid-word by the terminal."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0]
    return cut + "…"


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
@rules_option
def rules_test(paths: tuple[Path, ...], rule_paths: tuple[Path, ...]) -> None:
    """Run the samples and scenarios of the rule files or directories given (as PATHS or with --rules, as the
    other rules commands take them; none: the shipped rules); exit 1 on a failure (with the line and why)."""
    paths = (*paths, *rule_paths)
    rule_set = load_rule_set(paths, shipped=not paths, refused="no rule was tested", lazy_shipped=False)
    failures = 0
    checks = 0
    for rule in rule_set.rules:
        for result in check_rule(rule):
            checks += 1
            if not result.ok:
                failures += 1
                click.echo(f"FAIL {rule.path}: {result.what}: {result.detail}")
    click.echo(f"{plural(len(rule_set.rules), 'rule')}, {plural(checks, 'check')}: {checks - failures:,} passed, "
               f"{failures:,} failed")
    if failures:
        sys.exit(1)


@rules.command("check")
@click.argument("text", required=False)
@click.option("--file", "file", type=click.File("r", errors="replace"),
              help="Check each line of this file, each as a MESSAGE (a syslog or journalctl line's time, host and "
                   "identifier are not read: logsentry scan --file reads them).")
@click.option("-p", "--priority", help='The entry\'s PRIORITY ("err", "3"); rules with a priority limit need it.')
@click.option("--field", "fields", multiple=True, metavar="NAME=VALUE",
              help="A journal field of the entry, e.g. _TRANSPORT=kernel or _PID=1 (repeatable).")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help='Lines for people, or JSON Lines: a "match" object per rule that matches, an "anomaly" '
                   "object per anomaly rule with its verdict on the line.")
@click.option("--explain", "explain_all", is_flag=True,
              help="Say what each anomaly rule watches and why the line counts for it or not (by default: the rules "
                   "it counts for, one line each).")
@rules_option
@shipped_option
def rules_check(text: str | None, file: TextIO | None, priority: str | None, fields: tuple[str, ...], output: str,
                explain_all: bool, rule_paths: tuple[Path, ...], no_shipped: bool) -> None:
    """Which rules match a given line (or each line of --file), with their captures.

    The line is checked as a journal entry with the given priority and fields, exactly as the engine
    would: a kernel rule (_TRANSPORT=kernel) matches only with --field _TRANSPORT=kernel. When nothing
    matches, it says which rules would with other fields or another priority. Then which anomaly rules
    the line (each line of --file, up to 200) would count for; --explain says what each watches, and why not.
    """
    if text is None and file is None:
        raise click.UsageError("give the log line to check as an argument (logsentry rules check 'LINE'), "
                               "or --file FILE for one line each")
    if text is not None and file is not None:
        raise click.UsageError("give either a log line or --file, not both")
    entry_fields = {}
    for item in fields:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE (got {item!r})", param_hint="'--field'")
        entry_fields[name] = value
    try:
        level = parse_priority(priority) if priority else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'-p' / '--priority'") from None
    # (every regex compiled at load, the shipped ones too: a shipped file edited since it was checked is refused
    # here naming its file and key, as `rules test` does, not a traceback at the line it is first tried on)
    rule_set = load_rule_set(rule_paths, not no_shipped, refused="no line was checked", lazy_shipped=False)
    lines = [text] if text is not None else [line.rstrip("\n") for line in file or ()]
    line_rules = [rule for rule in rule_set.rules if rule.absence is None and rule.anomaly is None]
    # (silence and anomalies are no property of a line: they compare a unit with its past)
    found = 0
    for line in lines:
        for rule in line_rules:
            try:
                captures = match_rule(rule, line, level, entry_fields)
            except RuleTimeout as error:
                click.echo(f"{rule.id}: {error}", err=True)
                continue
            if captures is None:
                continue
            found += 1
            if output == "json":
                click.echo(jsonl.dumps({"type": "match", "rule": rule.id, "severity": rule.severity.label,
                                        "action": rule.action, "line": line, "captures": captures}))
                continue
            click.echo(f"{rule.id} ({rule.severity.label}, {rule.action}): {visible(line)}")
            for name, value in captures.items():
                click.echo(f"    {name} = {visible(json.dumps(value, ensure_ascii=False))}")
    if not found and output == "text":
        click.echo("no rule matches")
        for hint in _near_misses(line_rules, lines, level, entry_fields):
            click.echo(f"  {hint}")
        if (headed := _headed(lines)) is not None:
            number, message, ident = headed
            where = f"line {number} starts" if file is not None else "the line starts"
            click.echo(f"  {where} with a syslog or journalctl header (time, host, identifier), checked here as part "
                       f"of its MESSAGE: check its message alone ({visible(message[:80])!r}), or scan the file with "
                       "logsentry scan --file, which reads the header as the entry's fields")
            if (tagged := _tagged_only(line_rules, message, ident, level, entry_fields)) is not None:
                click.echo(f"  {tagged} matches {visible(repr(f'{ident}: ' + message[:60]))} but not the message "
                           f"alone: a journal's MESSAGE has no `{visible(ident)}: ` (that is its SYSLOG_IDENTIFIER, "
                           "and in a syslog file the header's): anchor the rule on the message")
    anomaly_rules = [rule for rule in rule_set.rules if rule.anomaly is not None]
    if output == "json":
        for record in verdict_records(anomaly_rules, lines, level):
            click.echo(jsonl.dumps(record))
        return
    if explain_all:
        said = explain(anomaly_rules, text, level) if text is not None else explain_lines(anomaly_rules, lines, level)
    else:
        said = brief(anomaly_rules, text, level) if text is not None else brief_lines(anomaly_rules, lines, level)
    for line in said:
        click.echo(line)


def _headed(lines: list[str]) -> tuple[int, str, str] | None:
    """The first line (its number from 1, its message and its identifier) that starts as a syslog file's or
    journalctl's line does (sources/text_layouts.LINE with a host and an identifier): rules see the message after
    that header, which `rules check` does not read (helper-179 checked a syslog file's lines and was told no rule
    matched)."""
    for number, line in enumerate(lines[:MAX_HEADED], start=1):
        found = LINE.match(line)
        if found is not None and found["host"] and found["ident"] and found["msg"]:
            return number, found["msg"], found["ident"]
    return None


def _tagged_only(rules: list[Rule], message: str, ident: str, level: int | None, fields: dict[str, str]) -> str | None:
    """A rule that matches `ident: message` but not the message alone: written for a syslog tag in the text, which
    a journal's MESSAGE never holds (README's example regex starts with an optional `program: `, and a new user's
    `^acmed: ...` passed its own samples and matched no real line)."""
    for rule in rules:
        if rule.message is None or rule.message.fullmatch(""):
            continue
        try:
            if match_rule(rule, f"{ident}: {message}", level, fields) is not None and \
                    match_rule(rule, message, level, fields) is None:
                return rule.id
        except RuleTimeout:
            continue
    return None


MAX_HEADED = 200
"""Lines of --file looked at for a header (as many as the anomaly rules' verdicts)."""


def _near_misses(rules: list[Rule], lines: list[str], level: int | None, fields: dict[str, str]) -> list[str]:
    """Rules whose regex matches a line but whose fields or priority limit the entry as given does not
    meet: what to add to check the line as that kind of entry."""
    hints: dict[str, str] = {}
    for line in lines:
        for rule in rules:
            if rule.id in hints or (rule.max_priority is None and not rule.fields) or \
                    rule.message is None or rule.message.fullmatch(""):
                continue  # (a rule that matches any line, like error-burst, hints at nothing)
            wanted = {**fields, **rule.fields}
            try:
                if match_rule(rule, line, rule.max_priority, wanted) is None:
                    continue
            except RuleTimeout:
                continue
            needs = [f"--field {name}={value}" for name, value in rule.fields.items() if fields.get(name) != value]
            if rule.max_priority is not None and match_rule(rule, line, level, wanted) is None:
                needs.append(f"-p {PRIORITY_NAMES[rule.max_priority]}")
            hints[rule.id] = f"{rule.id} would match with {' '.join(needs)}"
    return list(hints.values())[:10]


@rules.command("show")
@click.argument("rule_id")
@rules_option
@shipped_option
def rules_show(rule_id: str, rule_paths: tuple[Path, ...], no_shipped: bool) -> None:
    """Everything about one rule: what it means, what it matches, its trigger and samples."""
    rules = load_rule_set(rule_paths, not no_shipped).by_id()
    rule = rules.get(rule_id)
    if rule is None:
        fail(f"no rule with id {visible(repr(rule_id))}{visible(did_you_mean(rule_id, rules))} (see logsentry rules "
             "list)")
    trigger = rule.trigger
    click.echo(f"{visible(rule.id)}: {visible(rule.title)}\n  file: {visible(str(rule.path))}\n  severity: "
               f"{rule.severity.label}, "
               f"suggested action: {rule.action}")
    if rule.absence is not None:
        click.echo(f"  trigger: no entry for the unit's learnt threshold, at least "
                   f"{timespan(rule.absence.silent_for_usec)}, once {rule.absence.min_entries} entries are learnt")
    elif rule.anomaly is not None and rule.anomaly.kind == "persistence":  # each line past the bar is a hit
        click.echo(f"  trigger: the first line of a run past its bar fires; the incident lasts while lines past "
                   f"the bar come within {timespan(trigger.within_usec)} of each other")
    else:
        click.echo(f"  trigger: {plural(trigger.count, 'hit')} within {timespan(trigger.within_usec)}"
                   + (f", per {visible(trigger.group_by)}" if trigger.group_by else "")
                   + (f"; the incident keeps firing for {timespan(trigger.keep_firing_for_usec)} after a window "
                      "without a hit" if trigger.keep_firing_for_usec else ""))
    if rule.message is not None:
        scope = "first line of each message" if rule.first_line_only else "every line of each message"
        click.echo(f"  message: {visible(rule.message.pattern)}  ({scope})")
    if rule.ignore is not None:
        click.echo(f"  ignore: {visible(rule.ignore.pattern)}")
    if rule.max_priority is not None:
        click.echo(f"  priority: {PRIORITY_NAMES[rule.max_priority]} or more important")
    for name, value in rule.fields.items():
        click.echo(f"  field: {visible(name)}={visible(value)}")
    if (spec := rule.anomaly) is not None:
        level = "any level" if spec.level is None else f"{PRIORITY_NAMES[spec.level]} or more important"
        click.echo(f"  anomaly: {spec.kind}{' (error lines)' if spec.errors else ''}, {level}; {warm_words(spec)}")
        if spec.words:
            click.echo(f"  words: {', '.join(visible(word) for word in spec.words)}")
        if spec.words_re is not None and spec.words_re.ignore is not None:
            click.echo(f"  ignore: {visible(spec.words_re.ignore.pattern)}")
        if spec.kind == "persistence" and spec.first_run:  # engine/episodes.py
            click.echo(f"  test: the first run (its lines below err with no pause over {timespan(spec.gap_usec)}) of a "
                       f"template new in a warm unit, of at least {spec.min_count} lines, that lasts longer than "
                       f"{timespan(spec.floor_usec)}")
        elif spec.kind == "persistence":
            click.echo(f"  test: a known template's run (its lines with no pause over {timespan(spec.gap_usec)}) of "
                       f"at least {spec.min_count} lines that lasts longer than {timespan(spec.floor_usec)} and "
                       f"{spec.margin:g}x its longest run learnt")
        elif spec.kind != "new-template" or spec.flood:  # a flood: a new template against the unit's rate
            click.echo(f"  test: at least {spec.min_count}, {spec.factor:g}x the learned "
                       f"{'share' if spec.kind == 'error-share' else 'unit rate' if spec.flood else 'rate'}, "
                       f"tail probability below {spec.p_value:g}")
    click.echo("\n" + "\n".join(f"  {visible(line)}" for line in rule.description.splitlines()))
    for sample in rule.samples:
        # (the fields and PRIORITY a sample gives: the same line matches from PID 1 and not from a unit's own process,
        # which read as a contradiction without them: a second new user's try)
        said = [f"{name}={value}" for name, value in sample.fields.items()]
        said += [f"PRIORITY={sample.priority}"] if sample.priority is not None else []
        given = f" (with {', '.join(visible(item) for item in said)})" if said else ""
        click.echo(f"  {'matches' if sample.match else 'ignores'}: {visible(sample.line)}{given}")
    for reference in rule.references:
        click.echo(f"  see: {visible(reference)}")
