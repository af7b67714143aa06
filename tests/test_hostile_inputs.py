"""Issue 14: hostile inputs and the CLI, tried as an attacker and as a new user would, through the real CLI.

Each test is one kind: the prefilter and the `regex` dialect (item 1), dumps that crashed `scan` (2), gzip
bombs under a memory limit (3), repeated fields alike in every source (4), time specs, unit globs, closed
pipes and descriptors (5), `rules check` and the demo's options (8).
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BASE_USEC, entry, run_cli, simple_rule

from logsentry.engine.detector import Detector
from logsentry.pipeline import MatchEvent, Pipeline
from logsentry.rules.check import check_sample
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.sources import Selection, open_entries
from logsentry.sources.journal_files import FieldValue, build_journal, export_bytes, export_entry

LOGSENTRY = str(Path(sys.executable).with_name("logsentry"))
MEMORY_LIMIT = 400 << 20
"""Address space for a CLI run on a hostile input: a scan of a small journal needs < 300 MiB (measured)."""


def cli(*args: str, input: bytes | None = None, env: dict[str, str] | None = None, memory: int | None = None,
        **popen: object) -> subprocess.CompletedProcess[bytes]:
    """The installed `logsentry` in a process of its own (pipes, descriptors, TZ and limits are real)."""

    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    if "stdout" in popen:
        popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([LOGSENTRY, *args], input=input, capture_output="stdout" not in popen, timeout=120,
                          env={**os.environ, **(env or {})}, preexec_fn=limit, check=False, **popen)  # type: ignore[call-overload]


def records(done: subprocess.CompletedProcess[bytes], kind: str) -> list[dict]:
    return [r for line in done.stdout.splitlines() if (r := json.loads(line))["type"] == kind]


# -- item 1: the prefilter reads rules in the `regex` dialect ----------------------------------------------------

REGEX_ONLY_RULES = {
    "fuzzy-oom": r"(?:out of memory){e<=1}",
    "posix-digits": r"^disk [[:digit:]]+ is full$",
    "unicode-class": r"^\p{Lu}{3} failure$",
    "branch-reset": r"^(?|panic: (\w+)|fatal: (\w+))$",
}
REGEX_ONLY_LINES = ["out of memry", "out of memory", "disk 42 is full", "disk x is full", "ÄÖÜ failure",
                    "abc failure", "panic: boom", "fatal: boom", "nothing at all"]


def write_rules(folder: Path, patterns: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for rule_id, pattern in patterns.items():
        body = simple_rule().replace("'BOOM'", f"'{pattern}'")  # a TOML literal string: backslashes as written
        (folder / f"{rule_id}.toml").write_text(f"id = \"{rule_id}\"\n{body}")
    return folder


def matches_of_plain_reader(rules_path: Path, journal: Path) -> set[tuple[str, str]]:
    """The matches the reference reader (JournalSource, as the service reads) and the engine give."""
    detector = Detector(load_rules([rules_path]).rules)
    events = Pipeline(detector).run(open_entries(Selection(), files=[journal], extra_fields=detector.needed_fields))
    return {(event.hit.rule_id, event.hit.entry.message) for event in events if isinstance(event, MatchEvent)}


def test_regex_only_syntax_matches_alike_in_rules_check_scan_and_the_reader(tmp_path):
    """Fuzzy matching, POSIX classes, \\p{..} and branch reset: `rules check`, `scan` (screening scanner),
    dumps and the plain reader find the same lines; no FutureWarning on stderr."""
    rules = write_rules(tmp_path / "rules", REGEX_ONLY_RULES)
    expected = set()
    for line in REGEX_ONLY_LINES:
        checked = cli("rules", "check", "--no-shipped-rules", "--rules", str(rules), "-o", "json", line)
        assert checked.returncode == 0 and not checked.stderr, checked.stderr
        expected |= {(r["rule"], r["line"]) for r in map(json.loads, checked.stdout.splitlines())}
    assert ("fuzzy-oom", "out of memry") in expected and ("posix-digits", "disk 42 is full") in expected
    assert ("unicode-class", "ÄÖÜ failure") in expected and ("branch-reset", "fatal: boom") in expected
    entries = [entry(line, at=i) for i, line in enumerate(REGEX_ONLY_LINES)]
    journal = build_journal(export_bytes(entries), tmp_path / "lines.journal")
    dump = tmp_path / "lines.export"
    dump.write_bytes(export_bytes(entries))
    for path in (journal, dump):
        scanned = cli("scan", "--file", str(path), "--no-shipped-rules", "--rules", str(rules), "-o", "json")
        assert scanned.returncode == 0 and not scanned.stderr, scanned.stderr
        assert {(m["rule"], m["message"]) for m in records(scanned, "match")} == expected, path
    assert matches_of_plain_reader(rules, journal) == expected


def test_every_shipped_sample_matches_alike_in_rules_check_scan_and_the_reader(tmp_path):
    """Every shipped rule's samples (with their priority and fields) as journal entries: the matches of
    `rules check` (what rule authors test), of `scan` through the screening scanner and of the plain reader
    are the same."""
    shipped = [rule for rule in load_rules([shipped_rules_dir()]).rules
               if rule.anomaly is None and rule.absence is None]
    expected: set[tuple[str, str]] = set()
    entries: list[dict[str, FieldValue]] = []
    for rule in shipped:
        for sample in rule.samples:
            fields: dict[str, FieldValue] = {"SYSLOG_IDENTIFIER": "app", **sample.fields}
            at = len(entries) * 120.0  # two minutes apart: no burst window reaches the next sample
            entries.append(entry(sample.line, at=at, priority=sample.priority, **fields))
    lines = {str(e["MESSAGE"]): e for e in entries}
    for rule in shipped:
        for line, fields in lines.items():
            extra = {k: str(v) for k, v in fields.items()
                     if not k.startswith("__") and k not in ("MESSAGE", "PRIORITY")}
            priority = fields.get("PRIORITY")
            sample = type(rule.samples[0])(line, True, {}, None if priority is None else int(str(priority)), extra)
            if check_sample(rule, 0, sample).ok:
                expected.add((rule.id, line))
    assert len(expected) > 300
    journal = build_journal(export_bytes(lines.values()), tmp_path / "samples.journal")
    scanned = cli("scan", "--file", str(journal), "-o", "json")
    assert scanned.returncode == 0, scanned.stderr
    got = {(m["rule"], m["message"]) for m in records(scanned, "match")}
    signature = {rule.id for rule in shipped}
    assert {m for m in got if m[0] in signature} == expected
    assert {m for m in matches_of_plain_reader(shipped_rules_dir(), journal) if m[0] in signature} == expected


# -- item 2: dumps that crashed scan ---------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "code", "message"), [
    ('{"__REALTIME_TIMESTAMP":"\u00b2","MESSAGE":"x"}\n', 2,
     "line 1: __REALTIME_TIMESTAMP: expected microseconds since the epoch (got '\u00b2')"),
    ('{"__REALTIME_TIMESTAMP":"99999999999999999999999","MESSAGE":"x"}\n', 2, "at most 2^64-1"),
    ("[" * 900 + "]" * 900 + "\n", 2, "not a journal file, journal export format or JSON lines"),  # no word
    # no key of journalctl's: a program's JSON log line without a time (sources/export.py sniff), cut at the limit
    ('{"a":' * 100_000 + "1" + "}" * 100_000 + "\n", 0, "line 1: longer than 262144 bytes; the rest is skipped"),
    ('{"__REALTIME_TIMESTAMP":"1","MESSAGE":"x","deep":' + "[" * 100_000 + "]" * 100_000 + "}\n", 0, ""),
], ids=["superscript-time", "time-beyond-2^64", "900-brackets", "100k-nested-objects", "100k-nested-arrays"])
# short ids: pytest 8 names a test by its whole parameter, and PYTEST_CURRENT_TEST, in the environment the CLI
# inherits, then made its exec fail with E2BIG ("Argument list too long")
def test_hostile_dumps_are_clear_errors_or_entries(tmp_path, content, code, message):
    dump = tmp_path / "d.json"
    dump.write_text(content)
    for output in ("report", "json"):
        done = cli("scan", "--file", str(dump), "-o", output, memory=MEMORY_LIMIT)
        assert done.returncode == code and b"Traceback" not in done.stderr, done.stderr[-2000:]
        assert message in done.stderr.decode(), done.stderr


def test_priority_that_is_no_number_with_p(tmp_path):
    dump = tmp_path / "p.json"
    dump.write_text('{"__REALTIME_TIMESTAMP":"1","PRIORITY":"\u00b2","MESSAGE":"ERROR x"}\n'
                    '{"__REALTIME_TIMESTAMP":"2","PRIORITY":"3","MESSAGE":"y"}\n')
    done = cli("scan", "--file", str(dump), "-p", "err", "-o", "json")
    assert done.returncode == 0 and not done.stderr
    assert records(done, "summary")[0]["entries"] == 2  # "²" is no priority: the text's ERROR counts


def test_timestamps_beyond_year_9999_in_the_report_and_json(tmp_path):
    dump = tmp_path / "future.json"
    usec = 2**64 - 1
    dump.write_text(json.dumps({"__REALTIME_TIMESTAMP": str(usec), "MESSAGE": "cachix-server: thread blocked "
                                "indefinitely in an MVar operation", "_SYSTEMD_UNIT": "a.service"}) + "\n")
    report = cli("scan", "--file", str(dump))
    assert report.returncode == 0 and not report.stderr, report.stderr
    assert b"@18446744073709.551" in report.stdout
    as_json = cli("scan", "--file", str(dump), "-o", "json")
    assert as_json.returncode == 0 and records(as_json, "summary")[0]["last_usec"] == usec


def test_crlf_dumps_read_like_lf(tmp_path):
    lf = export_bytes([entry("BOOM one", at=0), entry(b"BOOM\x01two", at=1)])
    crlf = lf.replace(b"\n", b"\r\n")
    (tmp_path / "lf.export").write_bytes(lf)
    # binary values keep their length prefix: only the line ends become CRLF
    (tmp_path / "crlf.export").write_bytes(b"\r\n".join(crlf.split(b"\r\n")))
    (tmp_path / "crlf.json").write_bytes(b"\r\n".join(json.dumps({"__REALTIME_TIMESTAMP": str(BASE_USEC + i),
                                                                   "MESSAGE": f"BOOM {i}"}).encode() for i in range(2))
                                         + b"\r\n")
    rules = write_rules(tmp_path / "rules", {"boom": "BOOM"})
    counts = {}
    for name in ("lf.export", "crlf.json"):
        done = cli("scan", "--file", str(tmp_path / name), "--no-shipped-rules", "--rules", str(rules), "-o", "json")
        assert done.returncode == 0 and not done.stderr, done.stderr
        counts[name] = len(records(done, "match"))
    assert counts == {"lf.export": 2, "crlf.json": 2}
    text_only = export_bytes([entry("BOOM one", at=0), entry("BOOM two", at=1)])
    (tmp_path / "text.export").write_bytes(text_only.replace(b"\n", b"\r\n"))
    done = cli("scan", "--file", str(tmp_path / "text.export"), "--no-shipped-rules", "--rules", str(rules),
               "-o", "json")
    assert done.returncode == 0 and not done.stderr and len(records(done, "match")) == 2, done.stderr


def test_empty_input_is_no_entries(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "empty.gz").write_bytes(gzip.compress(b""))
    for args, stdin in ((["--file", str(tmp_path / "empty")], None), (["--file", str(tmp_path / "empty.gz")], None),
                        (["--file", "-"], b"")):
        done = cli("scan", *args, "-o", "json", input=stdin)
        assert done.returncode == 0 and not done.stderr, done.stderr
        assert records(done, "summary")[0]["entries"] == 0


@pytest.mark.parametrize("cut", ["binary size", "binary value", "json"])
def test_truncated_last_entry_is_a_warning_with_its_position(tmp_path, cut):
    good = export_entry(entry("BOOM first", at=0))
    if cut == "json":
        data, name = (json.dumps({"__REALTIME_TIMESTAMP": "1", "MESSAGE": "BOOM first"}) + "\n"
                      + '{"__REALTIME_TIMESTAMP": "2", "MESSAGE": "BOOM cut o').encode(), "cut.json"
        where = "cut.json: line 2: the input ends inside it"
    else:
        tail = b"__REALTIME_TIMESTAMP=2\nMESSAGE\n" + (b"\x10\x00\x00" if cut == "binary size" else
                                                       struct.pack("<Q", 16) + b"BOOM cut")
        data, name = good + tail, "cut.export"
        lines = good.count(b"\n")
        where = f"cut.export: entry 2 (line {lines + 1}): field 'MESSAGE' at line {lines + 2}"
    (tmp_path / name).write_bytes(data)
    rules = write_rules(tmp_path / "rules", {"boom": "BOOM"})
    done = cli("scan", "--file", str(tmp_path / name), "--no-shipped-rules", "--rules", str(rules), "-o", "json")
    assert done.returncode == 0, done.stderr
    assert [m["message"] for m in records(done, "match")] == ["BOOM first"]
    assert done.stderr.decode().startswith(f"logsentry: warning: {tmp_path / where}"), done.stderr


# -- item 3: gzip bombs ------------------------------------------------------------------------------------------

def bomb(path: Path, head: bytes, size: int, tail: bytes) -> Path:
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(head)
        block = b"a" * (1 << 20)
        for _ in range(size >> 20):
            out.write(block)
        out.write(tail)
    return path


@pytest.mark.parametrize("kind", ["json-line", "export-binary", "export-text", "many-fields"])
def test_gzip_bombs_scan_in_bounded_memory(tmp_path, kind):
    """~0.5 MB of gzip that inflates to 512 MiB: the scan streams it under a 400 MiB address-space limit
    (the reader held the whole value: 4.7 GB RSS for a 1.5 MB .json.gz)."""
    size = 512 << 20
    if kind == "json-line":
        path = bomb(tmp_path / "b.json.gz", b'{"__REALTIME_TIMESTAMP":"1","MESSAGE":"BOOM', size, b'"}\n')
    elif kind == "export-binary":
        path = bomb(tmp_path / "b.export.gz", b"__REALTIME_TIMESTAMP=1\nMESSAGE\n" + struct.pack("<Q", size + 4)
                    + b"BOOM", size, b"\n\n")
    elif kind == "export-text":
        path = bomb(tmp_path / "b.export.gz", b"__REALTIME_TIMESTAMP=1\nMESSAGE=BOOM", size // 2, b"\n\n")
    else:  # a thousand fields of 512 KiB: the entry as a whole is what must not be held
        with gzip.open(tmp_path / "b.export.gz", "wb", compresslevel=9) as out:
            out.write(b"__REALTIME_TIMESTAMP=1\nMESSAGE=BOOM\n")
            for i in range(1000):
                out.write(b"X_%d=" % i + b"a" * (512 << 10) + b"\n")
            out.write(b"\n")
        path = tmp_path / "b.export.gz"
    assert path.stat().st_size < 2 << 20
    rules = write_rules(tmp_path / "rules", {"boom": "^BOOM"})
    done = cli("scan", "--file", str(path), "--no-shipped-rules", "--rules", str(rules), "-o", "json",
               memory=MEMORY_LIMIT)
    assert done.returncode == 0 and not done.stderr, done.stderr[-3000:]
    assert [m["rule"] for m in records(done, "match")] == ["boom"]


def test_entry_beyond_journald_limits_is_a_clear_error(tmp_path):
    (tmp_path / "huge.export").write_bytes(b"__REALTIME_TIMESTAMP=1\nMESSAGE\n" + struct.pack("<Q", 1 << 30) + b"x")
    done = cli("scan", "--file", str(tmp_path / "huge.export"), memory=MEMORY_LIMIT)
    assert done.returncode == 2 and b"1073741824 bytes, expected at most 805306368 (journald's DATA_SIZE_MAX)" \
        in done.stderr, done.stderr
    fields = b"".join(b"F%d=x\n" % i for i in range(1100))
    (tmp_path / "wide.export").write_bytes(b"__REALTIME_TIMESTAMP=1\n" + fields + b"\n")
    done = cli("scan", "--file", str(tmp_path / "wide.export"), memory=MEMORY_LIMIT)
    assert done.returncode == 2 and b"more than 1024 fields, journald's limit (ENTRY_FIELD_COUNT_MAX)" in done.stderr


# -- item 4: one meaning for a repeated field --------------------------------------------------------------------

def raw(*fields: tuple[str, FieldValue]) -> bytes:
    return b"".join(export_entry({name: value}).rstrip(b"\n") + b"\n" for name, value in fields) + b"\n"


def test_repeated_fields_mean_the_same_in_journal_export_and_json(tmp_path):
    """MESSAGE twice (the second part is what the rule needs), _SYSTEMD_UNIT twice (-u matches either value,
    as an sd-journal match does): the journal file, its `journalctl -o export` and `-o json` give the same
    matches and incidents."""
    export = (raw(("__REALTIME_TIMESTAMP", BASE_USEC), ("_BOOT_ID", "0" * 32), ("MESSAGE", "request 1 failed"),
                  ("MESSAGE", "BOOM in the second value"), ("_SYSTEMD_UNIT", "api.service"),
                  ("_SYSTEMD_UNIT", "web.service"))
              + raw(("__REALTIME_TIMESTAMP", BASE_USEC + 1), ("_BOOT_ID", "0" * 32), ("MESSAGE", "plain"),
                    ("_SYSTEMD_UNIT", "web.service"), ("PRIORITY", "3"), ("PRIORITY", "6")))
    journal = build_journal(export, tmp_path / "repeated.journal")
    rules = write_rules(tmp_path / "rules", {"boom": "^BOOM", "two-lines": r"failed\nBOOM"})
    dumps = {}
    for output in ("export", "json"):
        dumps[output] = tmp_path / f"repeated.{output}"
        dumps[output].write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", output],
                                                 capture_output=True, check=True).stdout)
    assert b'"MESSAGE":["request 1 failed","BOOM in the second value"]' in dumps["json"].read_bytes()
    results = {}
    for name, path in {"journal": journal, **dumps}.items():
        for unit in ("api", "web", "nothing"):
            done = cli("scan", "--file", str(path), "--no-shipped-rules", "--rules", str(rules), "-o", "json",
                       "-u", unit)
            # (a journal file, read as a journal is, says the -u name it has no entry of before the scan: scan's hint;
            # a dump, after a scan that read nothing: cli/scan_unchecked.py)
            hint = (b"logsentry: warning: no entry of nothing.service in this journal" if name == "journal" else
                    b"logsentry: warning: no entry of nothing.service in " + str(path).encode()) \
                if unit == "nothing" else b""
            assert done.returncode == 0 and done.stderr.startswith(hint) and done.stderr.count(b"\n") == bool(hint), \
                done.stderr
            results[(name, unit)] = ([(m["rule"], m["message"], m["priority"], m["unit"])
                                      for m in records(done, "match")], records(done, "summary")[0]["entries"])
    for unit in ("api", "web", "nothing"):
        assert results[("journal", unit)] == results[("export", unit)] == results[("json", unit)], unit
    assert results[("journal", "web")][1] == 2 and results[("journal", "api")][1] == 1
    assert sorted(m[0] for m in results[("journal", "api")][0]) == ["boom", "two-lines"]
    assert results[("journal", "api")][0][0][3] == "api.service\nweb.service"


# -- item 5: the command line --------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["@inf", "@nan", "@1e30", "-99999999999999 days", "99999 days ago", "0001-01-01",
                                  "10000-01-01", "2026-01-01 10:00 Not/AZone"])
def test_since_out_of_range_or_unreadable_is_a_usage_error(tmp_path, spec):
    (tmp_path / "e").write_bytes(b"")
    done = cli("scan", "--file", str(tmp_path / "e"), "--since", spec)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert b"Invalid value for '--since': " in done.stderr, done.stderr  # (the option given alone: nu76's 13)


@pytest.fixture
def units_journal(tmp_path):
    entries = [entry("api line", unit="api.service", at=0), entry("app line", unit="app.service", at=1),
               entry("about apx", unit="init.scope", at=2, _PID=1, _UID=0, UNIT="apx.service"),
               entry("other", unit="zz.service", at=3),
               entry("in slice", unit="zz2.service", at=4, _SYSTEMD_SLICE="apslice.slice")]
    journal = build_journal(export_bytes(entries), tmp_path / "units.journal")
    dump = tmp_path / "units.export"
    dump.write_bytes(export_bytes(entries))
    return journal, dump


@pytest.mark.parametrize("unit", ["ap*", "ap*.service", "a?[ip].service", "*slice*", "apslice.slice", "api",
                                  "nomatch*", "[!a]*"])
def test_unit_globs_as_journalctl_expands_them(units_journal, unit):
    journal, dump = units_journal
    shown = subprocess.run(["journalctl", "--file", str(journal), "-u", unit, "-o", "cat", "--no-pager"],
                           capture_output=True, text=True, check=False).stdout.splitlines()
    for path in (journal, dump):
        done = cli("scan", "--file", str(path), "-u", unit, "-o", "json", "--no-shipped-rules", "--rules",
                   str(write_rules(path.parent / "rules", {"any": "^"})))
        assert done.returncode == 0, done.stderr
        assert sorted(m["message"] for m in records(done, "match")) == sorted(shown), (path, unit)
    assert unit == "nomatch*" or shown


def test_since_with_utc_and_zone_names_and_tz(units_journal):
    journal, dump = units_journal
    utc = "2026-01-01 00:00:02 UTC"
    for path in (journal, dump):
        for spec, env in ((utc, {}), ("2026-01-01 01:00:02 Europe/Berlin", {}), ("2026-01-01 01:00:02",
                                                                                 {"TZ": "Europe/Berlin"}),
                          ("@1767225602", {"TZ": "America/New_York"})):
            done = cli("scan", "--file", str(path), "--since", spec, "-o", "json", env=env)
            assert done.returncode == 0, done.stderr
            assert records(done, "summary")[0]["entries"] == 3, (path, spec, env)
        # before the epoch in Berlin: journalctl refuses it; so does logsentry, for a journal and a dump alike
        done = cli("scan", "--file", str(path), "--until", "1970-01-01", env={"TZ": "Europe/Berlin"})
        assert done.returncode == 2 and b"expected a time from 1970-01-01" in done.stderr


def many_matches(tmp_path: Path) -> Path:
    dump = tmp_path / "many.json"
    line = {"MESSAGE": "cachix-server: thread blocked indefinitely in an MVar operation", "_SYSTEMD_UNIT": "a.service"}
    dump.write_text("".join(json.dumps({**line, "__REALTIME_TIMESTAMP": str(BASE_USEC + i * 1000)}) + "\n"
                            for i in range(30_000)))
    return dump


@pytest.mark.parametrize("output", ["json", "report"])
def test_closed_pipe_is_a_normal_end(tmp_path, output):
    dump = many_matches(tmp_path)
    with subprocess.Popen([LOGSENTRY, "scan", "--file", str(dump), "-o", output], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(100)
        process.stdout.close()  # what `| head -c 100` does
        stderr = process.stderr.read()
        assert process.wait(60) == 0 and stderr == b""


@pytest.mark.parametrize("output", ["json", "report"])
def test_dev_full_and_closed_stdout_are_one_line(tmp_path, output):
    dump = many_matches(tmp_path)
    with open("/dev/full", "wb") as full:
        done = cli("scan", "--file", str(dump), "-o", output, stdout=full)
    assert done.returncode == 1 and done.stderr == b"logsentry: cannot write the output: No space left on device\n"
    closed = subprocess.run(f'exec >&- ; exec "{LOGSENTRY}" scan --file "{dump}" -o {output}', shell=True,
                            stderr=subprocess.PIPE, check=False)
    assert closed.returncode == 1
    assert closed.stderr == b"logsentry: cannot write the output: standard output is closed\n"


def test_closed_stdin_with_file_dash():
    done = subprocess.run(f'exec <&- ; exec "{LOGSENTRY}" scan --file - -o json', shell=True, capture_output=True,
                          check=False)
    assert done.returncode == 2 and done.stderr == b"logsentry: -: no standard input (it is closed)\n"


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e9"])
def test_demo_pause_must_be_a_finite_number_of_seconds(value):
    for option in ("--pause", "--speed"):
        result = run_cli("demo", option, value)
        assert result.exit_code == 2 and "expected seconds from 0 to 60" in result.output


# -- item 8: rules check --------------------------------------------------------------------------------------

def test_rules_check_without_a_line_says_what_to_give():
    result = run_cli("rules", "check")
    assert result.exit_code == 2 and "give the log line to check as an argument" in result.output
    assert "not both" not in result.output


def test_rules_check_prints_captures_as_text_and_hints_at_fields():
    line = "cachix-server: thread blocked indefinitely in an MVar operation"
    result = run_cli("rules", "check", line)
    assert result.stdout.startswith(f"ghc-mvar-deadlock (critical, restart): {line}\n    program = \"cachix-server\"\n"
                                    "\nanomaly rules (")  # then the anomaly rules it counts for (cli/rules_explain.py)
    assert "{'" not in result.stdout
    kernel = "Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:7654321kB"
    hinted = run_cli("rules", "check", kernel).stdout
    assert hinted.startswith("no rule matches\n")
    assert "kernel-oom-kill would match with --field _TRANSPORT=kernel" in hinted


# -- item 6: rule and config files ----------------------------------------------------------------------------

RULE_HEAD = 'title = "t"\nseverity = "error"\naction = "alert"\n'


def test_rule_and_config_files_must_be_small_regular_files(tmp_path):
    """A FIFO named *.toml (a rule or `-c`), a symlink to /dev/zero, a 50 MB rule file: one clear line each,
    within seconds and a memory limit (they hung, or took 24 GB)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    os.mkfifo(rules / "fifo.toml")
    (rules / "zero.toml").symlink_to("/dev/zero")
    samples = "".join(f'[[sample]]\nline = "line {i}"\nmatch = {"true" if i % 2 else "false"}\n'
                      for i in range(472_000))
    (rules / "big.toml").write_text(f'id = "big"\n{RULE_HEAD}[match]\nmessage = "line"\n{samples}')
    done = cli("rules", "test", str(rules), memory=MEMORY_LIMIT)
    assert done.returncode == 2, done.stderr
    assert set(done.stderr.decode().splitlines()[:3]) == {  # named as the --rules path given leads to them
        f"{rules}/fifo.toml: a FIFO, expected a regular TOML file",
        f"{rules}/zero.toml: a character device, expected a regular TOML file",
        f"{rules}/big.toml: larger than 1024 KiB, expected a hand-written TOML file"}
    os.mkfifo(tmp_path / "config.toml")
    for command in (["config", "check"], ["run"]):
        done = cli(*command, "-c", str(tmp_path / "config.toml"), memory=MEMORY_LIMIT)
        assert done.returncode == 2 and b"config.toml: a FIFO, expected a regular TOML file" in done.stderr


