"""Whose line it is in a paste of several containers' logs (sources/text_compose.py): the container's name a
prefix gives, as an identifier and a host, handed to read_text (sources/text.py) line by line."""

from __future__ import annotations

import re
from collections import deque
from typing import IO, NamedTuple

from .text_line import TextLine


class Container(NamedTuple):
    """Whose line it is, as the prefix says: an identifier and a host ("" where it says none)."""

    ident: str
    host: str


NO_CONTAINER = Container("", "")
_SWARM_TASK = re.compile(r"(?P<service>[A-Za-z0-9][A-Za-z0-9_-]*)\.[A-Za-z0-9]+\.[a-z0-9]+@(?P<node>[^@]+)")
"""`docker service logs`' task (daemon/cluster/executor/container: `service.slot.taskid`, a global service's
`service.nodeid.taskid`) and node: replicas are one service, each on its host."""


def container_of(name: bytes) -> Container:
    """The identifier and host a prefix's name gives its line: Compose's container (`web-1`, `web_1`), PM2's app,
    Foreman's process (`worker.1`); a Swarm task's service and node."""
    text = name.decode("ascii", "replace")
    if (task := _SWARM_TASK.fullmatch(text)) is not None:
        return Container(task["service"], task["node"])
    return Container(text.partition("@")[0], "")


def containers(stream: IO[bytes]) -> deque[Container] | None:
    """The queue of each line's container of a stream compose_stripped made (None for any other stream)."""
    names = getattr(getattr(stream, "raw", None), "container_names", None)
    return names if isinstance(names, deque) else None


def claim(line: TextLine, container: Container, default: str) -> None:
    """Give `line` its container's identifier where it has the file's (`default`: a program's log, plain text;
    a syslog line inside names its own) and its host where it names none."""
    fields = line.fields
    if container.ident and fields.get("SYSLOG_IDENTIFIER") == default:
        fields["SYSLOG_IDENTIFIER"] = container.ident
    if container.host and "_HOSTNAME" not in fields:
        fields["_HOSTNAME"] = container.host
