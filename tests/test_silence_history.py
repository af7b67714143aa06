"""Rhythms learnt from history (engine/silence_history.py, the service's first start) equal the rhythms the
tracker learns entry by entry from the same journal: the warm-up folds the scanner's runs (fold_gaps in C),
and a unit's first entry in history starts its rhythm without a gap. A real .journal file (systemd-journal-remote).
"""

from __future__ import annotations

import random

from conftest import entry
from test_silence import SHIPPED_SILENCE, SILENT, STOPPED_ID

from logsentry.engine.absence import SilenceTracker
from logsentry.engine.silence_history import adopt, learn_entry, learn_run
from logsentry.learning import NOTHING
from logsentry.model import ScreenedRun, entry_key
from logsentry.sources import Selection, open_entries
from logsentry.sources.journal import JournalLocation
from logsentry.sources.screening import ScreeningJournalSource


def test_history_learnt_from_runs_equals_learning_entry_by_entry(make_journal):
    rng = random.Random(3)
    records = []
    for unit, every in (("beat.service", 2.0), ("api.service", 5.0), ("job.service", 300.0)):
        t = rng.uniform(0, 5)
        while t < 30 * 3600:
            records.append(entry(f"{unit} line {len(records)}", unit=unit, at=t))
            t += rng.expovariate(1 / every)
    records.append(entry("Stopped job.service.", unit="init.scope", at=15 * 3600.5, _PID="1", UNIT="job.service",
                         MESSAGE_ID=STOPPED_ID))  # a stop in history: the time over it is no gap
    journal = make_journal(sorted(records, key=lambda record: record["__REALTIME_TIMESTAMP"]))
    assert [path.name for path in journal.parent.glob("*.journal")] == [journal.name], "one file, not rotated"

    history = SilenceTracker(SHIPPED_SILENCE)
    runs = 0
    for item in ScreeningJournalSource(JournalLocation(files=(journal,)), Selection(), NOTHING):
        if isinstance(item, ScreenedRun):
            learn_run(history, item)
            runs += 1
        else:
            learn_entry(history, item)
    assert runs > 1, "the history came as runs"
    one_by_one = SilenceTracker(SHIPPED_SILENCE)
    keys = set()
    for single in open_entries(Selection(), files=[journal]):
        one_by_one.observe(single)
        keys.add(entry_key(single))
    for key in keys:
        mine, theirs = history.rhythm(SILENT, key), one_by_one.rhythm(SILENT, key)
        assert mine is not None and theirs is not None
        assert mine[0].snapshot() == theirs[0].snapshot(), key
        assert mine[1] == theirs[1], key

    live = SilenceTracker(SHIPPED_SILENCE)  # the service adopts what history taught: beat is watched at once
    adopt(live, history.snapshot())
    adopted = live.rhythm(SILENT, next(key for key in keys if key.endswith("beat.service")))
    assert adopted is not None and adopted[1] > 0
