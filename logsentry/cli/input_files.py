"""What is wrong with a `--file` that sd-journal would refuse with an errno alone, said before it is opened.

sd-journal (as journalctl: "Failed to open files: Bad message") names no cause: a journal file compressed for
shipping (j.journal.gz) got "[Errno 74] Bad message", one cut off in a copy "[Errno 61] No data available"
(helper U). The causes are in the file's first bytes: a compressor's magic, or a journal header whose
header_size + arena_size is more than the file holds (systemd's journal_file_verify_header returns -ENODATA
then; journal-def.h: both little-endian 64-bit, at offsets 88 and 96; the header is at least 208 bytes).
"""

from __future__ import annotations

import gzip
import shlex
import stat
import struct
import sys
import zlib
from pathlib import Path

import click

from ..sources.dump import JOURNAL_MAGIC
from ..wording import plural
from .common import fail

HEADER_SIZE_MIN = 208
"""offsetof(Header, n_data) in systemd's journal-def.h: no journal file's header is shorter."""

COMPRESSORS = (
    (b"\x1f\x8b", "gzip", "gunzip -k"),
    (b"\xfd7zXZ\x00", "xz", "unxz -k"),
    (b"\x28\xb5\x2f\xfd", "zstd", "unzstd"),
    (b"\x04\x22\x4d\x18", "lz4", "unlz4"),
    (b"BZh", "bzip2", "bunzip2 -k"),
)
"""Each compressor's magic bytes, name, and the command that undoes it keeping the original."""


def _compressed(start: bytes) -> tuple[str, str] | None:
    for magic, name, undo in COMPRESSORS:
        # bzip2's "BZh" is text too: its block size digit and first block's magic (pi's digits in BCD) follow
        if start.startswith(magic) and (name != "bzip2" or (start[3:4] in b"123456789" and start[4:10] == b"1AY&SY")):
            return name, undo
    return None


def _inside_gzip(path: Path) -> bytes:
    """The first bytes of a gzip file's content (b"" when it cannot be read: the dump reader says why)."""
    try:
        with gzip.open(path, "rb") as stream:
            return stream.read(len(JOURNAL_MAGIC))
    except (OSError, EOFError, zlib.error):
        return b""


def file_problem(path: Path, dumps: bool) -> str | None:
    """Why `path` cannot be read, in words that say where and what; None when nothing is known against it.
    `dumps`: whether the command reads dumps too (scan: gzip-compressed exports, JSON and text are fine)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None  # a pipe (--file <(zcat ...)) is read once: its bytes are the reader's
        with open(path, "rb") as stream:
            start = stream.read(112)
            size = stream.seek(0, 2)
    except OSError:
        return None  # (not ours to word: the reader's own error says it)
    if (compressed := _compressed(start)) is not None:
        name, undo = compressed
        journal = name == "gzip" and _inside_gzip(path) == JOURNAL_MAGIC
        if name == "gzip" and dumps and not journal:
            return None  # a gzip-compressed export, JSON lines or text log: read as it is
        first = f"decompress it first ({undo} {shlex.quote(str(path))}) and give the decompressed file"
        if journal:
            return (f"{path}: a journal file compressed with gzip: journal files are read uncompressed only (as "
                    f"journalctl reads them); {first}")
        reads = ("scan reads journal files uncompressed, and gzip-compressed dumps only (exports, JSON lines, text)"
                 if dumps else "tail follows uncompressed journal files only")
        return f"{path}: compressed with {name}: {reads}; {first}"
    if not start.startswith(JOURNAL_MAGIC):
        return None
    if size < HEADER_SIZE_MIN:
        return (f"{path}: a truncated journal file: {plural(size, 'byte')}, less than a journal header "
                f"({HEADER_SIZE_MIN} bytes); copy it again whole")
    header_size, arena_size = struct.unpack_from("<QQ", start, 88)
    if header_size + arena_size > size:
        return (f"{path}: a truncated journal file: its header says {header_size + arena_size:,} bytes, the file "
                f"holds {size:,} (cut off while it was copied or written); copy it again whole")
    return None


def check_input_files(files: tuple[Path, ...], dumps: bool) -> None:
    """Exit 2 on the first `--file` known unreadable (file_problem), before anything is read, and on a file given
    twice: standard input can be read once (`--file - --file -` failed with a traceback), and a text file read twice
    counted every line twice where a journal file is read once (sd-journal opens a path once)."""
    seen: dict[str, str] = {}
    for path in files:
        key = "-" if str(path) == "-" else str(path.resolve())
        if key in seen:
            fail(f"--file {shlex.quote(str(path))}: given twice (as {shlex.quote(seen[key])}): "
                 f"{'standard input can be read once' if key == '-' else 'each file is read once'}")
        seen[key] = str(path)
    for path in files:
        if str(path) != "-" and (problem := file_problem(path, dumps)) is not None:
            fail(problem)
    if "-" in seen and sys.stdin is not None and sys.stdin.isatty():  # a terminal: say what it waits for
        click.echo("logsentry: reading the log from standard input: paste it, then Ctrl-D on a line of its own",
                   err=True)
