"""A paste of `docker compose logs` (or `docker-compose up`): every container's line behind its name, padded, and
` | ` (docker/compose cmd/formatter/logs.go, presenter.setPrefix: `fmt.Sprintf("%-"+width+"s | ", name)`, the width
the longest name's and one more; Compose v1 wrote `name_1  | ` likewise), in colour on a terminal. Bug reports
paste it as it is: `sample-default-worker-1  | [2023-09-27 21:23:12,642: ERROR/MainProcess] consumer: Cannot
connect to amqp://...` (celery/celery#8541), `dovecot-mailcow_1    | Dec 11 16:21:35 mx dovecot: auth: Fatal: ...`
(mailcow/mailcow-dockerized#3211). Read as it was, no line started with its time or its level: the paste was lines
without a time, all at one instant, and a Celery ERROR line had no level (helper-140's trial 3).

`compose_stripped` takes the prefix off each line that has it when the head is such a paste: at least two of its
non-blank lines carry the prefix, and they are at least as many as those that do not (`docker compose up` writes
its own `Attaching to ...` lines without one). Each line is stripped by itself, as Compose pads to the names it
knows so far: the column moves when a container joins. The lines' own times, levels and syslog idents are read as
they are; the container's name is each line's identifier where the line names none (text_owners.py: it was the
file's name for all, so two containers' failures were one, and a card did not say which container). `docker
service logs` (a Swarm service's tasks) writes its task and node likewise:
`amp_elasticsearch.1.mkpcvhxo494l@fr-amp-manager1    | java.lang.OutOfMemoryError: GC overhead limit exceeded`
(appcelerator-archive/amp#1382): the service is the identifier, the node the host (two replicas on two nodes
were one failure, helper-174). A name is the paste's word, as a syslog file's host and identifier are: it only
sorts the lines, never vouches for a field a journal would have set.

`pm2 logs` prefixes its apps' lines alike (lib/API/Log.js: `pad(' '.repeat(min_padding), pm_id + '|' + name) + ' | '`,
its width growing with the names): `0|themisto | [ERROR] connect ECONNREFUSED 127.0.0.1:42049`
(GoogleChrome/lighthouse#2544), read the same way. So does Foreman (`foreman start`, a Procfile's processes: lib/
foreman/engine/cli.rb, the time of day `%H:%M:%S`, the process's name and number padded, ` | `), as Rails and
Sidekiq bug reports paste it: `18:08:54 worker_slow.1 | 2014-10-07T16:08:54.499Z 25067 TID-ot9yxdtv8 ERROR:
heartbeat: ...` (feedbin/feedbin#120, trial 4); Foreman's time of day has no date and is dropped with the prefix:
the program's own line says its time. So are `kubectl logs --prefix`'s, stern's and kubetail's (text_kube.py).
"""

from __future__ import annotations

import io
import re
from collections import deque
from typing import BinaryIO

from ..engine.level_words import LEVEL_WORDS
from .text_indent import Dedent
from .text_kube import KUBE_PREFIX, kube_cut
from .text_named import Named, shared_name
from .text_owners import NO_CONTAINER, Container, container_of
from .text_sniff import SNIFF_BYTES

CHUNK = 64 * 1024
"""A line is read in pieces of at most this many bytes: the prefix is only ever at a line's start."""
_SGR = rb"(?:\x1b\[[0-9;]{0,32}m)?"
PREFIX = re.compile(_SGR + rb"(?:[0-2][0-9]:[0-5][0-9]:[0-6][0-9] )?"
                    rb"(?:[0-9]{1,9}\|)?([A-Za-z0-9][A-Za-z0-9_.-]{0,127}(?:@[A-Za-z0-9][A-Za-z0-9_.-]{0,252})?)"
                    rb" +\|(?: |(?=\r?\n|\Z))" + _SGR)
"""A container's name (Compose's service or container name: letters, digits, `_`, `.`, `-`), or a Swarm task's
`service.slot.task@node` (`docker service logs`: helper-172's Elasticsearch OutOfMemoryError, missed behind it), or
PM2's `id|name`, or Foreman's (and honcho's) `HH:MM:SS name.N`, the blanks that pad it, `|` and the one space after it
(none before a line's end: an empty line), in colour or not."""


LEVELS = frozenset(word.encode() for word in (*LEVEL_WORDS, "status", "advice"))
"""Names that are a level, not a container: log4j's `%5p | %m` (ActiveMQ's console: `ERROR | Failed to ...`) and the
Java Service Wrapper's `INFO   | jvm 1    | ...` (its STATUS and ADVICE too) put the level there."""


def _prefix(line: bytes) -> re.Match[bytes] | None:
    """Compose's (pm2's, Foreman's) prefix at the start of `line`, or a Kubernetes log tool's (text_kube.py), or
    None (none, or a level in its place)."""
    found = PREFIX.match(line)
    if found is not None:
        return found if found[1].lower() not in LEVELS else None
    found = KUBE_PREFIX.match(line)
    return found if found is not None and (found["container"] or b"").lower() not in LEVELS else None


def compose_prefixed(head: bytes) -> bool:
    """Whether `head` (a file's first bytes) is a paste of `docker compose logs`; its last line, when the head is
    full, may be cut short and is not judged."""
    if b"\0" in head:
        return False  # binary: a journal file's head (sniffed, then read by its path) is no paste
    lines = head.split(b"\n")
    if len(head) >= SNIFF_BYTES and len(lines) > 1:
        lines.pop()
    prefixed = sum(1 for line in lines if _prefix(line))
    others = sum(1 for line in lines if line.strip() and not _prefix(line))
    return prefixed >= 2 and prefixed >= others


class _Unprefixed(Dedent):
    """The lines of `source` without Compose's prefix (a line without one is kept as it is); `container_names`
    holds each line's container (NO_CONTAINER: none, or a Kubernetes tool's) in order, from its cut until read_text
    takes it (text_owners.containers): a queue as long as the lines read ahead of the reader (a buffer's worth)."""

    def __init__(self, source: BinaryIO):
        super().__init__(source, b"")
        self.container_names: deque[Container] = deque()

    def cut(self, line: bytes) -> bytes:
        prefix = _prefix(line)
        if prefix is None:
            self.container_names.append(NO_CONTAINER)
            return line
        if prefix.re is PREFIX:
            self.container_names.append(container_of(prefix[1]))
            return line[prefix.end():]
        self.container_names.append(NO_CONTAINER)
        return kube_cut(line, prefix)


def compose_stripped(stream: BinaryIO, peeked: bytes) -> BinaryIO:
    """`stream` (its head `peeked`), or a stream of its lines without Compose's prefix when it is such a paste, or
    without the one name every line starts with (text_named.py)."""
    if compose_prefixed(peeked):
        return io.BufferedReader(_Unprefixed(stream), CHUNK)
    if (named := shared_name(peeked)) is not None:
        return io.BufferedReader(Named(stream, named), CHUNK)
    return stream
