"""`logsentry run` (the service) and `logsentry config check`."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from pathlib import Path

import click

from ..actions.channels import channel_problem, http_url_problem
from ..actions.outbox import undelivered
from ..config import DEFAULT_CONFIG, SiteConfig, placeholder_warnings
from ..config_parse import ConfigError, load_config
from ..config_rules import rule_name_warnings
from ..redaction import redact_url
from ..rules.loader import load_rules
from ..trust import exposure_warnings, site_problems
from ..views.escape import EscapingFormatter
from .common import EXIT_USAGE, fail

config_option = click.option("-c", "--config", "config_path", type=click.Path(path_type=Path),
                             default=DEFAULT_CONFIG, show_default=True, help="Site config (TOML).")


def load_site_config(config_path: Path) -> SiteConfig:
    if not config_path.exists() and not config_path.is_symlink():  # a newcomer's first try: where to put one
        fail(f"no site config at {config_path}: give one with -c PATH (contrib/logsentry.toml in the source is an "
             "example; `logsentry config check -c PATH` checks it)")
    try:
        return load_config(config_path)
    except ConfigError as error:
        for line in error.problems:
            click.echo(line, err=True)
        fail(f"{len(error.problems)} error(s) in {config_path}")


def trust_problems(config: SiteConfig) -> list[str]:
    return site_problems(config)


def refuse_untrusted(config: SiteConfig) -> None:
    problems = trust_problems(config)
    if problems:
        for line in problems:
            click.echo(line, err=True)
        fail("refusing to start: the config, rules, state and the programs it runs decide which services get "
             "restarted and what runs as root, so no other user may be able to change them")


def setup_logging(level: int = logging.INFO, service: bool = True) -> None:
    """Log lines to stderr (the journal, under systemd), with control characters in them escaped: unit
    names and messages come from the journal, and a newline in one must not forge a second log line."""
    under_journald = "JOURNAL_STREAM" in os.environ
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(EscapingFormatter(
        "%(message)s" if not service else "%(levelname)s %(message)s" if under_journald else
        "%(asctime)s %(levelname)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


@click.command()
@config_option
@click.option("--dry-run", is_flag=True, help="Log what would be done; restart and alert nothing.")
def run(config_path: Path, dry_run: bool) -> None:
    """Follow the journal as a service: restart units and send alerts as the config says."""
    from ..service import Service, StartError

    config = load_site_config(config_path)
    if dry_run:
        config = dataclasses.replace(config, dry_run=True)
    refuse_untrusted(config)
    rule_set = load_rules(config.rule_dirs, disabled=config.disabled_rules)
    if rule_set.errors:  # as `config check` and a reload do: a broken rule file is refused, not skipped
        for line in rule_set.errors:
            click.echo(line, err=True)
        fail(f"refusing to start: {len(rule_set.errors)} rule file error(s) (see `logsentry config check`)")
    setup_logging()
    for line in [*exposure_warnings(config), *rule_name_warnings(config, rule_set.ids)]:
        logging.getLogger("logsentry").warning("%s", line)
    try:
        service = Service(config)
    except StartError as error:
        fail(f"cannot start: {error}")
    service.install_signals()
    try:
        sys.exit(service.run())
    except StartError as error:
        fail(f"cannot start: {error}")


@click.group("config")
def config_group() -> None:
    """Check the site config."""


@config_group.command("check")
@config_option
def config_check(config_path: Path) -> None:
    """Validate the config and its rules, and print what would be watched (secrets redacted)."""
    config = load_site_config(config_path)
    rule_set = load_rules(config.rule_dirs, disabled=config.disabled_rules)
    problems = [*rule_set.errors, *trust_problems(config)]
    refused: set[str] = set()  # settings whose summary line would read as fine above their error
    for channel in config.alerts.channels:  # (a placeholder is also warned about)
        if why := channel_problem(channel):
            problems.append(f"{config.path}: {channel.where}: url: {why}")
            refused.add(channel.where)
    if config.heartbeat_url and (why := http_url_problem(config.heartbeat_url)):
        problems.append(f"{config.path}: heartbeat.url: {why} ({redact_url(config.heartbeat_url)})")
        refused.add("heartbeat.url")
    if config.journal_directory is not None and not config.journal_directory.is_dir():
        problems.append(f"{config.path}: journal_directory {config.journal_directory} is not a directory "
                        "(logsentry run would refuse to start)")
        refused.add("journal_directory")
    for line in config.describe(frozenset(refused)):
        click.echo(line)
    click.echo(f"rules: {len(rule_set.rules)} loaded")
    for line in [*rule_name_warnings(config, rule_set.ids), *placeholder_warnings(config), *exposure_warnings(config),
                 *undelivered(config)]:
        click.echo(line, err=True)
    for line in problems:
        click.echo(line, err=True)
    if problems:
        sys.exit(EXIT_USAGE)
