"""A suspend in a text log (journalctl's or syslog's text: no monotonic time to show it) is told by systemd-sleep's
own lines (sources/sleep_lines.py): no unit's silence over the hours the host slept, and a hang before it still
paged (helper-168 §6: a laptop's 3 h suspend paged every steady unit of its `journalctl > file`)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import json_events, of_type, run_cli

from logsentry.sources.sleep_lines import SleepLines

SEC = 1_000_000
START = 1_796_000_000  # 2026-11-30 UTC, seconds
DAY = 26 * 3600
ASLEEP = 3 * 3600
SAID = {  # systemd-sleep's start and end lines, as each generation of src/sleep/sleep.c writes them
    "256": ("Performing sleep operation 'suspend'...", "System returned from sleep operation 'suspend'."),
    "239": ("Entering sleep state 'suspend'...", "System returned from sleep state."),
    "219": ("Suspending system...", "System resumed."),
}


def line(at: float, ident: str, message: str, pid: int = 100) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(START + at))
    return f"{stamp} lap1 {ident}[{pid}]: {message}"


def laptop(said: tuple[str, str] | None, api_stops: int | None = None, ident: str = "systemd-sleep",
           before_sleep: tuple[str, ...] = ()) -> str:
    """api and worker log every 20 s for a day, then the laptop sleeps 3 h (systemd-sleep's lines around it, when
    `said`), and both log on for an hour; api's last line is the one before `api_stops` s (None: it never stops)."""
    out = []
    awake = DAY + 3600
    for i in range(awake // 20):
        t = i * 20 + (ASLEEP if i * 20 >= DAY else 0)
        if i * 20 == DAY and said is not None:
            out.append(line(DAY - 19 + 5, ident, said[0], 4242))
            out += [line(DAY - 19 + 6 + k, "kernel", text, 0) for k, text in enumerate(before_sleep)]
            out += [line(t - 1, "kernel", "PM: suspend entry (deep)", 0), line(t - 1, "kernel", "PM: suspend exit", 0),
                    line(t - 1, ident, said[1], 4242)]
        if api_stops is None or i * 20 < api_stops:
            out.append(line(t + 1, "api", f"api tick {i} ok"))
        out.append(line(t + 3, "worker", f"worker tick {i} ok", 101))
    return "\n".join(out) + "\n"


def scan(tmp_path: Path, text: str, *extra: str) -> list[dict[str, Any]]:
    path = tmp_path / "laptop.log"
    path.write_text(text)
    return json_events(run_cli("scan", "--file", str(path), "-o", "json", *extra))


@pytest.mark.parametrize("systemd", sorted(SAID))
def test_the_hours_a_laptop_slept_are_no_units_silence(tmp_path, systemd):
    assert of_type(scan(tmp_path, laptop(SAID[systemd])), "incident") == []


def test_a_start_line_with_a_trailing_blank_counts(tmp_path):
    said = (SAID["256"][0] + " ", SAID["256"][1] + "\t")
    assert of_type(scan(tmp_path, laptop(said)), "incident") == []


@pytest.mark.parametrize("ident", ["elogind-daemon", "kernel"])
def test_elogind_says_it_as_well_under_its_name_or_the_kernels(tmp_path, ident):
    """helper-169's E19: elogind (hosts without systemd) writes "Suspending system..." under its own name, or, with
    no journald, to the kernel's log: `kernel: elogind-daemon[1422]: Suspending system...`."""
    said = SAID["219"] if ident != "kernel" else tuple(f"elogind-daemon[2357]: {text}" for text in SAID["219"])
    assert of_type(scan(tmp_path, laptop(said, ident=ident)), "incident") == []


def test_the_kernels_lines_a_second_after_the_start_line_do_not_take_the_sleeps_place(tmp_path):
    """helper-169's E1: in text stamped to the second, the kernel's (or NetworkManager's) lines of the sleep come a
    second after systemd-sleep's as often as not; that pause was taken as the jump, the 3 h asleep not."""
    text = laptop(SAID["256"], before_sleep=("PM: Syncing filesystems ... done.", "Freezing user space processes"))
    assert of_type(scan(tmp_path, text), "incident") == []


def test_without_systemd_sleeps_lines_the_same_log_pages_each_unit(tmp_path):
    """What the words change: without them the gap is every unit's silence (nothing else can tell it)."""
    incidents = of_type(scan(tmp_path, laptop(None)), "incident")
    assert sorted(i["unit"] for i in incidents) == ["(api)", "(worker)"], incidents


def test_a_programs_line_in_systemd_sleeps_words_is_no_suspend(tmp_path):
    """Anchored on systemd-sleep's identifier: another program saying it is no suspend."""
    incidents = of_type(scan(tmp_path, laptop(SAID["256"], ident="sleepy")), "incident")
    assert sorted(i["unit"] for i in incidents) == ["(api)", "(worker)"], incidents


def test_a_hang_before_the_suspend_is_still_paged_after_the_wake(tmp_path):
    events = scan(tmp_path, laptop(SAID["256"], api_stops=DAY - 20))
    incidents = of_type(events, "incident")
    assert [i["unit"] for i in incidents] == ["(api)"], incidents
    last = START + DAY - 40 + 1  # api's last line, 25 s before the laptop slept: due while it sleeps
    assert incidents[0]["first_usec"] == last * 1_000_000
    awake_silent = (incidents[0]["realtime_usec"] - incidents[0]["first_usec"]) / 1e6 - ASLEEP
    assert 60 < awake_silent < 200, awake_silent  # its threshold of awake time, not at the wake's first line
    assert "3h" in incidents[0]["why"] and "of it a clock's jump" in incidents[0]["why"], incidents[0]["why"]
    page = tmp_path / "report.html"  # the page's card and its timeline's bar say it too (helper-169)
    run_cli("scan", "--file", str(tmp_path / "laptop.log"), "--html", str(page))
    html = page.read_text()
    assert re.search(r"silent for 4h \d+s \(3h \d+s of it a clock's jump", html), "the timeline bar's length"
    assert "no entry for 4h" in html and "of it a clock&#x27;s jump" in html, "the card's length"


def test_a_jump_whose_line_is_left_out_goes_to_the_hosts_next_line():
    """The selection (-p, --since) may leave the first line after the wake out: the host's next line taken carries
    the jump; another host's lines neither carry it nor are judged by it."""
    sleep = SleepLines()
    assert sleep.note("lap1", "api", "tick", 10 * SEC) is None
    assert sleep.note("lap1", "systemd-sleep", SAID["256"][0], 11 * SEC) is None
    assert sleep.note("srv2", "api", "tick", 5000 * SEC) is None
    jump = sleep.note("lap1", "kernel", "PM: suspend exit", 4000 * SEC)
    assert jump == (11 * SEC + 1, 3989 * SEC)
    sleep.put_back("lap1", jump)  # (left out)
    assert sleep.note("srv2", "api", "tick", 5001 * SEC) is None
    assert sleep.note("lap1", "systemd-sleep", SAID["256"][1], 4000 * SEC) == jump
    assert sleep.note("lap1", "api", "tick", 4090 * SEC) is None  # its end line said it is awake


def test_a_failed_suspend_is_no_jump():
    sleep = SleepLines()
    sleep.note("lap1", "systemd-sleep", SAID["239"][0], 10 * SEC)
    sleep.note("lap1", "systemd-sleep", "Failed to put system to sleep. System resumed again: Device or resource busy",
               10 * SEC + 200_000)
    assert sleep.note("lap1", "api", "tick", 600 * SEC) is None  # a quiet stretch after it is the host's own
    sleep.note("lap1", "systemd-sleep", SAID["256"][0], 700 * SEC)
    assert sleep.note("lap1", "systemd-sleep", "Failed to put system to sleep. System resumed again: Device or "
                      "resource busy", 702 * SEC) is None  # (its 2 s were no sleep)


def test_a_start_line_credits_the_pauses_begun_within_a_minute_of_it_only():
    """helper-169's E12: one forged start line (`logger -t systemd-sleep ...`) credited every pause of the host up to
    1,000 lines: a hang beside a unit that logs every 20 s was paged 22 minutes late."""
    sleep = SleepLines()
    sleep.note("lap1", "systemd-sleep", SAID["219"][0], 0)
    jumps = [sleep.note("lap1", "worker", "tick", (k + 1) * 20 * SEC) for k in range(10)]
    assert [jump[1] for jump in jumps if jump is not None] == [20 * SEC] * 3  # pauses begun at 0, 20 and 40 s


def test_a_forged_start_line_holds_a_hang_back_by_about_a_minute(tmp_path):
    text = [line(i * 20 + 3, "worker", f"worker tick {i} ok", 101) for i in range((DAY + 1800) // 20)]
    text += [line(i * 20 + 1, "api", f"api tick {i} ok") for i in range(DAY // 20)]
    text.append(line(DAY - 4, "sleepy", "a local user's logger -t systemd-sleep:").replace(
        "sleepy[100]: a local user's logger -t systemd-sleep:", f"systemd-sleep[666]: {SAID['256'][0]}"))
    incidents = of_type(scan(tmp_path, "\n".join(sorted(text)) + "\n"), "incident")
    assert [i["unit"] for i in incidents] == ["(api)"], incidents
    assert incidents[0]["realtime_usec"] - incidents[0]["first_usec"] < 150 * SEC, incidents[0]["why"]


def test_a_laptop_asleep_among_thousands_of_hosts_is_kept(tmp_path):
    """helper-169's E21: a central syslog file where 4,100 other hosts say one line each while lap1 sleeps: the first
    of them was taken for a one-host input (lap1's units paged at once), and lap1 itself, the least recently seen,
    was dropped from the hosts kept."""
    text = laptop(SAID["256"]).splitlines()
    text += [line(DAY + 60 + k, "cron", "job ok").replace(" lap1 ", f" node{k:04d} ") for k in range(4100)]
    assert of_type(scan(tmp_path, "\n".join(sorted(text)) + "\n"), "incident") == []


@pytest.fixture
def berlin(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_hour_summer_time_writes_twice_is_no_units_silence(tmp_path, berlin):
    """helper-169's E5: a Berlin host's `short` text through 2026-10-25 03:00 CEST -> 02:00 CET: the 02:xx hour is
    written twice, read as the first both times: a step back of an hour, then ahead, and every steady unit paged."""
    start = 1_792_800_000  # 2026-10-24 00:00 UTC
    out = []
    for i in range(30 * 3600 // 20):
        stamp = time.strftime("%b %d %H:%M:%S", time.localtime(start + i * 20))
        out += [f"{stamp} lap1 api[100]: api tick {i} ok", f"{stamp} lap1 worker[101]: worker tick {i} ok"]
    assert "Oct 25 02:30:00" in "\n".join(out)
    events = scan(tmp_path, "\n".join(out) + "\n")
    assert of_type(events, "incident") == []
    assert of_type(events, "summary")[0]["silence"]["watched_units"] == 2  # (watched over the hour written twice)


def test_the_hour_written_twice_reads_alike_whatever_was_read_before(tmp_path, berlin):
    """A paste read before, one that began inside that hour (glibc's mktime then guesses the other pass for such a
    time), left shifts kept per minute that were wrong for the next paste's readings: its steady units were paged
    silent (CI, stop 55: the two tests in one worker, in this order)."""
    import os

    first = tmp_path / "syslog"
    first.write_text("Oct 25 02:20:00 web01 app[1]: one\nOct 25 02:50:00 web01 app[1]: two\n"
                     "Oct 25 02:10:00 web01 app[1]: three\n")
    os.utime(first, (1793000000, 1793000000))
    assert len(json_events(run_cli("scan", "--file", str(first), "-o", "json"))) > 0
    test_the_hour_summer_time_writes_twice_is_no_units_silence(tmp_path, berlin)
