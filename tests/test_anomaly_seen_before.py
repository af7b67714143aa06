"""A new template paged, then seen again after its incident ended (within `novel_for`, so still new), is paged
again; its `why` says what is true: first seen then, not learnt as normal since, not "never logged" (helper F2:
a template first seen and paged 13 min before read as never logged)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, steady


def test_a_new_template_seen_again_says_when_it_was_first_seen(make_journal) -> None:  # type: ignore[no-untyped-def]
    normal = steady("billing.service", 0, 26 * HOUR, 60, "INFO processed invoice {n} in {ms} ms")
    start = 26 * HOUR
    failing = [entry(f"ERROR failed to charge card {1000 + n}: gateway returned 502", unit="billing.service",
                     at=start + at, priority=3) for n, at in enumerate([0, 1, 2, 13 * 60, 13 * 60 + 1, 13 * 60 + 2])]
    journal: Path = make_journal(by_time(normal, failing))
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "-o", "json")
    assert result.exit_code == 0, result.output
    incidents = of_type(json_events(result), "incident")
    assert len(incidents) == 2, [(i["rule"], i["why"]) for i in incidents]
    first, again = incidents
    assert re.match(r"a template this unit never logged in the \d+ lines of it learnt before \(over 1d 2h",
                    first["why"]), first["why"]
    assert again["realtime_usec"] - first["realtime_usec"] > 12 * 60 * 10**6
    assert "never logged" not in again["why"], again["why"]
    assert re.match(r"a template this unit had not logged in the \d+ lines of it learnt before "
                    r"\(over 1d 2h\S*( \S+)?\) when first seen "
                    r"\S+ \S+, 13m( \d+s)? before this line: not learnt as normal since, new for 1h after that",
                    again["why"]), again["why"]
