"""`logsentry incidents resolve ID`: end a held alert by hand (service_held.py: a failure that does not heal
itself fires until its unit logs again, which a unit left failed on purpose, a oneshot whose timer was disabled or a
collector's host that is gone never does).

The command never writes the service's own state: it queues a request in the state file (resolve_requests.py) and
the service, running or at its next start, resolves the incident through its channels and answers; the command
waits for that answer for a while and prints it."""

from __future__ import annotations

import getpass
import os
import re
import sqlite3
import time
from pathlib import Path

import click

from ..config import DEFAULT_CONFIG

LABEL = re.compile(r"[0-9a-f]{16}")
"""An incident's id as `logsentry incidents` and its alerts show it (model.incident_label)."""
POLL_S = 0.1


def requested_by() -> str:
    """Who asks: the user behind sudo when root runs it through sudo, else this user."""
    sudo = os.environ.get("SUDO_USER", "")
    return sudo if sudo and os.geteuid() == 0 else getpass.getuser()


@click.command("resolve")
@click.argument("incident")
@click.option("--comment", default="", help="Why (said in the resolve message and the service's log).")
@click.option("--wait", "wait_s", type=click.FloatRange(0, 600), default=10.0, show_default=True,
              help="Seconds to wait for the running service's answer (0: queue it and return).")
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG,
              show_default=True, help="Site config (TOML).")
@click.option("--state-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Use this state directory instead of the config's state_dir.")
@click.pass_context
def resolve_command(ctx: click.Context, incident: str, comment: str, wait_s: float, config_path: Path,
                    state_dir: Path | None) -> None:
    """Resolve a held alert by hand: one that fires until its unit logs again (`logsentry incidents` says so of
    it). The service sends the resolve through its channels, saying it was resolved by hand and by whom: the
    running one within about a second, a stopped one when it next starts. INCIDENT is the id `logsentry incidents`
    shows ("incident: ID", its alerts' `incident` label)."""
    from click.core import ParameterSource

    from ..model import incident_label
    from ..resolve_requests import PENDING, RESOLVED, answer_of, ask
    from ..state import State
    from ..state_open import lock_held
    from ..timespec import format_duration, wall_usec
    from ..views.escape import visible
    from .common import fail
    from .incidents import saved_incidents
    from .run import load_site_config

    parent = ctx.parent.params if ctx.parent is not None else {}
    if ctx.get_parameter_source("config_path") == ParameterSource.DEFAULT and parent.get("config_path"):
        config_path = parent["config_path"]  # `incidents -c X resolve ID`
    state_dir = state_dir or parent.get("state_dir")
    label = incident.strip().lower()
    if not LABEL.fullmatch(label):
        raise click.BadParameter(f"expected the 16 hex digits `logsentry incidents` shows as \"incident: ID\" (got "
                                 f"{visible(incident)!r})", param_hint="'INCIDENT'")
    config = load_site_config(config_path)
    path = (state_dir or config.state_dir) / "state.db"
    saved = saved_incidents(config, path)
    if not any(incident_label(each) == label for each in saved.held):
        named = [each for each in saved.shown if incident_label(each) == label]
        if named:
            each = named[0]
            fail(f"incident {label} ({each.rule_id} on {visible(each.unit)}) is open, not held: its alert resolves "
                 f"by itself once no hit comes within its rule's window ({format_duration(each.within_usec)}); "
                 "only a held alert (one that fires until its unit logs again) is resolved by hand")
        fail(f"no held incident {label} in {path} as the service last saved it (it saves about every second): "
             "`logsentry incidents` lists the open and held ones with their ids")
    try:
        state = State(path)
        try:
            request, queued = ask(state, label, requested_by(), comment, wall_usec())
            if queued is not None:
                said = f": {visible(queued.note)}" if queued.note else ""
                dropped = " (this command's comment is not added)" if comment and comment != queued.note else ""
                click.echo(f"logsentry: a request to resolve incident {label} is queued already (by "
                           f"{visible(queued.requested_by)}{said}): waiting for its answer{dropped}", err=True)
            running = lock_held(path.parent)
            deadline = time.monotonic() + (0 if running is False else wait_s)  # stopped: no one to wait for
            answer = answer_of(state, request)
            while answer is not None and answer.status == PENDING and time.monotonic() < deadline:
                time.sleep(POLL_S)
                answer = answer_of(state, request)
        finally:
            state.close()
    except (OSError, sqlite3.Error) as error:  # a state this user may read but not write, a full disk
        why = str(getattr(error, "strerror", None) or error)
        hint = " (run this as the user the service runs as, or root)" \
            if isinstance(error, PermissionError) or "readonly" in why else ""
        fail(f"cannot queue the request in {path}: {why}{hint}")
    if answer is not None and answer.status == RESOLVED:
        click.echo(answer.answer)
    elif answer is not None and answer.status != PENDING:
        fail(f"the service refused: {answer.answer}")
    elif running is False:
        already = " (already asked)" if queued else ""
        click.echo(f"queued{already}: no logsentry service is running on {path.parent}: it resolves incident {label} "
                   "at its next start; `logsentry incidents` shows it until then")
    else:
        already = " (already asked)" if queued else ""
        click.echo(f"queued{already}: the service has not taken it within {wait_s:g}s (it is stopped, or busy reading "
                   f"a backlog): it resolves incident {label} once it has caught up with the journal, at its next "
                   f"start if it is stopped; `logsentry incidents` shows it until then")
