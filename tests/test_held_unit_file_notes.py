"""A held alert and a `systemctl daemon-reload` that warns about the unit's file (trial 73, D3).

PID 1's config parser warns about a line of a still-failed unit's file at each reload ("Standard output type syslog
is obsolete ...", with MESSAGE_ID SD_MESSAGE_INVALID_CONFIGURATION, CONFIG_FILE=, CONFIG_LINE=, UNIT=, no
INVOCATION_ID: systemd's log_syntax()). It was counted as the unit logging again: the alert resolved "no new hit"
while `systemctl is-failed` said failed. Such a line neither ends the hold (in the window, or once held); a new run
(PID 1's line with a new INVOCATION_ID) still does. Real service, journal through journal-remote, HTTP receiver.
"""

from __future__ import annotations

import time
from typing import Any

from test_held_resolve import titles
from test_held_systemd_lines import RUN_B, failed, pid1, started
from test_service import receiver, service  # noqa: F401  (fixtures)

from logsentry.sources.unit_file_notes import INVALID_CONFIGURATION

OBSOLETE = ("/run/systemd/system/app.service:7: Standard output type syslog is obsolete, automatically updating to "
            "journal. Please update your unit file, and consider removing the setting altogether.")


def reload_warns(journal: Any) -> None:
    """What systemd 252's daemon-reload wrote about legacy-export.service in the trial, its fields as they were."""
    journal.write(OBSOLETE, unit="init.scope", priority=5, _PID="1", _UID="0", UNIT="app.service",
                  SYSLOG_IDENTIFIER="systemd", MESSAGE_ID=INVALID_CONFIGURATION,
                  CONFIG_FILE="/run/systemd/system/app.service", CONFIG_LINE="7",
                  CODE_FILE="src/core/load-fragment.c", CODE_FUNC="config_parse_exec_output")


def test_a_reloads_warning_about_the_unit_file_does_not_release_a_held_failure(  # type: ignore[no-untyped-def]
        live_journal, service, receiver, tmp_path) -> None:  # noqa: F811
    hook = receiver()
    running = started(live_journal, service, hook, tmp_path)
    failed(live_journal)
    hook.wait_for(1)
    reload_warns(live_journal)  # within the incident's window: its end must still hold it
    running.wait_log("stays firing until the unit logs again")
    time.sleep(1)
    assert not any("RESOLVED" in title for title in titles(hook)), running.log()
    reload_warns(live_journal)  # a second reload, once held
    time.sleep(1.5)
    assert not any("RESOLVED" in title for title in titles(hook)), "a unit-file warning released the held alert"
    pid1(live_journal, "Started app.service - App.", RUN_B)  # a new start: it resolves
    resolved = hook.wait_for(2)[1][1]
    assert "RESOLVED" in resolved["title"] and "app.service has a new invocation" in resolved["message"], resolved
