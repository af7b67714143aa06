"""A paste whose every line starts with one name: a pod's or a container's (`cold-pool-0-0 Error: Read failed.
Insufficient number of disks online`, minio/minio's operator paste), a program's (`opensearch ERROR: [1] bootstrap
checks failed`, a Helm chart's), or a host's and a program's as a log shipper or `kubectl logs` of a syslog sidecar
writes them (`vault-gcp-0 vault: 2020-05-18T15:49:35.417Z [ERROR] core: error checking health: ...`). Read as it
was, no line started with its time or its level: every line was plain text at the file's time, the levels unread
(trial 56's 31, 42 and 51). The name is taken off each line that has it, as Compose's prefix is
(sources/text_compose.py), and becomes the lines' identifier (a `host ident: ` pair: the host and the identifier).

Only for a head no text layout takes as it is (sources/text_sniff.py: a syslog file's lines share no name, but a
program's log of one day shares its date, which is no name), whose non-blank lines, two at least, all carry the
very same name; a name is no level word and no capitalised word (a sentence's `Processing item 1`, `Caused by:`):
program, pod and container names are lower-case or hold a digit, `-`, `_` or `.`, and hold a letter (Home Assistant
0.4x's `17-04-12 20:19:54 ERROR ...` shares its date).
"""

from __future__ import annotations

import re
from collections import deque
from typing import IO

from ..engine.level_words import LEVEL_WORDS
from .text_indent import Dedent
from .text_owners import NO_CONTAINER, Container
from .text_sniff import SNIFF_BYTES, sniff_text

_NAMED = re.compile(rb"(?P<name>[A-Za-z0-9][A-Za-z0-9_.@-]{1,127})"
                    rb"(?: (?P<ident>[A-Za-z][A-Za-z0-9_./-]{0,63}(?:\[[0-9]{1,10}\])?):)? ")
"""A line's name and the blank after it, or a host's and a program's (`host ident: `, `ident[pid]: ` too)."""
_TAGGED = re.compile(rb"[A-Za-z][A-Za-z0-9_./-]{0,63}(?:\[[0-9]{1,10}\])?: ")
"""A syslog tag, a program's name and its PID (the kernel's without one), then `: `."""
_POD = re.compile(rb"[a-z][a-z0-9.-]{0,240}-[0-9]{1,5}")
"""A StatefulSet's pod (`cold-pool-0-4`): several of them may share a paste, each line behind its own."""
MAX_NAMES = 8
"""The most pods' names one paste's lines may start with."""
_WORDS = frozenset({b"and", b"the", b"for", b"from", b"with", b"was", b"not", b"can", b"are", b"has", b"had"})
"""Lower-case words a sentence starts with: no name."""
_LEVELS = frozenset(word.encode() for word in LEVEL_WORDS)

Names = dict[bytes, Container]
"""Each prefix the lines start with (a name and its blank, or `host ident: `), and whose lines it makes them."""


def shared_name(head: bytes) -> Names | None:
    """The prefix every non-blank line of `head` (a file's first bytes; its last line, when the head is full, may be
    cut short and is not judged) starts with (up to MAX_NAMES pods' names), and whose lines it makes them; None when
    they share none, or a text layout takes the head as it is."""
    if b"\0" in head or head.lstrip().startswith(b"{") or sniff_text(head) is not None:
        return None
    lines = head.split(b"\n")
    if len(head) >= SNIFF_BYTES and len(lines) > 1:
        lines.pop()
    lines = [line.rstrip(b"\r") for line in lines if line.strip()]
    if len(lines) < 2 or (found := _NAMED.match(lines[0] if lines[0].endswith(b" ") else lines[0] + b" ")) is None:
        return None
    name = found["name"]
    if name.lower() in _LEVELS or name in _WORDS or not re.search(rb"[A-Za-z]", name) or (
            name[:1].isupper() and not re.search(rb"[0-9_.@-]", name)):  # (a date a reader does not know: `17-04-12`)
        return None
    ident = found["ident"]
    if ident is not None and ident.lower() in _LEVELS:
        ident = None  # (`opensearch ERROR: ...`: a level, no program)
    for prefix in ([name + b" "] if ident is None else [found[0], name + b" "]):
        if all(_of(line, prefix) for line in lines):
            if prefix != found[0] and all(_TAGGED.match(line, len(prefix)) for line in lines):
                # every line a syslog tag after the name (`web-3 kernel: ...`, `web-3 systemd[1]: ...`): syslog's
                # lines with their time cut off, the name their host's (a new user's paste lost its host)
                return {prefix: Container("", name.decode("ascii"))}
            return {prefix: _container(name, ident if prefix == found[0] else None)}
    if ident is not None or not _POD.fullmatch(name):
        return None
    names: Names = {}
    for line in lines:  # several pods of one StatefulSet
        pod = line.partition(b" ")[0]
        if not _POD.fullmatch(pod) or (pod + b" " not in names and len(names) >= MAX_NAMES):
            return None
        names.setdefault(pod + b" ", _container(pod, None))
    return names if len(names) > 1 else None


def _of(line: bytes, prefix: bytes) -> bool:
    """Does the line start with the prefix (or is it the name alone, its blank cut off with the line's end)?"""
    return line.startswith(prefix) or line == prefix.rstrip(b" ")


def _container(name: bytes, ident: bytes | None) -> Container:
    text = name.decode("ascii")
    return Container(text, "") if ident is None else Container(ident.decode("ascii").partition("[")[0], text)


class Named(Dedent):
    """The lines of `source` without their prefix (`names`: a line without one is kept as it is); `container_names`
    holds each line's Container (NO_CONTAINER: a line without a name) for read_text (text_owners.containers)."""

    def __init__(self, source: IO[bytes], names: Names):
        super().__init__(source, b"")
        self.names = names
        self.container_names: deque[Container] = deque()

    def cut(self, line: bytes) -> bytes:
        for prefix, container in self.names.items():
            if line.startswith(prefix):
                self.container_names.append(container)
                return line[len(prefix):]
            if line.rstrip(b"\r\n") == prefix.rstrip(b" "):  # the name alone: an empty line of its
                self.container_names.append(container)
                return line[len(prefix) - 1:]
        self.container_names.append(NO_CONTAINER)
        return line
