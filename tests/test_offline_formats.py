"""Offline inputs: journalctl's own export and JSON output (made by the real journalctl), gzip, stdin."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import entry, json_events, of_type, run_cli, simple_rule

ENTRIES = [
    entry("BOOM plain", at=0, priority=3),
    entry(b"BOOM bytes \xff", at=1, unit="other.service"),
    entry("BOOM multi\nline two", at=2),
    entry("api.service: BOOM from systemd", unit="init.scope", at=3, _PID=1, UNIT="api.service"),
    entry("nothing here", at=4),
]


def journalctl(journal: Path, output: str) -> bytes:
    return subprocess.run(["journalctl", "--file", str(journal), "-o", output, "--no-pager"],
                          capture_output=True, check=True).stdout


def scan(path: str, rules_dir: Path, *extra: str, input: bytes | None = None) -> list[dict]:
    result = run_cli("scan", "--file", path, "--rules", str(rules_dir), "--no-shipped-rules", "-o", "json", *extra,
                     input=input)
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "match")


def comparable(matches: list[dict]) -> list[tuple]:
    return [(m["unit"], m["realtime_usec"], m["priority"], m["message"]) for m in matches]


@pytest.fixture
def native(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule(regex="BOOM"))
    journal = make_journal(ENTRIES)
    return journal, scan(str(journal), rules_dir)


@pytest.mark.parametrize("output", ["export", "json"])
def test_dump_scans_like_the_journal(native, rules_dir, tmp_path, output):
    journal, expected = native
    assert len(expected) == 4
    dump = tmp_path / f"dump.{output}"
    dump.write_bytes(journalctl(journal, output))
    got = scan(str(dump), rules_dir)
    assert comparable(got) == comparable(expected)
    assert [m["cursor"] for m in got] == [m["cursor"] for m in expected]  # __CURSOR is kept


@pytest.mark.parametrize("output", ["export", "json"])
def test_gzip_and_stdin(native, rules_dir, tmp_path, output):
    journal, expected = native
    data = journalctl(journal, output)
    packed = tmp_path / "dump.gz"
    packed.write_bytes(gzip.compress(data))
    assert comparable(scan(str(packed), rules_dir)) == comparable(expected)
    assert comparable(scan("-", rules_dir, input=data)) == comparable(expected)


@pytest.mark.parametrize("output", ["export", "json"])
def test_unit_and_priority_filters_apply_offline(native, rules_dir, tmp_path, output):
    journal, _ = native
    dump = tmp_path / "dump"
    dump.write_bytes(journalctl(journal, output))
    assert [m["message"] for m in scan(str(dump), rules_dir, "-u", "api")] == ["api.service: BOOM from systemd"]
    # systemd's own line (PID 1's) claims no level of the unit's: -p takes its rule's (boom: critical)
    expected = ["BOOM plain", "api.service: BOOM from systemd"]
    assert [m["message"] for m in scan(str(dump), rules_dir, "-p", "err")] == expected
    assert [m["message"] for m in scan(str(journal), rules_dir, "-p", "err")] == expected  # as the journal file


def test_json_binary_values_and_missing_cursor(write_rule, rules_dir, tmp_path):
    write_rule("boom", simple_rule(regex="^BOOM"))
    lines = [
        {"__REALTIME_TIMESTAMP": "1700000000000000", "MESSAGE": list(b"BOOM \xff raw"), "_SYSTEMD_UNIT": "x.service"},
        {"__REALTIME_TIMESTAMP": "1700000001000000", "MESSAGE": ["BOOM first", "second"], "PRIORITY": "2"},
        {"__REALTIME_TIMESTAMP": "1700000002000000", "MESSAGE": None},
    ]
    dump = tmp_path / "hand.json"
    dump.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    matches = scan(str(dump), rules_dir)
    assert [m["message"] for m in matches] == ["BOOM \ufffd raw", "BOOM first\nsecond"]
    assert matches[0]["cursor"] == f"{dump}: line 1"


def test_json_lone_surrogates_are_replaced_not_a_crash(write_rule, rules_dir, tmp_path):
    """JSON can escape a lone surrogate ("\\ud800"): hostile text must not stop the scan (it used to crash the
    literal prefilter, and no JSON encoder writes it back)."""
    write_rule("boom", simple_rule(regex="^BOOM"))
    dump = tmp_path / "surrogates.json"
    dump.write_text('{"__REALTIME_TIMESTAMP": "1700000000000000", "MESSAGE": "BOOM \\ud800 \\udfff end", '
                    '"_SYSTEMD_UNIT": "x\\udc80.service", "X_\\ud83d": "v"}\n')
    matches = scan(str(dump), rules_dir)
    assert len(matches) == 1
    assert matches[0]["message"].startswith("BOOM \ufffd") and matches[0]["message"].endswith(" end")
    assert "\ud800" not in matches[0]["message"] and matches[0]["unit"].startswith("x\ufffd")


def test_json_priority_that_is_no_ascii_number_is_no_priority(write_rule, rules_dir, tmp_path):
    """"²" and "٣" are digits to str.isdigit(); int() chokes on the first. Neither is a journal priority."""
    write_rule("boom", simple_rule(regex="^BOOM"))
    dump = tmp_path / "priorities.json"
    dump.write_text("".join(f'{{"__REALTIME_TIMESTAMP": "170000000{i}000000", "MESSAGE": "BOOM {i}", '
                            f'"PRIORITY": "{value}"}}\n' for i, value in enumerate(["\u00b2", "\u0663", "3"])))
    matches = scan(str(dump), rules_dir)
    assert [m["priority"] for m in matches] == [None, None, 3]


@pytest.mark.parametrize(("content", "expected"), [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00binary\n", "binary data (a NUL byte at offset 7), not a log: logsentry "
     "reads journal files"),  # (not told to give journalctl -o short-iso, as a log without times is)
    (b"\xff\xfe\xfd\xfc garbled, no NUL\n" * 3, "not a journal file, journal export format or JSON lines"),
    (b'{"MESSAGE": "no time"}\n', "line 1: __REALTIME_TIMESTAMP: expected microseconds since the epoch (got None)"),
    (b'{"__REALTIME_TIMESTAMP": "1", "MESSAGE": "ok"}\n{broken\n', "line 2: expected a JSON object per line"),
    (b"__REALTIME_TIMESTAMP=\xc2\xb2\nMESSAGE=x\n", "entry 1 (line 1): __REALTIME_TIMESTAMP: expected microseconds "
     "since the epoch (got '\u00b2')"),
    (b'{"__REALTIME_TIMESTAMP": "\xc2\xb2"}\n', "line 1: __REALTIME_TIMESTAMP: expected microseconds since the epoch "
     "(got '\u00b2')"),
    (b'{"__REALTIME_TIMESTAMP": "18446744073709551616"}\n', "line 1: __REALTIME_TIMESTAMP: expected microseconds since "
     "the epoch, at most 2^64-1"),
    (b"__REALTIME_TIMESTAMP=1\nMESSAGE\n" + (2**40).to_bytes(8, "little"), "expected at most 805306368 (journald's "
     "DATA_SIZE_MAX)"),
])
def test_damaged_input_is_a_clear_error(write_rule, rules_dir, tmp_path, content, expected):
    write_rule("boom", simple_rule())
    bad = tmp_path / "bad.dump"
    bad.write_bytes(content)
    result = run_cli("scan", "--file", str(bad), "--rules", str(rules_dir), "--no-shipped-rules")
    assert result.exit_code == 2
    assert str(bad) in result.stderr and expected in result.stderr


def test_a_log_named_for_what_it_is_takes_its_directorys_name(tmp_path):
    """`/var/log/nginx/error.log` says what the log is, not whose: its lines were `(error)` (helper-124); they are
    `(nginx-error)` in a log directory's program directory. A name of its own stays as it is."""
    from logsentry.sources.log_names import identifier

    log = tmp_path / "log" / "nginx" / "error.log"
    log.parent.mkdir(parents=True)
    log.write_text('2026/03/14 11:20:01 [emerg] 1201#1201: bind() to 0.0.0.0:443 failed (98: Address already in use)\n')
    done = run_cli("scan", "--file", str(log), "-o", "json")
    assert {json.loads(line)["unit"] for line in done.stdout.splitlines()
            if json.loads(line)["type"] == "incident"} == {"(nginx-error)"}, done.stdout
    assert identifier("/var/log/postgresql/postgresql-15-main.log") == "postgresql-15-main"
    assert identifier("var/log/cassandra/system.log") == "cassandra-system"  # not "(system)", read as systemd's
    assert identifier("/var/log/error.log") == "error" and identifier("-") == "stdin"
    assert identifier("/srv/billing/logs/app.log.1.gz") == "app"  # "logs" names no program
    assert identifier("/home/ana/Downloads/error.log") == "error"  # nor does a folder outside a log directory


