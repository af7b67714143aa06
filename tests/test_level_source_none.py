"""`scan -o json` match records say where a line's level came from, and that there is none when there is none:
a syslog text file's line without a `<PRI>` (a text line has no journal PRIORITY) and with no level in its text
said `"priority": null, "effective_priority": null, "level_source": "journal"` (a fresh operator's find, helper
F4); so did a journal entry without PRIORITY. Now "none", one of the values README's record schema lists. The
real CLI over a text file and over a journal file built with systemd-journal-remote."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from conftest import entry, run_cli, simple_rule

ROOT = Path(__file__).resolve().parent.parent


def _documented() -> set[str]:
    """The level_source values README's `match` record lists."""
    [values] = re.findall(r'^    \{"type":"match".*"level_source":((?:"[a-z]+"\|?)+)', (ROOT / "README.md").read_text(),
                          re.M)
    return set(re.findall(r'"([a-z]+)"', values))


def _matches(*args: str) -> dict[str, tuple[int | None, int | None, str]]:
    done = run_cli("scan", *args, "-o", "json")
    assert done.exit_code == 0, done.output
    records = [json.loads(line) for line in done.stdout.splitlines()]
    return {r["message"]: (r["priority"], r["effective_priority"], r["level_source"])
            for r in records if r["type"] == "match"}


def test_a_line_without_a_level_says_none(tmp_path: Path, make_journal: Callable[..., Path],
                                          write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(regex="BOOM"))
    rules = ("--no-shipped-rules", "--rules", str(rules_dir))
    text = tmp_path / "some.log"
    text.write_text("Dec  2 01:10:00 web-7 app[99]: BOOM no level here\n"
                    "Dec  2 01:10:01 web-7 app[99]: ERROR: BOOM disk full\n"
                    "<11>Dec  2 01:10:02 web-7 app[99]: BOOM with a syslog priority\n")
    assert _matches("--file", str(text), *rules) == {
        "BOOM no level here": (None, None, "none"),
        "ERROR: BOOM disk full": (None, 3, "text"),
        "BOOM with a syslog priority": (3, 3, "syslog")}  # the PRIORITY its <PRI> gives: no journal's (helper F6)
    journal = make_journal([entry("BOOM no PRIORITY", priority=None), entry("BOOM at 6", at=1)])
    assert _matches("--file", str(journal), *rules) == {"BOOM no PRIORITY": (None, None, "none"),
                                                        "BOOM at 6": (6, 6, "journal")}
    assert {"journal", "text", "syslog", "none"} <= _documented()
