"""Fuzzing (hypothesis): rule and config loaders, the dump parsers and the engine take any input and
answer with a result or a clear error — never a crash, a hang or unbounded memory."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logsentry.config import ConfigError, load_config
from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.pipeline import Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.rules.rule import RuleError, load_rule_file
from logsentry.sources.export import MAX_VALUE_KEPT, InputFormatError, read_export, read_json_lines
from logsentry.sources.selection import Selection

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
    try:
        load_rule_file(path)
    except RuleError as error:
        assert error.problems and all(line.startswith(f"{path}: ") for line in error.problems)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_rule_loader_on_random_bytes(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("r") / "r.toml"
    path.write_bytes(raw)
    try:
        load_rule_file(path)
    except RuleError as error:
        assert all(line.startswith(f"{path}: ") for line in error.problems)


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
    try:
        load_config(path)
    except ConfigError as error:
        assert error.problems and all(line.startswith(f"{path}: ") for line in error.problems)


def drain_export(data: bytes) -> int:
    return sum(1 for _ in read_export(io.BytesIO(data), "fuzz", Selection(), ()))


field_line = st.one_of(
    st.builds(lambda k, v: k + b"=" + v + b"\n", st.sampled_from([b"MESSAGE", b"__REALTIME_TIMESTAMP", b"_PID", b"X"]),
              st.binary(max_size=20).filter(lambda b: b"\n" not in b)),
    st.builds(lambda k, n, v: k + b"\n" + n.to_bytes(8, "little") + v + b"\n", st.just(b"MESSAGE"),
              st.integers(0, 40), st.binary(max_size=30)),
    st.just(b"\n"), st.binary(max_size=20),
)


@FUZZ
@given(chunks=st.lists(field_line, max_size=30))
def test_export_parser_on_random_input(chunks):
    try:
        drain_export(b"".join(chunks))
    except InputFormatError as error:
        assert str(error).startswith("fuzz: ")


@FUZZ
@given(lines=st.lists(st.one_of(st.binary(max_size=60), st.dictionaries(
    st.sampled_from(["__REALTIME_TIMESTAMP", "MESSAGE", "PRIORITY", "_SYSTEMD_UNIT", "__CURSOR"]),
    st.one_of(st.text(max_size=20), st.integers(), st.none(), st.lists(st.integers(0, 255), max_size=10),
              st.lists(st.text(max_size=5), max_size=3))).map(lambda d: json.dumps(d).encode())), max_size=20))
def test_json_parser_on_random_input(lines):
    try:
        sum(1 for _ in read_json_lines(io.BytesIO(b"\n".join(lines)), "fuzz", Selection(), ()))
    except InputFormatError as error:
        assert str(error).startswith("fuzz: line ")


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
    """50k hits with distinct group keys and units: windows of quiet keys are dropped as time moves on."""
    pipeline = Pipeline(Detector(SHIPPED))
    tracemalloc.start()
    baseline = None
    for i in range(50_000):
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


_ = Path
