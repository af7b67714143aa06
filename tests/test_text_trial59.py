"""Layouts of trial 59's pastes (real logs from public bug reports) read as their programs write them: Telegraf's
own log is no syslog, a host may have two blanks after it (Unraid), rsyslog's severity word may stand between the
host and the tag (SONiC), and Pi-hole's, pgpool-II's and ProxySQL's lines keep their times and levels."""

from __future__ import annotations

import calendar
import time
from pathlib import Path

from logsentry.sources import Selection, open_entries
from logsentry.sources.text_sniff import sniff_text


def _read(tmp_path: Path, name: str, text: str) -> list[tuple[int, str, int | None, dict[str, str]]]:
    path = tmp_path / name
    path.write_text(text)
    return [(entry.realtime_usec, entry.message, entry.effective_priority, dict(entry.fields))
            for entry in open_entries(Selection(), files=[path])]


def _utc(*when: int) -> int:
    return calendar.timegm((*when, 0, 0, 0)) * 1_000_000


def test_telegrafs_own_log_is_no_syslog(tmp_path: Path) -> None:
    """`I!` was a host and `Loaded outputs` an identifier, and the `E!` line a continuation of that message."""
    text = ("2022-02-20T05:02:11Z I! Loaded outputs: influxdb\n"
            "2022-02-20T05:02:21Z E! [agent] Error writing to outputs.influxdb: could not write any address\n")
    assert sniff_text(text.encode()) == "applog"
    read = _read(tmp_path, "telegraf.log", text)
    assert [(usec, priority) for usec, _, priority, _ in read] == [(_utc(2022, 2, 20, 5, 2, 11), 6),
                                                                   (_utc(2022, 2, 20, 5, 2, 21), 3)]
    assert read[1][1].startswith("2022-02-20T05:02:21Z E! [agent] Error writing")


def test_two_blanks_after_the_host(tmp_path: Path) -> None:
    [(_, message, _, fields)] = _read(tmp_path, "syslog", "Oct 23 22:07:05 TowerOLD  upsmon[3788]: [D1] Logged "
                                                         "into UPS ups@192.168.0.15\n")
    assert (fields["_HOSTNAME"], fields["SYSLOG_IDENTIFIER"], fields["_PID"]) == ("TowerOLD", "upsmon", "3788")
    assert message == "[D1] Logged into UPS ups@192.168.0.15"
    [(_, _, _, fields)] = _read(tmp_path, "journal.txt", "Jan 02 15:17:27  systemd-resolved[508625]: Using "
                                                         "degraded feature set\n")
    assert "_HOSTNAME" not in fields and fields["SYSLOG_IDENTIFIER"] == "systemd-resolved"  # (no host: as before)


def test_a_severity_word_between_host_and_tag(tmp_path: Path) -> None:
    read = _read(tmp_path, "syslog", "Aug 19 13:29:06.181422 sonic CRIT bgp#zebra[76]: Assertion `data_len' failed "
                                     "in file zebra/zebra_fpm.c, line 927, function zfpm_build_updates\n"
                                     "Aug 19 13:29:07.000001 sonic INFO swss#orchagent: done\n")
    assert [(fields["SYSLOG_IDENTIFIER"], fields["PRIORITY"], priority) for _, _, priority, fields in read] == [
        ("bgp#zebra", "2", 2), ("swss#orchagent", "6", 6)]
    assert "SYSLOG_FACILITY" not in read[0][3]  # (the template writes no facility)
    [(_, _, _, fields)] = _read(tmp_path, "other", "Aug 19 13:29:06 web1 Critical thing[76]: x\n")
    assert fields["SYSLOG_IDENTIFIER"] == "Critical thing"  # (only rsyslog's upper-case severity names)


def test_pihole_pgpool_and_proxysql_lines(tmp_path: Path) -> None:
    read = _read(tmp_path, "FTL.log", "[2020-03-04 06:48:07.383 9838] FTL branch: master\n")
    assert read[0][2] is None  # the daemon's name, no zerolog FTL
    read = _read(tmp_path, "pgpool.log", "2020-07-15 15:42:20: pid 5503: FATAL:  failed to create a backend 1 "
                                         "connection\n")
    assert read[0][2] == 3
    read = _read(tmp_path, "proxysql.log", "2019-02-16 20:53:43 MySQL_HostGroups_Manager.cpp:303:connect_error(): "
                                           "[ERROR] Shunning server 10.22.16.9:4578 with 5 errors/sec\n")
    assert read[0][2] == 3


