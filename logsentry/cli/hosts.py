"""-M/--machine and -H/--host for scan and tail: only the entries of these hosts (a collector's directory of
journals from systemd-journal-remote holds many). ANDed with -u; repeatable (any of the values)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import click

from ..sources.selection import Selection

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
