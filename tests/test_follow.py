"""Following a live journal (systemd-journal-remote fed through a FIFO): start points, resume, gaps."""

from __future__ import annotations

import threading
import time

from logsentry.sources.journal import CAUGHT_UP, JournalFollower, JournalGap, JournalLocation, StartAt
from logsentry.sources.selection import Selection


def collect(follower: JournalFollower, want: int, timeout: float = 5.0) -> list:
    """Messages (and gaps) until `want` items arrived or the timeout passed."""
    got: list = []
    deadline = time.monotonic() + timeout
    for item in follower:
        if item is not CAUGHT_UP:
            got.append(item if isinstance(item, JournalGap) else item.message)
        if len(got) >= want or time.monotonic() > deadline:
            break
    return got


def test_tail_starts_now_and_sees_new_entries(live_journal):
    live_journal.write("old")
    live_journal.wait_written()
    follower = JournalFollower(JournalLocation(directory=live_journal.directory), Selection(units=("app.service",)),
                               wait_s=0.2)

    def feed():
        time.sleep(0.3)
        for i in range(5):
            live_journal.write(f"new {i}")
            live_journal.write("other unit", unit="other.service")

    threading.Thread(target=feed).start()
    assert collect(follower, 5) == [f"new {i}" for i in range(5)]


def test_lines_back(live_journal):
    for i in range(5):
        live_journal.write(f"line {i}")
    live_journal.wait_written()
    follower = JournalFollower(JournalLocation(directory=live_journal.directory), Selection(),
                               start=StartAt(lines_back=2), wait_s=0.1)
    assert collect(follower, 2, timeout=1) == ["line 3", "line 4"]
    many = JournalFollower(JournalLocation(directory=live_journal.directory), Selection(),
                           start=StartAt(lines_back=50), wait_s=0.1)
    assert collect(many, 5, timeout=1) == [f"line {i}" for i in range(5)]


def test_lines_back_with_a_priority_counts_the_selected_entries(live_journal):
    """-n N -p err: the last N entries at effective priority err or worse, whatever lies between them (the
    priority is applied after reading: an sd-journal PRIORITY match cannot say "effective")."""
    for i in range(3):
        live_journal.write(f"2026-01-01 00:00:00,000 ERROR [main] c.e.Foo - text error {i}")
        live_journal.write(f"journald error {i}", priority=3)
        for j in range(4):
            live_journal.write(f"GET /?q=ERROR {i}.{j}")
    live_journal.wait_written()
    follower = JournalFollower(JournalLocation(directory=live_journal.directory), Selection(priorities=(0, 3)),
                               start=StartAt(lines_back=3), wait_s=0.1)
    assert collect(follower, 3, timeout=1) == ["journald error 1", "2026-01-01 00:00:00,000 ERROR [main] c.e.Foo - "
                                               "text error 2", "journald error 2"]


def test_resume_after_cursor_skips_the_saved_entry(live_journal):
    for i in range(4):
        live_journal.write(f"line {i}")
    live_journal.wait_written()
    location = JournalLocation(directory=live_journal.directory)
    first = JournalFollower(location, Selection(), start=StartAt(lines_back=4), wait_s=0.1)
    cursor = None
    for item in first:
        if item is not CAUGHT_UP and item.message == "line 1":
            cursor = item.cursor
            break
    assert cursor
    resumed = JournalFollower(location, Selection(), start=StartAt(cursor=cursor), wait_s=0.1)
    assert collect(resumed, 2, timeout=1) == ["line 2", "line 3"]


def test_vacuumed_cursor_is_reported_as_a_gap(live_journal):
    live_journal.write("survivor")
    live_journal.wait_written()
    gone = "s=00000000000000000000000000000000;i=5;b=0123456789abcdef0123456789abcdef;m=1;t=5af3107a40000;x=1"
    follower = JournalFollower(JournalLocation(directory=live_journal.directory), Selection(),
                               start=StartAt(cursor=gone), wait_s=0.1)
    got = collect(follower, 2, timeout=1)
    assert isinstance(got[0], JournalGap)
    assert got[0].missing_from_usec == 0x5AF3107A40000 and got[0].after_cursor == gone
    assert got[1] == "survivor"
