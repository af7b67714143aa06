"""A warm unit's new fatal line and then nothing: new-fatal-template's alert stays firing until the unit logs again
(`resolve = "unit-logs-again"`), as a restart rule's does. A new operator's hang was paged in 2.5 s with a good page,
then resolved "no new hit for 600s" ten minutes later while it still hung. Real `logsentry run` learning a real
journal's history at its first start (journal-remote's FIFO), alerts to an HTTP receiver on 127.0.0.1; the rule's
window shortened to 5 s so the test need not wait ten minutes."""

from __future__ import annotations

import time
from pathlib import Path

from test_held_resolve import alerting_to, titles
from test_service import receiver, service  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent


def fatal_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "fatal-rules"
    rules.mkdir()
    text = (ROOT / "rules/anomaly/new-fatal-template.toml").read_text()
    assert 'within = "10m"' in text and 'resolve = "unit-logs-again"' in text
    (rules / "new-fatal-template.toml").write_text(text.replace('within = "10m"', 'within = "5s"'))
    return rules


def test_a_new_fatal_line_then_silence_is_held_not_resolved(live_journal, service, receiver, tmp_path):  # noqa: F811
    now = time.time_ns() // 1000
    for n in range(300):  # two hours of a steady unit: warm (1 h and 200 entries) once its history is learnt
        live_journal.write(f"served request {n} in 12ms", __REALTIME_TIMESTAMP=now - 7_200_000_000 + n * 24_000_000)
    live_journal.wait_written()
    hook = receiver()
    running = alerting_to(service, live_journal, fatal_rules(tmp_path), hook)
    running.wait_log("learnt baselines from 300 entries", timeout=30)
    running.wait_log("ready: watching", timeout=30)
    time.sleep(1.5)  # (the history learner hands over to the live reader within a second of its end)
    live_journal.write("FATAL: lost connection to database at 10.0.0.7:5432, worker pool stuck", priority=2)
    hook.wait_for(1, timeout=30)
    running.wait_log("stays firing until the unit logs again", timeout=30)
    time.sleep(2)
    assert not any("RESOLVED" in title for title in titles(hook)), titles(hook)
    live_journal.write("served request 300 in 12ms")
    resolved = hook.wait_for(2, timeout=30)[1][1]
    assert "RESOLVED" in resolved["title"] and "app.service logs again" in resolved["message"], resolved
