"""A text's incident of a rule that names its cause shows its unit's lines before its first line (LastLines.leading),
as a failure systemd told shows its program's: a text has no journalctl command to show them. A new user's monit
paste carded "'nodejs' failed to start" alone, its "process is not running", "trying to restart" and "start:
/sbin/start" only in the below-threshold table. A journal's card is unchanged: its journalctl command shows them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import entry, json_events, of_type, run_cli

MONIT = """\
[UTC Jul 13 08:38:20] info     : 'web' started
[UTC Jul 13 08:38:23] error    : 'nodejs' process is not running
[UTC Jul 13 08:38:23] info     : 'nodejs' trying to restart
[UTC Jul 13 08:38:23] info     : 'nodejs' start: /sbin/start
[UTC Jul 13 08:38:53] error    : 'nodejs' failed to start
[UTC Jul 13 08:39:10] info     : 'web' ok again, after it
"""


def test_a_monit_paste_card_shows_the_lines_before_its_failure(tmp_path: Path) -> None:
    paste = tmp_path / "monit.log"
    paste.write_text(MONIT)
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    assert done.exit_code == 0, done.output
    [end] = [event for event in of_type(json_events(done), "incident_end") if event["rule"] == "monit-start-failed"]
    said = [line["message"].split("] ", 1)[1] for line in end["last_lines"]]
    assert said == ["info     : 'web' started", "error    : 'nodejs' process is not running",
                    "info     : 'nodejs' trying to restart", "info     : 'nodejs' start: /sbin/start"], said
    env = {**os.environ, "COLUMNS": "120", "TERM": "dumb", "NO_COLOR": "1"}
    report = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(paste)], capture_output=True,
                            text=True, env=env, timeout=60, check=True).stdout
    card = report[report.index("monit-start-failed"):]
    card = card[:card.index("╰")]
    assert "its program's last lines before it:" in card and "'nodejs' trying to restart" in card, report
    before = card.split("its program's lines after its last one:")[0]
    assert "ok again, after it" not in before, report  # (nothing after its first line; after its last, its own)


def test_a_syslog_paste_shows_its_programs_lines_before_it(tmp_path: Path) -> None:
    """apcupsd's startup lines before "Running on UPS batteries.", not that line again (the card quotes it)."""
    paste = tmp_path / "apcupsd.log"
    paste.write_text("Dec 21 06:49:24 ups apcupsd[10]: apcupsd 3.14.14 (31 May 2016) unknown startup succeeded\n"
                     "Dec 21 06:49:24 ups apcupsd[10]: NIS server startup succeeded\n"
                     "Dec 21 06:54:23 ups apcupsd[10]: Running on UPS batteries.\n")
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    ends = of_type(json_events(done), "incident_end")
    [end] = [event for event in ends if event["rule"] == "apcupsd-on-battery"]
    assert [line["message"] for line in end["last_lines"]] == [
        "apcupsd 3.14.14 (31 May 2016) unknown startup succeeded", "NIS server startup succeeded"], end


def test_a_journal_card_of_such_a_rule_is_unchanged(make_journal: Any) -> None:
    base = 1_783_931_903.0
    journal = make_journal([entry(message, unit="monit.service", at=base + at, priority=priority,
                                  SYSLOG_IDENTIFIER="monit")
                            for at, priority, message in ((0, 3, "'nodejs' process is not running"),
                                                          (0.1, 6, "'nodejs' trying to restart"),
                                                          (30, 3, "'nodejs' failed to start"))])
    done = run_cli("scan", "--file", str(journal), "-o", "json")
    [end] = [event for event in of_type(json_events(done), "incident_end") if event["rule"] == "monit-start-failed"]
    assert "last_lines" not in end and end["journalctl"], end


HA_LOGIN = ("{at} WARNING (MainThread) [homeassistant.components.http.ban] Login attempt or request with invalid "
            "authentication from 10.1.0.103 (10.1.0.103). Requested URL: '/api/websocket'. (Mozilla/5.0)\n")


def test_the_lines_before_an_incident_leave_out_its_own_first_line(tmp_path: Path) -> None:
    """A new user's trial (nu230): HA's 12 failed logins, the first of the file its first matching line, were told
    as that line's "last lines before it" (`<=` its time): a log with no line before the incident tells none."""
    log = tmp_path / "home-assistant.log"
    log.write_text("".join(HA_LOGIN.format(at=f"2024-02-03 10:58:{second:02d}.839") for second in range(0, 36, 3)))
    done = run_cli("scan", "--file", str(log), "-o", "json")
    [end] = of_type(json_events(done), "incident_end")
    assert end["rule"] == "homeassistant-invalid-authentication", end
    assert "last_lines" not in end, end


def test_a_line_of_the_first_hits_second_read_before_it_is_before_it(tmp_path: Path) -> None:
    """A paste's whole seconds tie: the line read before the first hit in its second is before it, the hit is not
    (by reading order: the rule's hits' places in the unit's lines, LastLines.fires)."""
    log = tmp_path / "home-assistant.log"
    first = "2024-02-03 10:58:00.000"
    log.write_text(f"{first} INFO (MainThread) [homeassistant.core] Starting Home Assistant\n"
                   + "".join(HA_LOGIN.format(at=first if second == 0 else f"2024-02-03 10:58:{second:02d}.000")
                             for second in range(0, 36, 3)))
    done = run_cli("scan", "--file", str(log), "-o", "json")
    [end] = of_type(json_events(done), "incident_end")
    said = [line["message"] for line in end["last_lines"]]
    assert said == [f"{first} INFO (MainThread) [homeassistant.core] Starting Home Assistant"], end
    assert all(line["realtime_usec"] == end["first_usec"] for line in end["last_lines"]), end
