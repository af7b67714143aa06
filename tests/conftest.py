"""Fixtures: real .journal files built with systemd-journal-remote, and a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from logsentry.cli import main
from logsentry.sources.journal_files import FieldValue, build_journal, export_bytes

BOOT = "0123456789abcdef0123456789abcdef"
BASE_USEC = 1_767_225_600_000_000  # 2026-01-01 00:00:00 UTC


def entry(message: FieldValue, unit: str | None = "app.service", at: float = 0.0, priority: int | None = 6,
          **fields: FieldValue) -> dict[str, FieldValue]:
    """Export-format fields of one entry, `at` seconds after BASE_USEC."""
    usec = BASE_USEC + int(at * 1_000_000)
    out: dict[str, FieldValue] = {"__REALTIME_TIMESTAMP": usec, "__MONOTONIC_TIMESTAMP": usec - BASE_USEC + 1,
                                  "_BOOT_ID": BOOT, "MESSAGE": message}
    if priority is not None:
        out["PRIORITY"] = priority
    if unit is not None:
        out["_SYSTEMD_UNIT"] = unit
        out.setdefault("SYSLOG_IDENTIFIER", unit.split(".")[0])
    out.update(fields)
    return out


@pytest.fixture
def make_journal(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def build(entries: Iterable[Mapping[str, FieldValue]], name: str | None = None) -> Path:
        path = tmp_path / (name or f"fixture-{next(counter)}.journal")
        return build_journal(export_bytes(entries), path)

    return build


RuleWriter = Callable[..., Path]


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    path = tmp_path / "rules"
    path.mkdir()
    return path


@pytest.fixture
def write_rule(rules_dir: Path) -> RuleWriter:
    """Write a rule file; `body` is TOML after the id line."""

    def write(rule_id: str, body: str, folder: str = "test") -> Path:
        directory = rules_dir / folder
        directory.mkdir(exist_ok=True)
        path = directory / f"{rule_id}.toml"
        path.write_text(f'id = "{rule_id}"\n{body}')
        return path

    return write


SIMPLE_RULE = '''
title = "boom"
severity = "error"
action = "alert"
[match]
message = '{regex}'
[trigger]
count = {count}
within = "{within}"
'''


def simple_rule(regex: str = "BOOM", count: int = 1, within: str = "60s") -> str:
    return SIMPLE_RULE.format(regex=regex, count=count, within=within)


def run_cli(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def json_events(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == kind]
