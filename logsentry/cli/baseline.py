"""`logsentry baseline`: what the anomaly rules learnt (show), learning it from history (learn), and the
operator's corrections (accept a template as normal, forget a unit).

They work on the service's saved state (`state_dir/state.db` of the site config). Changes are queued for
a running service, which applies them at its next save (within a second) or its next start.
"""

from __future__ import annotations

import difflib
import json
import os
import shlex
import socket
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..config import DEFAULT_CONFIG
from ..engine import episodes
from ..engine.baseline import Baselines
from ..engine.templates import TemplateMiner
from ..host_silence import HostSilence
from ..hosts import local_machine_id
from ..learning import LEARNT_HOSTS, Learnt, learn, learner
from ..learning import host_names as learnt_host_names
from ..model import split_host_unit
from ..rules.loader import default_rule_dirs, load_rules
from ..rules.rule import Rule
from ..sources import JournalOpenError
from ..sources.journal import JournalLocation
from ..sources.selection import PRIORITY_NAMES, Selection, glob_matches, parent_of, unit_name
from ..state import State, StateError
from ..state_readonly import StateMissing, open_read_only
from ..timespec import TimeSpecError, format_usec, parse_timestamp
from ..views.escape import visible
from .baseline_runs import SavedRun, run_record, runs_text, saved_runs
from .common import console as common_console
from .common import fail
from .journal_access import check_journal_access
from .run import config_option, load_site_config


def host_names(saved_hosts: Any, learnt_hosts: Any = None) -> dict[str, str]:
    """machine id -> host name: those the service saw in a journal_directory (its saved `hosts`), those of the
    history learnt (`baseline learn`, the service's first start), and this machine's own."""
    names = {str(machine): str(name) for machine, name in learnt_hosts.items()} \
        if isinstance(learnt_hosts, dict) else {}
    names.update(HostSilence.saved_names(saved_hosts))
    if machine := local_machine_id():
        names.setdefault(machine, socket.gethostname())
    return names


WITHOUT_CONFIG = ", or --state-dir DIR for baselines of their own in DIR (and -D DIR to learn another journal's)"
"""What a baseline command can do where there is no site config (helper-179 ran `baseline learn --since -14d` as
the README shows it on a fresh machine)."""


def _state(config_path: Path, state_dir: Path | None, create: bool = False) -> State:
    """The saved state; only `learn` may create it (a mistyped path must not look like "no baselines")."""
    path = _state_path(config_path, state_dir)
    if not create:
        _read_only_state(config_path, state_dir).close()  # there, and readable, or said why not
    try:
        return State(path)
    except (OSError, sqlite3.Error) as error:  # a state (or directory) this user may read but not write
        fail(f"cannot write the state in {path}: {getattr(error, 'strerror', None) or error} (learn, accept and "
             "forget change it: run this as the user the service runs as, or root)")


def _state_path(config_path: Path, state_dir: Path | None) -> Path:
    if state_dir is None:
        state_dir = load_site_config(config_path, WITHOUT_CONFIG).state_dir
    return state_dir / "state.db"


def _read_only_state(config_path: Path, state_dir: Path | None) -> State:
    """The saved state for `show`, read-only as `hosts` reads it: nothing written or converted, so it works
    beside a running service, on a state this user may only read, and says why when it may not read it."""
    path = _state_path(config_path, state_dir)
    try:
        return open_read_only(path)
    except StateMissing:
        fail(f"no saved state at {path} (the service's state_dir; logsentry baseline learn creates one)")
    except StateError as error:
        fail(str(error))


state_option = click.option("--state-dir", type=click.Path(path_type=Path, file_okay=False),
                            help="Use this state directory instead of the config's state_dir.")


@click.group("baseline")
def baseline() -> None:
    """Learned baselines: per unit, its message templates, their counts and levels."""


