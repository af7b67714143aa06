"""A unit that went silent and came back keeps its anomaly rules: the silence's incident (it has a `why`, as an
anomaly rule's has) was taken for the unit's open anomaly incident and never let go (a silence ends in the
tracker, not through the pipeline's _ended), so every later anomaly hit on the unit was dropped as the same
failure (helper N's fresh-user try: a replica silent for 5 minutes, then its first error ever, no page)."""

from __future__ import annotations

import pytest
from conftest import entry
from test_screening import SHIPPED, pipeline_events, write_journal

HOUR = 3600.0


@pytest.mark.parametrize("screened", [True, False], ids=["screened", "in-full"])
def test_a_new_error_after_a_silence_pages(tmp_path, screened: bool):
    records = [entry(f"replica applied batch {n}", unit="db.service", at=5.0 * n) for n in range(int(2 * HOUR / 5))]
    back = 2 * HOUR + 1200  # twenty minutes of silence
    records += [entry(f"replica SQL thread stopped: duplicate key {n}", unit="db.service", at=back + n, priority=3)
                for n in range(3)]
    records += [entry(f"replica applied batch {n}", unit="db.service", at=back + 10 + 5.0 * n) for n in range(20)]
    events, _ = pipeline_events(SHIPPED, screened, files=[write_journal(tmp_path, "db", records)])
    fired = [(e["rule"], e["unit"]) for e in events if e["type"] == "incident"]
    assert fired == [("unit-went-silent", "db.service"), ("new-error-template", "db.service")], fired
