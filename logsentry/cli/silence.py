"""`logsentry silence add/list/expire`: maintenance windows, local and mirrored to Alertmanager."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click
from click.core import ParameterSource

from ..config import Channel, SiteConfig
from ..host_silence import RULE_ID as HOST_RULE
from ..host_silence import UNIT as HOST_UNIT
from ..rules.loader import default_rule_dirs, load_rules
from ..silences import OWN_UNIT, UNGLOBBED, Silence, SilenceError, load, mirror, new_silence, save, unmirror
from ..sources.journal import JournalLocation, JournalOpenError
from ..sources.selection import Selection, is_glob, unit_name
from ..sources.unit_names import said_unseen, unseen_units
from ..timespec import TimeSpecError, format_usec, parse_duration, wall_usec
from ..views.escape import visible
from .common import fail
from .run import config_option, load_site_config

state_option = click.option("--state-dir", type=click.Path(path_type=Path, file_okay=False),
                            help="Use this state directory instead of the config's state_dir (then no site "
                                 "config is needed).")


@click.group("silence")
def silence() -> None:
    """Silences: suppress the notifications of a unit (on a host, for a rule) for a while; incidents are still
    detected and recorded. Mirrored to the configured Alertmanager channels."""


def _site(config_path: Path, state_dir: Path | None) -> tuple[Path, SiteConfig | None]:
    """The state directory and the site config; no config when --state-dir names the state and no -c was given
    nor the default config exists (silences kept in a state of one's own, as `baseline --state-dir` works)."""
    if state_dir is not None and not state_dir.is_dir():
        # A mistyped path must not look like "no silences", nor keep a silence where no service reads it.
        fail(f"no state directory {state_dir} (--state-dir: the service's state_dir, where its state.db is)")
    given = click.get_current_context().get_parameter_source("config_path") != ParameterSource.DEFAULT
    if state_dir is not None and not given and not config_path.exists() and not config_path.is_symlink():
        return state_dir, None
    config = load_site_config(config_path)
    return (state_dir if state_dir is not None else config.state_dir), config


def _alertmanagers(config: SiteConfig | None) -> list[Channel]:
    return [] if config is None else [c for c in config.alerts.channels if c.kind == "alertmanager"]


@silence.command("add")
@click.option("-u", "--unit", "unit", required=True,
              help='The unit (bare names get .service); "(host)" for a host\'s whole journal (with -H); '
                   '"logsentry" for logsentry\'s own alerts (its journal unreadable, a state set aside, ...).')
@click.option("-H", "--host", "host", default="", help="Only alerts about this host (_HOSTNAME).")
@click.option("--rule", default="", help="Only alerts of this rule.")
@click.option("--for", "duration", required=True,
              help='How long, as systemd writes time spans: "2h", "30min", "1h 30min", "1d", "90s".')
@click.option("--comment", required=True, help="Why (shown in list and in Alertmanager).")
@config_option
@state_option
def add(unit: str, host: str, rule: str, duration: str, comment: str, config_path: Path,
        state_dir: Path | None) -> None:
    """Silence a unit's notifications for a while (a maintenance window)."""
    try:
        length = parse_duration(duration)
    except TimeSpecError as error:
        raise click.BadParameter(str(error), param_hint="'--for'") from None
    if length <= 0:
        raise click.BadParameter("expected a positive duration", param_hint="'--for'")
    if "[" in unit:
        raise click.BadParameter("character classes ([...]) are not supported in silences; use * and ?",
                                 param_hint="'-u' / '--unit'")
    if unit == HOST_UNIT and not host:
        # Without -H it would quiet every host's "journal stopped arriving" alert: a collector blind to its fleet.
        raise click.BadParameter(f"{HOST_UNIT} needs the host whose journal goes quiet: -H HOSTNAME (as its "
                                 "alert names it)", param_hint="'-H' / '--host'")
    directory, config = _site(config_path, state_dir)
    if rule and rule not in _rule_ids(config):
        among = "" if config is not None else f" among the shipped rules (no site config at {config_path}: -c PATH " \
            "for its rules)"
        raise click.BadParameter(f"no rule with id {visible(rule)!r}{among} (see logsentry rules list)",
                                 param_hint="'--rule'")
    channels = _alertmanagers(config)
    try:
        silences = load(directory)
    except SilenceError as error:
        fail(str(error))
    made = new_silence(unit if unit in UNGLOBBED else unit_name(unit), host, rule, length, comment,
                       getpass.getuser())
    _save(directory, [*silences, made])  # here first: Alertmanager holds no silence that logsentry does not
    for channel in channels:
        try:
            made.alertmanager[channel.name] = mirror(channel, made)
        except (SilenceError, KeyError, ValueError) as error:
            click.echo(f"logsentry: warning: not mirrored: {error}", err=True)
    if made.alertmanager:
        _save(directory, [*silences, made])
    click.echo(f"silence {made.id}: {_describe(made)}")
    if config is None:
        click.echo(f"note: no site config at {config_path}: kept in {directory} only, mirrored to no Alertmanager "
                   "(-c PATH mirrors it to the config's)", err=True)
    if state_dir is not None and not (state_dir / "state.db").exists():
        click.echo(f"note: no state.db in {state_dir}: no service has run with it as its state_dir yet", err=True)
    if not is_glob(made.unit) and made.unit not in UNGLOBBED:  # (a typo, or `pipewire` for a user's own unit)
        try:
            location = JournalLocation(directory=config.journal_directory if config is not None else None)
            # (only with names alike: a silence set up before a unit first logs is no mistake)
            unseen = [(name, close) for name, close in unseen_units(location, Selection(units=(made.unit,))) if close]
            for said in said_unseen(unseen, "the silence covers it once it logs"):
                click.echo(f"note: {said}", err=True)
        except (JournalOpenError, OSError):
            pass  # (no journal to look in here: the silence stands as given)
    if is_glob(made.unit):
        click.echo(f"note: a glob covers units only; a host whose whole journal stops and logsentry's own failures "
                   f"are still alerted (-u '{HOST_UNIT}' -H HOSTNAME and -u {OWN_UNIT} silence those)", err=True)


def _save(directory: Path, silences: list[Silence]) -> None:
    try:
        save(directory, silences)
    except SilenceError as error:
        fail(str(error))


@silence.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also silences that ended.")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@config_option
@state_option
def list_(show_all: bool, output: str, config_path: Path, state_dir: Path | None) -> None:
    """The silences in force (or all)."""
    directory, _ = _site(config_path, state_dir)
    try:
        silences = load(directory)
    except SilenceError as error:
        fail(str(error))
    now = wall_usec()
    shown = [item for item in silences if show_all or now < item.ends_usec]
    if not shown and output == "table":
        ended = f" ({len(silences)} ended: --all shows them)" if silences else ""
        click.echo(f"no silence{'' if show_all else ' in force'} in {directory}{ended}")
    for item in shown:
        state = _state(item, now)
        if output == "json":
            click.echo(json.dumps({"id": item.id, "unit": item.unit, "host": item.host, "rule": item.rule,
                                   "starts_usec": item.starts_usec, "ends_usec": item.ends_usec,
                                   "comment": item.comment, "created_by": item.created_by,
                                   "active": item.active(now), "state": state, "alertmanager": item.alertmanager}))
        else:
            click.echo(f"{item.id}  {_describe(item)}" + ("" if state == "active" else f" ({state})"))


@silence.command("expire")
@click.argument("silence_id")
@config_option
@state_option
def expire(silence_id: str, config_path: Path, state_dir: Path | None) -> None:
    """End a silence now (here and in Alertmanager)."""
    directory, config = _site(config_path, state_dir)
    channels = _alertmanagers(config)
    try:
        silences = load(directory)
    except SilenceError as error:
        fail(str(error))
    found = [item for item in silences if item.id == silence_id]
    if not found:
        fail(f"no silence {silence_id!r} (see logsentry silence list)")
    item = found[0]
    if item.ends_usec <= wall_usec():
        click.echo(f"silence {item.id} had already ended ({format_usec(item.ends_usec)})")
        return
    item.ends_usec = wall_usec()
    _save(directory, silences)  # here first, then in Alertmanager
    for channel in channels:
        if (mirrored := item.alertmanager.get(channel.name)):
            try:
                unmirror(channel, mirrored)
            except SilenceError as error:
                click.echo(f"logsentry: warning: {error}", err=True)
    if config is None and item.alertmanager:
        click.echo(f"logsentry: warning: not expired in Alertmanager ({', '.join(map(visible, item.alertmanager))}): "
                   f"no site config at {config_path} says where it is (-c PATH)", err=True)
    click.echo(f"silence {item.id} expired")


def _rule_ids(config: SiteConfig | None) -> set[str]:
    """The ids a silence's --rule may name: the config's rules (disabled ones too: a silence may outlive
    a reload; without a config the shipped ones) and the host-level rule, which has no file."""
    dirs = list(default_rule_dirs()) if config is None else config.rule_dirs
    return {rule.id for rule in load_rules(dirs, lazy_shipped=True).rules} | {HOST_RULE}


def _state(item: Silence, now_usec: int) -> str:
    """Alertmanager's word for a silence at `now_usec` (µs): pending (not started), active, or expired."""
    return "pending" if now_usec < item.starts_usec else "active" if now_usec < item.ends_usec else "expired"


def _describe(item: Silence) -> str:
    scope = visible(item.unit) + (f" on {visible(item.host)}" if item.host else "") + \
        (f", rule {visible(item.rule)}" if item.rule else "")
    mirrored = f"; in Alertmanager: {', '.join(item.alertmanager)}" if item.alertmanager else ""
    return (f"{scope} from {format_usec(item.starts_usec)} until {format_usec(item.ends_usec)} by "
            f"{visible(item.created_by)}: {visible(item.comment)}{mirrored}")