# A MongoDB 3.0 log pasted indented by a tab (RocketChat/Rocket.Chat#1858, the trial's t05)
MONGO_PASTE = [
    "2016-01-10T09:08:16.861+0000 I CONTROL  [journal writer] LogFile::synchronousAppend failed with 8192 bytes "
    "unwritten out of 8192 bytes;  b=0x5052000 errno:5 Input/output error",
    "2016-01-10T09:08:16.861+0000 I -        [journal writer] Fatal Assertion 13515",
    "2016-01-10T09:08:16.866+0000 I CONTROL  [journal writer]",
]
# journalctl's short output with a multi-line message (its continuation line indented by journalctl)
JOURNAL_PASTE = [
    "Feb 10 00:01:25 mail mongod[989]: ERROR: child process failed, exited with error number 100",
    "Feb 10 00:01:25 mail api[990]: Traceback (most recent call last):",
    "                                 File \"/srv/api.py\", line 1, in <module>",
    "Feb 10 00:01:26 mail systemd[1]: api.service: Failed with result 'exit-code'.",
]


def _indented(lines: list[str], indent: str) -> bytes:
    return "".join(f"{indent}{line}\n" if line else "\n" for line in lines).encode()


def _read(path: Path) -> list[tuple[int, str, str]]:
    from logsentry.sources import Selection, open_entries

    return [(e.realtime_usec, e.unit, e.message) for e in open_entries(Selection(), files=[path])]


