"""A `--file` that cannot be read says where and what (helper U's `scan --file j.journal.gz` said only "Bad
message", sd-journal's errno, as journalctl does): a compressed journal file, a file compressed with what scan
does not undo, a journal file cut off in a copy, a file of no format. Real journal files (systemd-journal-remote),
compressed with the standard library's gzip, xz and bzip2 writers, and the real CLI."""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
from collections.abc import Callable
from pathlib import Path

from conftest import entry, run_cli, simple_rule

from logsentry.sources.journal_files import export_bytes

FIRST = "decompress it first ("


def _scan(path: Path, rules_dir: Path) -> tuple[int, str]:
    done = run_cli("scan", "--file", str(path), "--rules", str(rules_dir), "--no-shipped-rules")
    return done.exit_code, " ".join(done.stderr.split())


def test_compressed_files_say_so_and_how_to_undo_it(make_journal: Callable[..., Path], tmp_path: Path,
                                                    write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule())
    fields = [entry(f"BOOM {n}", at=n, priority=3) for n in range(3)]
    journal = make_journal(fields).read_bytes()
    for suffix, compress, undo in ((".gz", gzip.compress, "gunzip -k"), (".xz", lzma.compress, "unxz -k"),
                                   (".bz2", bz2.compress, "bunzip2 -k")):
        path = tmp_path / f"j.journal{suffix}"
        path.write_bytes(compress(journal))
        code, said = _scan(path, rules_dir)
        assert code == 2, said
        if suffix == ".gz":
            assert said == (f"logsentry: {path}: a journal file compressed with gzip: journal files are read "
                            f"uncompressed only (as journalctl reads them); {FIRST}{undo} {path}) and give the "
                            "decompressed file"), said
        else:
            name = {".xz": "xz", ".bz2": "bzip2"}[suffix]
            assert said.startswith(f"logsentry: {path}: compressed with {name}: scan reads journal files "
                                   "uncompressed, and gzip-compressed dumps only (exports, JSON lines, text); "
                                   f"{FIRST}{undo} {path})"), said
        follow = run_cli("tail", "--file", str(path))
        assert follow.exit_code == 2 and f"{path}: " in follow.stderr and FIRST in follow.stderr, follow.stderr
    dump = tmp_path / "web-7.export.gz"  # a gzip-compressed dump is read as it is
    dump.write_bytes(gzip.compress(export_bytes(fields)))
    done = run_cli("scan", "--file", str(dump), "--rules", str(rules_dir), "--no-shipped-rules")
    assert done.exit_code == 0 and "BOOM" in done.stdout, done.output


def test_a_cut_off_journal_file_and_a_file_of_no_format(make_journal: Callable[..., Path], tmp_path: Path,
                                                       write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule())
    whole = make_journal([entry("BOOM", priority=3)]).read_bytes()
    header_size, arena_size = struct.unpack_from("<QQ", whole, 88)
    cut = tmp_path / "cut.journal"
    cut.write_bytes(whole[:3000])
    code, said = _scan(cut, rules_dir)
    assert code == 2 and said == (f"logsentry: {cut}: a truncated journal file: its header says "
                                  f"{header_size + arena_size:,} bytes, the file holds 3,000 (cut off while it was "
                                  "copied or written); copy it again whole"), said
    stub = tmp_path / "stub.journal"
    stub.write_bytes(whole[:100])
    code, said = _scan(stub, rules_dir)
    assert code == 2 and said == (f"logsentry: {stub}: a truncated journal file: 100 bytes, less than a journal "
                                  "header (208 bytes); copy it again whole"), said
    follow = run_cli("tail", "--file", str(cut))
    assert follow.exit_code == 2 and f"{cut}: a truncated journal file" in follow.stderr, follow.stderr
    text = tmp_path / "notes.bin"
    text.write_bytes(b"\x00\x01\x02 hello \xff\xfe\x00 world\n")
    code, said = _scan(text, rules_dir)
    assert code == 2 and said.startswith(f"logsentry: {text}: binary data (a NUL byte at offset 0), not a log"), said


def test_a_journal_file_on_standard_input_says_to_give_its_path(make_journal: Callable[..., Path],
                                                               write_rule: Callable[..., Path],
                                                               rules_dir: Path) -> None:
    """sd-journal reads journal files from a path: one piped in (plain or gzip-compressed) cannot be read, and
    the error says which it is (a plain one was called "inside a compressed stream")."""
    write_rule("boom", simple_rule())
    journal = make_journal([entry("BOOM", priority=3)]).read_bytes()
    args = ("scan", "--file", "-", "--rules", str(rules_dir), "--no-shipped-rules")
    piped = run_cli(*args, input=journal)
    assert piped.exit_code == 2 and " ".join(piped.stderr.split()) == (
        "logsentry: -: a journal file through a pipe or standard input: journal files are read from a path (as "
        "journalctl reads them); give the file itself (--file PATH or -D DIR)"), piped.stderr
    zipped = run_cli(*args, input=gzip.compress(journal))
    assert zipped.exit_code == 2 and " ".join(zipped.stderr.split()) == (
        "logsentry: -: a journal file compressed with gzip: journal files are read uncompressed only; decompress "
        "it first"), zipped.stderr


def test_a_file_given_twice_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    """`--file - --file -` failed with a traceback (ValueError: peek of closed file: helper-163's trial), and a text
    file given twice counted each line twice while a journal file given twice was read once."""
    log = tmp_path / "app.log"
    log.write_text("2026-12-05T10:00:00Z ERROR boom\n")
    twice = run_cli("scan", "--file", "-", "--file", "-", input="2026-12-05T10:00:00Z ERROR boom\n")
    assert twice.exit_code == 2 and "--file -: given twice" in twice.stderr, twice.output
    assert "Traceback" not in twice.output
    link = tmp_path / "same.log"
    link.symlink_to(log)
    again = run_cli("scan", "--file", str(log), "--file", str(link))
    assert again.exit_code == 2 and "given twice" in again.stderr and "each file is read once" in again.stderr
    once = run_cli("scan", "--file", str(log), "--file", "-", input="")
    assert once.exit_code == 0, once.output
