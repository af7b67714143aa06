"""Following a live journal (systemd-journal-remote fed through a FIFO) through the C scanner's follow mode:
start points, resume, gaps, rotation, new files, and the same events as a scan of the finished journal."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from conftest import BASE_USEC, entry

from logsentry.engine.detector import Detector
from logsentry.model import Entry, ScreenedRun
from logsentry.pipeline import EndedEvent, Event, GapEvent, IncidentEvent, MatchEvent, Pipeline
from logsentry.rules.loader import load_rules
from logsentry.sources.follow import ReadUpTo, ScanningFollower
from logsentry.sources.journal import JournalGap, JournalLocation, StartAt
from logsentry.sources.journal_files import export_entry, journal_remote
from logsentry.sources.screening import ScreeningJournalSource
from logsentry.sources.selection import Selection


def collect(follower: ScanningFollower, want: int, timeout: float = 5.0) -> list[Any]:
    """Messages (and gaps) until `want` items arrived or the timeout passed."""
    got: list[Any] = []
    deadline = time.monotonic() + timeout
    for item in follower:
        if isinstance(item, JournalGap):
            got.append(item)
        elif isinstance(item, Entry):
            got.append(item.message)
        if len(got) >= want or time.monotonic() > deadline:
            break
    return got


def last_cursor(directory: Path) -> str:
    done = subprocess.run(["journalctl", "-D", str(directory), "-n", "1", "-o", "json", "--no-pager"],
                          capture_output=True, check=True, text=True)
    return str(json.loads(done.stdout)["__CURSOR"])


def test_tail_starts_now_and_sees_new_entries(live_journal):
    live_journal.write("old")
    live_journal.wait_written()
    follower = ScanningFollower(JournalLocation(directory=live_journal.directory), Selection(units=("app.service",)),
                                wait_s=0.2)

    def feed() -> None:
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
    follower = ScanningFollower(JournalLocation(directory=live_journal.directory), Selection(),
                                start=StartAt(lines_back=2), wait_s=0.1)
    assert collect(follower, 2, timeout=1) == ["line 3", "line 4"]
    many = ScanningFollower(JournalLocation(directory=live_journal.directory), Selection(),
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
    follower = ScanningFollower(JournalLocation(directory=live_journal.directory), Selection(priorities=(0, 3)),
                                start=StartAt(lines_back=3), wait_s=0.1)
    assert collect(follower, 3, timeout=1) == ["journald error 1", "2026-01-01 00:00:00,000 ERROR [main] c.e.Foo - "
                                               "text error 2", "journald error 2"]


def test_resume_after_cursor_skips_the_saved_entry(live_journal):
    for i in range(4):
        live_journal.write(f"line {i}")
    live_journal.wait_written()
    location = JournalLocation(directory=live_journal.directory)
    first = ScanningFollower(location, Selection(), start=StartAt(lines_back=4), wait_s=0.1)
    cursor = None
    for item in first:
        if isinstance(item, Entry) and item.message == "line 1":
            cursor = item.cursor
            break
    assert cursor
    resumed = ScanningFollower(location, Selection(), start=StartAt(cursor=cursor), wait_s=0.1)
    assert collect(resumed, 2, timeout=1) == ["line 2", "line 3"]


def test_vacuumed_cursor_is_reported_as_a_gap(live_journal):
    live_journal.write("survivor")
    live_journal.wait_written()
    gone = "s=00000000000000000000000000000000;i=5;b=0123456789abcdef0123456789abcdef;m=1;t=5af3107a40000;x=1"
    follower = ScanningFollower(JournalLocation(directory=live_journal.directory), Selection(),
                                start=StartAt(cursor=gone), wait_s=0.1)
    got = collect(follower, 2, timeout=1)
    assert isinstance(got[0], JournalGap)
    assert got[0].missing_from_usec == 0x5AF3107A40000 and got[0].after_cursor == gone
    assert got[1] == "survivor"


SCREEN_RULES = {"boom": '''id = "boom"
title = "boom"
severity = "critical"
action = "alert"
[match]
message = '^BOOM (?P<id>\\S+)$'
[trigger]
count = 3
within = "2s"
''', "db-down": '''id = "db-down"
title = "db down"
severity = "error"
action = "alert"
[match]
message = 'connection refused'
priority = "err"
[trigger]
count = 2
within = "5s"
'''}


def detector_of(tmp_path: Path, shipped: bool = False) -> Detector:
    rules = tmp_path / "follow-rules"
    rules.mkdir(exist_ok=True)
    for name, text in SCREEN_RULES.items():
        (rules / f"{name}.toml").write_text(text)
    rule_set = load_rules([rules]) if not shipped else load_rules([rules, Path(__file__).parent.parent / "rules"])
    assert not rule_set.errors
    return Detector(rule_set.rules)


def test_screened_follow_gives_candidates_runs_and_the_cursor_of_the_last_entry(live_journal, tmp_path):
    """With a screen, only lines some rule may match come in full; every other entry comes counted in a
    ScreenedRun, and each batch ends with the cursor of its last entry, from which a restart resumes."""
    detector = detector_of(tmp_path)
    location = JournalLocation(directory=live_journal.directory)
    follower = ScanningFollower(location, Selection(), detector.screen(), start=StartAt(since_usec=0), wait_s=0.1)
    for i in range(40):
        live_journal.write(f"noise {i}")
        if i % 10 == 9:
            live_journal.write(f"BOOM {i}")
    live_journal.wait_written()
    full, screened, cursor = [], 0, None
    deadline = time.monotonic() + 10
    for item in follower:
        if isinstance(item, Entry):
            full.append(item.message)
        elif isinstance(item, ScreenedRun):
            screened += item.count
        elif isinstance(item, ReadUpTo):
            cursor = item.cursor
        elif item is None and len(full) + screened == 44:
            break
        assert time.monotonic() < deadline, (full, screened)
    # (the boot's first entry comes in full: a boot change must reach Python, engine/host_boots.py)
    assert full == ["noise 0", "BOOM 9", "BOOM 19", "BOOM 29", "BOOM 39"] and screened == 39
    assert cursor == last_cursor(live_journal.directory)
    live_journal.write("after the cursor")
    live_journal.wait_written()
    resumed = ScanningFollower(location, Selection(), start=StartAt(cursor=cursor), wait_s=0.1)
    assert collect(resumed, 1, timeout=2) == ["after the cursor"]


def test_follows_across_rotation_and_a_new_file_in_the_directory(live_journal, tmp_path):
    """Rotation (journal-remote restarted on a renamed file, as journald's restart looks) and a new host's
    file appearing in the directory (a journal-remote collector): the follower reads on, without a gap."""
    follower = ScanningFollower(JournalLocation(directory=live_journal.directory), Selection(), wait_s=0.1)
    got: list[str] = []
    seen = threading.Event()
    done = threading.Event()

    def reader() -> None:
        for item in follower:
            if isinstance(item, Entry):
                got.append(item.message)
                seen.set()
            if done.is_set() or len(got) >= 3:
                return

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(0.5)
    live_journal.write("before rotation")
    assert seen.wait(5)
    live_journal.rotate()
    live_journal.write("after rotation")
    deadline = time.monotonic() + 5
    while len(got) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    # (before the next host writes: sd-journal interleaves files by time, so an entry older than where the
    # reader stands, here "after rotation" read late, would be passed by, as journalctl -f passes it)
    fifo = tmp_path / "other.fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR)
    tool = journal_remote()
    assert tool
    other = subprocess.Popen([tool, "-o", str(live_journal.directory / "remote-other.journal"), str(fifo)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        now = time.time_ns() // 1000  # another host: its own machine and boot (one boot is ordered by its
        os.write(fd, export_entry(entry("from another host", _MACHINE_ID="0123456789abcdef0123456789abcdef",
                                        _BOOT_ID=uuid.uuid4().hex, __REALTIME_TIMESTAMP=now,
                                        __MONOTONIC_TIMESTAMP=now)))  # monotonic time, boots by realtime)
        thread.join(timeout=10)
    finally:
        done.set()
        os.close(fd)
        other.terminate()
        other.wait(timeout=10)
    assert sorted(got) == ["after rotation", "before rotation", "from another host"]


def event_key(event: Event) -> tuple[Any, ...]:
    """What an event says, comparable across the two reads (entries' cursors included)."""
    match event:
        case MatchEvent(hit):
            return ("match", hit.rule_id, hit.key, hit.entry.realtime_usec, hit.entry.message, hit.entry.cursor,
                    hit.entry.unit, hit.why, hit.template)
        case IncidentEvent(incident):
            return ("incident", incident.rule_id, incident.unit, incident.key, incident.first_usec,
                    incident.fired_usec, incident.count, incident.cursor, incident.why)
        case EndedEvent(incident, open_at_end):
            return ("ended", incident.rule_id, incident.unit, incident.key, incident.first_usec, incident.last_usec,
                    incident.count, open_at_end)
        case GapEvent(gap):
            return ("gap", repr(gap))
    return (type(event).__name__, repr(event))


def traffic(i: int) -> tuple[str, str, int | None]:
    """A busy host's i-th line: (message, unit, PRIORITY)."""
    kind = i % 23
    if kind == 5:
        return f"BOOM {i % 4}", "app.service", 6
    if kind in (7, 8):
        return f"pq: connection refused to 10.0.0.{i % 5}:5432", "api.service", 3
    if kind == 11:
        return f"2026-01-01 00:00:00,000 ERROR [main] c.e.Worker - job {i} failed", "worker.service", 6
    if kind == 13:
        return "connection refused (but only at info)", "api.service", 6
    unit = ("web.service", "api.service", "db.service")[i % 3]
    return f"GET /item/{i} 200 {i % 97}ms", unit, (None if i % 17 == 0 else 6)


def test_same_events_scanned_after_the_fact_or_followed_while_written(live_journal, tmp_path):
    """The differential: the shipped rules (signatures, silences, anomaly rules) plus two of ours, over a
    journal written while the follower reads it (its batches cut wherever the writer happened to be, and the
    file rotated half-way), give exactly the events a scan of the finished journal gives."""
    detector = detector_of(tmp_path, shipped=True)
    total, step_usec = 3000, 20_000
    follower = ScanningFollower(JournalLocation(directory=live_journal.directory), Selection(), detector.screen(),
                                detector.needed_fields, StartAt(since_usec=0), wait_s=0.1)
    live = Pipeline(detector_of(tmp_path, shipped=True))
    followed: list[Event] = []
    read = 0

    def write(first: int, last: int) -> None:
        for i in range(first, last):
            message, unit, priority = traffic(i)
            live_journal.write(message, unit=unit, priority=priority, __REALTIME_TIMESTAMP=BASE_USEC + i * step_usec)
            if i % 200 == 0:
                time.sleep(0.02)  # the follower catches up now and then: batches end mid-stream

    def writer() -> None:
        write(0, total // 2)
        live_journal.rotate()
        write(total // 2, total)

    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + 60
    for item in follower:
        if isinstance(item, (Entry, ScreenedRun)):
            read += item.count if isinstance(item, ScreenedRun) else 1
            followed.extend(live.feed(item))
        if read >= total or time.monotonic() > deadline:
            break
    thread.join()
    followed.extend(live.run([]))  # the input's end: incidents still open
    assert read == total
    scanned = list(Pipeline(detector_of(tmp_path, shipped=True)).run(
        ScreeningJournalSource(JournalLocation(directory=live_journal.directory), Selection(), detector.screen(),
                               detector.needed_fields)))
    assert len(list(live_journal.file.parent.glob("live@*.journal"))) == 1
    kinds = {key[0] for key in map(event_key, scanned)}
    assert {"match", "incident", "ended"} <= kinds, kinds
    assert [event_key(e) for e in followed] == [event_key(e) for e in scanned]


def test_resume_with_a_unit_selection_gives_the_entry_past_the_cursor(live_journal):
    """The saved entry no longer matches (the watched units changed): reading resumes at the first selected
    entry after it, as sd-journal's matches place it, though the scanner selects by itself from there."""
    live_journal.write("app 0")
    live_journal.write("other 1", unit="other.service")
    live_journal.write("app 2")
    live_journal.write("other 3", unit="other.service")
    live_journal.wait_written()
    location = JournalLocation(directory=live_journal.directory)
    cursor = next(item.cursor for item in ScanningFollower(location, Selection(), start=StartAt(lines_back=4))
                  if isinstance(item, Entry))
    resumed = ScanningFollower(location, Selection(units=("other.service",)), start=StartAt(cursor=cursor),
                               wait_s=0.1)
    assert collect(resumed, 2, timeout=2) == ["other 1", "other 3"]

