"""Effective severity end to end, on real journal files: `-p`, rules' `priority`, the JSON records, every source.

An entry at PRIORITY 6 (stdout's default) or without PRIORITY whose text starts with the program's own level
counts at that level; client text that only looks like a level does not; a PRIORITY the program gave
journald is never overridden.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli, simple_rule

from logsentry.sources import Selection, open_entries
from logsentry.sources.journal import JournalLocation, JournalSource

LINES = [  # (message, PRIORITY, expected effective priority, level source)
    ("BOOM 2024-01-02 10:00:00,123 ERROR [main] looks like log4j but BOOM comes first", 6, 6, "journal"),
    ("2024-01-02 10:00:00,123 ERROR [main] c.e.Foo - BOOM connection refused", 6, 3, "text"),
    ("FATAL:  BOOM the database system is shutting down", 6, 3, "text"),
    ('{"level":"warn","msg":"BOOM slow"}', None, 4, "text"),
    ("<1>BOOM raid degraded", None, 1, "text"),
    ("GET /search?q=ERROR BOOM HTTP/1.1 200", 6, 6, "journal"),
    ('user said "level=error" BOOM', 6, 6, "journal"),
    ("DEBUG BOOM but journald was told err", 3, 3, "journal"),
    ("ERROR BOOM but journald was told warning", 4, 4, "journal"),
    ("level=info msg=\"BOOM level=error inside\"", 6, 6, "text"),
    ("BOOM no priority at all", None, None, "none"),  # (no PRIORITY, no level in the text)
]


def journal_of(make_journal, lines=LINES) -> Path:  # type: ignore[no-untyped-def]
    return make_journal([entry(message, at=i, priority=priority) for i, (message, priority, _, _) in enumerate(lines)])


def scan_matches(where: list[str], rules_dir: Path, *extra: str) -> list[dict]:
    result = run_cli("scan", *where, "--rules", str(rules_dir), "--no-shipped-rules", "-o", "json", *extra)
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "match")


def test_json_records_carry_the_effective_priority(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule())
    journal = journal_of(make_journal)
    matches = scan_matches(["--file", str(journal)], rules_dir)
    assert [(m["priority"], m["effective_priority"], m["level_source"]) for m in matches] == [
        (priority, effective, source) for _, priority, effective, source in LINES]


def test_priority_option_selects_by_effective_priority(make_journal, write_rule, rules_dir, tmp_path):
    write_rule("boom", simple_rule())
    journal = journal_of(make_journal)
    # a line with no level at all counts at its worst matching rule's (Selection.rule_level): boom, error: err
    level = {m: 3 if eff is None else eff for m, _, eff, _ in LINES}
    expected = {
        "err": [m for m, _, _, _ in LINES if level[m] <= 3],
        "warning..err": [m for m, _, _, _ in LINES if level[m] in (3, 4)],
        "info": [m for m, _, _, _ in LINES if level[m] <= 6],
    }
    assert len(expected["err"]) == 5 and len(expected["warning..err"]) == 6  # PostgreSQL's FATAL is err
    # the same journal as journal export and as JSON lines (the offline readers)
    export = tmp_path / "dump.export"
    export.write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", "export"],
                                      capture_output=True, check=True).stdout)
    as_json = tmp_path / "dump.json"
    as_json.write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", "json"],
                                       capture_output=True, check=True).stdout)
    for spec, messages in expected.items():
        for where in (["--file", str(journal)], ["--file", str(export)], ["--file", str(as_json)]):
            got = [m["message"] for m in scan_matches(where, rules_dir, "-p", spec)]
            assert got == messages, (spec, where)
        with_unit = [m["message"] for m in scan_matches(["--file", str(journal)], rules_dir, "-p", spec, "-u", "app")]
        assert with_unit == messages


def test_every_source_gives_the_same_effective_priorities(make_journal):
    journal = journal_of(make_journal)
    expected = [(effective, source) for _, _, effective, source in LINES]
    reference = [(e.effective_priority, e.level_source)
                 for e in JournalSource(JournalLocation(files=(journal,)), Selection())]
    assert reference == expected
    through_open = [(e.effective_priority, e.level_source) for e in open_entries(Selection(), files=[journal])]
    assert through_open == expected
    selected = [e.message for e in JournalSource(JournalLocation(files=(journal,)), Selection(priorities=(0, 3)))]
    assert selected == [m for m, _, eff, _ in LINES if eff is not None and eff <= 3]


def test_error_burst_fires_on_text_levels_and_not_on_look_alikes(make_journal):
    """The shipped error-burst rule (priority = "err", 50 within a minute) on a unit that writes its errors to
    stdout: journald stores them at PRIORITY 6, and only the text says ERROR."""
    failing = make_journal([entry(f"2024-01-02 10:00:{i % 60:02d},000 ERROR [http-{i}] c.e.Api - request failed",
                                  unit="api.service", at=i * 0.5) for i in range(60)])
    result = run_cli("scan", "--file", str(failing), "-o", "json")
    incidents = of_type(json_events(result), "incident")
    assert [(i["rule"], i["unit"]) for i in incidents] == [("error-burst", "api.service")], incidents
    harmless = make_journal([entry(f"GET /search?q=ERROR&page={i} HTTP/1.1 200", unit="api.service", at=i * 0.5)
                             for i in range(60)])
    result = run_cli("scan", "--file", str(harmless), "-o", "json")
    assert not of_type(json_events(result), "incident")


def test_rules_check_uses_the_effective_priority():
    line = "2024-01-02 10:00:00,123 ERROR [main] c.e.Foo - failed"
    assert "error-burst" in run_cli("rules", "check", "-p", "info", line).output
    assert "error-burst" not in run_cli("rules", "check", "-p", "warning", line).output  # journald was told
    assert "error-burst" not in run_cli("rules", "check", "-p", "info", "GET /?q=ERROR").output
