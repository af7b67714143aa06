"""A text file whose first SNIFF_BYTES hold no timed line: its layout is sniffed where its first timed line is.

An entrypoint's `set -x` trace (`+ umount /var/lib/docker/...`), a banner or a usage text can run far past the head
sniff_text judges: Rancher's kubelet container logs 609 lines of it before its first klog line, and the file was read
as lines without a time, its crash loop's cards dated at the file's time (trial 75's 08). `replayable` lets a file
whose head sniffs as nothing be looked into up to DEEP_BYTES without consuming it; `deep_window` finds the first line
in a layout there (at most DEEP_LINES lines in), and export.sniff judges the file from it. The untimed lines before
it are then that layout's lines before its first time: records at that time (sources/text.py read_text's `early`).
"""

from __future__ import annotations

import io
from typing import BinaryIO

from .applog_times import stamped
from .plain import is_text
from .text_layouts import LOGREAD, RFC5424
from .text_sniff import SNIFF_BYTES, sniff_text, syslog_fit

DEEP_BYTES = 1024 * 1024
"""How far into a file whose head holds no timed line its first timed line is looked for."""
DEEP_LINES = 5000
"""And at most how many lines in."""
DEEP_KINDS = frozenset({"applog", "text"})
"""What the window may make of the file: the readers that keep lines before the first time as records at it."""


def _timed(line: str) -> bool:
    """Does `line` start with a time in a layout sniff_text knows (a program's own, syslog's, RFC 5424, logread)?"""
    return bool(stamped([line])) or syslog_fit(line) or RFC5424.match(line) is not None \
        or LOGREAD.match(line) is not None


def deep_window(ahead: bytes) -> bytes | None:
    """SNIFF_BYTES of `ahead` (a file's first bytes, longer than its head) from its first timed line at a line's
    start, when one is within DEEP_LINES lines and the head before it had none; None otherwise."""
    if len(ahead) <= SNIFF_BYTES:
        return None
    offset = 0
    for count, raw in enumerate(ahead.split(b"\n")):
        if count >= DEEP_LINES or offset + len(raw) >= len(ahead):  # (the last piece may be cut off)
            return None
        if raw[:1].strip() and _timed(raw.decode("utf-8", "replace").rstrip("\r")):
            return ahead[offset:offset + SNIFF_BYTES] if offset else None
        offset += len(raw) + 1
    return None


def deep_kind(ahead: bytes) -> str | None:
    """The layout of the file `ahead` starts (DEEP_KINDS) as its deep_window shows it, None for none. A program's log
    wants half the window's lines timed (sniff_text takes one among untimed ones in a head: deep in a file of lines
    without a time, one line's date is no layout's)."""
    window = deep_window(ahead)
    kind = sniff_text(window) if window is not None else None
    if window is None or kind not in DEEP_KINDS:
        return None
    lines = [line for line in window.decode("utf-8", "replace").split("\n")[:-1] if line[:1].strip()][:20]
    return kind if kind == "text" or 2 * stamped(lines) >= len(lines) else None


class Replay(io.RawIOBase):
    """The bytes read ahead, then the rest of the stream they were read from (a deep sniff's, and standard input
    past what sources/stdin_spool.py keeps)."""

    def __init__(self, ahead: bytes, rest: BinaryIO):
        self.ahead = memoryview(ahead)
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.ahead:
            size = min(len(buffer), len(self.ahead))
            buffer[:size] = self.ahead[:size]
            self.ahead = self.ahead[size:]
            return size
        data = self.rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self.rest.close()
        super().close()


def replayable(stream: BinaryIO, head: bytes) -> BinaryIO:
    """`stream` as it was when its head (`head`, SNIFF_BYTES) sniffs as some layout or is no text: else a stream
    whose first DEEP_BYTES can be peeked at (dump.head(stream, DEEP_BYTES)), read from where `stream` was."""
    if len(head) < SNIFF_BYTES or sniff_text(head) is not None or not is_text(head) \
            or head.lstrip().startswith(b"{"):
        return stream
    ahead = stream.read(DEEP_BYTES)
    return io.BufferedReader(Replay(ahead, stream), buffer_size=DEEP_BYTES)
