"""Trial 63's reader gaps, through the CLI on small text files (and the readers behind it): levels behind a program's
own prefix."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conftest import run_cli

from logsentry.sources import Selection, open_entries


def _records(path: Path, *args: str) -> list[dict[str, Any]]:
    done = run_cli("scan", "--file", str(path), "-o", "json", *args)
    return [json.loads(line) for line in done.stdout.splitlines()]


def _summary(path: Path, *args: str) -> dict[str, Any]:
    return next(record for record in _records(path, "--no-anomalies", *args) if record["type"] == "summary")


def _err_entries(path: Path) -> int:
    return int(_summary(path, "-p", "err")["entries"])


def _incidents(path: Path) -> list[tuple[str, str]]:
    return sorted((record["rule"], record["unit"]) for record in _records(path) if record["type"] == "incident")


def _read(tmp_path: Path, name: str, text: str) -> list[tuple[int, str, int | None, dict[str, str]]]:
    path = tmp_path / name
    path.write_text(text)
    return [(entry.realtime_usec, entry.message, entry.effective_priority, dict(entry.fields))
            for entry in open_entries(Selection(), files=[path])]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_lldpd_fatal_is_crit_and_pages(tmp_path: Path) -> None:
    """lldpd's `[CRIT/fatal] giving up` (src/log.c: translate()'s code, `/`, the token) had no level, so the one rule
    that judges a paste, new-fatal-template, could not fire (trial 63's 29); its bare `CRIT` did. Since rules63 the
    program's own rule (lldpd-fatal) leads the incident, and new-fatal-template's hit on the same line is in it."""
    path = _write(tmp_path, "lldpd.log",
                  "2014-11-13T21:02:01 [ DBG/main] lldpd starting...\n"
                  "2014-11-13T21:02:01 [WARN/main] unable to create control socket: No such file or directory\n"
                  "2014-11-13T21:02:01 [CRIT/fatal] giving up\n")
    assert _incidents(path) == [("lldpd-fatal", "(lldpd)")]
    assert [record["message"] for record in _records(path) if record["type"] == "match"
            and record["rule"] == "new-fatal-template"] == ["2014-11-13T21:02:01 [CRIT/fatal] giving up"]
    assert [priority for _, _, priority, _ in _read(tmp_path, "l2.log", path.read_text())] == [7, 4, 2]


def test_open_vswitch_vlog_levels(tmp_path: Path) -> None:
    """Open vSwitch's `time|seq|module|LEVEL|` (vlog.h): EMER is alert, as VLOG_LEVELS sends it to syslog, and pages;
    a level word in the message after INFO is not the line's."""
    path = _write(tmp_path, "ovs.log",
                  "2022-11-17T02:48:25Z|00187|jsonrpc|WARN|unix#11: receive error: Connection reset by peer\n"
                  "2022-11-17T02:48:26Z|00188|bridge|ERR|could not open network device br0 (No such device)\n"
                  "2022-11-17T02:48:26.500Z|00189|reconnect|INFO|db.sock: ERROR in peer's words\n"
                  "2022-11-17T02:48:27Z|00190|vswitchd|EMER|fatal error\n")
    assert [priority for _, _, priority, _ in _read(tmp_path, "o2.log", path.read_text())] == [4, 3, 5, 1]
    assert _err_entries(path) == 2
    assert _incidents(path) == [("new-fatal-template", "(ovs)")]


def test_gpsd_minidlna_bareos_levels_in_syslog(tmp_path: Path) -> None:
    """Each writes its level behind its own prefix inside the syslog message: gpsd's `gpsd:ERROR: `, MiniDLNA's
    `file.c:line: error: `, Bareos's `time name JobId n: Fatal error: `; none was read (trial 63's 04, 21, 22, 03).
    The same words later in a message are no level."""
    path = _write(tmp_path, "syslog",
                  "Apr  1 10:56:23 tocktick gpsd[657]: gpsd:ERROR: /dev/ttyAMA0: device activation failed.\n"
                  "Apr  1 10:56:24 tocktick gpsd[657]: gpsd:PROG: switch_driver(u-blox) called...\n"
                  "Apr  1 10:56:25 tocktick gpsd[657]: client said gpsd:ERROR: x\n"
                  "Nov  3 23:30:05 omv minidlnad[45464]: minidlna.c:166: error: accept(http): Too many open files\n"
                  "Nov  3 23:30:06 omv minidlnad[45464]: [2021/11/03 23:30:06] scanner.c:730: warn: x\n"
                  "Oct 24 06:14:58 db1 bareos-fd[38746]: 24-Oct 06:14 db1 JobId 31956: Fatal error: bpipe-fd: Error "
                  "closing stream for pseudo file /var/lib/pgsql/backups/db.tar: 268435457\n"
                  "Oct 24 06:14:59 db1 bareos-dir[100]: 24-Oct 06:14 bareos-dir JobId 31956: Warning: x\n"
                  "Oct 24 06:15:00 db1 bareos-dir[100]: the log said JobId 31956: Fatal error: x\n")
    assert [priority for _, _, priority, _ in _read(tmp_path, "s2", path.read_text())] \
        == [3, 5, None, 3, 4, 3, 4, None]
    assert _err_entries(path) == 3


def test_minidlna_fatal_pages(tmp_path: Path) -> None:
    """MiniDLNA's E_FATAL (log.c: log_err, then exit(-1)) is crit: its `fatal: Failed to open log file` is the
    program's last word."""
    path = _write(tmp_path, "minidlna.log",
                  "minidlna.c:1028: fatal: Failed to open log file '/var/log/minidlna.log': Permission denied\n")
    assert _incidents(path) == [("new-fatal-template", "(minidlna)")]


def _utc(usec: int) -> str:
    return datetime.fromtimestamp(usec / 1e6, UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_a_viewers_unzoned_time_before_a_zoned_record(tmp_path: Path) -> None:
    """Docker Desktop's log view puts its local time before each line (`2026-05-26 09:03:38 time="...08:03:38Z"
    level=error ...`): the prefix was read as the line's time (an hour off the record's own, on a UTC machine) and
    the level behind it was lost (trial 63's 20). The record's own zoned time and level win; a record without a zone
    keeps the prefix's time."""
    text = ('2026-05-26 09:03:38 time="2026-05-26T08:03:38Z" level=debug msg="Scanner: Checking missing tracks"\n'
            '2026-05-26 09:03:39 time="2026-05-26T08:03:39Z" level=error msg="Scanner: Error purging missing items" '
            'error="error deleting missing files: permission denied"\n')
    read = _read(tmp_path, "navidrome.log", text)
    assert [(_utc(usec), priority) for usec, _, priority, _ in read] \
        == [("2026-05-26 08:03:38", 7), ("2026-05-26 08:03:39", 3)]
    json = _read(tmp_path, "j.log", '2026-05-26 09:03:40 {"level":"error","time":"2026-05-26T08:03:40+00:00"}\n')
    assert [(_utc(usec), priority) for usec, _, priority, _ in json] == [("2026-05-26 08:03:40", 3)]
    assert read[1][1].startswith('time="2026-05-26T08:03:39Z" level=error')
    assert _err_entries(_write(tmp_path, "n2.log", text)) == 1
    unzoned = _read(tmp_path, "local.log", '2026-05-26 09:03:38 time="2026-05-26T08:03:38" level=error msg="x"\n')
    assert [(_utc(usec), message[:19]) for usec, message, _, _ in unzoned] \
        == [("2026-05-26 09:03:38", "2026-05-26 09:03:38")]


STATUS = ("● mopidy.service - Mopidy music server\n"
          "     Loaded: loaded (/lib/systemd/system/mopidy.service; enabled; vendor preset: enabled)\n"
          "     Active: active (running) since Tue 2023-01-31 13:40:13 UTC; 15min ago\n"
          "   Main PID: 12474 (mopidy)\n"
          "\n"
          "Jan 31 13:45:18 raspberrypi mopidy[12474]: ERROR    [MainThread] mopidy.audio.gst GStreamer error: Could "
          "not open file \"/tmp/snapfifo\" for writing.\n")


def test_a_shell_prompt_before_systemctl_status(tmp_path: Path) -> None:
    """The command typed at a shell's prompt, pasted with its output, and systemctl status's header count for neither
    side when the file's layout is judged: with both against it, one journal line under them was read as plain text,
    its time, host, unit and level lost (trial 63's 31). The command is skipped, without a warning."""
    for prompt in ("pi@raspberrypi:~ $ sudo systemctl status mopidy\n", "[root@pi ~]# systemctl status mopidy -l\n",
                   "$ sudo -E systemctl status mopidy\n", "systemctl status mopidy\n", ""):
        read = _read(tmp_path, "status.txt", prompt + STATUS)
        assert [(_utc(usec), priority, fields["_HOSTNAME"], fields["SYSLOG_IDENTIFIER"]) for usec, _, priority, fields
                in read] == [("2023-01-31 13:45:18", 3, "raspberrypi", "mopidy")], prompt
        done = run_cli("scan", "--file", str(tmp_path / "status.txt"), "-o", "json", "--no-anomalies")
        assert "skipped" not in done.stderr and "no line carries a time" not in done.stderr


def test_words_like_a_command_in_a_log_stay(tmp_path: Path) -> None:
    """A program's line that starts with a command's name followed by a colon (`grep: ...`) is its words, and a prompt
    with no command to show a log is no command."""
    read = _read(tmp_path, "syslog", "Jan 31 13:45:17 pi cron[1]: begin\n"
                                     "Jan 31 13:45:18 pi cron[1]: start\n"
                                     "grep: /etc/x: No such file or directory\n"
                                     "pi@raspberrypi:~ $ ls\n"
                                     "Jan 31 13:45:19 pi cron[1]: end\n")
    assert [message for _, message, _, _ in read] == ["begin", "start\ngrep: /etc/x: No such file or directory\n"
                                                      "pi@raspberrypi:~ $ ls", "end"]


def test_monits_log_file(tmp_path: Path) -> None:
    """monit's own log file (src/log.c: `"[%s] %-8s : "` of `%Z %b %e %T`): the zone's abbreviation before the date
    made the file untimed, and the level after the time was not read (trial 63's 07, 08). An abbreviation of one UTC
    offset is read as it; one of several (IST) as local time, and said."""
    path = _write(tmp_path, "monit.log",
                  "[PDT Aug 23 14:03:20] warning  : 'app' failed protocol test [HTTP] at [localhost]:8888/v1/x\n"
                  "[PDT Aug 23 14:03:40] error    : 'app' failed protocol test [HTTP] at [localhost]:8888/v1/x\n"
                  "[PDT Aug 23 14:03:40] info     : 'app' trying to restart\n")
    read = _read(tmp_path, "m2.log", path.read_text())
    assert [(_utc(usec)[5:], priority) for usec, _, priority, _ in read] \
        == [("08-23 21:03:20", 4), ("08-23 21:03:40", 3), ("08-23 21:03:40", 6)]
    assert _err_entries(path) == 1
    utc = _read(tmp_path, "m3.log", "[UTC Jul  3 08:38:23] error    : 'nodejs' process is not running\n")
    assert [(_utc(usec)[5:], priority) for usec, _, priority, _ in utc] == [("07-03 08:38:23", 3)]
    done = run_cli("scan", "--file", str(_write(tmp_path, "m4.log", "[IST Jul 13 08:38:23] error    : x\n")),
                   "-o", "json", "--no-anomalies")
    assert "IST" in done.stderr and "no line carries a time" not in done.stderr


def test_radvds_log_file(tmp_path: Path) -> None:
    """radvd's log file (log.c: `"[%s] %s (%d): "` of `%b %d %H:%M:%S`) was untimed (trial 63's 26); its ident and
    pid are the line's. A bracketed time before other words stays untimed."""
    read = _read(tmp_path, "radvd.log", "[Jun 02 10:50:54] radvd (42324): sendmsg: No route to host\n"
                                        "[Jun 02 10:50:55] radvd (42324): send_ra_forall failed on interface en3\n")
    assert [(_utc(usec)[5:], fields["SYSLOG_IDENTIFIER"], fields.get("_PID")) for usec, _, _, fields in read] \
        == [("06-02 10:50:54", "radvd", "42324"), ("06-02 10:50:55", "radvd", "42324")]
    done = run_cli("scan", "--file", str(_write(tmp_path, "x.log", "[Jun 02 10:50:54] the peer said hello\n")),
                   "-o", "json", "--no-anomalies")
    assert "no line carries a time" in done.stderr


def test_homebridges_locale_dates(tmp_path: Path) -> None:
    """homebridge's `[%s] ` of JavaScript's toLocaleString(): en-GB's `17/04/2026, 09:23:21`, en-US's `8/1/2022,
    8:52:28 PM`; both files were untimed (trial 63's 30, N9). The order is read where something says it (a number above
    12, or the locale's shape), said on stderr, and never guessed: a line that says nothing, alone, stays untimed."""
    def times(name: str, text: str) -> tuple[list[str], str]:
        path = _write(tmp_path, name, text)
        done = run_cli("scan", "--file", str(path), "-o", "json", "--no-anomalies")
        return [_utc(usec) for usec, _, _, _ in _read(tmp_path, name, text)], done.stderr

    gb, said = times("gb.log", "[05/04/2026, 09:23:17] [Meross] Child bridge starting (pid 990663)...\n"
                               "[05/04/2026, 21:23:21] [Meross] Child bridge ended (code 1, signal null).\n")
    assert gb == ["2026-04-05 09:23:17", "2026-04-05 21:23:21"] and "read day first, as en-GB's" in said
    us, said = times("us.log", "[8/1/2022, 8:52:28 PM] [HB Supervisor] Homebridge Process Ended. Code: 143\n"
                               "[8/1/2022, 12:05:00 AM] x\n")
    assert us == ["2022-08-01 20:52:28", "2022-08-01 00:05:00"] and "read month first, as en-US's" in said
    by_value, said = times("v.log", "[4/17/2026, 09:23:21] x\n[4/5/2026, 09:23:22] y\n")
    assert by_value == ["2026-04-17 09:23:21", "2026-04-05 09:23:22"] and "a day above 12" in said
    _, said = times("none.log", "[8/1/2022, 20:52:28] x\n")
    assert "skipped" in said  # (not read as either)


def test_icecasts_two_blanks(tmp_path: Path) -> None:
    """Icecast's error.log writes two blanks between date and time (`[2017-04-20  18:23:52] INFO main/main ...`): the
    file was untimed (trial 63's N4)."""
    read = _read(tmp_path, "error.log", "[2017-04-20  18:23:52] INFO main/main Icecast 2.4.2 server started\n"
                                        "[2017-04-20  18:23:53] EROR source/source_main x\n")
    assert [(_utc(usec), priority) for usec, _, priority, _ in read] \
        == [("2017-04-20 18:23:52", 6), ("2017-04-20 18:23:53", 3)]


def test_a_program_line_wrapped_inside_a_quote_is_one(tmp_path: Path) -> None:
    """vaultwarden's panic, pasted wrapped in the middle of its quoted error (trial 63's 05): the rest was a record of
    its own, and the first's text ended at `"f`. A piece that closes the quote or bracket the long line left open is
    its rest, joined as a syslog line's piece is (a blank, at no terminal width); a line after a whole one (Rust's
    `note:`, a stack trace's) stays a record of its own."""
    read = _read(tmp_path, "vw.log",
                 "[2021-03-24 17:29:30.983][panic][ERROR] thread 'main' panicked at 'Failed to turn on WAL: "
                 "DatabaseError(__Unknown, \"f\n"
                 "ile is not a database\")': src/db/mod.rs:275\n"
                 "[2021-03-24 17:29:31.983][panic][ERROR] thread 'main' panicked at 'Failed to turn on WAL: "
                 "DatabaseError(__Unknown)': src/db/mod.rs:275\n"
                 "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace (\"x\")\n")
    assert [message[:40] for _, message, _, _ in read] == ["[2021-03-24 17:29:30.983][panic][ERROR] ",
                                                          "[2021-03-24 17:29:31.983][panic][ERROR] ",
                                                          "note: run with `RUST_BACKTRACE=1` enviro"]
    assert read[0][1].endswith("(__Unknown, \"f ile is not a database\")': src/db/mod.rs:275")


def test_metalog_program_is_the_identifier(tmp_path: Path) -> None:
    """metalog's log file writes the program in brackets after its time (`Jul 31 20:37:59 [radvd] ...`): the unit was
    the file's name (trial 63's 25). A time without a bracket after it keeps the file's."""
    read = _read(tmp_path, "current", "Jul 31 20:37:45 [radvd] version 2.4 started\n"
                                      "Jul 31 20:37:59 [radvd] received RS or RA on br0 but br0 is not ready and "
                                      "setup_iface failed\n")
    assert [fields["SYSLOG_IDENTIFIER"] for _, _, _, fields in read] == ["radvd", "radvd"]
    plain = _read(tmp_path, "pdns.log", "May 02 10:41:27 Our pdns instance exited with code 1\n")
    assert [fields["SYSLOG_IDENTIFIER"] for _, _, _, fields in plain] == ["pdns"]


def test_busybox_syslogds_own_line_has_no_tag(tmp_path: Path) -> None:
    """BusyBox syslogd's own `syslog.info syslogd started: BusyBox v1.27.2` has no tag after its facility and level:
    the words before the colon were the unit, `(syslogd started)` (trial 63's 01). They are the message, the syslog
    facility's identifier syslogd; a tagged line keeps its tag."""
    read = _read(tmp_path, "messages", "Dec 21 07:49:24 ups syslog.info syslogd started: BusyBox v1.27.2\n"
                                       "Dec 21 07:49:25 ups daemon.crit apcupsd[10]: Power failure.\n"
                                       "Dec 21 07:49:26 ups user.notice some words: x\n")
    assert [(fields.get("SYSLOG_IDENTIFIER"), message, priority) for _, message, priority, fields in read] == [
        ("syslogd", "syslogd started: BusyBox v1.27.2", 6), ("apcupsd", "Power failure.", 2),
        (None, "some words: x", 5)]
