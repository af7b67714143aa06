"""`logsentry run` (the service) and `logsentry config check`."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from ..actions.channels import channel_problem, dropped_query_warning, http_url_problem
from ..actions.outbox import undelivered
from ..config import DEFAULT_CONFIG, SiteConfig, placeholder_warnings
from ..config_check import SiteCheck, check_site
from ..config_parse import ConfigError, load_config, read_config
from ..config_rules import log_rule_names
from ..journal_start import no_journal_file_yet
from ..redaction import redact_url
from ..sources.journal import JournalLocation, JournalOpenError
from ..sources.selection import Selection, is_glob
from ..sources.unit_names import said_unseen, unseen_units
from ..trust import exposure_warnings, site_problems
from ..views.escape import EscapingFormatter
from ..wording import plural
from .common import fail

config_option = click.option("-c", "--config", "config_path", type=click.Path(path_type=Path),
                             default=DEFAULT_CONFIG, show_default=True, help="Site config (TOML).")


UNTRUSTED = ("the config, rules, state and the programs it runs decide which services get restarted and what runs as "
             "root, so no other user may be able to change them")


def _missing(config_path: Path, instead: str = "") -> None:
    if config_path.exists() or config_path.is_symlink():
        return
    if config_path != DEFAULT_CONFIG:  # the -c PATH given names no file: say so, not "give one with -c"
        fail(f"{config_path}: no such file (the site config -c names; contrib/logsentry.toml in the source is an "
             "example)")
    fail(f"no site config at {config_path}: give one with -c PATH (contrib/logsentry.toml in the source is an "
         f"example; `logsentry config check -c PATH` checks it){instead}")


def load_site_config(config_path: Path, instead: str = "") -> SiteConfig:
    """The site config at `config_path`; exit 2 saying why when there is none (`instead`: what the command can do
    without one, said after how to give one) or it is broken."""
    _missing(config_path, instead)
    try:
        return load_config(config_path)
    except ConfigError as error:
        for line in error.problems:
            click.echo(line, err=True)
        fail(f"{plural(len(error.problems), 'error', separated=False)} in {config_path}")


def config_to_read_state(config_path: Path, state_dir: Path | None) -> SiteConfig:
    """The site config for a command that only reads the service's saved state (`incidents`): a config with errors
    is said, as warnings, and read as far as it can be, so that an operator who broke it mid-incident still sees
    what is open (it listed nothing, exit 2); not when its `state_dir` itself is refused and --state-dir is not
    given (which state to read is then unknown)."""
    _missing(config_path)
    parsed = read_config(config_path)
    if parsed.config is None or ("state_dir" in parsed.refused and state_dir is None):
        for line in parsed.problems:
            click.echo(line, err=True)
        fail(f"{plural(len(parsed.problems), 'error', separated=False)} in {config_path}"
             + ("" if parsed.config is None else " (--state-dir DIR reads the state anyway)"))
    for line in parsed.problems:
        click.echo(f"logsentry: warning: {line}", err=True)
    if parsed.problems:
        click.echo(f"logsentry: warning: {plural(len(parsed.problems), 'error', separated=False)} in {config_path} "
                   "(`logsentry config check`): read as far as it can be, the state as the service saved it",
                   err=True)
    return parsed.config


def checked_site(config_path: Path, *, lazy_shipped: bool = False) -> SiteCheck:
    """The config and its rules checked in one go (config_check.py), or exit 2 when there is no config file;
    `lazy_shipped` for `run` (load_rules: `config check` checks the shipped rules' regexes)."""
    _missing(config_path)
    return check_site(config_path, lazy_shipped=lazy_shipped)


def trust_problems(config: SiteConfig) -> list[str]:
    return site_problems(config)


def refuse_untrusted(config: SiteConfig) -> None:
    problems = trust_problems(config)
    if problems:
        for line in problems:
            click.echo(line, err=True)
        fail(f"refusing to start: {UNTRUSTED}")


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
@click.option("--dry-run", is_flag=True,
              help="Log what would be done; restart, alert and hook nothing, and ping no heartbeat (no page goes "
                   "out, so the dead-man's switch must not say all is well). Holds for the whole run: a reload "
                   "keeps it whatever the file's dry_run says.")
def run(config_path: Path, dry_run: bool) -> None:
    """Follow the journal as a service: restart units and send alerts as the config says."""
    from ..service import Service, StartError

    checked = checked_site(config_path, lazy_shipped=True)
    rule_errors = set(checked.rule_set.errors)  # a broken rule file is left out, said and paged (Service), not fatal:
    # a restart or a reboot with one typo in /etc/logsentry/rules.d had the service loop on exit 2, all its rules off
    if checked.config is None or any(problem not in rule_errors for problem in checked.problems):
        for line in checked.problems:
            click.echo(line, err=True)
        errors = plural(len(checked.problems), "error", separated=False)
        fail(f"refusing to start: {errors} in {config_path}, its rules or the files it names (`logsentry config check` "
             "also checks the channels' URLs)" + (f"; {UNTRUSTED}" if checked.untrusted else ""))
    config = checked.config
    setup_logging()
    log = logging.getLogger("logsentry")
    for line in exposure_warnings(config):
        log.warning("%s", line)
    for channel in config.alerts.channels:
        if said := dropped_query_warning(channel):
            log.warning("%s: %s: url: %s", config.path, channel.where, said)
    log_rule_names(log, checked.names, "starting")
    try:
        service = Service(config, dry_run=dry_run)
    except StartError as error:
        fail(f"cannot start: {error}")
    service.install_signals()
    try:
        sys.exit(service.run())
    except StartError as error:
        fail(f"cannot start: {error}")


LOCAL_JOURNAL_LINE = "journal: the local journal (no journal_directory)"
"""SiteConfig.describe's line for a config without journal_directory."""


def journal_said(line: str, directory: Path | None) -> str:
    """describe's journal line, saying so when the local journal has no journal file this user can read here, so
    that `run` would not start: not an error, since a config may be checked on another machine than its own. Of a
    `directory` (journal_directory) with no journal file yet, that `run` waits for the first (a new collector)."""
    if directory is not None and line.startswith("journal: ") and directory.is_dir() and \
            no_journal_file_yet(directory):
        return (f"{line}, none there yet: logsentry run waits for the first (systemd-journal-remote writes one "
                "when a host first sends)")
    if line != LOCAL_JOURNAL_LINE:
        return line
    try:
        JournalLocation().check_readable()
    except JournalOpenError as error:
        return (f"{line}, unreadable on this machine: {error}; logsentry run would not start here (is "
                "systemd-journald running, is this user in the systemd-journal group? a collector sets "
                "journal_directory)")
    return line


@click.group("config")
def config_group() -> None:
    """Check the site config."""


@config_group.command("check")
@config_option
@click.option("--send-test", is_flag=True,
              help="Then send a test alert through each channel and say which delivered (exit 1 if one did not).")
def config_check(config_path: Path, send_test: bool) -> None:
    """Validate the config and its rules, and print what would be watched (secrets redacted). Nothing is sent
    unless --send-test."""
    checked = checked_site(config_path)
    if checked.config is None:  # no TOML: nothing else can be read
        for line in checked.problems:
            click.echo(line, err=True)
        fail(f"1 error in {config_path}")
    config = checked.config
    problems = list(checked.problems)
    refused = set(checked.refused)  # sections whose summary line would read as fine above their error
    for channel in config.alerts.channels:  # (a placeholder is also warned about)
        if why := channel_problem(channel):
            problems.append(f"{config.path}: {channel.where}: url: {why}")
            refused.add(channel.where)
    if config.heartbeat_url and (why := http_url_problem(config.heartbeat_url)):
        problems.append(f"{config.path}: heartbeat.url: {why} ({redact_url(config.heartbeat_url)})")
        refused.add("heartbeat")
    if config.journal_directory is not None and not config.journal_directory.is_dir():
        problems.append(f"{config.path}: journal_directory {config.journal_directory} is not a directory "
                        "(logsentry run would refuse to start)")
        refused.add("journal_directory")
    problems += checked.names.dead
    refused |= checked.names.dead_watches
    for line in config.describe(frozenset(refused)):
        click.echo(journal_said(line, config.journal_directory))
    click.echo(f"rules: {len(checked.rule_set.rules)} loaded")
    if "journal_directory" not in refused:  # (notes: a unit that has not logged yet is no mistake)
        for line in _unseen_watched(config, frozenset(refused)):
            click.echo(line)
    warnings = [*checked.names.warnings, *placeholder_warnings(config), *exposure_warnings(config),
                *(f"{config.path}: warning: {channel.where}: url: {said}" for channel in config.alerts.channels
                  if (said := dropped_query_warning(channel)))]
    outbox = undelivered(config) if "state_dir" not in refused else []  # a warning, then a line per alert
    for line in [*warnings, *outbox]:
        click.echo(line, err=True)
    warned = len(warnings) + sum(line.startswith("warning:") for line in outbox)  # (each counted below, as said)
    for line in problems:
        click.echo(line, err=True)
    if problems:
        fail(f"{plural(len(problems), 'error', separated=False)} in {config_path}, its rules or the files it names"
             + (f" ({plural(warned, 'warning', separated=False)} above them)" if warned else ""))
    if send_test:
        _send_test(config)


def _send_test(config: SiteConfig) -> None:
    """`--send-test`: a test alert through each channel, a line each; exit 1 when one was not delivered."""
    from ..actions.test_alert import send_test_alerts

    if not config.alerts.channels:
        fail("--send-test: the config has no [[channel]] to send through")
    failed = 0
    for where, why in send_test_alerts(config):
        click.echo(f"test alert: {where}: " + ("delivered" if why is None else f"NOT delivered: {why}"))
        failed += why is not None
    if failed:
        channels = plural(len(config.alerts.channels), "channel", separated=False)
        click.echo(f"logsentry: --send-test: {failed} of {channels} did not take the test alert", err=True)
        sys.exit(1)


def _unseen_watched(config: SiteConfig, refused: frozenset[str]) -> list[str]:
    """Each watch's unit names (globs aside) that no entry of the journal names, with the names it holds that look
    alike, as `scan -u` says them: a typo, or `pipewire` for a user's own `user@1000.service/pipewire.service`,
    would cover nothing without a word (a new user's trial). A unit that has not logged yet is fine: a note, not a
    warning. None when there is no journal this user can read (the journal line says so for the local one, and the
    service when it starts): "no entry of X in this journal" read as if there were one (a new user's finding)."""
    location = JournalLocation(directory=config.journal_directory)
    try:
        location.check_readable()
    except JournalOpenError:
        return []
    lines = []
    for watch in config.watches:
        if watch.where in refused:  # (a watch with an error: its error says what is wrong)
            continue
        names = tuple(unit for unit in watch.units if not is_glob(unit))
        try:
            unseen = unseen_units(location, Selection(units=names)) if names else []
        except (JournalOpenError, OSError):
            return []
        lines += [f"note: {watch.where or 'watch'}: units: {said}"
                  for said in said_unseen(unseen, "the watch covers it once it logs")]
    return lines