def test_regex_and_sample_counts_are_capped(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "long.toml").write_text(f"id = \"long\"\n{RULE_HEAD}[match]\nmessage = '{'(a|b)' * 20_000}'\n")
    samples = "".join(f'[[sample]]\nline = "x{i}"\nmatch = false\n' for i in range(300))
    (rules / "many.toml").write_text(f'id = "many"\n{RULE_HEAD}[match]\nmessage = "x"\n{samples}')
    done = cli("rules", "test", str(rules), memory=MEMORY_LIMIT)
    assert done.returncode == 2
    errors = done.stderr.decode()
    # (no line past 64 KiB of file: rules/values.py MAX_LINED_CHARS)
    assert "long.toml: match.message: a regex of 100000 characters, expected at most 4096" in errors
    assert "many.toml: sample (line 7): 300 samples, expected at most 200" in errors


def test_a_rule_file_of_many_problems_is_refused_quickly(tmp_path):
    """Naming a problem's line parses the text above it (tomllib gives no positions): a 1 MiB file of 60,000
    unknown keys took over two minutes to be refused, a parse per problem. Now lines are looked up for the first
    16 problems of a file up to 64 KiB: each problem is still said, the file refused within seconds."""
    rules = tmp_path / "rules"
    rules.mkdir()
    keys = "".join(f"k{i} = {i}\n" for i in range(60_000))
    (rules / "many.toml").write_text(f'id = "many"\n{RULE_HEAD}{keys}[match]\nmessage = "x"\n')
    small = "".join(f"k{i} = {i}\n" for i in range(3000))
    (rules / "some.toml").write_text(f'id = "some"\n{RULE_HEAD}{small}[match]\nmessage = "x"\n')
    started = time.monotonic()
    done = cli("rules", "test", str(rules))
    assert done.returncode == 2 and time.monotonic() - started < 30
    errors = done.stderr.decode().splitlines()
    assert errors[-1] == "logsentry: 63,000 errors in rule files; no rule was tested", errors[-1]
    assert errors[0].endswith("many.toml: k0: unknown key, expected one of absence, action, anomaly, description, id, "
                              "match, references, resolve, sample, scenario, severity, title, trigger"), errors[0]
    assert "some.toml: k0 (line 5): unknown key" in errors[60_000] and "(line" not in errors[60_016]


