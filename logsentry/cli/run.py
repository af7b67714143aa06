"""`logsentry run` (the service) and `logsentry config check`."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from pathlib import Path

import click

from ..config import DEFAULT_CONFIG, ConfigError, SiteConfig, load_config
from ..rules.loader import load_rules
from ..trust import untrusted
from .common import EXIT_USAGE, fail

config_option = click.option("-c", "--config", "config_path", type=click.Path(path_type=Path),
                             default=DEFAULT_CONFIG, show_default=True, help="Site config (TOML).")


def load_site_config(config_path: Path) -> SiteConfig:
    try:
        return load_config(config_path)
    except ConfigError as error:
        for line in error.problems:
            click.echo(line, err=True)
        fail(f"{len(error.problems)} error(s) in {config_path}")


def trust_problems(config: SiteConfig) -> list[str]:
    return untrusted([config.path, *config.rule_dirs, config.state_dir])


def refuse_untrusted(config: SiteConfig) -> None:
    problems = trust_problems(config)
    if problems:
        for line in problems:
            click.echo(line, err=True)
        fail("refusing to start: rules and config decide which services get restarted, so no other user may "
             "be able to change them")


def _setup_logging() -> None:
    under_journald = "JOURNAL_STREAM" in os.environ
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(levelname)s %(message)s" if under_journald else
                        "%(asctime)s %(levelname)s %(message)s")


@click.command()
@config_option
@click.option("--dry-run", is_flag=True, help="Log what would be done; restart and alert nothing.")
def run(config_path: Path, dry_run: bool) -> None:
    """Follow the journal as a service: restart units and send alerts as the config says."""
    from ..service import Service

    config = load_site_config(config_path)
    if dry_run:
        config = dataclasses.replace(config, dry_run=True)
    refuse_untrusted(config)
    _setup_logging()
    service = Service(config)
    service.install_signals()
    sys.exit(service.run())


@click.group("config")
def config_group() -> None:
    """Check the site config."""


@config_group.command("check")
@config_option
def config_check(config_path: Path) -> None:
    """Validate the config and its rules, and print what would be watched (secrets redacted)."""
    config = load_site_config(config_path)
    rule_set = load_rules(config.rule_dirs, disabled=config.disabled_rules)
    for line in config.describe():
        click.echo(line)
    click.echo(f"rules: {len(rule_set.rules)} loaded")
    problems = [*rule_set.errors, *trust_problems(config)]
    for line in problems:
        click.echo(line, err=True)
    if problems:
        sys.exit(EXIT_USAGE)
