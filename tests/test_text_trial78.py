"""Trial 78's text-reading faults: syslogd's wall message (39), a cron job's output in cronie's CMDOUT envelope (28,
in a syslog file and in the journal) and Ruby's Logger lines, their time and Rails' empty tagged FATAL line (15). The
inputs are the trial's pastes (/var/tmp/t78/index.md names their threads) and lines quoted from public reports."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import entry, json_events, of_type, run_cli

from logsentry.sources import Selection, open_entries


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _read(path: Path) -> list[tuple[str, dict[str, str], str]]:
    """Each entry's time (UTC), its host, identifier and PID, and its message, as `scan --file` reads the file."""
    keys = ("_HOSTNAME", "SYSLOG_IDENTIFIER", "_PID")
    return [(datetime.fromtimestamp(entry.realtime_usec / 1e6, UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
             {key: entry.fields[key] for key in keys if key in entry.fields}, entry.message)
            for entry in open_entries(Selection(), files=[path])]


def _incidents(path: Path, *options: str) -> list[dict[str, Any]]:
    result = run_cli("scan", "--file", str(path), "-o", "json", *options)
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


HAPROXY_WALL = ["Message from syslogd@portal at Aug  7 08:23:43 ...",
                " haproxy[24439]:backend 10.10.3.3-backend has no server available!"]
"""Trial 78's 39: rsyslog's RSYSLOG_WallFmt on a terminal, a `*.emerg :omusrmsg:*` line's."""


def test_a_wall_message_is_read_with_its_greetings_host_and_time(tmp_path: Path) -> None:
    """The greeting gives the host and time, the next line the tag, PID and message: haproxy's emerg line is its
    rule's CRITICAL card (it was two untimed lines, and no rule matched)."""
    path = _write(tmp_path, "wall.log", HAPROXY_WALL)
    written = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    os.utime(path, (written, written))
    assert _read(path) == [("2026-08-07 08:23:43.000000", {"_HOSTNAME": "portal", "SYSLOG_IDENTIFIER": "haproxy",
                                                           "_PID": "24439"},
                            "backend 10.10.3.3-backend has no server available!")]
    found = _incidents(path)
    assert [(event["rule"], event["severity"]) for event in found] == [("haproxy-backend-no-server", "critical")]


def test_sysklogds_wall_message_has_ctimes_year_and_the_host_again(tmp_path: Path) -> None:
    """sysklogd and the BSD syslogds write ctime(3)'s `%.24s` (its year too) and the line after it as `HOST TAG: MSG`
    (fprintlog's iov: the host, a blank, the message); a printk stamp after `kernel:` is the kernel's own."""
    read = _read(_write(tmp_path, "sysklogd.log", ["Message from syslogd@fang at Mon Sep 20 18:03:16 2004 ...",
                                                    "fang kernel: Oops: 0000 [1] PREEMPT SMP"]))
    assert read == [("2004-09-20 18:03:16.000000", {"_HOSTNAME": "fang", "SYSLOG_IDENTIFIER": "kernel"},
                     "Oops: 0000 [1] PREEMPT SMP")]
    raspberry = _read(_write(tmp_path, "pi.log", ["$ sudo insmod rpi_7seg.ko", "",
                                                  "Message from syslogd@raspberrypi at May 24 11:42:09 ...",
                                                  " kernel:[  106.494713] Internal error: Oops: 5 [#1] SMP ARM"]))
    assert raspberry[-1][1:] == ({"_HOSTNAME": "raspberrypi", "SYSLOG_IDENTIFIER": "kernel"},
                                 "Internal error: Oops: 5 [#1] SMP ARM")


def test_a_wall_message_among_syslog_lines_is_one_of_them(tmp_path: Path) -> None:
    """A terminal where `tail -f /var/log/messages` ran when the wall came: the wall's line is the kernel's, in
    order, and neither a continuation of the line before nor the head of the one after."""
    read = _read(_write(tmp_path, "messages.log", [
        "Jul  1 17:30:30 node-4 dbus[3451]: [system] Failed to activate service 'org.freedesktop.hostname1': timed out",
        "",
        "Message from syslogd@node-4 at Jul  1 17:30:30 ...",
        " kernel:watchdog: BUG: soft lockup - CPU#32 stuck for 22s! [systemd-hostnam:55848]",
        "Jul  1 17:30:36 node-4 systemd: Started Hostname Service."]))
    assert [(when[11:19], fields.get("SYSLOG_IDENTIFIER"), message[:20]) for when, fields, message in read] == [
        ("17:30:30", "dbus", "[system] Failed to a"), ("17:30:30", "kernel", "watchdog: BUG: soft "),
        ("17:30:36", "systemd", "Started Hostname Ser")]


def test_wall_messages_among_a_programs_output_are_the_kernels_lines(tmp_path: Path) -> None:
    """Walls come on a terminal, among whatever ran there (liburing's test run, as a report pasted it): the paste is
    syslog text (a greeting and its message fit, as a syslog line does), each wall the kernel's line at its time, and
    the test run's lines after one are the file's own lines, not the wall message's continuation (its soft lockup
    line, with them joined to it, matched no rule)."""
    read = _read(_write(tmp_path, "make-runtests.log", [
        "Running test io_uring_enter.t 1 sec [0]",
        "Running test io_uring_passthrough.t Skipped",
        "Running test io_uring_register.t Unable to map a huge page.  Try increasing /proc/sys/vm/nr_hugepages by "
        "at least 1.",
        "Skipping the hugepage test",
        "",
        "Message from syslogd@mx3210 at Feb 15 22:04:15 ...",
        "  kernel:watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [kworker/u64:13:14621]",
        "",
        "Message from syslogd@mx3210 at Feb 15 22:04:43 ...",
        "  kernel:watchdog: BUG: soft lockup - CPU#0 stuck for 49s! [kworker/u64:13:14621]",
        "Test io_uring_register.t timed out (may not be a failure)",
        "Running test io_uring_setup.t 0 sec [0]"]))
    assert [(when[11:19], fields.get("SYSLOG_IDENTIFIER"), message[:30]) for when, fields, message in read[4:]] == [
        ("22:04:15", "kernel", "watchdog: BUG: soft lockup - C"),
        ("22:04:43", "kernel", "watchdog: BUG: soft lockup - C"),
        ("22:04:43", "make-runtests", "Test io_uring_register.t timed"),
        ("22:04:43", "make-runtests", "Running test io_uring_setup.t ")]
    assert read[5][2].endswith("[kworker/u64:13:14621]")


CRON = ["Sep 17 21:06:26 copr-be CROND[1470129]: (copr) CMDOUT (rsnapshot encountered an error! The program was "
        "invoked with these options:)",
        "Sep 17 21:06:26 copr-be CROND[1470129]: (copr) CMDOUT (/bin/rsnapshot -c "
        "/srv/nfs/copr-be/copr-be-copr-user/rsnapshot.conf push )",
        "Sep 17 21:06:26 copr-be CROND[1470129]: (copr) CMDOUT (ERROR: Could not write lockfile "
        "/srv/nfs/copr-be/copr-be-copr-user/rsnapshot.pid: No space left on device)",
        "Sep 17 21:06:27 copr-be CROND[1470129]: (copr) CMDOUT (  File "
        "\"/srv/nfs/copr-be/copr-be-copr-user/rsnapshot\", line 58, in <module>)"]
"""Trial 78's 28: cronie's log_it of each line a job wrote (`"(%s) %s (%s)%s%s"`, src/misc.c)."""


def test_a_cron_jobs_output_is_judged_as_the_jobs_own_line(tmp_path: Path) -> None:
    """The job's ENOSPC ends its own line, inside cronie's envelope: disk-full's card, still cron's (CROND)."""
    path = _write(tmp_path, "cron.log", CRON)
    read = _read(path)
    assert read[2][1] == {"_HOSTNAME": "copr-be", "SYSLOG_IDENTIFIER": "CROND", "_PID": "1470129"}
    assert read[2][2] == "ERROR: Could not write lockfile /srv/nfs/copr-be/copr-be-copr-user/rsnapshot.pid: No space " \
                         "left on device"
    found = _incidents(path)
    assert [(event["rule"], event["unit"]) for event in found] == [("disk-full", "(CROND)")], found


def test_a_cron_jobs_output_in_the_journal_is_unwrapped_too(make_journal: Any) -> None:
    """journald keeps cronie's syslog(3) line as it is (MESSAGE `(USER) CMDOUT (TEXT)`, SYSLOG_IDENTIFIER=CROND): the
    job's text is the message there too, and its level is the job's (`ERROR:`): `-p err` keeps it, as the text
    reader does (the scanner hands CROND's lines to Python, which reads the unwrapped level)."""
    lines = [entry(message[message.index("(copr)"):], unit="crond.service", at=index, SYSLOG_IDENTIFIER="CROND",
                   _PID="1470129", _COMM="crond", _TRANSPORT="syslog", SYSLOG_FACILITY=9)
             for index, message in enumerate(CRON)]
    lines.append(entry("(x) CMDOUT (ERROR: write failed: No space left on device)", unit="app.service", at=9,
                       SYSLOG_IDENTIFIER="app"))  # (another program's words: as written)
    journal = make_journal(lines)
    for options in ((), ("-p", "err")):
        found = _incidents(journal, *options)
        assert [(event["rule"], event["unit"]) for event in found] == [("disk-full", "crond.service")], (options, found)


RAILS = ["Completed 500 Internal Server Error in 25ms (ActiveRecord: 2.9ms)",
         "F, [2019-05-18T14:48:53.547843 #2050] FATAL -- : [67c3c32a-63f4-4cc3-87c0-35f25bc82020]",
         "F, [2019-05-18T14:48:53.547875 #2050] FATAL -- : [67c3c32a-63f4-4cc3-87c0-35f25bc82020] "
         "Redis::CannotConnectError (Error connecting to Redis on 127.0.0.1:6379 (Errno::ECONNREFUSED)):",
         "F, [2019-05-18T14:48:53.547895 #2050] FATAL -- : [67c3c32a-63f4-4cc3-87c0-35f25bc82020]",
         "F, [2019-05-18T14:48:53.547914 #2050] FATAL -- : [67c3c32a-63f4-4cc3-87c0-35f25bc82020] "
         "app/controllers/designs_controller.rb:46:in `block in update'",
         "[67c3c32a-63f4-4cc3-87c0-35f25bc82020] app/controllers/designs_controller.rb:45:in `update'"]
"""Trial 78's 15: a Rails production log (Ruby's Logger::Formatter, TaggedLogging's request id)."""


def test_ruby_logger_lines_are_read_at_their_own_time(tmp_path: Path) -> None:
    """`"%.1s, [%s #%d] %5s -- %s: %s\\n"`: its time after the severity's letter (it was read at the file's time, seven
    years off)."""
    read = _read(_write(tmp_path, "production.log", RAILS))
    assert [when for when, _, _ in read] == ["2019-05-18 14:48:53.547843", "2019-05-18 14:48:53.547843",
                                             "2019-05-18 14:48:53.547895", "2019-05-18 14:48:53.547914"]


def test_rails_empty_tagged_fatal_line_is_read_with_the_exception_after_it(tmp_path: Path) -> None:
    """Rails' blank spacer before an exception, a FATAL line with only its tags, is no record of its own: the card
    fires on, and quotes, the exception's line."""
    path = _write(tmp_path, "production.log", RAILS)
    messages = [message for _, _, message in _read(path)]
    assert not any(message.rstrip().endswith("FATAL -- : [67c3c32a-63f4-4cc3-87c0-35f25bc82020]")
                   for message in messages), messages
    assert messages[1] == ("F, [2019-05-18T14:48:53.547843 #2050] FATAL -- : [67c3c32a-63f4-4cc3-87c0-35f25bc82020] "
                           "Redis::CannotConnectError (Error connecting to Redis on 127.0.0.1:6379 "
                           "(Errno::ECONNREFUSED)):")
    found = _incidents(path)
    assert [event["rule"] for event in found] == ["new-fatal-template"]
    assert "Redis::CannotConnectError" in found[0]["message"], found[0]
    assert found[0]["first_usec"] == 1558190933547843


def test_rails_4s_one_call_exception_is_joined_to_its_empty_header(tmp_path: Path) -> None:
    """Before Rails 5 the exception was one call, `"\\n#{exception.class} (#{exception.message}):\\n..."`: the line
    after the empty header holds it, without a header of its own."""
    messages = [message for _, _, message in _read(_write(tmp_path, "production.log", [
        "I, [2019-05-18T14:48:53.500000 #2050]  INFO -- : Started PUT \"/designs/1\" for 127.0.0.1",
        "F, [2019-05-18T14:48:53.547843 #2050] FATAL -- : [67c3c32a] ",
        "Redis::CannotConnectError (Error connecting to Redis on 127.0.0.1:6379 (Errno::ECONNREFUSED)):"]))]
    assert messages[1] == ("F, [2019-05-18T14:48:53.547843 #2050] FATAL -- : [67c3c32a] Redis::CannotConnectError "
                           "(Error connecting to Redis on 127.0.0.1:6379 (Errno::ECONNREFUSED)):")
    assert len(messages) == 2


HUNG_TASK = ["Oct 11 06:07:26 glustern1 kernel: INFO: task glusterfsd:26120 blocked for more than 120 seconds.",
             'Oct 11 06:07:26 glustern1 kernel: "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this '
             "message."]
"""Trial 78's 07: a 2017 thread's syslog lines, no year in them."""


def test_a_card_on_lines_whose_year_was_guessed_says_so(tmp_path: Path) -> None:
    """The year a syslog line lacks is taken from the file's time, which stderr says: the card's time line says it
    too, not only stderr (trial 78's section 8: `first matching line 2026-10-11 06:07:26` read as a date the log
    gave); a year the text gives (journalctl's header, the line's own date) is no guess, and no card says so."""
    path = _write(tmp_path, "messages", HUNG_TASK)
    written = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    os.utime(path, (written, written))
    guessed = run_cli("scan", "--file", str(path))
    assert "first matching line 2026-10-11 06:07:26.000 UTC (year guessed);" in " ".join(guessed.stdout.split()), \
        guessed.stdout
    header = ["-- Logs begin at Mon 2017-10-02 10:00:00 UTC, end at Wed 2017-10-11 07:00:00 UTC. --", *HUNG_TASK]
    given = run_cli("scan", "--file", str(_write(tmp_path, "journal.txt", header)))
    assert "first matching line 2017-10-11 06:07:26.000 UTC;" in " ".join(given.stdout.split()), given.stdout
    assert "year guessed" not in given.stdout
