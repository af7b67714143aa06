"""A numeric UTC offset after a line's time is its zone, and the level after it counts (engine/levels.py _OFFSET,
sources/levels.h; the corpus in tests/test_levels_formats.py). Found by helper-140's trial 3: Fluentd writes
`%Y-%m-%d %H:%M:%S %z [level]: ...` (lib/fluent/log.rb), and `2018-12-01 14:41:44 +0000 [warn]: temporarily failed
to flush the buffer ...` (fluent/fluentd#2201) had no level: `-p warning` left it out of a pasted td-agent.log.
PgBouncer's log_time ends in %Z, which names a zone without an abbreviation by its hours (`+03`, Europe/Istanbul):
its `WARNING` was no level (helper-176: pgbouncer/pgbouncer#1092). The real CLI over a paste and over a journal
file built with systemd-journal-remote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli

WARN = ('2018-12-01 14:41:44 +0000 [warn]: temporarily failed to flush the buffer. next_retry=2018-12-01 14:41:52 '
        '+0000 error_class="Errno::ECONNREFUSED" error="Connection refused - connect(2) for \\"xxx.xxx.xxx.xxx\\" '
        'port 24224" plugin_id="object:3ff5ba380870"')  # fluent/fluentd#2201, verbatim
INFO = ("2018-09-09 11:04:34 +0900 [info]: #0 flush_thread_9 next_retry_time is 2018-09-09 11:06:39 +0900 and set "
        "interval to 125.85086727142334")  # fluent/fluentd#2123, verbatim


def _selected(*args: str) -> int:
    done = run_cli("scan", *args, "-p", "warning", "-o", "json")
    assert done.exit_code == 0, done.output
    [summary] = of_type(json_events(done), "summary")
    return int(summary["entries"])


def test_fluentd_lines_keep_their_level(tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    paste = tmp_path / "td-agent.log"
    paste.write_text(f"{INFO}\n{WARN}\n")
    assert _selected("--file", str(paste)) == 1
    journal = make_journal([entry(INFO, unit="td-agent.service", at=0), entry(WARN, unit="td-agent.service", at=1)])
    assert _selected("--file", str(journal)) == 1


PGBOUNCER = ("2024-06-12 13:02:23.005 +03 [2865569] LOG C-0x56059d2f0410: db_name/user_name@IP_Adrr:64507 closing "
             "because: server conn crashed? (age=151s)",
             "2024-06-12 13:02:23.005 +03 [2865569] WARNING C-0x56059d2f0410: db_name/user_name@IP_Adrr:64507 pooler "
             "error: server conn crashed?")  # pgbouncer/pgbouncer#1092, verbatim


def test_an_offset_of_hours_alone_is_a_zone(tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    paste = tmp_path / "pgbouncer.log"
    paste.write_text("\n".join(PGBOUNCER) + "\n")
    assert _selected("--file", str(paste)) == 1
    journal = make_journal([entry(line, unit="pgbouncer.service", at=n) for n, line in enumerate(PGBOUNCER)])
    assert _selected("--file", str(journal)) == 1
