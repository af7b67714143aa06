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
