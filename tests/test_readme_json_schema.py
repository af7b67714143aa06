"""README's `-o json` schema names every field the records carry: `incident_end` had a `severity` the schema
lacked (a fresh user's trial). Records of a real scan of a journal file, against the schema's lines."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from conftest import entry, run_cli, simple_rule

ROOT = Path(__file__).resolve().parent.parent
OPTIONAL = {"match": {"from_text"},
            "summary": {"anomaly", "units", "cold_units", "warm_after_usec", "warm_entries", "silence", "rule",
                        "watched_units", "learning_units", "most_learnt_usec", "learn_for_usec"},
            "incident_end": {"last_lines", "last_line_before_start", "lines_after", "realtime_usec", "message",
                             "systemd_said", "changes_before", "change", "times", "before_usec",
                             "started_again_usec", "services_stopped", "changes_before_more", "changes_before_lost"}}
"""Fields the schema gives in brackets, for some records only."""


def _schema() -> dict[str, set[str]]:
    text = (ROOT / "README.md").read_text()
    lines = re.findall(r'^    (\{"type":"([a-z_]+)".*\})$', text, re.M)
    return {kind: set(re.findall(r'"([a-z_]+)":', line)) for line, kind in lines}


def test_the_schema_names_every_field_of_each_record(make_journal: Callable[..., Path],
                                                      write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(regex="BOOM"))
    day = 86_400
    beat = [entry(f"tick {n}", unit="beat.service", at=n * 10) for n in range(day // 10 + 60)]  # a day, then quiet
    journal = make_journal([*beat, entry("tick again", unit="beat.service", at=day + 3600),
                            entry("BOOM", unit="api.service", at=day + 3601)])
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(rules_dir), "--rules",
                     str(ROOT / "rules" / "generic" / "unit-went-silent.toml"), "-o", "json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    schema = _schema()
    seen = {record["type"] for record in records}
    assert seen >= {"match", "incident", "action", "incident_end", "gap", "summary"}, seen
    for record in records:
        kind = record["type"]
        said = schema[kind]
        assert set(record) <= said, (kind, set(record) - said)
        assert said - OPTIONAL.get(kind, set()) <= set(record), (kind, said - set(record))
