"""A unit that systemd stops stays stopped through systemd's account of its run: PID 1 writes
"X: Consumed 1min 2.345s CPU time." (src/core/unit.c unit_log_resources, MESSAGE_ID ae8f7b866b0347b9af31fe1c80b127c0)
right after "Stopped X." / "Finished X.". Helper D13's trial: a planned 2-hour `systemctl stop` of a steady
request log paged unit-went-silent 89 s after the stop: that line, taken for a sign of life, watched the unit
again. On real journal files (systemd-journal-remote)."""

from __future__ import annotations

import pytest
from conftest import entry
from test_silence import DAY, STARTED_ID, STOPPED_ID, SUCCESS_ID, scan, silences, steady, systemd_line

from logsentry.engine.absence_stops import run_accounting
from logsentry.model import Entry

RESOURCES_ID = "ae8f7b866b0347b9af31fe1c80b127c0"
STOPPING_ID = "de5b426a63be47a7b6ac3eaac82e2f6f"


@pytest.mark.parametrize("ending", [
    [("Stopping beat.service - Beat...", {"MESSAGE_ID": STOPPING_ID}),
     ("beat.service: Deactivated successfully.", {"MESSAGE_ID": SUCCESS_ID}),
     ("Stopped beat.service - Beat.", {"MESSAGE_ID": STOPPED_ID}),
     ("beat.service: Consumed 40min 2.901s CPU time.", {"MESSAGE_ID": RESOURCES_ID})],
    [("Finished beat.service - Beat.", {"MESSAGE_ID": STARTED_ID, "JOB_TYPE": "start", "JOB_RESULT": "done"}),
     ("beat.service: Deactivated successfully.", {"MESSAGE_ID": SUCCESS_ID}),
     ("beat.service: Consumed 1.055s CPU time, 12.5M memory peak, 0B memory swap peak.",
      {"MESSAGE_ID": RESOURCES_ID})],
    [("Stopped beat.service - Beat.", {}),  # a syslog file's lines: no MESSAGE_ID
     ("beat.service: Consumed 40min 2.901s CPU time.", {})],
], ids=["systemctl-stop", "oneshot-finished-systemd-255", "no-message-id"])
def test_a_stopped_unit_is_not_silent_after_systemd_accounts_for_its_run(make_journal, ending):
    ticks = [*steady("beat.service", 10), *(entry(f"tick {i}", unit="beat.service", at=DAY + i) for i in range(100))]
    end = [systemd_line(message, "beat.service", DAY + 99.5 + n * 0.1, **fields) for n, (message, fields) in
           enumerate(ending)]
    later = [systemd_line("Started other.service - Other.", "other.service", DAY + 100 + 600 * i) for i in range(13)]
    assert not silences(scan(make_journal([*ticks, *end, *later])))  # two hours stopped


def test_the_account_is_pid_1s_and_systemds_wording():
    def line(message: str, pid: str = "1", **fields: str) -> Entry:
        return Entry(0, message, "x.service", 6, "", {"_PID": pid, **fields})

    assert run_accounting(line("x.service: Consumed 2.1s CPU time.", MESSAGE_ID=RESOURCES_ID))
    assert run_accounting(line("x.service: Consumed 2.1s CPU time, 3.4M memory peak."))
    assert not run_accounting(line("x.service: Consumed 2.1s CPU time.", pid="812"))  # the unit's own words
    assert not run_accounting(line("Stopped x.service - X.", MESSAGE_ID=STOPPED_ID))
    assert not run_accounting(line("x.service: Consumed 2.1s CPU time.", MESSAGE_ID=STOPPED_ID))


@pytest.mark.parametrize("after_s, silent", [(0.05, False), (4.0, False), (30.0, True)],
                         ids=["last-words-50ms-after", "last-words-4s-after", "a-run-of-its-own-30s-after"])
def test_a_stopped_units_own_last_words_after_the_stop_do_not_watch_it_again(make_journal, after_s, silent):
    """journald stores a stream's last stdout lines after PID 1's stop lines (helper D18's trial: "shutting down,
    bye" 50 ms after "Stopped", then a page for the planned stop). Its own lines up to 5 s after the stop are its
    last words; a line half a minute after is a run systemd does not know of, watched again."""
    ticks = [*steady("beat.service", 10), *(entry(f"tick {i}", unit="beat.service", at=DAY + i) for i in range(100))]
    end = [systemd_line("Stopping beat.service - Beat...", "beat.service", DAY + 99.5, MESSAGE_ID=STOPPING_ID),
           systemd_line("beat.service: Deactivated successfully.", "beat.service", DAY + 99.6, MESSAGE_ID=SUCCESS_ID),
           systemd_line("Stopped beat.service - Beat.", "beat.service", DAY + 99.7, MESSAGE_ID=STOPPED_ID),
           entry("shutting down, bye", unit="beat.service", at=DAY + 99.7 + after_s)]
    later = [systemd_line("Started other.service - Other.", "other.service", DAY + 100 + 600 * i) for i in range(13)]
    assert bool(silences(scan(make_journal([*ticks, *end, *later])))) == silent


def test_a_start_right_after_the_stop_is_a_new_run_watched_at_once(make_journal):
    """`systemctl restart`: PID 1's "Started" line within the grace is the manager's, a new run: watched from it."""
    ticks = [*steady("beat.service", 10), *(entry(f"tick {i}", unit="beat.service", at=DAY + i) for i in range(100))]
    restart = [systemd_line("Stopped beat.service - Beat.", "beat.service", DAY + 99.7, MESSAGE_ID=STOPPED_ID),
               systemd_line("Started beat.service - Beat.", "beat.service", DAY + 100.0, MESSAGE_ID=STARTED_ID,
                            JOB_TYPE="start", JOB_RESULT="done"),
               entry("hello again", unit="beat.service", at=DAY + 100.5)]
    later = [systemd_line("Started other.service - Other.", "other.service", DAY + 101 + 600 * i) for i in range(13)]
    assert silences(scan(make_journal([*ticks, *restart, *later])))
