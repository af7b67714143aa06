"""new-failure-template's load words ('full', 'dropping') name a resource that is full or sheds load, not the same
words in their everyday senses: a warm unit that, after an upgrade, logs ten lines in ten minutes of a new template
saying "full backup", "full-text index", "dropping privileges" or "dropping caches" has no failure (each fired a
warning when the words were bare: 695f705). The failures stay caught (test_anomaly_full_words.py). Real journal
files (systemd-journal-remote), every anomaly rule and nothing else."""

from __future__ import annotations

import pytest
from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies, steady

LINES = [
    "Starting full backup of dataset tank/home/user{n} (snapshot auto-{n})",  # a backup job going through datasets
    "indexed document {n} into the full-text index in {n} ms",  # a search indexer
    "worker {n}: dropping privileges to user nobody",  # a prefork server starting its workers
    "Dropping caches before benchmark run {n}",
    "migration 0042: dropping table tmp_import_{n}",
]


@pytest.mark.parametrize("line", LINES)
def test_full_or_dropping_in_their_everyday_senses_is_no_failure(make_journal, line):
    normal = steady("app.service", 0, 3 * HOUR, 5, message="GET /api/items/{n} 200 {ms}ms")
    new = [entry(line.format(n=100 + k), unit="app.service", at=3 * HOUR + 45 * k, priority=6) for k in range(14)]
    assert scan_anomalies(make_journal(by_time(normal, new))) == []