@pytest.mark.parametrize("indent", ["\t", "    ", "  "])
@pytest.mark.parametrize("lines", [MONGO_PASTE, JOURNAL_PASTE], ids=["mongod", "journalctl"])
def test_a_paste_indented_as_a_whole_reads_as_the_log_itself(tmp_path, lines, indent):
    """Every line of a paste in a markdown code block, a mail or a forum quote starts with the same indent: it was
    read as lines without a time (a line starting with blanks is no record's start), and the rules anchored at a
    line's start missed it (t05: 'Nothing found'). The indent all its lines share goes, blank lines or not, gzip
    or not: it reads as the log itself."""
    for folder in ("plain", "pasted", "packed"):
        (tmp_path / folder).mkdir()
    plain, pasted = tmp_path / "plain" / "mongod.log", tmp_path / "pasted" / "mongod.log"
    packed = tmp_path / "packed" / "mongod.log.gz"
    plain.write_bytes(_indented(lines, ""))
    pasted.write_bytes(_indented([*lines[:2], "", *lines[2:]], indent))
    packed.write_bytes(gzip.compress(pasted.read_bytes()))
    expected = _read(plain)
    assert _read(pasted) == _read(packed) == expected
    assert len({usec for usec, _, _ in expected}) > 1  # its own times, not the file's


@pytest.mark.parametrize("lines", [MONGO_PASTE, JOURNAL_PASTE], ids=["mongod", "journalctl"])
def test_a_paste_quoted_as_a_whole_reads_as_the_log_itself(tmp_path, lines):
    """A log quoted in a mail or an issue's markdown, every line behind `> ` and its empty lines a lone `>`: it was
    lines without a time, and the openvpn paste a rule cites fired nothing (trial 60's 07)."""
    (tmp_path / "quoted").mkdir()
    plain, quoted = tmp_path / "app.log", tmp_path / "quoted" / "app.log"
    plain.write_bytes(_indented(lines, ""))
    quoted.write_bytes(b"".join(b"> " + line.encode() + b"\n" for line in lines[:2]) + b">\n"
                       + b"".join(b"> " + line.encode() + b"\n" for line in lines[2:]))
    assert _read(quoted) == _read(plain)
    assert len({usec for usec, _, _ in _read(plain)}) > 1


def test_an_indented_paste_on_standard_input_fires_its_rule(tmp_path):
    """The same through a pipe (read once: its head is indented, so it is kept while its lines are checked) and
    through the CLI's standard input: mongodb-fatal-assertion fires on the tab-indented MongoDB paste."""
    data = _indented(MONGO_PASTE, "\t")
    for run in (lambda: subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", "-", "-o", "json"],
                                       input=data, capture_output=True, check=False).stdout.decode(),
                lambda: run_cli("scan", "--file", "-", "-o", "json", input=data).stdout):
        events = [json.loads(line) for line in run().splitlines() if line.strip()]
        # (the signatures' matches: new-error-template and excerpt-failure-template judge a paste's lines too)
        assert {e["rule"] for e in events if e["type"] == "match"
                and not e["rule"].startswith(("new-", "excerpt-"))} \
            == {"mongodb-fatal-assertion"}, events


@pytest.mark.parametrize("where", ["head", "past the head"])
def test_a_log_whose_continuation_lines_alone_are_indented_reads_as_before(tmp_path, where):
    """A stack trace's `\\tat ...` lines under their record are indented, its records are not: nothing is
    stripped, whether the line at the margin is in the head the format is judged on or 8 KB further on."""
    trace = [f"\tat org.example.Worker.run(Worker.java:{n})" for n in range(200)]
    record = "2026-11-28 10:14:29,301 ERROR [main] Worker - job failed"
    lines = [record, *trace] if where == "head" else [*trace, record, *trace]
    log = tmp_path / "worker.log"
    log.write_text("\n".join(lines) + "\n")
    messages = [message for _, _, message in _read(log)]
    assert "\tat org.example.Worker.run(Worker.java:7)" in messages
    assert not any(message.startswith("at ") for message in messages)
