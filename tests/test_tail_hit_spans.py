"""`tail`'s line for an ended or still-open incident gives the real spread of its hits' journal times (F8's finding:
"2 hits over 0.0s" for a second hit stamped a minute before the first: an incident keeps its first hit's time and
its latest, not a back-dated hit's), and no "over 0.0s" for a single hit. A live journal written by
systemd-journal-remote, followed by `python -m logsentry tail -o plain` and stopped with SIGINT."""

from __future__ import annotations

import time

from test_tail import start_tail, tail_rules  # noqa: F401  (fixtures)

from logsentry.timespec import format_duration

MINUTE = 60_000_000


def test_a_back_dated_hit_counts_in_the_incidents_span(live_journal, tail_rules, start_tail) -> None:  # noqa: F811
    tail = start_tail("-D", str(live_journal.directory), "-o", "plain", *tail_rules(count=1, within="10m"))
    tail.ready(live_journal)
    now = time.time_ns() // 1000
    live_journal.write("BOOM alone", unit="other.service", __REALTIME_TIMESTAMP=now)
    live_journal.write("BOOM first", __REALTIME_TIMESTAMP=now + 1)
    live_journal.write("BOOM stamped a minute and a half before", __REALTIME_TIMESTAMP=now + 1 - 3 * MINUTE // 2)
    live_journal.write("BOOM last", __REALTIME_TIMESTAMP=now + 1 + 2_000_000)
    tail.read_until(lambda line: "BOOM last" in line)
    code, rest, stderr = tail.stop()
    assert code == 0, stderr
    [open_app] = [line for line in rest if "app.service boom" in line and "STILL OPEN" in line]
    assert f"STILL OPEN 3 hits over {format_duration(3 * MINUTE // 2 + 2_000_000)}" in open_app, open_app
    [open_other] = [line for line in rest if "other.service boom" in line and "STILL OPEN" in line]
    assert "STILL OPEN 1 hit; its lines: journalctl " in open_other, open_other
