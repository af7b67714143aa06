"""A rule file's own tests: its `[[sample]]` lines (to match, with these captures, or not) and `[[scenario]]`
timelines (hits and when the trigger must fire), their types and how they are read (rules/rule.py reads the rest
of the file; rules/check.py runs them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..timespec import TimeSpecError, parse_sec
from .values import Problems, describe, read_priority, read_string_table, read_tables, unknown_keys

MAX_SAMPLES = 200
MAX_SCENARIOS = 50
MAX_HITS = 1000
MAX_SAMPLE_CHARS = 64 * 1024
"""Only the first 64 KiB of a message are matched (engine/detector.py MAX_MATCH_CHARS)."""
_SAMPLE_KEYS = {"line", "match", "captures", "priority", "fields", "note"}
_SCENARIO_KEYS = {"name", "hits", "fires", "keys"}


@dataclass(frozen=True)
class Sample:
    """A log line stated in the rule file to match (with these captures) or not."""

    line: str
    match: bool
    captures: Mapping[str, str] = field(default_factory=dict)
    priority: int | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A timeline of hits (offsets in usec) and the offsets at which the trigger must fire."""

    name: str
    hits: tuple[int, ...]
    fires: tuple[int, ...]
    keys: tuple[str, ...] = ()


def parse_samples(document: Mapping[str, Any], problems: Problems) -> tuple[Sample, ...]:
    samples = []
    tables = read_tables(document, "sample", problems)
    if len(tables) > MAX_SAMPLES:
        problems.add("sample", f"{len(tables)} samples, expected at most {MAX_SAMPLES}")
        tables = tables[:MAX_SAMPLES]
    problems.entries["sample"] = len(tables)  # (a problem of one names its header's line: Problems.add)
    for index, table in enumerate(tables):
        key = f"sample #{index + 1}"  # (from 1, as `config check` names [[watch]] tables: the file writes no index)
        unknown_keys(table, _SAMPLE_KEYS, f"{key}: ", problems)
        line = table.get("line")
        should_match = table.get("match")
        broken = False
        if not isinstance(line, str):
            problems.add(f"{key}: line", f"expected the log line as a string (got {describe(line)})")
            broken = True
        elif len(line) > MAX_SAMPLE_CHARS:
            problems.add(f"{key}: line", f"{len(line)} characters, expected at most {MAX_SAMPLE_CHARS} (only the first "
                         "64 KiB of a message are matched)")
            broken = True
        if not isinstance(should_match, bool):  # reported with a bad line too: every problem in one round
            problems.add(f"{key}: match", f"expected true or false (got {describe(should_match)})")
            broken = True
        if broken or not isinstance(line, str) or not isinstance(should_match, bool):
            continue
        samples.append(Sample(
            line=line,
            match=should_match,
            captures=read_string_table(table.get("captures"), f"{key}: captures", problems),
            priority=read_priority(table.get("priority"), f"{key}: priority", problems),
            fields=read_string_table(table.get("fields"), f"{key}: fields", problems),
        ))
    return tuple(samples)



def _offsets(value: Any, key: str, problems: Problems) -> tuple[int, ...]:
    if not isinstance(value, list):
        problems.add(key, f'expected a list of offsets like ["0s", "5s"] (got {describe(value)})')
        return ()
    offsets = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool) and item == 0:
            offsets.append(0)
            continue
        if not isinstance(item, str):
            problems.add(key, f'expected an offset like "5s" (got {describe(item)})')
            continue
        try:  # a time span as systemd reads one, 0 included ("0", "0s", "0min", "0 s"), a unit after each number
            offsets.append(parse_sec(item, every_unit=True))
        except TimeSpecError as error:
            problems.add(key, str(error))
    return tuple(offsets)


def parse_scenarios(document: Mapping[str, Any], problems: Problems) -> tuple[Scenario, ...]:
    scenarios = []
    tables = read_tables(document, "scenario", problems)
    if len(tables) > MAX_SCENARIOS:
        problems.add("scenario", f"{len(tables)} scenarios, expected at most {MAX_SCENARIOS}")
        tables = tables[:MAX_SCENARIOS]
    problems.entries["scenario"] = len(tables)
    for index, table in enumerate(tables):
        key = f"scenario #{index + 1}"
        unknown_keys(table, _SCENARIO_KEYS, f"{key}: ", problems)
        if isinstance(table.get("hits"), list) and len(table["hits"]) > MAX_HITS:
            problems.add(f"{key}: hits", f"{len(table['hits'])} hits, expected at most {MAX_HITS}")
            continue
        hits = _offsets(table.get("hits"), f"{key}: hits", problems)
        fires = _offsets(table.get("fires", []), f"{key}: fires", problems)
        keys = table.get("keys", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or (keys and len(keys) != len(hits)):
            problems.add(f"{key}: keys", f"expected one group key string per hit (got {describe(keys)})")
            keys = []
        name = table.get("name", f"scenario {index + 1}")
        scenarios.append(Scenario(name=str(name), hits=hits, fires=fires, keys=tuple(keys)))
    return tuple(scenarios)
