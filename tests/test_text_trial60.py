"""Trial 60's readers: Zabbix's log with an entrypoint's line before it keeps its times (its PID padded to six
starts each line with blanks, read as a continuation's indent), CUPS's error_log letter is its level, a pasted
`systemctl status` whose header says the unit failed reports it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logsentry.sources import Selection, open_entries


def _read(path: Path) -> list[tuple[int, int | None, str]]:
    return [(entry.realtime_usec, entry.effective_priority, entry.message)
            for entry in open_entries(Selection(), files=[path])]


def test_zabbix_lines_after_an_entrypoints_line_keep_their_times(tmp_path: Path) -> None:
    path = tmp_path / "zabbix.log"  # zabbix/zabbix-docker's agent container, trial 60's 23
    path.write_text("** Starting Zabbix agent\n"
                    "  5147:20191201:220123.120 active check configuration update from [zabbix-server:10051] started "
                    "to fail (cannot connect to [[zabbix-server]:10051]: [111] Connection refused)\n"
                    "  5147:20191201:220223.120 active check configuration update from [zabbix-server:10051] is "
                    "working again\n")
    read = _read(path)
    assert len(read) == 3 and {usec for usec, _, _ in read[1:]} == {1575237683120000, 1575237743120000}, read
    assert read[0][0] == read[1][0]  # the untimed line at the first time


def test_cups_level_letters_are_levels(tmp_path: Path) -> None:
    path = tmp_path / "error_log"
    path.write_text("I [24/Sep/2020:15:35:45 +0300] Listening to 0.0.0.0:631\n"
                    "E [24/Sep/2020:15:35:45 +0300] Unable to open listen socket for address :631 - Address already "
                    "in use.\n")
    assert [level for _, level, _ in _read(path)] == [6, 3]


STATUS = """\
{glyph}kestrel-feeder.service - Feeder App
   Loaded: loaded (/etc/systemd/system/kestrel-feeder.service; enabled; vendor preset: enabled)
   Active: {active} since Wed 2017-11-01 11:28:09 UTC; 88ms ago
 Main PID: 22649 (code=dumped, signal=ABRT)

Nov 01 11:28:08 spread feeder[22649]:    at System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw()
Nov 01 11:28:08 spread feeder[22649]:    at FeedService.Program.Main(String[] args)
"""
PID1 = "Nov 01 11:28:09 spread systemd[1]: kestrel-feeder.service: Failed with result 'core-dump'.\n"


def _incidents(path: Path) -> list[tuple[str, str]]:
    from conftest import run_cli

    done = run_cli("scan", "--file", str(path), "-o", "json")
    return [(record["rule"], record["unit"]) for record in map(json.loads, done.stdout.splitlines())
            if record["type"] == "incident"]


@pytest.mark.parametrize("glyph", ["\u00d7 ", "\u25cf ", ""], ids=["failed-glyph", "dot", "glyph-lost"])
def test_a_status_header_that_states_a_failure_reports_it(tmp_path: Path, glyph: str) -> None:
    """trial 60's 35: `Active: failed (Result: core-dump)` over a stack trace's frames, no line of PID 1's."""
    path = tmp_path / "status.txt"
    path.write_text(STATUS.format(glyph=glyph, active="failed (Result: core-dump)"))
    read = _read(path)
    assert [message for _, _, message in read[-2:]] == [
        "kestrel-feeder.service: Main process exited, code=dumped, status=6/ABRT",
        "kestrel-feeder.service: Failed with result 'core-dump'."], read
    assert read[-1][0] == 1509535689000000  # the header's time (UTC), its year the lines' too
    assert read[0][0] == 1509535688000000
    assert _incidents(path) == [("systemd-unit-failed", "(kestrel-feeder.service)")]


def test_a_status_whose_lines_tell_the_failure_adds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "status.txt"
    path.write_text(STATUS.format(glyph="\u00d7 ", active="failed (Result: core-dump)") + PID1)
    messages = [message for _, _, message in _read(path)]
    assert sum("Failed with result" in message for message in messages) == 1, messages
    assert not any("Main process exited" in message for message in messages)  # (told after the failure: left)


def test_a_running_units_status_adds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "status.txt"
    path.write_text(STATUS.format(glyph="\u25cf ", active="active (running)"))
    assert len(_read(path)) == 2 and _incidents(path) == []


def test_pid1s_failed_to_start_line_is_the_units(tmp_path: Path) -> None:
    """systemd 252's `Failed to start X - Description.` and a description-less unit's `Failed to start X.service.`
    were a unit of their own, `(systemd)`, and `-u nginx` missed them (helper-190)."""
    path = tmp_path / "syslog"
    path.write_text("Mar 04 10:00:01 web01 systemd[1]: Failed to start nginx.service - A high performance web server.\n"
                    "Mar 04 10:00:02 web01 systemd[1]: Failed to start foo.service.\n"
                    "Mar 04 10:00:03 web01 systemd[1]: Failed to start Network Manager.\n")
    assert [entry.unit for entry in open_entries(Selection(), files=[path])] == [
        "(nginx.service)", "(foo.service)", "(systemd)"]
    assert len(list(open_entries(Selection(units=("nginx.service",)), files=[path]))) == 1