def test_a_paste_wrapped_where_it_was_pasted_keeps_its_layout(tmp_path: Path) -> None:
    """A journal pasted at 80 columns (trial 58) and a syslog wrapped at words (trial 59) had more pieces than
    lines: read as plain text, no line kept its time, host or level. The pieces go with the line before them."""
    hard = ("Jan 09 17:06:34 server.local systemd[1]: Started VIC Unified Installer Web Se\nrver.\n"
            "Jan 09 17:06:35 server.local start_fileserver.sh[1754]: time=\"2018-01-09T17:0\n"
            "6:35Z\" level=fatal msg=\"Failed to load certificate /opt/vmware/fileserver/cert/s\n"
            "erver.crt: tls: failed to parse private key\"\n")
    assert sniff_text(hard.encode()) == "text"
    read = _read(tmp_path, "wrapped.txt", hard)
    assert [fields["SYSLOG_IDENTIFIER"] for _, _, _, fields in read] == ["systemd", "start_fileserver.sh"]
    assert read[1][1].endswith("tls: failed to parse private key\"")
    soft = ("Oct  3 18:38:07 sip1-life3 kamailio[3380553]: CRITICAL: {2 3691 INVITE\n"
            "672699d1-c76b-4153-b72a-fe647913a9e9} tm [../../core/forward.h:292]: msg_send_buffer():\n"
            "tcp_send failed\n") * 2
    assert sniff_text(soft.encode()) == "text"
    assert [priority for _, _, priority, _ in _read(tmp_path, "kamailio.txt", soft)] == [2, 2]
    short = "Oct  3 18:38:07 web1 app[1]: ok\nnot a log line\nnor this one\n"  # pieces after a short line
    assert sniff_text(short.encode()) != "text"
    # a program's own lines, long and of no layout, are no pieces of each other (trial 58's fail2ban log, whose
    # message quotes two syslog lines, was read as syslog and lost its ERROR)
    own = ("2018-10-01 00:02:32,490 fail2ban.filter         [29037]: INFO    [multi-ban2] Found 191.96.249.61\n" * 3
           + "Oct  1 00:02:00 host5-vm103 postfix/smtpd[32429]: warning: unknown[191.96.249.61]: SASL LOGIN "
             "authentication failed\n" * 2)
    assert sniff_text(own.encode()) == "applog"


def test_jitsis_component_before_its_time(tmp_path: Path) -> None:
    read = _read(tmp_path, "jicofo.log", "Jicofo 2024-01-13 18:53:26.225 SEVERE: [61] ParticipantInviteRunnable.doRun"
                                         "#219: Can not invite participant, no bridge available.\n")
    assert [(usec, priority) for usec, _, priority, _ in read] == [(_local(2024, 1, 13, 18, 53, 26) + 225_000, 3)]


def _local(*when: int) -> int:
    return int(time.mktime((*when, 0, 0, -1))) * 1_000_000


def test_grep_h_before_lines_without_a_time(tmp_path: Path) -> None:
    """`grep -H` (and `-n`) before a program's untimed lines (trial 59's pgbackrest paste): the file's name goes, so
    the line's level is read; a line that only starts like one keeps its words."""
    read = _read(tmp_path, "paste.txt", "postgresql-2022-12-25_00.log:ERROR: [082]: unable to push WAL file "
                                        "'00000003001A0D94000000A6' to the archive asynchronously after 60 second(s)\n"
                                        "app.log.1:12:WARN: retrying\nerror.log: rotated\n")
    assert [(message[:14], priority) for _, message, priority, _ in read] == [
        ("ERROR: [082]: ", 3), ("WARN: retrying", 4), ("error.log: rot", None)]


SOURCE = """-- Logs begin at Thu 2024-11-28 06:02:11 CET, end at Thu 2024-11-28 14:31:07 CET. --
Nov 28 14:31:02 db-backup-02 pgbackup[88121]: ERROR: upload of base.tar.lz4 failed: An error occurred (AccessDenied)
Nov 28 14:31:03 db-backup-02 systemd[1]: pgbackup-nightly.service: Main process exited, code=exited, status=1/FAILURE
Nov 28 14:31:03 db-backup-02 systemd[1]: pgbackup-nightly.service: Failed with result 'exit-code'.
"""


def _fold(text: str, at_words: bool) -> str:
    """`fold -w 80` (at the width, inside words) or an issue's text box (at words, its lines' ends stripped)."""
    import textwrap
    lines = []
    for line in text.splitlines():
        lines += textwrap.wrap(line, 80, break_on_hyphens=False, drop_whitespace=True) if at_words else \
            [line[at:at + 80] for at in range(0, len(line), 80)]
    return "\n".join(lines) + "\n"


def test_a_wrapped_journalctl_paste_reads_as_written(tmp_path: Path) -> None:
    """helper-187: a paste folded at 80 columns joined its pieces with a line feed (`Failed with r` / `esult`), and
    its header, cut before ` --`, was skipped: the service's failure fired nothing, and the times came two years
    and an hour off. Pieces are joined as written (at the width: nothing between; cut shorter: a blank)."""
    for at_words in (False, True):
        read = _read(tmp_path, "paste.txt", _fold(SOURCE, at_words))
        assert [message for _, message, _, _ in read] == [
            "ERROR: upload of base.tar.lz4 failed: An error occurred (AccessDenied)",
            "pgbackup-nightly.service: Main process exited, code=exited, status=1/FAILURE",
            "pgbackup-nightly.service: Failed with result 'exit-code'."], at_words
        assert read[0][0] == _utc(2024, 11, 28, 13, 31, 2)  # the header's CET and year
