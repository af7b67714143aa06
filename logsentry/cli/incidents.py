"""`logsentry incidents`: what the service has open now, as it last saved it, and what became of each alert,
restart and hook: the question after a page ("is it still going on? did the restart happen? did the alert get
out?") without reading the service's log. Read only: the service may be running (it commits at least every
few seconds while it reads, and at its stop). `logsentry incidents resolve ID` ends a held alert by hand
(incidents_resolve.py)."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..config import SiteConfig
from ..model import Incident, incident_label
from ..redaction import Secrets
from ..state import OutboxRow
from ..wording import plural
from .common import saved_state_options
from .incidents_resolve import resolve_command


@dataclass(frozen=True)
class Saved:
    """The incidents as the service last saved them: the open ones (one per failure) and the held ones
    (service_held.py), and its outbox rows."""

    shown: list[Incident]
    """Open and held, and the hosts whose journal stopped arriving (host_silence.py), oldest first."""
    held: list[Incident]
    rows: list[OutboxRow]
    resolving: frozenset[str]
    """The ids (model.incident_label) of held incidents a `logsentry incidents resolve` waits for the service to
    resolve (resolve_requests.py)."""


def saved_incidents(config: SiteConfig, path: Path) -> Saved:
    """Read the saved incidents from the state file `path`, read only; exits 2 saying why it cannot."""
    from ..engine.failures import FailureGroups
    from ..engine.window import BurstTracker
    from ..rules.loader import load_rules
    from ..service_held import HeldResolves
    from ..state import StateError
    from ..state_readonly import StateMissing, open_read_only
    from .common import fail

    # (a window of a rule gone is left out)
    rules = load_rules(config.rule_dirs, disabled=config.disabled_rules, lazy_shipped=True).rules
    try:
        store = open_read_only(path)  # never written: no WAL switch, no table made, nothing for a reader to lock
        try:
            windows, failures_saved, rows = store.load_windows(), store.get("failures"), store.outbox()
            held_saved, hosts_saved = store.get("held"), store.get("hosts")
            resolving = _resolving(store.db)
        finally:
            store.close()
    except StateMissing:
        fail(f"no saved state at {path} (the service's state_dir)")
    except (StateError, sqlite3.Error, ValueError) as error:
        fail(str(error) if isinstance(error, StateError) else f"cannot read the incidents saved in {path}: {error}")
    tracker, failures = BurstTracker(rules), FailureGroups(rules)
    tracker.restore(windows)
    failures.restore(failures_saved if isinstance(failures_saved, list) else [])
    live = tracker.open_incidents()
    held = HeldResolves.restore(held_saved if isinstance(held_saved, list) else []).incidents()
    shown = sorted([incident for incident in live if not failures.grouped(incident)]
                   + failures.open_failures(live) + held + _silent_hosts(config, hosts_saved),
                   key=lambda incident: incident.first_usec)
    return Saved(shown, held, rows, resolving)


def _silent_hosts(config: SiteConfig, saved: Any) -> list[Incident]:
    """The host-went-silent incidents open as the service last saved its hosts (a collector's: saved within seconds
    of a new host, else every minute and at its stop), their silence told up to now by our clock."""
    from ..host_clocks import HostClocks
    from ..host_silence import HostSilence

    hosts = HostSilence(config, HostClocks(""))  # (each host's clock offset as saved: its silence by its clock)
    hosts.restore(saved)
    return hosts.open_incidents(time.time_ns() // 1000)


def _resolving(db: sqlite3.Connection) -> frozenset[str]:
    """The incidents whose resolve by hand waits for the service; none in a state saved before the requests'
    table was (read only: nothing is made)."""
    from ..resolve_requests import PENDING

    try:
        return frozenset(row[0] for row in db.execute("SELECT incident FROM resolve_request WHERE status = ?",
                                                      (PENDING,)))
    except sqlite3.OperationalError:  # no such table
        return frozenset()


@click.group("incidents", invoke_without_command=True)
@saved_state_options("Lines for people, or one JSON object per incident (times in µs of journal time).")
@click.pass_context
def incidents_command(ctx: click.Context, config_path: Path, state_dir: Path | None, output: str) -> None:
    """The incidents the service has open, one per failure, oldest first, as it last saved them: rule,
    severity, unit and host, first and latest hit, why, the first line, what became of its alert, restart or
    command hook, and the journalctl command that shows its lines; a collector's hosts whose journal stopped
    arriving too. A unit's silences are not saved (the service watches a unit again from its next entry after a
    restart), so they are not listed. Read only; `resolve ID` ends a held alert by hand."""
    from ..actions.alert import journal_source, journalctl_command
    from ..host_silence import RULE_ID
    from ..hosts import host_journalctl
    from .run import config_to_read_state

    if ctx.invoked_subcommand is not None:
        return
    config = config_to_read_state(config_path, state_dir)
    path = (state_dir or config.state_dir) / "state.db"
    saved = saved_incidents(config, path)
    shown, held, rows = saved.shown, saved.held, saved.rows
    waiting = {id(incident) for incident in held}
    source = journal_source(config.journal_directory, ())
    if not shown and output == "text":
        click.echo(f"no incident open in {path} (as the service last saved it)")
    secrets = config.secrets()
    for incident in shown:
        done = [_outcome(row, config, secrets) for row in _rows_of(incident, rows)]
        command = host_journalctl(incident, source) if incident.rule_id == RULE_ID else \
            journalctl_command(incident, source)
        if output == "json":
            click.echo(json.dumps({**_incident_fields(incident), "actions": done, "journalctl": command,
                                   "waits_for_unit": id(incident) in waiting,
                                   "resolve_queued": incident_label(incident) in saved.resolving}))
        else:
            _echo(incident, done, command, id(incident) in waiting, incident_label(incident) in saved.resolving)


def _rows_of(incident: Incident, rows: list[OutboxRow]) -> list[OutboxRow]:
    """The outbox rows the service queued for the incident (actions/runner.outbox_items names them by its id, then
    `|`; host_silence.py's a host's, then `:`)."""
    from ..model import incident_id

    ident = incident_id(incident)
    return [row for row in rows if row.dedupe.split(":", 1)[-1].startswith((f"{ident}|", f"{ident}:"))]


def _outcome(row: OutboxRow, config: SiteConfig, secrets: Secrets) -> dict[str, Any]:
    """What became of one queued action: kind, status, the channel it went through (named from the config as it is
    now: a reload that renamed or reordered channels names them as they are now), attempts (an alert's on its
    current channel; a restart's runs of systemctl, a hook's of its command) and the last error (scrubbed of the
    config's secrets, as everything the service writes)."""
    channels = config.alerts.channels
    channel = channels[row.channel].name if row.kind == "alert" and 0 <= row.channel < len(channels) else ""
    return {"kind": row.kind, "status": row.status, "channel": channel, "attempts": row.attempts,
            "last_error": secrets.scrub(row.last_error)}


def _incident_fields(incident: Incident) -> dict[str, Any]:
    return {"rule": incident.rule_id, "severity": incident.severity.label, "unit": incident.unit,
            "machine_id": incident.machine_id, "host": incident.host, "key": incident.key,
            "incident": incident_label(incident),  # (its alerts' `incident`: Alertmanager's label)
            "first_usec": incident.first_usec, "last_usec": incident.last_usec, "count": incident.count,
            "why": incident.why, "message": incident.samples[0] if incident.samples else "",
            "chain": [link.rule_id for link in incident.chain]}


def _said(outcome: dict[str, Any]) -> str:
    kind, status, error = outcome["kind"], outcome["status"], outcome["last_error"]
    if status == "done" and not error:
        return f"{kind}: done" + (f" (via {outcome['channel']})" if outcome["channel"] else "")
    if status == "done":
        return f"{kind}: done: {error}"
    attempts = outcome["attempts"]
    if kind != "alert":  # a restart's systemctl runs, a hook's command runs (actions/outbox.py): no channel
        tries = f" after {plural(attempts, 'attempt')}" if attempts and status == "failed" else \
            f", {plural(attempts, 'attempt')} so far" if attempts else ""
    else:  # (the outbox counts an alert's tries per channel: a channel given up for the next starts again at 0)
        tries = f", {plural(attempts, 'attempt')} on its current channel" if attempts else ""
    return f"{kind}: {status}{tries}" + (f" (last error: {error})" if error else "")


def _echo(incident: Incident, done: list[dict[str, Any]], command: str, waits: bool = False,
          queued: bool = False) -> None:
    from ..host_silence import RULE_ID
    from ..timespec import format_usec
    from ..views.counts import failure_last, hits_said, own_last_hit
    from ..views.escape import visible

    where = visible(incident.unit) + (f" [{visible(incident.key)}]" if incident.key else "")
    host = f" on {visible(incident.host or incident.machine_id)}" if incident.machine_id else ""
    own = own_last_hit(incident)  # the rule's: a failure's later lines (its chain's) are said apart
    latest = [f"latest {format_usec(own)}"] if own is not None else []
    latest += [later] if (later := failure_last(incident, own)) else []
    span = f"silent since {format_usec(incident.first_usec)} (its last entry)" if incident.rule_id == RULE_ID else \
        f"since {format_usec(incident.first_usec)}, {', '.join([hits_said(incident.why, incident.count), *latest])}"
    click.echo(f"{incident.severity.label.upper()} {where}{host}: {incident.rule_id}, {span}")  # (a silence: no hits)
    if waits:  # (service_held.py)
        click.echo(f"  no new hit, but {visible(incident.unit)} has logged nothing since: its alert stays firing "
                   "until the unit logs again (or `logsentry incidents resolve ID` ends it by hand)")
    if queued:  # (resolve_requests.py)
        click.echo("  resolved by hand (`logsentry incidents resolve`): queued, until the service takes it")
    if incident.why:
        click.echo(f"  why: {visible(incident.why)}")
    if incident.samples:
        click.echo(f"  line: {visible(incident.samples[0][:300])}")
    if len(rules := chain_rules(incident)) > 1:
        click.echo(f"  chain: {', '.join(rules)}")
    click.echo(f"  incident: {incident_label(incident)}")  # as its alerts say it (Alertmanager's label)
    said = [_said(outcome) for outcome in done] or ["nothing queued (dry run, a report only, or not decided yet)"]
    click.echo(f"  actions: {'; '.join(visible(each) for each in said)}")
    if command:
        click.echo(f"  lines: {visible(command)}")  # (its -t identifier is log text: SYSLOG_IDENTIFIER)


incidents_command.add_command(resolve_command)


def chain_rules(incident: Incident) -> list[str]:
    """The rules of the incident's chain, each once, in the chain's order: a failure's chain holds a rule's link per
    template (new-error-template's, new-failure-template's of each new line), and a new user's `incidents` listing
    read "new-error-template, new-failure-template, new-warning-template, new-failure-template, ..."."""
    return list(dict.fromkeys(link.rule_id for link in incident.chain))