def test_a_status_that_states_a_start_limit_hit_pages_it(tmp_path: Path) -> None:
    """trial 67's mosquitto: `Active: failed (Result: start-limit-hit)` over lines that end at PID 1's restart after
    an 'exit-code' run: that earlier run's result tells no start limit, PID 1's giving up is told as unit.c says it
    (systemd-start-limit-hit, critical), once, and not again when a line under the header says it."""
    path = tmp_path / "status.txt"
    lines = ("Nov 01 11:28:08 spread systemd[1]: kestrel-feeder.service: Failed with result 'exit-code'.\n"
             "Nov 01 11:28:09 spread systemd[1]: kestrel-feeder.service: Service hold-off time over, scheduling "
             "restart.\n")
    path.write_text(STATUS.format(glyph="\u00d7 ", active="failed (Result: start-limit-hit)") + lines)
    messages = [message for _, _, message in _read(path)]
    assert messages[-2:] == ["kestrel-feeder.service: Start request repeated too quickly.",
                             "kestrel-feeder.service: Failed with result 'start-limit-hit'."], messages
    assert ("systemd-start-limit-hit", "(kestrel-feeder.service)") in _incidents(path)
    given = "Nov 01 11:28:09 spread systemd[1]: kestrel-feeder.service: Start request repeated too quickly.\n"
    path.write_text(STATUS.format(glyph="\u00d7 ", active="failed (Result: start-limit-hit)") + lines + given)
    messages = [message for _, _, message in _read(path)]
    assert sum("Start request repeated" in message for message in messages) == 1, messages


def test_a_user_units_status_tells_its_start_limit_as_its_manager(tmp_path: Path) -> None:
    """`systemctl --user status`: the lines under the header are a user manager's (`systemd[1477]:`), and the start
    limit its header states is that manager's (systemd-user-start-limit-hit), not PID 1's: it was told as PID 1's,
    systemd-start-limit-hit's, with the unit's result as systemd-unit-failed's."""
    path = tmp_path / "status.txt"
    path.write_text("\u00d7 pipewire.service - PipeWire Multimedia Service\n"
                    "     Loaded: loaded (/usr/lib/systemd/user/pipewire.service; enabled; preset: enabled)\n"
                    "     Active: failed (Result: start-limit-hit) since Mon 2026-12-07 09:00:05 UTC; 5min ago\n"
                    "   Main PID: 2201 (code=exited, status=1/FAILURE)\n\n"
                    "Dec 07 09:00:04 host pipewire[2201]: mod.protocol-native: server 0x5581 failed to start\n"
                    "Dec 07 09:00:04 host systemd[1477]: pipewire.service: Main process exited, code=exited, "
                    "status=1/FAILURE\n"
                    "Dec 07 09:00:04 host systemd[1477]: pipewire.service: Failed with result 'exit-code'.\n")
    incidents = _incidents(path)
    assert ("systemd-user-start-limit-hit", "(pipewire.service)") in incidents, incidents
    assert not any(rule in ("systemd-start-limit-hit", "systemd-unit-failed") for rule, _ in incidents), incidents


def test_a_start_limit_hit_status_tells_how_its_main_process_ended(tmp_path: Path) -> None:
    """helper-223: `Active: failed (Result: start-limit-hit)` and `Main PID: 22649 (code=dumped, signal=ABRT)` over
    lines that tell no run's end: the main process's exit is told too, in PID 1's order (the last run's exit, the
    refused restart, the result); over lines that told the run's end (its `Failed with result 'exit-code'`) it is
    not told again after them."""
    path = tmp_path / "status.txt"
    path.write_text(STATUS.format(glyph="\u00d7 ", active="failed (Result: start-limit-hit)"))
    messages = [message for _, _, message in _read(path)]
    assert messages[-3:] == ["kestrel-feeder.service: Main process exited, code=dumped, status=6/ABRT",
                             "kestrel-feeder.service: Start request repeated too quickly.",
                             "kestrel-feeder.service: Failed with result 'start-limit-hit'."], messages
    ended = "Nov 01 11:28:08 spread systemd[1]: kestrel-feeder.service: Failed with result 'exit-code'.\n"
    path.write_text(STATUS.format(glyph="\u00d7 ", active="failed (Result: start-limit-hit)") + ended)
    messages = [message for _, _, message in _read(path)]
    assert not any("Main process exited" in message for message in messages), messages
