"""What the commands share: loading rules (exit 2 listing every error), reading -u/-p/--since options."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from ..rules.loader import RuleSet, default_rule_dirs, load_rules
from ..sources import Selection
from ..sources.selection import parse_priority_range, unit_name
from ..timespec import TimeSpecError, parse_timestamp
from ..wording import plural

if TYPE_CHECKING:
    from rich.console import Console

EXIT_USAGE = 2
EXIT_FOUND = 3
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> NoReturn:
    """Report a usage/configuration error and exit 2."""
    click.echo(f"logsentry: {message}", err=True)
    sys.exit(EXIT_USAGE)


def console() -> Console:
    """The terminal or pipe the commands print to (rich is imported here, by the commands that print through
    it: terminal.py)."""
    from .terminal import PipeConsole
    return PipeConsole(highlight=False)


def load_rule_set(extra: Iterable[Path], shipped: bool, refused: str = "nothing was scanned", *,
                  lazy_shipped: bool = True) -> RuleSet:
    """Load rules or exit 2 with every error listed: a broken file never silently drops out. `refused`
    says what was not done because of them; `lazy_shipped`: as load_rules's (False: `rules test` checks them)."""
    extra = tuple(extra)
    dirs = [*(default_rule_dirs() if shipped else ()), *extra]
    if not dirs:
        fail("no rules: give --rules DIR or drop --no-shipped-rules")
    rule_set = load_rules(dirs, lazy_shipped=lazy_shipped)
    # (a directory given on the command line that holds no rule file is a mistake, not "0 rules, nothing found")
    empty = [f"{path}: no rule files (*.toml) in this directory, expected at least one" for path in extra
             if path.is_dir() and next(path.rglob("*.toml"), None) is None]
    if rule_set.errors or empty:
        for line in (*rule_set.errors, *empty):
            click.echo(line, err=True)
        fail(f"{plural(len(rule_set.errors) + len(empty), 'error')} in rule files; {refused}")
    return rule_set


def selection_from(units: tuple[str, ...], priority: str | None, since: str | None, until: str | None) -> Selection:
    if any(not unit.strip() for unit in units):  # (journalctl -u '' is an error too, not ".service")
        raise click.BadParameter("expected a unit name (got an empty one)", param_hint="'-u' / '--unit'")
    try:
        selection = Selection(
            units=tuple(unit_name(u) for u in units),
            priorities=parse_priority_range(priority) if priority else None,
            since_usec=_moment(since, "--since") if since else None,
            until_usec=_moment(until, "--until") if until else None,
        )
        if selection.since_usec is not None and selection.until_usec is not None \
                and selection.since_usec > selection.until_usec:  # as journalctl refuses it
            raise TimeSpecError(f"--since must be before --until (got {since!r} and {until!r})")
        return selection
    except TimeSpecError as error:
        raise click.BadParameter(str(error), param_hint="'--since' / '--until'") from None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'-p' / '--priority'") from None


def _moment(text: str, option: str) -> int:
    """--since's or --until's time, its error naming that option alone, and a span without its sign ("1h", which
    journalctl refuses too) asked whether it meant the span ago (newuser76's 13)."""
    try:
        return parse_timestamp(text)
    except TimeSpecError as error:
        said = str(error)
        if text.strip()[:1] not in "+-@":
            try:
                parse_timestamp(f"-{text.strip()}")
                said += f'; did you mean "-{text.strip()}" ({text.strip()} ago)?'
            except TimeSpecError:
                pass
        raise click.BadParameter(said, param_hint=f"'{option}'") from None


unit_option = click.option("-u", "--unit", "units", multiple=True,
                           help="Only this unit, as journalctl -u (repeatable).")
priority_option = click.option("-p", "--priority",
                               help='Only entries of this effective priority or more important ("err", "3", '
                                    '"warning..err"): a PRIORITY=6 line that starts with ERROR counts as err.')
rules_option = click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
                            help="Extra rule file or directory (repeatable); overrides shipped rules by id.")
shipped_option = click.option("--no-shipped-rules", "no_shipped", is_flag=True,
                              help="Use only the rules given with --rules.")


def saved_state_options(json_help: str) -> Callable[[F], F]:
    """-c/--config, --state-dir and -o text|json: the options of a command that reads the service's saved state
    (`hosts`, `incidents`); `json_help` says what -o json gives."""
    from ..config import DEFAULT_CONFIG

    def decorate(command: F) -> F:
        command = click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text",
                               show_default=True, help=json_help)(command)
        command = click.option("--state-dir", type=click.Path(path_type=Path, file_okay=False),
                               help="Use this state directory instead of the config's state_dir.")(command)
        return click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG,
                            show_default=True, help="Site config (TOML).")(command)
    return decorate


FILE_HINT = "A log or dump is read with --file PATH (- for standard input), a directory of journal files with -D DIR."


class FileHintCommand(click.Command):
    """A command that reads logs with --file: a path given bare, or `-f`, is told how (a new user's `scan orders.log`
    got Click's bare "Got unexpected extra argument (orders.log)", and `scan -f x` "No such option '-f'")."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as error:
            if error.option_name not in ("-f", "--log", "--input", "--path"):
                raise
            raise click.UsageError(f"{error.message} {FILE_HINT}", ctx) from None
        except click.UsageError as error:
            if not error.message.startswith("Got unexpected extra argument"):
                raise
            raise click.UsageError(f"{error.message}: {FILE_HINT}", ctx) from None
