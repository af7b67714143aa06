"""The mission's hang said in no failure word but its own: a warm unit that starts logging GHC's
`thread blocked indefinitely in an MVar operation` every second at priority 6 (stdout, no level) is a new failure
template within seconds, no rule written for its words ("blocked indefinitely": GHC's BlockedIndefinitelyOnMVar and
OnSTM, base's GHC.IO.Exception; before, nothing fired for 10 min). A real journal file (systemd-journal-remote)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES

NORMAL = ("handled request id={} in {}ms", "cache refresh done: {} keys in {}ms", "job {} finished in {}ms")
HISTORY_S = 3 * 3600


def hang(line: str) -> list[dict[str, Any]]:
    """3 h of a queue worker's routine lines (one every 5-25 s), then `line` every second for 2 minutes."""
    rng = random.Random(7)
    entries, at = [], 0.0
    while at < HISTORY_S:
        entries.append(entry(rng.choice(NORMAL).format(rng.randrange(99999), rng.randrange(900)), unit="queue.service",
                             at=at, _PID="812"))
        at += rng.uniform(5, 25)
    entries += [entry(line, unit="queue.service", at=HISTORY_S + second, _PID="812") for second in range(120)]
    return entries


@pytest.mark.parametrize("line", ["thread blocked indefinitely in an MVar operation",
                                  "thread blocked indefinitely in an STM transaction",
                                  "worker 3 is stuck: no progress on batch 8812 for 300s"])
def test_a_hang_in_its_own_words_is_caught_within_seconds(make_journal: Any, line: str) -> None:
    journal = make_journal(hang(line))
    events = json_events(run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                                 "-o", "json"))
    [incident] = of_type(events, "incident")
    assert incident["rule"] == "new-failure-template", incident
    fired_s = (incident["realtime_usec"] - BASE_USEC) / 1e6 - HISTORY_S
    assert 0 <= fired_s < 15, fired_s
