"""A text log whose times go back by minutes or more is said on stderr (sources/text_steps.py): a BusyBox syslogd's
"syslogd started" line stamped an hour after the apcupsd lines under it (its zone set after it started: trial 63's
01-apcupsd-powerfail-shutdown.log) made the header read "from 06:49:24 to 07:49:24" for 8 minutes of log, and
nothing said why. Lines a little out of order (programs stamp their own times) and dmesg's times, which start
again at a boot, say nothing."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

APCUPSD = """\
Dec 21 07:49:24 a722577e-apcupsd syslog.info syslogd started: BusyBox v1.27.2
Dec 21 06:49:24 a722577e-apcupsd daemon.notice apcupsd[10]: apcupsd 3.14.14 (31 May 2016) unknown startup succeeded
Dec 21 06:54:12 a722577e-apcupsd daemon.crit apcupsd[10]: Power failure.
Dec 21 06:57:04 a722577e-apcupsd daemon.alert apcupsd[10]: Initiating system shutdown!
"""


def test_a_syslog_paste_whose_times_go_back_an_hour_says_so(tmp_path: Path) -> None:
    path = tmp_path / "apcupsd.log"
    path.write_text(APCUPSD)
    done = run_cli("scan", "--file", str(path))
    assert done.exit_code == 0, done.output
    [said] = [line for line in done.stderr.splitlines() if "go back" in line]
    assert said.startswith(f"logsentry: warning: {path}: its times go back by 1h at line 2, from ") and \
        said.endswith("-12-21 07:49:24.000 to 06:49:24.000: a clock or zone change, or lines pasted out of order? "
                      "They are read as written: the report's span runs from the earliest to the latest"), said
    twice = tmp_path / "twice.log"
    twice.write_text(APCUPSD + APCUPSD.replace("Dec 21 07:49:24", "Dec 21 08:49:24"))
    [said] = [line for line in run_cli("scan", "--file", str(twice)).stderr.splitlines() if "go back" in line]
    assert " to 06:49:24.000 (and 1 more step back of 5m or more): " in said, said


def test_lines_a_little_out_of_order_and_dmesg_say_nothing(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text("Dec 21 06:49:24 web1 app[10]: one\nDec 21 06:45:00 web1 cron[11]: two\n"
                    "Dec 21 06:50:00 web1 app[10]: three\n")
    assert "go back" not in run_cli("scan", "--file", str(path)).stderr
    dmesg = tmp_path / "dmesg.txt"
    dmesg.write_text("[ 1000.000000] eth0: link up\n[    1.000000] Linux version 6.1.0 (a new boot)\n")
    done = run_cli("scan", "--file", str(dmesg))
    assert done.exit_code == 0 and "go back" not in done.stderr, done.output