@baseline.command("learn")
@config_option
@state_option
@click.option("-S", "--since", default="-14d", show_default=True, help="Learn from this time on.")
@click.option("-u", "--unit", "units", multiple=True, help="Only this unit (repeatable).")
@click.option("-D", "--directory", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Journal directory (default: the config's journal_directory, else the local journal).")
def learn_command(config_path: Path, state_dir: Path | None, since: str, units: tuple[str, ...],
                  directory: Path | None) -> None:
    """Learn baselines from the journal's history (what the service does at its first start)."""
    try:
        since_usec = parse_timestamp(since)
    except TimeSpecError as error:
        raise click.BadParameter(str(error), param_hint="'--since'") from None
    if directory is None and state_dir is None:
        directory = load_site_config(config_path, WITHOUT_CONFIG).journal_directory
    if (warning := check_journal_access(directory)) is not None:  # (exits when it may read none)
        click.echo(f"logsentry: {warning}", err=True)
    state = _state(config_path, state_dir, create=True)
    baselines = Baselines()
    state.load_baselines(baselines)
    saved = state.get("templates")
    detector = learner(baselines, TemplateMiner.restore(saved) if isinstance(saved, dict) else None,
                       learning_rules(config_path))
    if not episodes.restore(detector, state.get(episodes.EPISODES_KEY)):
        click.echo(f"logsentry: warning: the templates' saved episodes in {state.path} ({episodes.EPISODES_KEY}) are "
                   "malformed: ignored, they are learnt again from this history", err=True)
    selection = Selection(units=tuple(unit_name(u) for u in units), since_usec=since_usec)
    location = JournalLocation(directory=directory)
    saved_names = state.get(LEARNT_HOSTS)
    names = dict(saved_names) if isinstance(saved_names, dict) else {}
    try:
        location.check_readable()  # no journal file there: an error, as for scan, not "learnt 0"
        learnt = learn(location, selection, detector, vouch_for=_vouch_for(config_path))
    except JournalOpenError as error:
        fail(str(error))
    try:
        names.update(learnt_host_names(location, (split_host_unit(key)[0] for key in baselines.units)))
    except JournalOpenError as error:  # what was learnt is saved all the same
        click.echo(f"logsentry: warning: cannot look up the host names of the history learnt: {error}", err=True)
    values: dict[str, Any] = {"templates": detector.miner.snapshot(), LEARNT_HOSTS: names}
    if (learnt_episodes := episodes.snapshot(detector)) is not None:  # the templates' longest episodes
        values[episodes.EPISODES_KEY] = learnt_episodes
    state.commit(values, [], 0, baselines)
    state.request("reload", "")  # a running service adopts what was learnt
    click.echo(learnt_text(learnt, state.path))
    if not learnt.entries:  # journalctl says "-- No entries --"; so do we, with where to look
        asked = f" of {', '.join(selection.units)}" if selection.units else ""
        click.echo(f"logsentry: warning: no entry{asked} in the journal since {format_usec(since_usec)}: nothing was "
                   f"learnt ({_nothing_learnt_hint(config_path, state_dir, directory, units)})", err=True)
    state.close()


def _nothing_learnt_hint(config_path: Path, state_dir: Path | None, directory: Path | None,
                         units: tuple[str, ...]) -> str:
    """Where to look when `learn` read nothing, in commands on the user's own journal and state (their -D, -c,
    --state-dir and -u repeated, quoted for a shell): the units it holds, and learning all of it (an old copy of
    a journal has nothing in the default last 14 days)."""
    source = ["-D", str(directory)] if directory is not None else []
    own = [*(["-c", str(config_path)] if config_path != DEFAULT_CONFIG else []),
           *(["--state-dir", str(state_dir)] if state_dir is not None else []), *source,
           *(arg for unit in units for arg in ("-u", unit))]
    listed = shlex.join(["journalctl", *source, "-F", "_SYSTEMD_UNIT"])
    again = shlex.join(["logsentry", "baseline", "learn", *own, "--since", "@0"])
    return visible(f"`{listed}` lists the units it holds; `{again}` learns all it holds")


def _vouch_for(config_path: Path) -> str:
    """The machine whose _MACHINE_ID only its own journald's files vouch for, as the service's learner takes it
    (RestartLimits.vouch_for: this machine, or none with restart.machine_id): a journal-remote file's claim to be it
    is learnt as an entry of no known machine, not into this machine's baselines, where its lines would become
    this machine's normal (a forged history that makes a real failure's template known)."""
    if config_path.is_file():
        return load_site_config(config_path).restart.vouch_for(local_machine_id())
    return local_machine_id()


def learning_rules(config_path: Path) -> tuple[Rule, ...]:
    """The rules the service runs (the config's, else the shipped ones): `learn` runs the anomaly rules over the
    history so that a unit's anomalous stretches stay out of its baselines, as they do live."""
    if config_path.is_file():
        config = load_site_config(config_path)
        return load_rules(config.rule_dirs, disabled=config.disabled_rules, lazy_shipped=True).rules
    return load_rules(list(default_rule_dirs()), lazy_shipped=True).rules


def counted(count: int, noun: str, nouns: str = "") -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def learnt_text(learnt: Learnt, path: Path) -> str:
    """What `baseline learn` did, in one line: learnt, read, skipped as already learnt, saved."""
    text = f"learnt {counted(learnt.learnt, 'entry', 'entries')} of {counted(learnt.learnt_units, 'unit')}"
    if learnt.first_usec is not None and learnt.last_usec is not None:
        text += f" (of {learnt.entries} read from {format_usec(learnt.first_usec)} to {format_usec(learnt.last_usec)})"
    if learnt.skipped and learnt.skipped_until is not None:
        text += (f"; skipped {counted(learnt.skipped, 'entry', 'entries')} of {counted(learnt.skipped_units, 'unit')}"
                 f" up to {format_usec(learnt.skipped_until)}, already learnt")
    if (held := learnt.entries - learnt.learnt - learnt.skipped) > 0:  # the counts add up to what was read
        text += (f"; {counted(held, 'entry', 'entries')} not learnt (lines the anomaly rules found anomalous, kept "
                 "out of the baselines, and session scopes' lines)")
    return f"{text}; {counted(learnt.units, 'unit')}, {counted(learnt.templates, 'template')} saved in {path}"


def _did_you_mean(wanted: Iterable[str], saved: Iterable[str]) -> str:
    """` (did you mean a, b?)` for the saved units (names without their host) that look like a wanted one, else ""
    (baseline show and forget: `-u shdd` for sshd.service)."""
    names = sorted(set(saved))
    close = sorted({near for name in wanted for near in difflib.get_close_matches(name, names, n=3, cutoff=0.8)})
    return f" (did you mean {', '.join(close)}?)" if close else ""


@baseline.command("show")
@config_option
@state_option
@click.option("-u", "--unit", "units", multiple=True, help="Only this unit (repeatable); shows its templates.")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def show(config_path: Path, state_dir: Path | None, units: tuple[str, ...], output: str) -> None:
    """Units and their templates: counts, first and last seen, level."""
    state = _read_only_state(config_path, state_dir)
    baselines = Baselines()
    runs: dict[tuple[str, str], dict[str, SavedRun]] = {}
    try:
        state.load_baselines(baselines)
        names = host_names(state.get("hosts"), state.get(LEARNT_HOSTS))
        if (found := saved_runs(state.get(episodes.EPISODES_KEY), baselines)) is None:
            click.echo(f"logsentry: warning: the templates' saved runs in {state.path} ({episodes.EPISODES_KEY}) are "
                       "malformed: not shown", err=True)
        runs = found or {}
    except (sqlite3.Error, ValueError) as error:
        if not str(error).startswith("no such table"):  # (a state older than baselines has none)
            fail(f"cannot read the baselines saved in {state.path}: {error}")
        names = {}
    finally:
        state.close()
    wanted = {unit_name(u) for u in units}
    chosen = [u for u in baselines.units if not wanted or u in wanted or split_host_unit(u)[1] in wanted or any(
        glob_matches(name, split_host_unit(u)[1]) for name in wanted)]  # globs as `learn -u` and journalctl take
    if output == "json":
        for unit in chosen:
            stats = baselines.units[unit]
            machine, name = split_host_unit(unit)  # baselines are per (machine, unit)
            host = names.get(machine, "")
            click.echo(json.dumps({"type": "unit", "unit": name, "machine_id": machine, "host": host,
                                   "entries": stats.entries, "errors": stats.errors, "first_usec": stats.first_usec,
                                   "last_usec": stats.last_usec}))
            for tid, t in baselines.templates[unit].items():
                click.echo(json.dumps({"type": "template", "unit": name, "machine_id": machine, "host": host,
                                       "id": tid, "template": t.text, "count": t.count, "level": t.level,
                                       "first_usec": t.first_usec, "last_usec": t.last_usec, "accepted": t.accepted,
                                       "example": t.example, "runs": {rule_id: run_record(r) for rule_id, r
                                                                       in runs.get((unit, tid), {}).items()}}))
        return
    console = _console()
    if not chosen:
        console.print("no baselines saved" + (" for " + ", ".join(sorted(wanted)) if wanted else "")
                      + _did_you_mean(wanted, {split_host_unit(unit)[1] for unit in baselines.units}))
        return
    # the unit whole (it is what `-u` takes), and each header whole: at 80 columns the host and the history give
    # way first (a new user's trial: `user@1000.service/pipewire.servi…`, `entr…`)
    table = Table(title="units, busiest first", title_justify="left", box=None, pad_edge=False, show_edge=False)
    longest = max(len(visible(split_host_unit(key)[1])) for key in chosen)
    table.add_column("unit", no_wrap=True, width=min(longest, 60))
    table.add_column("host", no_wrap=True, overflow="ellipsis", max_width=24, min_width=4)
    for name in ("entries", "errors", "history", "templates"):
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for key in sorted(chosen, key=lambda k: -baselines.units[k].entries):
        stats = baselines.units[key]
        machine, unit = split_host_unit(key)
        host = names.get(machine) or machine[:12]  # a machine id only where no host name is known
        table.add_row(Text(visible(unit)), Text(visible(host) or "-"), str(stats.entries), str(stats.errors),
                      _span(stats.last_usec - stats.first_usec), str(len(baselines.templates[key])))
    console.print(table)
    if not wanted:
        console.print("templates: logsentry baseline show -u UNIT")
        return
    for unit in chosen:
        machine, name = split_host_unit(unit)
        where = f" on {names.get(machine) or machine}" if machine else ""
        templates = Table(title=Text(f"templates of {visible(name)}{visible(where)}, most frequent first"),
                          title_justify="left")
        templates.add_column("id", no_wrap=True)
        templates.add_column("count", justify="right", no_wrap=True)
        templates.add_column("level", no_wrap=True)
        templates.add_column("first / last seen", no_wrap=True)
        templates.add_column("template", overflow="fold")
        apart = " / " if console.width == PIPE_WIDTH else "\n"  # a pipe's reader (grep) gets each row whole
        for tid, t in sorted(baselines.templates[unit].items(), key=lambda item: -item[1].count):
            level = "-" if t.level is None else PRIORITY_NAMES[t.level]
            templates.add_row(tid + (f"{apart}accepted" if t.accepted else ""), str(t.count), level,
                              f"{format_usec(t.first_usec)}{apart}{format_usec(t.last_usec)}",
                              Text(visible(t.text)).append(runs_text(runs.get((unit, tid), {}), t.last_usec),
                                                           style="dim"))
        console.print(templates)


PIPE_WIDTH = 10_000
"""Columns of `show`'s tables on a pipe (no COLUMNS given): each as wide as its content, no line wrapped. rich's
default there, 80, folded every template into a column a dozen characters wide (helper F2)."""


def _console() -> Console:
    """The terminal's width, COLUMNS when given, else (a pipe, a file) room for every line: `rules list` gives a
    pipe its lines whole too."""
    console = common_console()
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = PIPE_WIDTH
    return console


@baseline.command("accept")
@config_option
@state_option
@click.option("--every-host", is_flag=True,
              help="Also the same template of the same unit on every other host whose baseline holds it now (a "
                   "fleet's one normal message: an id is of one unit of one host; a host that logs it later is not "
                   "covered).")
@click.argument("template_id")
def accept(config_path: Path, state_dir: Path | None, every_host: bool, template_id: str) -> None:
    """Treat a template as normal from now on for the anomaly rules (it never counts as new again); the signature
    rules that match its lines still fire."""
    state = _state(config_path, state_dir)
    known = state.db.execute("SELECT unit, text FROM baseline_template WHERE template_id = ? ORDER BY unit",
                             (template_id,)).fetchall()
    if not known:
        state.close()
        fail(f"no template {template_id!r} in {state.path} (logsentry baseline show -u UNIT lists them)")
    names = host_names(state.get("hosts"), state.get(LEARNT_HOSTS))
    machine, unit = split_host_unit(known[0][0])  # an id is of one unit of one host (its words and unit hashed)
    accepted = [(template_id, machine)]
    if every_host:  # the same words of the same unit name on the other hosts (their ids hash their host in)
        accepted += [(tid, split_host_unit(key)[0]) for tid, key in state.db.execute(
            "SELECT template_id, unit FROM baseline_template WHERE text = ? AND template_id != ? ORDER BY unit",
            (known[0][1], template_id)).fetchall() if split_host_unit(key)[1] == unit]
    for tid, _ in accepted:
        state.request("accept", tid)
    state.close()
    hosts = ", ".join(names.get(host) or host for _, host in accepted if host)
    where = f" on {hosts}" if hosts else ""
    ids = template_id if len(accepted) == 1 else f"{template_id} and {len(accepted) - 1} more"
    click.echo(visible(f"accepted {ids} of {unit}{where} ({known[0][1]}): normal from now on for the anomaly rules "
                       "(signature rules that match it still fire)"))


@baseline.command("forget")
@config_option
@state_option
@click.option("-u", "--unit", "unit", required=True, help="The unit whose baseline to drop.")
@click.option("-M", "--machine", help="Only on this machine (its _MACHINE_ID, as `baseline show -o json` gives it).")
@click.option("-H", "--host", help="Only on this host (its name, as `baseline show` gives it).")
def forget(config_path: Path, state_dir: Path | None, unit: str, machine: str | None, host: str | None) -> None:
    """Drop what was learnt about a unit, on every host or one (it is learnt afresh, cold, from its next entry)."""
    state = _state(config_path, state_dir)
    name = unit if "/" in unit and parent_of(unit) is None else unit_name(unit)  # a key, or a unit's name
    if host is not None and machine is None:  # baselines are per (machine, unit): the host's machine
        named = [m for m, n in host_names(state.get("hosts"), state.get(LEARNT_HOSTS)).items() if n == host]
        if len(named) != 1:
            state.close()
            fail(f"{'no' if not named else len(named)} machines named {host!r} in {state.path}: give -M MACHINE_ID "
                 "(logsentry baseline show -o json lists each unit's machine_id and host)")
        machine = named[0]
    if machine is not None:
        name = f"{machine.lower().replace('-', '')}/{name if parent_of(name) else split_host_unit(name)[1]}"
    keys = state.baseline_keys(name)
    if not keys:
        hint = _did_you_mean([split_host_unit(name)[1]], state.baseline_units())
        state.close()
        fail(f"no baseline of {name!r} in {state.path}{hint or ' (logsentry baseline show lists the units)'}")
    state.request("forget", name)
    state.close()
    click.echo(f"forgot {name} ({len(keys)} host{'s' if len(keys) != 1 else ''})")


def _span(usec: int) -> str:
    """A history's length in its two largest units ("1d 2h", "2h 7m", "7m 3s", "3s"): the table's column."""
    seconds = max(0, usec) // 1_000_000
    parts = [(seconds // 86_400, "d"), (seconds // 3600 % 24, "h"), (seconds // 60 % 60, "m"), (seconds % 60, "s")]
    first = next((index for index, (value, _) in enumerate(parts) if value), len(parts) - 1)
    return " ".join(f"{value}{unit}" for value, unit in parts[first:first + 2] if value) or "0s"