def test_rule_file_problems_are_all_told_in_plain_words(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bom.toml").write_bytes(b"\xef\xbb\xbf" + f'id = "bom"\n{RULE_HEAD}'.encode())
    (rules / "both.toml").write_text(f'id = "both"\n{RULE_HEAD}[match]\nmessage = "x"\n'
                                     '[[sample]]\nline = 5\nmatch = "yes"\n')
    errors = run_cli("rules", "list", "--no-shipped-rules", "--rules", str(rules)).stderr
    assert ("rules/bom.toml: starts with a UTF-8 byte order mark (BOM), which TOML does not allow: save it as "
            "UTF-8 without BOM") in errors
    assert "both.toml: sample #1 (line 7): line: expected the log line as a string (got 5)" in errors
    assert "both.toml: sample #1 (line 7): match: expected true or false (got 'yes')" in errors


def test_config_numbers_relative_programs_and_placeholders(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[restart]\ncooldown = 5\nsystemctl = ["bin/systemctl"]\n')
    done = run_cli("config", "check", "-c", str(config))
    assert done.exit_code == 2
    assert (f'{config}: restart.cooldown (line 2): a number, expected a duration string: write cooldown = "5s" for 5 '
            "seconds (got 5)") in done.stderr
    assert f"{config}: restart.systemctl (line 3): expected an absolute program path" in done.stderr
    config.write_text('[restart]\ncooldown = "0"\n')  # none: the budget alone (the only duration that takes 0)
    done = run_cli("config", "check", "-c", str(config))
    assert done.exit_code == 0 and "per 1h, no cooldown," in done.stdout, done.output
    config.write_text('[restart]\nperiod = "0"\n')
    assert run_cli("config", "check", "-c", str(config)).exit_code == 2
    example = Path(__file__).parent.parent / "contrib" / "logsentry.toml"
    checked = run_cli("config", "check", "-c", str(example))
    assert checked.exit_code == 0
    line = example.read_text().splitlines().index('name = "pagerduty"')  # (the [[channel]] above it, from 1)
    assert f"{example}: warning: channel #1 (line {line}): url: the URL still holds the example config's " \
        "placeholder text" in checked.stderr
    assert "INTEGRATION_KEY" not in checked.output
    edited = tmp_path / "edited.toml"
    edited.write_text(example.read_text().replace("pagerduty://INTEGRATION_KEY@ROUTING_KEY", "pagerduty://k3y@r0ute")
                      .replace("mailtos://user:password@smtp.example.com?to=oncall@example.com",
                               "mailtos://ops:s3cret@smtp.corp.internal?to=oncall@corp.internal"))
    edited.chmod(0o600)  # as the README installs it (world-readable secrets are warned about)
    assert "warning" not in run_cli("config", "check", "-c", str(edited)).stderr
    # A mistyped scheme is refused whether or not the URL still holds placeholder text (example.com was let through)
    for url in ("htps://example.com/hook", "htps://hooks.example.com/x", "htps://hooks.mycorp.net/x"):
        typo = tmp_path / "typo.toml"
        typo.write_text(f'[[channel]]\nname = "x"\ntype = "apprise"\nurl = "{url}"\n')
        typo.chmod(0o600)
        done = run_cli("config", "check", "-c", str(typo))
        assert done.exit_code == 2 and f"{typo}: channel #1 (line 1): url: apprise does not accept this URL" \
            in done.stderr, (url, done.output)
        assert "alert channel #1" not in done.stdout  # no summary line above its error


# -- item 7: the example config documents every setting ----------------------------------------------------

EXAMPLE = Path(__file__).parent.parent / "contrib" / "logsentry.toml"


def parser_keys() -> dict[str, set[str]]:
    """Every key the config parser reads, per table, from its own "unknown key, expected one of" answers."""
    from logsentry.config_parse import ConfigError, parse_config

    probe = {"zz_unknown": 1, **{table: {"zz_unknown": 1} for table in ("restart", "alerts", "canary", "heartbeat",
                                                                         "metrics", "hosts")},
             "watch": [{"units": ["a"], "zz_unknown": 1}], "channel": [{"type": "command", "argv": ["/x"],
                                                                        "zz_unknown": 1}]}
    with pytest.raises(ConfigError) as raised:
        parse_config(probe, Path("probe.toml"))
    keys: dict[str, set[str]] = {}
    for problem in raised.value.problems:
        where, _, rest = problem.removeprefix("probe.toml: ").partition(": unknown key, expected one of ")
        table = where.removesuffix("zz_unknown").rstrip(".: ").split(" #")[0]  # "restart.", "watch #1: "
        keys[table] = set(rest.split(", "))
    assert set(keys) == {"", "restart", "alerts", "canary", "heartbeat", "watch", "channel", "metrics", "hosts"}, keys
    return keys


def example_keys() -> dict[str, set[str]]:
    """The keys contrib/logsentry.toml sets or shows commented out, per table."""
    import re

    keys: dict[str, set[str]] = {"": set()}
    table = ""
    for line in EXAMPLE.read_text().splitlines():
        text = line.lstrip("# ").rstrip()
        if (header := re.fullmatch(r"\[\[?([a-z_]+)\]\]?", text.split("  ")[0])) is not None:
            table = header.group(1)
            keys.setdefault(table, set())
        elif (key := re.match(r"([a-z_]+) = ", text)) is not None:
            keys[table].add(key.group(1))
    return keys


def test_example_config_documents_every_setting_the_parser_reads():
    documented = example_keys()
    for table, keys in parser_keys().items():
        expected = keys - ({"watch", "restart", "alerts", "channel", "heartbeat", "canary", "metrics", "hosts"}
                           if table == "" else set())
        assert expected <= documented.get(table, set()), (table or "top level", expected - documented.get(table, set()))


def test_example_config_with_everything_uncommented_is_valid(tmp_path):
    import re

    from logsentry.config_parse import load_config

    commented = re.compile(r"# (?:[a-z_]+ = |\[)")  # "# key = value" and "# [table]": not the prose
    text = "\n".join(line[2:] if commented.match(line) else line for line in EXAMPLE.read_text().splitlines())
    path = tmp_path / "all.toml"
    path.write_text(text)
    config = load_config(path)
    assert config.dry_run is False and config.alerts.context_lines == 10 and config.restart.systemctl[0].startswith("/")


def test_a_mistyped_config_key_gets_the_key_it_resembles(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('statedir = "/var/lib/x"\n[restart]\ncooldwn = "5m"\n')
    done = run_cli("config", "check", "-c", str(config))
    assert done.exit_code == 2
    assert f"{config}: statedir (line 1): unknown key (did you mean 'state_dir'?), expected one of" in done.stderr
    assert "restart.cooldwn (line 3): unknown key (did you mean 'cooldown'?)" in done.stderr
