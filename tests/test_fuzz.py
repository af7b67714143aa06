"""Fuzzing (hypothesis): rule and config loaders, the dump parsers and the engine take any input and
answer with a result or a clear error — never a crash, a hang or unbounded memory.

Issue 14's shapes are in the corpus for every input path (export format, JSON lines, gzip, journal files
through systemd-journal-remote, rule and config files, time specs, unit globs, the prefilter): timestamps
that are no ASCII digits or beyond 2^64, deep nesting, CRLF, empty and truncated input, repeated fields,
sizes that claim gigabytes and gzip bombs. Parsers run `bounded`: in a forked child whose address space is
limited (resource.setrlimit), so a blow-up fails the test instead of taking the machine."""

from __future__ import annotations

import gzip
import io
import json
import os
import resource
import struct
import subprocess
import traceback
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logsentry.config_parse import ConfigError, load_config
from logsentry.engine.detector import Detector
from logsentry.engine.prefilter import Prefilter
from logsentry.model import Entry
from logsentry.pipeline import Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.rules.rule import RuleError, load_rule_file
from logsentry.sources import open_entries
from logsentry.sources.dump import MAX_VALUE_KEPT, BoundedReader, InputFormatError, kept_fields
from logsentry.sources.export import ExportSource, read_export
from logsentry.sources.journal_files import build_journal, export_entry
from logsentry.sources.json_lines import _json_fields, _Object, read_json_lines
from logsentry.sources.json_streamed import StreamedObject
from logsentry.sources.selection import Selection
from logsentry.timespec import USEC_FORMATTABLE_MAX, TimeSpecError, parse_timestamp

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BUDGET = 256 << 20
"""Address space a parser may add on top of the test process's: the bombs below inflate to 64 MiB."""


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


