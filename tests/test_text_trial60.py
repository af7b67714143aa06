"""Trial 60's readers: Zabbix's log with an entrypoint's line before it keeps its times (its PID padded to six
starts each line with blanks, read as a continuation's indent), CUPS's error_log letter is its level, a pasted
`systemctl status` whose header says the unit failed reports it."""

from __future__ import annotations

from pathlib import Path

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
