"""The C masking (engine/templates/_mask.c) against its reference, the regex in engine/templates/tokens.py.

`mask`, `tokenize` and `masked_key` run in C on every journal entry; `reference_mask` and `reference_tokenize`
are the Python regex they replace. They must agree on every line:

1. hypothesis: lines built from the pieces the regex cares about (addresses, times, units, paths, quotes,
   size and duration suffixes, level words, JSON-ish keys) glued with punctuation, Unicode digits, letters and
   spaces that Python's \\d, \\w and \\s count and ASCII does not;
2. the golden samples and masking cases of tests/test_templates.py, the message corpora in tests/data;
3. real journal lines: the benchmark journal and a journal written by a real journald, when they are on this
   machine (bench/run.py, bench/anomaly_false_alarms.py build them), and the loghub-2k logs.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_templates import GOLDEN

from logsentry.engine.templates import _mask, tokens
from logsentry.engine.templates.tokens import masked_key, reference_mask, reference_tokenize, tokenize

DATA = Path(__file__).resolve().parent / "data"

PIECES = [
    # numbers, sizes, durations
    "0", "1", "7", "42", "255", "256", "1234", "65535", "123456", "-3", "+5", "1.5", "1,5", "3.14.15", "12,345.67",
    "10k", "5K", "3M", "2GiB", "4KiB", "10B", "8b", "7TB", "9PB", "9P", "1i", "40ms", "1.5s", "2m3s", "5sec",
    "5secs", "3min", "4mins", "1hr", "2hrs", "7d", "9h", "3µs", "12us", "80ns", "1m2s3ms4us5ns", "1.s", "s", "m",
    # hex, ids
    "0x", "0x7ffd", "0XAB", "0xg", "deadbeef", "deadbee1", "3f2a9c1bde77", "abcdefab", "ABCDEF12", "1234abcd",
    "550e8400-e29b-41d4-a716-446655440000", "550E8400-E29B-41D4-A716-44665544000", "blk_", "_",
    # times
    "2020-12-20", "2020-12-20T02:55:07", "2020-12-20 02:55:07.123Z", "2020-12-20T2:55:07,5+01:00",
    "2020-12-20T02:55+0100", "02:55:07", "2:55:07.5", "12:00:00Z", "12:00:00-0530", "12:00", "20/Dec/2020:02:55:07",
    "Mon", "Nov", "Dec", "Sun", "May", "Monday", "Decx", "xDec", "Dec5", "NOV", "nov", "Mo", "30-Nov-2025", "Nov,",
    # addresses
    "10.0.0.1", "192.168.1.20:8080", "1.2.3.4.5", "999.1.1.1", "1.2.3", "00:1b:44:11:3a:b7", "00-1B-44-11-3A-B7",
    "pkg-0.1.0.0", "a-", "7-",
    "00:1b-44:11:3a:b7", "fe80::1", "fe80::1%eth0", "2001:db8::17", "[2001:db8::1]:443", "[::1]", "::", ":::",
    "1:2:3:4:5:6:7:8", "a:b", "ab:cd:ef", "db.internal.example:5432", "host-1.lan:99999", "a.b:1",
    "bob@example.com", "x.y+z@mail.example.co.uk", "a@b.c", "a@b.com-x", "a@b.cd.12", "@",
    "https://mx.example.com/a?b=1", "ftp://x", "h://", "verylongschemename1://x",
    # paths, units
    "/var/lib/app/data.db", "/", "//", "/a/b/", "~/x", "./run", "../up", "/x?y=1", "C:\\Windows\\x", "c:\\",
    "nginx.service", "user@1000.service", "a.service.d", "x.mount", "sys-fs.automount", "x.slice-1", "-.slice",
    "x.servicex", "foo_bar.socket", ".service", "\\x2d", "\\x2", "\\xg1", "\\X2d", "xdg\\x2duser\\x2ddirs-7.scope",
    "dev-disk-by\\x2duuid-1a\\x2d2b.swap", "\\x2d.service",
    # quotes, keys, levels
    '"', "'", '"x"', "'x'", '"a b"', "'a b'", '"\\""', '"a\\"b"', "\\", '"error"', "' INFO '", "'Warn'", '""', "''",
    '"msg":', '"msg": ', "msg=", "level=", '"error":', "log.level=", "x=", "=", ":", " : ", "][", "[", "]", "<", ">",
    "<NUM>", "<IP>,<IP>", ",", ">,<", "<A>,<A>,<A>", "{", "}", '{"level":"info","msg":"x y","n":1}',
    "ERROR", "error", "INFO", "[error]", "panic:", "K", "İ",
    # glog's and CockroachDB's level letter glued to the date
    "E1126 ", "W20241130 ", "W261127 ", "I210116", "F261301", "261127", "1127", "E", "W", " 12:17:03.000020 ",
]
# Python's \d, \w, \s reach beyond ASCII; the C code must too.
ALPHABET = "aZx9_.-,:;/\\@%+~=$?!#*()[]{}<>'\" \t\nµé\u0661\u0662²\u00a0\u2028\u3000ß"

lines = st.lists(st.one_of(st.sampled_from(PIECES), st.text(ALPHABET, max_size=3)), max_size=12).map("".join)


def _same(line: str, max_tokens: int = 128) -> None:
    assert _mask.mask(line) == reference_mask(line), line
    expected = reference_tokenize(line, max_tokens)
    assert tokenize(line, max_tokens) == expected, line
    assert masked_key(line, max_tokens) == " ".join(expected), line
    _same_message(line + "\nsecond line 42", max_tokens, len(line) // 2 + 1, {line: " ".join(expected)})


def _same_message(message: str, max_tokens: int, cut: int, known: dict[str, str] | None = None) -> None:
    """The keys _runstep.c takes of a message (`_mask.message_key`): its first line, cut to max_chars characters,
    from a run's UTF-8 bytes (decoded with errors="replace"; a line of ASCII is masked from the bytes) and from a
    str, cut at 2048 and at `cut`. The reference (a pure function) runs once per distinct first line: `known`
    holds its keys of lines at `max_tokens` (most lines are ASCII and shorter than 2048: one text for four keys)."""
    raw = message.encode("utf-8", "surrogatepass")
    expected = {} if known is None else known
    for max_chars in (2048, cut):
        for source, text in ((message, message), (raw, raw.decode("utf-8", "replace"))):
            first = text.split("\n")[0][:max_chars]
            if first not in expected:
                expected[first] = " ".join(reference_tokenize(first, max_tokens))
            assert _mask.message_key(source, max_chars, max_tokens) == expected[first], (source, max_chars)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines)
@example("1\u0661a 5k 1.2.3.4:123456 2020-12-20 02:55:07.5x fe80::1%eth0: [::1]:1234567")
@example("abcdefab\u0661 1s2s3s4s5s 5sec 5secs a@b.com-x a@b.cd.12 x 'a \"b c\" d' \"a 'b c' d\"")
def test_c_masking_is_the_reference(line: str) -> None:
    _same(line)


@settings(max_examples=300, deadline=None)
@given(lines, st.integers(min_value=0, max_value=6))
def test_token_limit_is_the_reference(line: str, max_tokens: int) -> None:
    _same(line, max_tokens)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, min_size=1, max_size=6), st.sampled_from(["", "msg=", '"msg": ', "x ", "a"]))
def test_quoted_insides_that_repeat(insides: list[str], prefix: str) -> None:
    """_mask.c keeps each quoted inside's masked text (mask_inner's cache, 256 slots): the same inside quoted again
    in another line, after another key or none, after other insides, masks as the reference does."""
    for inside in insides + insides[::-1]:
        for quote in ('"', "'"):
            _same(f"{prefix}{quote}{inside} 5{quote} {inside}")


def test_many_quoted_insides() -> None:
    """More distinct insides than the cache has slots, each twice (slots reused, different insides in one slot),
    insides either side of the longest kept (512 characters) and of the longest copied on the stack (96), and
    IPv6-like texts either side of 96 (replace_ip6's copy)."""
    insides = [f"GET /api/{i} HTTP/1.{i % 3} {i}ms 10.0.{i % 256}.1" for i in range(1500)]
    insides += [("a 1." * 200)[:n] for n in (94, 95, 96, 97, 98, 510, 511, 512, 513, 514)]
    insides += ["x " + ("1:2:" * 40)[:n] + "3" for n in (93, 94, 95, 96, 97)]
    expected = {}
    for inside in insides + insides:
        line = f'x "{inside}" y'
        if line not in expected:
            expected[line] = " ".join(reference_tokenize(line, 128))
        assert masked_key(line, 128) == expected[line], line


raw_lines = st.lists(st.one_of(st.sampled_from(PIECES).map(lambda p: p.encode()), st.binary(max_size=3),
                               st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80", b"\n"])),
                     max_size=12).map(b"".join)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_lines, st.integers(min_value=0, max_value=40))
def test_message_keys_of_any_bytes(raw: bytes, max_chars: int) -> None:
    """_runstep's bytes path (a run's MESSAGE as it is: NUL, invalid UTF-8, a cut anywhere) against the reference
    of the text bytes.decode(errors="replace") gives."""
    first = raw.decode("utf-8", "replace").split("\n")[0]
    for cut in (max_chars, 2048):
        assert _mask.message_key(raw, cut, 128) == " ".join(reference_tokenize(first[:cut])), (raw, cut)


def test_unicode_classes() -> None:
    """\\d, \\w and \\s as Python's str patterns have them, character by character."""
    probes = [chr(c) for c in itertools.chain(range(0, 0x250), range(0x660, 0x670), range(0x2000, 0x2030),
                                              range(0x3000, 0x3005), (0x1369, 0xff10, 0xff21, 0x212a, 0x130))]
    for ch in probes:
        for line in (f"1{ch}2", f"{ch}12", f"12{ch}", f"a{ch}b", f"a.b{ch}:80", f"x.service{ch}", f"'{ch}'",
                     f"{ch}0x1f", f"'a'{ch}", f"\"a\"{ch}:", f"10.0.0.1{ch}", f"[::1%e{ch}]", f"/a{ch}/b"):
            _same(line)


def test_golden_samples_and_masking_cases() -> None:
    from test_templates import test_masking

    for _unit, golden_lines, _n, _groups in GOLDEN.values():
        for line in golden_lines:
            _same(line)
    cases = [mark.args for mark in getattr(test_masking, "pytestmark", []) if mark.name == "parametrize"]
    (_names, values), = cases
    for line, _tokens in values:
        _same(line)


def _corpus_messages() -> Iterator[str]:
    for path in sorted(DATA.glob("*.tsv")):
        for row in path.read_text().splitlines():
            if not row or row.startswith("#"):
                continue
            for part in row.split("\t"):
                try:
                    fields = json.loads(part)
                except ValueError:
                    yield part
                    continue
                if isinstance(fields, dict):
                    yield from (v for v in fields.values() if isinstance(v, str))


def test_message_corpora() -> None:
    seen = 0
    for line in _corpus_messages():
        _same(line)
        seen += 1
    assert seen > 500


JOURNALS = [Path("/var/tmp/logsentry-bench/data/s1-n1000000-g2/journal"), Path("/var/tmp/realj-normal/journal")]
JOURNAL_LINES = int(os.environ.get("LOGSENTRY_MASK_LINES", "50000"))


@pytest.mark.parametrize("journal", JOURNALS, ids=["bench", "real-journald"])
def test_real_journal_lines(journal: Path) -> None:
    """The first distinct lines of a real journal (all of them with LOGSENTRY_MASK_LINES=0)."""
    if not journal.is_dir() or shutil.which("journalctl") is None:
        pytest.skip(f"{journal} is not built on this machine")
    proc = subprocess.Popen(["journalctl", "-D", str(journal), "-o", "cat", "--no-pager"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, errors="surrogateescape")
    assert proc.stdout is not None
    seen: set[str] = set()
    try:
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            if line in seen:
                continue
            seen.add(line)
            _same(line)
            if JOURNAL_LINES and len(seen) >= JOURNAL_LINES:
                break
    finally:
        proc.kill()
        proc.wait()
    assert len(seen) > 1000


LOGHUB = Path(os.environ.get("LOGHUB", "/work/loghub"))


def test_loghub_lines() -> None:
    logs = sorted(LOGHUB.glob("**/*_2k.log_structured.csv")) if LOGHUB.is_dir() else []
    if not logs:
        pytest.skip("no loghub-2k logs here")
    for path in logs:
        with path.open(newline="", encoding="utf-8", errors="surrogateescape") as f:
            for row in csv.DictReader(f):
                _same(row["Content"])


@pytest.mark.parametrize("message", [
    "plain ascii 10.0.0.1:80 took 5ms", "caf\u00e9 r\u00e9pondu en 5ms \u0661\u0662 fois", "x\u3000y 12",
    '{"level":"info","msg":"done in 5ms","n":1}', '{"level":"info","msg":"caf\u00e9"}\nnext line',
    '{"a":1} {"b":2}', "{not json 5}",
    '{"reqId":"waHa","level":3,"user":"--","app":"PHP","url":"/x","message":"fallback 5","userAgent":"Mo/5.0 (X)"}',
    "{}", "first 1\nsecond 2\nthird", "\n", "", "tail\n",
])
def test_message_keys_ascii_and_not(message: str) -> None:
    """_runstep's path: ASCII lines masked from bytes, others (and JSON lines) through a str, same keys."""
    for cut in range(0, len(message) + 2):
        _same_message(message, 128, cut)
        _same_message(message, 2, cut)


@pytest.mark.parametrize("raw", [b"bad \xff\xfe utf-8 5ms", b"\xe9t\xe9 10.0.0.1", b"ok 5\n\xff", b"\xc3", b"a\x00b 1"])
def test_message_keys_of_bytes_that_are_not_utf8(raw: bytes) -> None:
    text = raw.decode("utf-8", "replace")
    for max_chars in (0, 1, 3, 2048):
        first = text.split("\n")[0][:max_chars]
        assert _mask.message_key(raw, max_chars, 128) == " ".join(reference_tokenize(first)), (raw, max_chars)


def test_the_extension_is_compiled_and_used() -> None:
    assert Path(_mask.__file__).suffix == ".so"
    assert tokens.mask is _mask.mask


def test_an_empty_line_first() -> None:
    """A fresh process whose first key is of an empty line (no buffer yet) gets "" (it crashed once)."""
    code = ("from logsentry.engine.templates import _mask\n"
            "assert _mask.message_key(b'', 5, 5) == _mask.masked_key('', 5) == _mask.mask('') == ''\n")
    for first in (code, code.replace("_mask.message_key(b'', 5, 5) == ", "")):
        proc = subprocess.run([sys.executable, "-c", first], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr


def test_bad_arguments() -> None:
    with pytest.raises(TypeError):
        _mask.mask(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        _mask.masked_key("x", -1)
    with pytest.raises(ValueError):
        _mask.message_key(b"x", 5, -1)
    with pytest.raises(ValueError):
        _mask.message_key("x", -1, 5)
    with pytest.raises(TypeError):
        _mask.message_key(bytearray(b"x"), 5, 5)  # type: ignore[arg-type]
    assert _mask.masked_key("", 5) == "" and tokenize("") == [] and _mask.mask("") == ""