def bounded(work: Callable[[], object], budget: int = BUDGET) -> None:
    """Run `work` in a forked child under an address-space limit of what the process has plus `budget`:
    a MemoryError or any other exception (but the clear errors `work` itself catches) fails the test."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(read_end)
            limit = _vm_size() + budget
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            work()
        except MemoryError:
            os.write(write_end, b"MemoryError: the memory limit was reached")
            code = 3
        except BaseException:
            os.write(write_end, traceback.format_exc().encode()[-4000:])
            code = 4
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, report


def drain(reader: Callable[..., object], data: bytes, warnings: list[str] | None = None) -> None:
    """Every entry of `data`, or a clear InputFormatError naming the input."""
    told = warnings if warnings is not None else []
    try:
        for entry in reader(io.BytesIO(data), "fuzz", Selection(), (), told.append):  # type: ignore[operator]
            assert isinstance(entry.message, str) and 0 <= entry.realtime_usec < 2**64
            assert len(entry.message) <= MAX_VALUE_KEPT
    except InputFormatError as error:
        assert str(error).startswith("fuzz: "), error
    assert all(line.startswith("fuzz: ") for line in told), told
SHIPPED = load_rules([shipped_rules_dir()]).rules

toml_scalars = st.one_of(st.text(max_size=30), st.integers(-5, 100), st.booleans(), st.floats(allow_nan=False),
                         st.lists(st.text(max_size=10), max_size=3))
rule_like = st.fixed_dictionaries({}, optional={
    "id": st.just("r") | st.text(max_size=5), "title": toml_scalars, "severity": st.sampled_from(
        ["info", "critical", "bad", ""]) | toml_scalars, "action": st.sampled_from(["alert", "restart", "x"]),
    "match": st.fixed_dictionaries({}, optional={"message": st.text(max_size=40), "ignore": st.text(max_size=10),
                                                 "priority": toml_scalars, "lines": toml_scalars}),
    "trigger": st.fixed_dictionaries({}, optional={"count": toml_scalars, "within": toml_scalars,
                                                   "group_by": toml_scalars}),
    "absence": st.fixed_dictionaries({}, optional={"silent_for": toml_scalars, "min_entries": toml_scalars}),
})


def toml_text(document: dict) -> str:
    lines = []
    tables = {k: v for k, v in document.items() if isinstance(v, dict)}
    for key, value in document.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {json.dumps(value)}")
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in table.items())
    return "\n".join(lines) + "\n"


@FUZZ
@given(document=rule_like)
def test_rule_loader_gives_a_rule_or_clear_errors(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("r") / "r.toml"
    path.write_text(toml_text(document))
    bounded(lambda: load_rule_or_errors(path))


def load_rule_or_errors(path: Path) -> None:
    try:
        load_rule_file(path)
    except RuleError as error:
        assert error.problems and all(line.startswith(f"{path}: ") for line in error.problems)


REGEX_ONLY = ["{e<=1}", "{i<=1,d<=1}", "[[:digit:]]", "[[:alpha:]]+", r"\p{L}", r"(?|(a)|(b))", r"\m", "(?V1)",
              "{1<=e<=2}", "[[:space:]]*"]
hostile_rule_file = st.one_of(
    st.builds(lambda body: b"\xef\xbb\xbf" + body, st.binary(max_size=40)),                     # a BOM
    st.builds(lambda n: b'id = "r"\ntitle = "t"\nseverity = "error"\n[match]\nmessage = \'' + b"(a|b)" * n + b"'\n",
              st.integers(800, 200_000)),                                                     # huge regexes
    st.builds(lambda n: b'id = "r"\ntitle = "t"\nseverity = "error"\n[match]\nmessage = "x"\n'
              + b'[[sample]]\nline = "x"\nmatch = true\n' * n, st.integers(150, 40_000)),     # many samples
    st.builds(lambda n: b"a = " + b"[" * n + b"]" * n + b"\n", st.integers(1, 50_000)),        # deep arrays
    st.builds(lambda pieces: ('id = "r"\ntitle = "t"\nseverity = "error"\n[match]\nmessage = \''
                              + "boom".join(pieces) + "'\n").encode(),
              st.lists(st.sampled_from(REGEX_ONLY), max_size=4)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=hostile_rule_file)
def test_rule_loader_on_hostile_files(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("r") / "r.toml"
    path.write_bytes(raw)
    bounded(lambda: load_rule_or_errors(path))


@FUZZ
@given(raw=st.binary(max_size=300))
def test_rule_loader_on_random_bytes(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("r") / "r.toml"
    path.write_bytes(raw)
    bounded(lambda: load_rule_or_errors(path))


config_like = st.fixed_dictionaries({}, optional={
    "state_dir": toml_scalars, "rules": toml_scalars, "dry_run": toml_scalars, "commit_every": toml_scalars,
    "restart": st.fixed_dictionaries({}, optional={"budget": toml_scalars, "period": toml_scalars,
                                                   "on_return": toml_scalars, "systemctl": toml_scalars}),
    "alerts": st.fixed_dictionaries({}, optional={"backoff": toml_scalars, "realert": toml_scalars}),
    "heartbeat": st.fixed_dictionaries({}, optional={"url": toml_scalars, "interval": toml_scalars}),
})


@FUZZ
@given(document=config_like)
def test_config_loader_gives_a_config_or_clear_errors(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("c") / "c.toml"
    path.write_text(toml_text(document))
    bounded(lambda: load_config_or_errors(path))


def load_config_or_errors(path: Path) -> None:
    try:
        load_config(path)
    except ConfigError as error:
        assert error.problems and all(line.startswith(f"{path}: ") for line in error.problems)


def drain_export(data: bytes) -> int:
    return sum(1 for _ in read_export(io.BytesIO(data), "fuzz", Selection(), ()))


HOSTILE_STAMPS = [b"\xc2\xb2", b"\xd9\xa3", b"18446744073709551615", b"18446744073709551616", b"9" * 40, b"-1", b"",
                  b"1e3", b" 1", b"253402300800000000"]  # ², Arabic-Indic 3, 2^64-1, 2^64, ..., year 10000
field_line = st.one_of(
    st.builds(lambda k, v: k + b"=" + v + b"\n", st.sampled_from([b"MESSAGE", b"__REALTIME_TIMESTAMP", b"_PID", b"X",
                                                                   b"PRIORITY", b"_SYSTEMD_UNIT"]),
              st.binary(max_size=20).filter(lambda b: b"\n" not in b)),
    st.builds(lambda k, n, v: k + b"\n" + n.to_bytes(8, "little") + v + b"\n", st.just(b"MESSAGE"),
              st.integers(0, 40), st.binary(max_size=30)),
    st.builds(lambda v: b"__REALTIME_TIMESTAMP=" + v + b"\n", st.sampled_from(HOSTILE_STAMPS)),
    # a binary size that claims up to 2^64-1 bytes, and a value that ends early (a truncated last entry)
    st.builds(lambda n, v: b"MESSAGE\n" + struct.pack("<Q", n) + v, st.integers(0, 2**64 - 1), st.binary(max_size=8)),
    st.builds(lambda n: b"MESSAGE\n" + n, st.binary(max_size=7)),
    st.just(b"\r\n"), st.just(b"\n"), st.just(b"MESSAGE=repeated\n"), st.binary(max_size=20),
)


def crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


@FUZZ
@given(chunks=st.lists(field_line, max_size=30), line_ends=st.sampled_from(["lf", "crlf"]))
def test_export_parser_on_random_input(chunks, line_ends):
    data = b"".join(chunks)
    bounded(lambda: drain(read_export, crlf(data) if line_ends == "crlf" else data))


@settings(max_examples=20, deadline=None)
@given(sizes=st.lists(st.integers(0, 64 << 20), min_size=1, max_size=3), binary=st.booleans(),
       compress=st.booleans(), cut=st.integers(0, 64))
def test_export_bombs_and_huge_values_are_bounded(sizes, binary, compress, cut):
    """Values up to 64 MiB (some entries, gzip or not, the last maybe cut short) under a 256 MiB budget: the
    reader keeps MAX_VALUE_KEPT bytes of a value, never the value."""
    def work() -> None:
        out = io.BytesIO()
        target = gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1) if compress else out
        for index, size in enumerate(sizes):
            target.write(b"__REALTIME_TIMESTAMP=%d\n" % index)
            head = b"MESSAGE\n" + struct.pack("<Q", size) if binary else b"MESSAGE="
            target.write(head)
            for _ in range(size >> 20):
                target.write(bytes(1 << 20))
            target.write(bytes(size & 0xFFFFF) + b"\n\n")
        if compress:
            target.close()
        data = out.getvalue()
        if cut:
            data = data[:-cut]
        stream: io.IOBase = gzip.GzipFile(fileobj=io.BytesIO(data)) if compress else io.BytesIO(data)
        try:
            entries = list(read_export(stream, "fuzz", Selection(), (), lambda message: None))  # type: ignore[arg-type]
        except InputFormatError as error:
            assert str(error).startswith("fuzz: ")
            return
        assert all(len(entry.message) <= MAX_VALUE_KEPT for entry in entries)
        del data, out
    bounded(work)


json_values = st.recursive(
    st.one_of(st.text(max_size=20), st.integers(-300, 2**70), st.floats(allow_nan=False), st.none(), st.booleans()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=12)
json_keys = st.sampled_from(["__REALTIME_TIMESTAMP", "MESSAGE", "PRIORITY", "_SYSTEMD_UNIT", "__CURSOR", "_PID", "X"])


def json_object(pairs: list[tuple[str, object]]) -> bytes:
    """A JSON object from pairs: a key may come twice (a repeated field, as some writers do)."""
    return ("{" + ",".join(f"{json.dumps(key)}:{json.dumps(value)}" for key, value in pairs) + "}").encode()


hostile_json_line = st.one_of(
    st.binary(max_size=60),
    st.lists(st.tuples(json_keys, json_values), max_size=6).map(json_object),
    st.builds(lambda stamp: b'{"__REALTIME_TIMESTAMP":"' + stamp + b'","MESSAGE":"x"}',
              st.sampled_from(HOSTILE_STAMPS)),
    st.builds(lambda depth, deep: b'{"__REALTIME_TIMESTAMP":"1","MESSAGE":"m","X":' + deep(depth) + b"}",
              st.integers(1, 100_000), st.sampled_from([lambda d: b"[" * d + b"]" * d,
                                                        lambda d: b'{"a":' * d + b"1" + b"}" * d])),
    st.builds(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth, st.integers(1, 100_000)),
    st.builds(lambda depth: b"[" * depth + b"]" * depth, st.integers(1, 5000)),
)


@FUZZ
@given(lines=st.lists(hostile_json_line, max_size=12), line_ends=st.sampled_from([b"\n", b"\r\n"]),
       last_newline=st.booleans())
def test_json_parser_on_random_input(lines, line_ends, last_newline):
    data = line_ends.join(lines) + (line_ends if last_newline else b"")
    bounded(lambda: drain(read_json_lines, data))


@FUZZ
@given(pairs=st.lists(st.tuples(json_keys, json_values), max_size=8), spaces=st.sampled_from(["", " ", "\t "]))
def test_streamed_json_object_reads_what_json_loads_reads(pairs, spaces):
    """The iterative parser (long or deep lines) and json.loads (the rest) make the same fields."""
    line = json_object(pairs).replace(b",", spaces.encode() + b"," + spaces.encode()) + b"\n"
    keep = kept_fields(("X",))
    try:
        loaded = _json_fields(json.loads(line, object_pairs_hook=_Object), keep, "w")
    except (ValueError, RecursionError):
        return
    streamed = StreamedObject(BoundedReader(io.BytesIO(b""), "w"), line, keep, "w").parse()
    assert streamed.values == loaded.values and streamed.count == loaded.count


def test_huge_lines_and_nul_bytes_are_read():
    huge = b"x" * (10 * 1024 * 1024)
    data = (b"__REALTIME_TIMESTAMP=1\nMESSAGE\n" + len(huge).to_bytes(8, "little") + huge + b"\n\n"
            + b"__REALTIME_TIMESTAMP=2\nMESSAGE\n" + (5).to_bytes(8, "little") + b"a\x00b\xffc\n\n")
    entries = list(read_export(io.BytesIO(data), "big", Selection(), ()))
    assert len(entries[0].message) == MAX_VALUE_KEPT and entries[1].message == "a\x00b\ufffdc"


entries = st.builds(
    Entry,
    realtime_usec=st.integers(0, 2**62),  # out of order, far future included
    message=st.one_of(st.text(max_size=200), st.sampled_from([
        "cachix-server: thread blocked indefinitely in an MVar operation", "Out of memory: Killed process 1 (x)",
        "fatal error: all goroutines are asleep - deadlock!", "a" * 5000 + "!", "\x00\ufffd\n" * 50])),
    unit=st.sampled_from(["a.service", "b.service", "kernel", "", "init.scope"]),
    priority=st.one_of(st.none(), st.integers(0, 7)),
    cursor=st.text(max_size=5),
    fields=st.dictionaries(st.sampled_from(["_TRANSPORT", "_PID", "MESSAGE_ID", "N_DROPPED", "_UID"]),
                           st.text(max_size=8), max_size=4),
)


@settings(max_examples=60, deadline=None)
@given(batch=st.lists(entries, max_size=60))
def test_engine_takes_any_entries(batch):
    pipeline = Pipeline(Detector(SHIPPED))
    events = list(pipeline.run(batch))
    assert pipeline.progress.entries == len(batch)
    assert all(type(event).__name__.endswith("Event") for event in events)


def test_engine_memory_is_bounded_with_many_keys():
    """32k hits with distinct group keys and units: windows of quiet keys are dropped as time moves on (the
    memory at 15k, after the first window of 12k entries filled, holds at 32k, when every key of then is gone)."""
    pipeline = Pipeline(Detector(SHIPPED))
    tracemalloc.start()
    baseline = None
    for i in range(32_000):
        entry = Entry(realtime_usec=i * 10_000, message=f"Failed password for root from 10.{i % 250}.{i // 250 % 250}"
                      f".{i % 7} port {i} ssh2", unit=f"u{i % 5000}.service", priority=6, cursor="", fields={})
        for _ in pipeline.process(entry):
            pass
        if i == 15_000:
            baseline = tracemalloc.get_traced_memory()[0]
    current = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert baseline is not None and current < baseline * 1.5 + 2_000_000, (baseline, current)
    # sshd brute force keeps 2 minutes of keys: 12,000 entries at 10 ms apart, whatever the total.
    assert len(pipeline.tracker) <= 12_001


# -- the journal, export and JSON agree (repeated fields, -u on any value) ----------------------------------

unit_names = st.sampled_from(["api.service", "web.service", "apx.service"])
journal_entry = st.fixed_dictionaries({
    "messages": st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12),
                         min_size=1, max_size=3),
    "units": st.lists(unit_names, min_size=0, max_size=2, unique=True),
    "priorities": st.lists(st.sampled_from(["3", "6", "\u00b2"]), max_size=2),
})


def raw_entry(index: int, spec: dict) -> bytes:
    fields: list[tuple[str, str | int]] = [("__REALTIME_TIMESTAMP", 1_700_000_000_000_000 + index),
                                           ("__MONOTONIC_TIMESTAMP", index + 1), ("_BOOT_ID", "0" * 32)]
    fields += [("MESSAGE", f"{index}.{n} {text}") for n, text in enumerate(spec["messages"])]  # unique values
    fields += [("_SYSTEMD_UNIT", unit) for unit in spec["units"]]
    fields += [("PRIORITY", priority) for priority in spec["priorities"]]
    return b"".join(export_entry({name: value}).rstrip(b"\n") + b"\n" for name, value in fields) + b"\n"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(journal_entry, min_size=1, max_size=5), unit=st.sampled_from(["", "api", "ap*", "w?b.service"]))
def test_journal_export_and_json_give_the_same_entries(tmp_path_factory, specs, unit):
    folder = tmp_path_factory.mktemp("agree")
    journal = build_journal(b"".join(raw_entry(i, spec) for i, spec in enumerate(specs)), folder / "a.journal")
    selection = Selection(units=(unit if "*" in unit or "?" in unit or unit.endswith(".service") else
                                 f"{unit}.service",) if unit else ())
    seen = {}
    for output in ("journal", "export", "json"):
        path = journal
        if output != "journal":
            path = folder / f"a.{output}"
            path.write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", output], capture_output=True,
                                            check=True).stdout)
        seen[output] = [(e.realtime_usec, e.message, e.unit, e.priority, e.effective_priority)
                        for e in open_entries(selection, files=[path])]
    assert seen["journal"] == seen["export"] == seen["json"]


def test_sources_read_a_dump_without_holding_it(tmp_path):
    """ExportSource reads a 48 MiB gzip dump of many entries in a child limited to 128 MiB more."""
    path = tmp_path / "many.export.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        for index in range(200):
            out.write(b"__REALTIME_TIMESTAMP=%d\nMESSAGE=" % index + b"x" * (240 << 10) + b"\n\n")
    def work() -> None:
        assert sum(1 for _ in ExportSource(path, Selection())) == 200

    bounded(work, budget=128 << 20)


# -- time specs, unit globs, the prefilter ---------------------------------------------------------------

time_spec = st.one_of(
    st.text(max_size=30),
    st.builds(lambda n: f"@{n}", st.one_of(st.integers(-10, 10**30), st.floats(), st.sampled_from(["inf", "nan"]))),
    st.builds(lambda sign, n, unit: f"{sign}{n} {unit}", st.sampled_from(["-", "+", ""]), st.integers(0, 10**20),
              st.sampled_from(["days", "h", "min", "weeks", "us"])),
    st.builds(lambda n, unit: f"{n} {unit} ago", st.integers(0, 10**20), st.sampled_from(["days", "s"])),
    st.builds(lambda y, zone: f"{y:04d}-01-01 00:00 {zone}".strip(), st.integers(0, 99999),
              st.sampled_from(["", "UTC", "Europe/Berlin", "CET", "Nowhere/Zone", "../../etc/passwd"])),
)


@settings(max_examples=300, deadline=None)
@given(spec=time_spec)
def test_time_specs_give_a_time_in_range_or_a_clear_error(spec):
    try:
        usec = parse_timestamp(spec, now_usec=1_767_225_600_000_000)
    except TimeSpecError:
        return
    assert 0 <= usec <= USEC_FORMATTABLE_MAX


words = st.sampled_from(["out of memory", "disk", "failure", "panic", "boom"])


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.one_of(words, st.sampled_from(REGEX_ONLY)), min_size=1, max_size=4),
       line=st.lists(st.one_of(words, st.text(st.sampled_from("abdeikmnoprstuy 0123456789:"), max_size=6)),
                     max_size=5).map(" ".join))
def test_prefilter_never_drops_a_line_the_regex_matches(pieces, line):
    """Whatever the `regex` dialect says, a line the rule's regex matches is a prefilter candidate."""
    import regex

    from logsentry.rules.rule import REGEX_FLAGS

    pattern = " ".join(pieces)
    try:
        compiled = regex.compile(pattern, REGEX_FLAGS)
    except (regex.error, ValueError):
        return
    rule = next(iter(SHIPPED)).__class__(**{**vars(next(iter(SHIPPED))), "message": compiled, "ignore": None,
                                             "max_priority": None, "fields": {}})
    prefilter = Prefilter([rule])
    if compiled.search(line):
        assert prefilter.candidates(line) == [0], (pattern, line, prefilter.literal_sets)


def test_bounded_fails_on_a_blow_up():
    """The memory limit is real: a child that allocates 1 GiB fails the test that runs it."""
    try:
        bounded(lambda: bytearray(1 << 30))
    except AssertionError as error:
        assert "MemoryError" in str(error)
    else:
        raise AssertionError("bounded() let a 1 GiB allocation through")
