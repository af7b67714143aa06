"""-M/--machine and -H/--host for scan and tail: only the entries of these hosts (a collector's directory of
journals from systemd-journal-remote holds many). ANDed with -u; repeatable (any of the values). And
`logsentry hosts`: a collector's hosts as the service saved them, with each one's silence threshold."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from ..sources.selection import Selection
from .common import saved_state_options

F = TypeVar("F", bound=Callable[..., Any])
MACHINE_ID = re.compile(r"[0-9a-f]{32}")


def host_options(command: F) -> F:
    command = click.option("-H", "--host", "hosts", multiple=True,
                           help="Only entries of this host (_HOSTNAME); repeatable.")(command)
    return click.option("-M", "--machine", "machines", multiple=True,
                        help="Only entries of this machine (_MACHINE_ID, 32 hex digits as in /etc/machine-id); "
                             "repeatable.")(command)


def with_hosts(selection: Selection, machines: tuple[str, ...], hosts: tuple[str, ...]) -> Selection:
    wrong = [m for m in machines if not MACHINE_ID.fullmatch(m.lower().replace("-", ""))]
    if wrong:
        raise click.BadParameter(f"expected 32 hex digits as in /etc/machine-id (got {wrong[0]!r})",
                                 param_hint="'-M' / '--machine'")
    return replace(selection, machines=tuple(m.lower().replace("-", "") for m in machines), hosts=hosts)


@click.command("hosts")
@saved_state_options("Lines for people, or one JSON object per host (times and threshold in µs).")
def hosts_command(config_path: Path, state_dir: Path | None, output: str) -> None:
    """The hosts of a collector's journal_directory as the service last saved them: each one's newest entry,
    its silence threshold (learnt from the gaps between its entries, or [hosts] silent_after) and whether it
    is silent. Read only: the service may be running."""
    from ..engine.absence import SNAPSHOT_EVERY_S
    from ..host_silence import HOSTS_SAVED_KEY, MIN_GAPS, HostSilence
    from ..state import StateError
    from ..state_readonly import StateMissing, open_read_only
    from ..timespec import format_duration, format_usec, timespan
    from ..views.escape import visible
    from .common import fail
    from .run import load_site_config

    config = load_site_config(config_path)
    path = (state_dir or config.state_dir) / "state.db"
    try:
        store = open_read_only(path)  # never written: no WAL switch, no table made, nothing for a reader to lock
        try:
            saved, saved_usec = store.get("hosts"), store.get(HOSTS_SAVED_KEY)
        finally:
            store.close()
    except StateMissing:
        fail(f"no saved state at {path} (the service's state_dir)")
    except (StateError, sqlite3.Error, ValueError) as error:
        fail(f"cannot read the hosts saved in {path}: {error}" if not isinstance(error, StateError) else str(error))
    watch = HostSilence(config)
    watch.restore(saved)
    offsets = _offsets(saved)
    if not watch.hosts:
        why = (" yet: the service saves a host within seconds of reading its first entry"
               if config.journal_directory is not None else " (the config has no journal_directory)")
        click.echo(f"no host saved in {path}{why}")
        return
    for machine, host in watch.hosts.items():
        if not watch.on:
            learnt = 'silence not watched ([hosts] silent_after = "off")' if config.journal_directory else \
                "silence not watched (no journal_directory)"
        elif watch.configured is not None:
            learnt = f"silent after {timespan(host.threshold)} ([hosts] silent_after)"
        elif host.threshold:
            learnt = f"silent after {timespan(host.threshold)} (learnt from {host.rhythm.gaps} gaps)"
        else:  # (the gaps of entries the service followed: learning the history at its first start counts none)
            learnt = (f"no silence threshold yet ({host.rhythm.gaps} of {MIN_GAPS} gaps learnt from the entries "
                      "followed)")
        if output == "json":
            click.echo(json.dumps({"machine_id": machine, "host": host.name, "newest_usec": host.newest_usec,
                                   "threshold_usec": host.threshold if watch.on else 0,
                                   "gaps": host.rhythm.gaps, "silent_since_usec": host.silent_since,
                                   "clock_offset_usec": offsets.get(machine, 0)}))
            continue
        state = f"; silent since {format_usec(host.silent_since)}" if host.silent_since else \
            "; logging" if watch.on and host.threshold else ""  # (without a threshold it is never judged silent)
        offset = offsets.get(machine, 0)
        clock = f"; its clock {format_duration(offset)} behind ours (judged by its own)" if offset else ""
        click.echo(f"{visible(host.name or machine)} (machine {machine}): newest entry "
                   f"{format_usec(host.newest_usec)}, {learnt}{state}{clock}")
    if output != "json" and isinstance(saved_usec, int):  # (a state saved before this was kept has none)
        every = timespan(int(SNAPSHOT_EVERY_S * 1_000_000))
        click.echo(f"logsentry: as the service saved them at {format_usec(saved_usec)} (every {every}, at a new "
                   "host and at its stop): a host may have logged since", err=True)  # (stdout: a line a host)


def _offsets(saved: Any) -> dict[str, int]:
    """machine id -> µs its clock ran behind ours, as the service last saved its hosts (host_clocks.HostClocks: 0
    when not behind or not known yet; a state saved before offsets were has none), as people are told it: one
    within the clocks' tolerance is in step (host_clocks.clock_behind)."""
    from ..host_clocks import clock_behind

    if not isinstance(saved, list):
        return {}
    return {item[0]: behind for item in saved if isinstance(item, list) and len(item) > 9
            and isinstance(item[0], str) and isinstance(item[9], int) and (behind := clock_behind(item[9])) > 0}
