"""Text inputs (sources/text.py): real `journalctl` output in each short format, made by journalctl from a
test journal, finds what the journal itself finds; syslog files across a new year; RFC 5424; Docker logs."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_USEC, entry, json_events, of_type, run_cli

from logsentry.sources import Selection, open_entries

JOURNALCTL = shutil.which("journalctl")
needs_journalctl = pytest.mark.skipif(JOURNALCTL is None, reason="journalctl is needed")

MVAR = "cachix-server: thread blocked indefinitely in an MVar operation"
KILLED = "app.service: Main process exited, code=killed, status=9/KILL"
OOM = "Out of memory: Killed process 4242 (node) total-vm:1234567kB, anon-rss:523456kB, file-rss:0kB"


def _at(seconds: float, **fields: Any) -> dict[str, Any]:
    """An entry `seconds` after 2026-01-01 00:00:00 UTC (negative: the old year), on host web1."""
    monotonic = int((seconds + 100) * 1_000_000)
    return {**fields, "_HOSTNAME": "web1", "__MONOTONIC_TIMESTAMP": monotonic}


def _entries() -> list[dict[str, Any]]:
    return [
        entry("listening on :8080", at=-10, priority=6, **_at(-10, _PID="812")),
        *(entry(MVAR, at=-3 + i, priority=3, **_at(-3 + i, _PID="812")) for i in range(3)),
        # PID 1 about the unit: systemd-main-process-killed is gated on the trusted _PID=1
        entry(KILLED, unit="init.scope", at=0, priority=4,
              **_at(0, _PID="1", UNIT="app.service", SYSLOG_IDENTIFIER="systemd")),
        # the same words from another process: no match in the journal, none in its text
        entry(KILLED, unit="evil.service", at=1, **_at(1, _PID="4444", SYSLOG_IDENTIFIER="systemd")),
        entry(OOM, unit=None, at=2, priority=3, **_at(2, _TRANSPORT="kernel", SYSLOG_IDENTIFIER="kernel")),
        entry("panic: runtime error: invalid memory address or nil pointer dereference\n"
              "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]\n\ngoroutine 1 [running]:",
              unit="api.service", at=3, priority=3, **_at(3, _PID="900")),
    ]


def _matches(path: Path, *args: str) -> list[dict[str, Any]]:
    result = run_cli("scan", "--file", str(path), "-o", "json", *args)
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "match")


def _priority_gated() -> set[str]:
    """Rules that look at the priority: journalctl's short formats do not show it (RFC 5424 does)."""
    from logsentry.rules.loader import default_rule_dirs, load_rules

    return {rule.id for rule in load_rules(default_rule_dirs()).rules
            if rule.max_priority is not None or rule.anomaly is not None}


def _key(match: dict[str, Any], with_time: bool = True) -> tuple[Any, ...]:
    return (match["rule"], match["message"], *((match["realtime_usec"],) if with_time else ()))


FORMATS = {  # journalctl's output: (its time precision in usec, or None when it has no wall-clock time)
    "short": 1_000_000,
    "short-precise": 1,
    "short-iso": 1_000_000,
    "short-iso-precise": 1,
    "short-unix": 1,
    "short-monotonic": None,
    "short-delta": None,  # (the boot's time and the time since the entry before: helper-170's trial)
    "short-full": 1_000_000,  # (weekday and zone name: helper-170)
    "with-unit": 1_000_000,  # (short-full, with units for identifiers)
}


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from logsentry.sources.journal_files import build_journal, export_bytes

    return build_journal(export_bytes(_entries()), tmp_path_factory.mktemp("text") / "text.journal")


@needs_journalctl
@pytest.mark.parametrize("output", list(FORMATS))
def test_journalctl_text_finds_what_the_journal_finds(journal: Path, tmp_path: Path, output: str) -> None:
    assert JOURNALCTL is not None
    text = subprocess.run([JOURNALCTL, "--file", str(journal), "-o", output, "--no-pager"],
                          capture_output=True, check=True).stdout
    assert b"thread blocked indefinitely" in text
    dump = tmp_path / f"{output}.txt"
    dump.write_bytes(text)
    last = BASE_USEC // 1_000_000 + 10
    os.utime(dump, (last, last))  # a log file's time: when its last line was written (short has no year)
    gated = _priority_gated()  # the information is not in the text
    from_journal = [m for m in _matches(journal) if m["rule"] not in gated]
    # "systemd[4444]:" in a text is a user manager's line as far as anyone can tell (a pasted `journalctl --user`:
    # sources/text.py), where the journal's _SYSTEMD_UNIT=evil.service says it is not: the user rule, not PID 1's
    user_rule = [m for m in _matches(dump) if m["rule"] == "systemd-user-unit-failure"]
    # (with-unit names the process by its unit, evil.service[4444]: no user manager's line, as in the journal)
    assert [(m["unit"], m["message"]) for m in user_rule] == ([] if output == "with-unit" else
                                                              [("(app.service)", KILLED)]), user_rule
    from_text = [m for m in _matches(dump) if m["rule"] not in gated and m["rule"] != "systemd-user-unit-failure"]
    precision = FORMATS[output]
    rules = {m["rule"] for m in from_journal}
    assert {"ghc-mvar-deadlock", "systemd-main-process-killed", "kernel-oom-kill", "go-nil-pointer-panic"} <= rules
    if precision is None:  # boot-relative time only: same matches, in the same order
        assert [_key(m, False) for m in from_text] == [_key(m, False) for m in from_journal]
    else:
        expected = [(*_key(m, False), m["realtime_usec"] // precision * precision) for m in from_journal]
        assert [_key(m) for m in from_text] == expected
    assert all(m["from_text"] is True for m in from_text)
    assert all("from_text" not in m for m in from_journal)
    killed = [m for m in from_text if m["rule"] == "systemd-main-process-killed"]
    assert len(killed) == 1  # systemd[1]: only; "systemd[4444]:" is not PID 1
    # incidents too, and their suggested actions are only ever dry runs
    events = json_events(run_cli("scan", "--file", str(dump), "-o", "json"))
    assert of_type(events, "incident") and all(a["dry_run"] for a in of_type(events, "action"))


@needs_journalctl
def test_journalctl_marker_lines_and_boots(tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    """`-- Boot ID --` lines between boots; monotonic time restarts at each boot and is kept increasing."""
    assert JOURNALCTL is not None
    first = [entry(MVAR, at=i, priority=3, _BOOT_ID="1" * 32, __MONOTONIC_TIMESTAMP=5_000_000 + i)
             for i in range(2)]
    second = [entry(MVAR, at=100 + i, priority=3, _BOOT_ID="2" * 32, __MONOTONIC_TIMESTAMP=1_000_000 + i)
              for i in range(2)]
    journal = make_journal([*first, *second])
    text = subprocess.run([JOURNALCTL, "--file", str(journal), "-o", "short-monotonic", "--no-pager"],
                          capture_output=True, check=True, text=True).stdout
    assert "-- Boot " in text
    dump = tmp_path / "boots.txt"
    dump.write_text(text)
    times = [e.realtime_usec for e in open_entries(Selection(), files=[dump])]
    assert len(times) == 4 and times == sorted(times)
    empty = tmp_path / "none.txt"
    empty.write_text(subprocess.run([JOURNALCTL, "--file", str(journal), "--since", "2030-01-01", "--no-pager"],
                                    capture_output=True, text=True).stdout)
    assert empty.read_text().strip() == "-- No entries --"
    assert list(open_entries(Selection(), files=[empty])) == []


def _local_usec(*when: int) -> int:
    return int(time.mktime((*when, 0, 0, -1))) * 1_000_000


SYSLOG = """\
Dec 31 23:59:58 web1 cachix-server[812]: thread blocked indefinitely in an MVar operation
Dec 31 23:59:59 web1 sshd[1200]: Accepted publickey for deploy from 10.0.0.5 port 50000 ssh2
Jan  1 00:00:01 web1 systemd[1]: app.service: Main process exited, code=killed, status=9/KILL
Jan  1 00:00:02 web1 kernel: Out of memory: Killed process 4242 (node) total-vm:1234567kB, anon-rss:1kB
Jan  1 00:00:03 web1 evil[66]: systemd[1]: app.service: Main process exited, code=killed, status=9/KILL
"""


@pytest.mark.parametrize("mtime", [(2026, 1, 1, 0, 5, 0), (2026, 3, 15, 12, 0, 0)])
def test_syslog_file_across_the_new_year(tmp_path: Path, mtime: tuple[int, ...]) -> None:
    path = tmp_path / "syslog"
    path.write_text(SYSLOG)
    stamp = _local_usec(*mtime) // 1_000_000
    os.utime(path, (stamp, stamp))
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.realtime_usec for e in entries] == [
        _local_usec(2025, 12, 31, 23, 59, 58), _local_usec(2025, 12, 31, 23, 59, 59),
        _local_usec(2026, 1, 1, 0, 0, 1), _local_usec(2026, 1, 1, 0, 0, 2), _local_usec(2026, 1, 1, 0, 0, 3)]
    assert entries[0].fields["SYSLOG_IDENTIFIER"] == "cachix-server" and entries[0].fields["_PID"] == "812"
    assert entries[0].fields["_HOSTNAME"] == "web1" and entries[0].unit == "(cachix-server)"
    assert entries[3].unit == "kernel" and entries[3].fields["_TRANSPORT"] == "kernel"
    matches = _matches(path)
    assert [(m["rule"], m["realtime_usec"]) for m in matches] == [
        ("ghc-mvar-deadlock", entries[0].realtime_usec),
        ("systemd-main-process-killed", entries[2].realtime_usec),
        ("kernel-oom-kill", entries[3].realtime_usec)]
    assert all(m["from_text"] for m in matches)
    # gzip is undone by content, as for dumps
    packed = tmp_path / "syslog.1.gz"
    packed.write_bytes(gzip.compress(SYSLOG.encode()))
    os.utime(packed, (stamp, stamp))
    assert [m["realtime_usec"] for m in _matches(packed)] == [m["realtime_usec"] for m in matches]


def test_rfc5424_and_pri(tmp_path: Path) -> None:
    path = tmp_path / "5424.log"
    path.write_text(
        '<27>1 2026-01-01T10:00:00.250000+01:00 web1 cachix-server 812 - [origin ip="10.0.0.1" x="a\\"]"] '
        "\ufeffthread blocked indefinitely in an MVar operation\n"
        "<30>1 2026-01-01T09:00:01Z web1 systemd 1 - - app.service: Main process exited, code=killed, "
        "status=9/KILL\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.realtime_usec for e in entries] == [BASE_USEC + 9 * 3600_000_000 + 250_000,
                                                   BASE_USEC + 9 * 3600_000_000 + 1_000_000]
    assert entries[0].message == "thread blocked indefinitely in an MVar operation"
    assert entries[0].priority == 3 and entries[1].priority == 6 and entries[1].fields["_PID"] == "1"
    assert [m["rule"] for m in _matches(path) if m["rule"] not in _priority_gated()] == [
        "ghc-mvar-deadlock", "systemd-main-process-killed"]
    wire = tmp_path / "3164.log"  # RFC 3164 as sent, with its <PRI>
    wire.write_text("<11>Jan  1 00:00:01 web1 cachix-server[812]: thread blocked indefinitely in an MVar operation\n")
    os.utime(wire, (BASE_USEC // 1_000_000 + 86400, BASE_USEC // 1_000_000 + 86400))
    (only,) = open_entries(Selection(), files=[wire])
    assert only.priority == 3 and only.realtime_usec == _local_usec(2026, 1, 1, 0, 0, 1)


def test_docker_json_file(tmp_path: Path) -> None:
    container = "0123456789ab" + "c" * 52
    path = tmp_path / f"{container}-json.log"
    records = [
        {"log": "starting\n", "stream": "stdout", "time": "2026-01-01T00:00:00.123456789Z"},
        {"log": "cachix-server: thread blocked indefinitely ", "stream": "stderr",
         "time": "2026-01-01T00:00:01.000000001Z"},  # a partial line: Docker splits lines over 16 KiB
        {"log": "in an MVar operation\n", "stream": "stderr", "time": "2026-01-01T00:00:01.000000002Z"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.message for e in entries] == ["starting", MVAR]
    assert entries[0].realtime_usec == BASE_USEC + 123456 and entries[1].priority == 3
    assert entries[1].fields["SYSLOG_IDENTIFIER"] == "0123456789ab" and entries[1].unit == "(0123456789ab)"
    (match,) = [m for m in _matches(path) if m["rule"] not in _priority_gated()]
    assert match["rule"] == "ghc-mvar-deadlock" and match["from_text"] is True
    assert match["realtime_usec"] == BASE_USEC + 1_000_000


def test_text_is_never_followed_or_acted_on(tmp_path: Path) -> None:
    """tail (and so `tail --act`) follows journal files only; the service reads the journal."""
    path = tmp_path / "syslog"
    path.write_text(SYSLOG)
    result = run_cli("tail", "--file", str(path), "--act", "--plain")
    assert result.exit_code == 2 and "not a journal file" in result.stderr


def test_text_in_no_layout_is_read_without_times_and_said(tmp_path: Path) -> None:
    """Text no reader takes is read as lines without a time (sources/plain.py), and the warning says how to get
    times; binary stays refused with the formats named (tests/test_plain_input.py)."""
    path = tmp_path / "notes.txt"
    path.write_text("remember to rotate the keys\n")
    result = run_cli("scan", "--file", str(path))
    assert result.exit_code == 0 and "logsentry scan: 1 entry" in result.stdout, result.output
    assert "no line carries a time in a layout logsentry reads" in result.stderr and "-o short-iso" in result.stderr


def test_a_cut_first_line_does_not_get_a_log_refused(tmp_path: Path) -> None:
    """A log cut out of a longer one (tail -c, a rotated piece) starts inside a line: that line is read as the
    file's own, at the first time (as a program's untimed stderr above its journal lines is, trial 64's 26), and the
    rest as syslog's, instead of the whole file being refused as an unknown format."""
    path = tmp_path / "piece.log"
    path.write_text("ocked indefinitely in an MVar operation\n" + SYSLOG)
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output
    assert [m["rule"] for m in of_type(json_events(result), "match")] == [
        "ghc-mvar-deadlock", "systemd-main-process-killed", "kernel-oom-kill"]
    assert "no log layout" not in result.stderr
    assert next((entry.unit, entry.message) for entry in open_entries(Selection(), files=[path])) == (
        "(piece)", "ocked indefinitely in an MVar operation")
    # prose with one line that happens to look like a log line is no syslog: lines without times, each its own
    notes = tmp_path / "notes.txt"
    notes.write_text("remember to rotate the keys\nand the certificates\n"
                     "Jan  1 00:00:01 web1 systemd[1]: started\nthen tell the team\n")
    plain = run_cli("scan", "--file", str(notes))
    assert plain.exit_code == 0 and "4 entries" in plain.stdout and "no line carries a time" in plain.stderr


def test_a_guessed_year_is_said(tmp_path: Path) -> None:
    """Year-less times take their year from the file's time; that guess is said once (a log copied or
    touched later would read as the wrong year), and not when journalctl's header line gives the year."""
    path = tmp_path / "syslog"
    path.write_text(SYSLOG)
    stamp = _local_usec(2026, 3, 15, 12, 0, 0) // 1_000_000
    os.utime(path, (stamp, stamp))
    result = run_cli("scan", "--file", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.count("times carry no year") == 1
    assert "read as 2025" in result.stderr and "(2026-03-15)" in result.stderr
    headed = tmp_path / "journalctl.txt"
    headed.write_text("-- Logs begin at Wed 2025-12-31 00:00:00 UTC, end at Thu 2026-01-01 00:00:03 UTC. --\n"
                      + SYSLOG)
    os.utime(headed, (stamp, stamp))
    quiet = run_cli("scan", "--file", str(headed))
    assert quiet.exit_code == 0 and "no year" not in quiet.stderr
    piped = run_cli("scan", "--file", "-", input=SYSLOG.encode())
    assert piped.exit_code == 0 and "no later than now (standard input has no file time)" in piped.stderr


def test_kernel_lines_with_the_printk_time_as_rsyslog_writes_them(tmp_path: Path) -> None:
    """kern.log and syslog files (rsyslog's imklog) keep the kernel's own `[ 1234.567890] ` time before
    the message; journald strips it from MESSAGE, and the kernel rules are written against MESSAGE."""
    path = tmp_path / "kern.log"
    path.write_text(
        "Nov 30 10:00:01 web1 kernel: [12345.678901] Out of memory: Killed process 2001 (api) total-vm:1234567kB, "
        "anon-rss:523456kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:2048kB oom_score_adj:0\n"
        "Nov 30 10:00:02 web1 kernel: [    2.000001] EXT4-fs error (device sdb1): ext4_find_entry:1455: inode #2: "
        "comm ls: reading directory lblock 0\n"
        "Nov 30 10:00:03 web1 app[77]: [12345.678901] Out of memory: Killed process 1 (init)\n")
    # (the signatures' matches: excerpt-failure-template judges a log's lines too, below its trigger)
    matches = [m for m in _matches(path) if m["rule"] != "excerpt-failure-template"]
    assert [m["rule"] for m in matches] == ["kernel-oom-kill", "kernel-ext4-error"]
    assert matches[0]["message"].startswith("Out of memory: Killed process 2001 (api)")


def test_systemd_219s_wording_is_read_and_named(tmp_path: Path) -> None:
    """CentOS/RHEL 7's systemd 219 words a unit's failure its own way ("Unit X entered failed state.", "X holdoff
    time over, scheduling restart.", "start request repeated too quickly for X", "main process exited"): no rule
    knew it, and the lines went with "(systemd)" (helper D17: MISP#7989, moby#34091). Wording as in public reports
    (kubelet's, from kubernetes/kubeadm issues)."""
    path = tmp_path / "messages"
    path.write_text(
        "Jun 28 22:07:11 m1 systemd[1]: docker.service: main process exited, code=dumped, status=6/ABRT\n"
        "Jun 28 22:07:11 m1 systemd[1]: Unit docker.service entered failed state.\n"
        "Jun 28 22:07:11 m1 systemd[1]: docker.service failed.\n"
        "Jun 28 22:07:12 m1 systemd[1]: docker.service holdoff time over, scheduling restart.\n"
        "Jun 28 22:07:12 m1 systemd[1]: start request repeated too quickly for docker.service\n"
        "Jun 28 22:07:12 m1 systemd[1]: Failed to start Docker Application Container Engine.\n"
        # with RestartSec=0 (systemd/systemd#4449)
        "Jun 28 22:07:13 m1 systemd[1]: docker.service has no holdoff time, scheduling restart.\n")
    result = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    records = of_type(json_events(result), "match")
    assert ("systemd-restart-loop", "(docker.service)") in {(m["rule"], m["unit"]) for m in records[-1:]}
    matches = {(m["rule"], m["unit"]) for m in records}
    assert matches == {(rule, "(docker.service)") for rule in (  # text: the untrusted form
        "systemd-main-process-killed", "systemd-unit-failed", "systemd-restart-loop", "systemd-start-limit-hit")}, \
        matches


RSYSLOG = (
    # rsyslog's file of a Python service's journal lines (imjournal): each control character escaped as #ooo
    "Dec  5 10:00:01 db1 synapse[812]: synapse.storage.database - 123 - ERROR - persist_events-1 - [TXN OPERROR] "
    '{persist_events-4a 0 0} could not extend file "base/16384/2619": No space left on device#012HINT:  Check free '
    "disk space.#012 0/5\n"
    "Dec  5 10:00:02 db1 worker[813]: Traceback (most recent call last):#012  File \"/srv/job.py\", line 9, in run"
    "#012#011save(batch)#012OSError: [Errno 28] No space left on device\n"
    "Dec  5 10:00:03 db1 shop[814]: Order #001234 shipped\n")


def test_rsyslog_escaped_control_characters_are_read_back(tmp_path: Path) -> None:
    """rsyslog writes a multi-line message as one line with `#012` for each line feed (#011 a tab): read back, the
    message is the program's, and a rule anchored at its first line's end matches (helper-172's Synapse ENOSPC,
    missed before). Other `#0` numbers stay as written."""
    path = tmp_path / "syslog"
    path.write_text(RSYSLOG)
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.message.split("\n") for e in entries] == [
        ['synapse.storage.database - 123 - ERROR - persist_events-1 - [TXN OPERROR] {persist_events-4a 0 0} could '
         'not extend file "base/16384/2619": No space left on device', "HINT:  Check free disk space.", " 0/5"],
        ["Traceback (most recent call last):", '  File "/srv/job.py", line 9, in run', "\tsave(batch)",
         "OSError: [Errno 28] No space left on device"],
        ["Order #001234 shipped"]]
    assert [(m["rule"], m["unit"]) for m in _matches(path) if m["rule"] == "disk-full"] == [
        ("disk-full", "(synapse)"), ("disk-full", "(worker)")]


def test_grep_file_names_and_busybox_facility_levels_are_not_the_lines(tmp_path: Path) -> None:
    """`grep -H` (and `-n`) put the file's name before each line; OpenWrt's logread puts BusyBox syslogd's
    `facility.level` before the identifier. Read as they came, the first was lines of no layout (no time, no sshd)
    and the second made `auth.info sshd` and `authpriv.alert sshd` units of their own, at no level (helper-172:
    remotelabz/remotelabz#382, Ysurac/openmptcprouter#868)."""
    failed = "Failed password for root from 192.168.16.1 port 30853 ssh2"
    path = tmp_path / "paste.txt"
    path.write_text("".join(f"auth.log.1:{n + 1}:May 24 12:16:{20 + n} gitlab sshd[2714{n}]: {failed}\n"
                            for n in range(6))
                    + "auth.log:Mar  2 17:26:40 mantis authpriv.alert sshd[5123]: PAM service(sshd) ignoring max "
                      "retries; 6 > 3\n"
                    + "".join(f"Mar  2 17:27:{10 + n} mantis auth.info sshd[5147]: {failed}\n" for n in range(6)))
    entries = list(open_entries(Selection(), files=[path]))
    assert [(e.fields["_HOSTNAME"], e.unit, e.priority) for e in entries] == (
        [("gitlab", "(sshd)", None)] * 6 + [("mantis", "(sshd)", 1)] + [("mantis", "(sshd)", 6)] * 6)
    assert all(e.message.startswith(("Failed password", "PAM service")) for e in entries)
    assert entries[0].realtime_usec % 86_400_000_000 % 3_600_000_000 == (16 * 60 + 20) * 1_000_000
    assert entries[7].fields["SYSLOG_FACILITY"] == "4"  # auth
    assert [m["rule"] for m in _matches(path) if m["rule"].startswith("sshd")] == ["sshd-password-brute-force"] * 12


def test_journalctls_link_glyph_and_a_coredump_line_in_text(tmp_path: Path) -> None:
    """journalctl on a terminal puts a link to the message's catalog entry before it (`[🡕] `, `[LNK] ` in ASCII): a
    paste keeps it, and systemd-coredump's and PID 1's lines behind it matched nothing. A text's coredump line has
    none of the journal's fields the rule trusts (its MESSAGE_ID, _UID 0): it is read with them, as its `systemd[1]`
    is read as PID 1's (helper-173: SolDoesTech/HyprV3#18)."""
    path = tmp_path / "paste.txt"
    path.write_text("Dec 05 10:00:00 archlinux systemd-coredump[835]: [\U0001F855] Process 797 (swww) of user 1000 "
                    "dumped core.\n"
                    "                                                 \n"
                    "                                                 Stack trace of thread 797:\n"
                    "Dec 05 10:00:01 archlinux systemd[1]: [LNK] swww.service: Failed with result 'core-dump'.\n"
                    "Dec 05 10:00:02 archlinux evil[4242]: Process 1 (init) of user 0 dumped core.\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.message.split("\n")[0] for e in entries] == [
        "Process 797 (swww) of user 1000 dumped core.", "swww.service: Failed with result 'core-dump'.",
        "Process 1 (init) of user 0 dumped core."]
    assert "_UID" not in entries[2].fields  # another program's words are not systemd-coredump's
    assert sorted((m["rule"], m["unit"]) for m in _matches(path)) == [
        ("systemd-coredump", "(systemd-coredump)"), ("systemd-unit-failed", "(swww.service)")]


def test_openwrt_logread_lines_are_syslog_lines(tmp_path: Path) -> None:
    """OpenWrt's `logread` prints ctime's local time with the year, no host, then `facility.level` (ubox
    log/logread.c): read as a program's time alone, the identifier was the file's, `daemon.crit` no level, and
    dnsmasq's crash loop on a taken port (musl's "Address in use") went unseen (helper-176: openwrt/luci#6959).
    `-t`'s `[seconds.ms]` and the kernel's ` kernel:` lines too."""
    path = tmp_path / "logread.txt"
    path.write_text("".join(
        f"Fri Oct 24 18:22:{23 + 5 * n} 2025 daemon.crit dnsmasq[1]: failed to create listening socket for "
        f"192.168.178.2: Address in use\nFri Oct 24 18:22:{23 + 5 * n} 2025 daemon.crit dnsmasq[1]: FAILED to start "
        "up\n" for n in range(3))
        + "Fri Oct 24 18:22:40 2025 [1761330160.123] kern.warn kernel: [  123.456000] nf_conntrack: table full, "
          "dropping packet\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [(e.unit, e.priority, e.fields.get("SYSLOG_FACILITY")) for e in entries] == (
        [("(dnsmasq)", 2, "3")] * 6 + [("kernel", 4, "0")])
    assert entries[0].message.startswith("failed to create listening socket")
    assert entries[-1].message == "nf_conntrack: table full, dropping packet"
    assert entries[0].realtime_usec == int(time.mktime((2025, 10, 24, 18, 22, 23, 0, 0, -1))) * 1_000_000
    assert "listen-address-in-use" in {m["rule"] for m in _matches(path)}


def test_syslog_tags_of_lines_without_their_time_columns(tmp_path: Path) -> None:
    """journalctl's or a syslog file's lines pasted with the time and host columns cut off keep the program's tag,
    `ident[pid]: `: the identifier and PID (the file's name was every line's, so PID 1's words on a unit were
    no unit's failure; helper-176: corosync/corosync#389). A level word in brackets is no tag."""
    path = tmp_path / "cut.txt"
    path.write_text("corosync[228119]:  [TOTEM ] A processor failed, forming new configuration.\n"
                    "systemd[1]: app.service: Main process exited, code=killed, status=9/KILL\n"
                    "systemd[1]: app.service: Failed with result 'signal'.\n"
                    "ERROR[0001]: could not reach the database\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [(e.unit, e.fields.get("_PID")) for e in entries] == [
        ("(corosync)", "228119"), ("(app.service)", "1"), ("(app.service)", "1"), ("(cut)", None)]
    assert entries[0].message == " [TOTEM ] A processor failed, forming new configuration."
    assert "systemd-unit-failed" in {m["rule"] for m in _matches(path)}


def test_an_identifier_ending_in_a_bracketed_name(tmp_path: Path) -> None:
    """SSSD tags its processes' lines `sssd[be[DOMAIN]]` and `sssd[nss]` before the PID: a journalctl paste of them
    was lines of no layout, all at the file's time (helper-176: SSSD/sssd#5282). A PID alone is still the PID."""
    path = tmp_path / "sssd.txt"
    path.write_text("Aug 18 12:32:41 head-0 sssd[be[adldap]][131456]: Could not start TLS encryption. unknown error\n"
                    "Aug 18 12:33:41 head-0 sssd[nss][131457]: Enumeration requested, refreshing\n"
                    "Aug 18 12:34:41 head-0 sshd[812]: Accepted publickey for root from 10.0.0.5 port 51000 ssh2\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [(e.fields["_HOSTNAME"], e.unit, e.fields["_PID"]) for e in entries] == [
        ("head-0", "(sssd[be[adldap]])", "131456"), ("head-0", "(sssd[nss])", "131457"), ("head-0", "(sshd)", "812")]
    assert entries[0].message == "Could not start TLS encryption. unknown error"
    assert entries[2].realtime_usec - entries[0].realtime_usec == 120_000_000


def test_a_journalctl_line_of_an_empty_hostname(tmp_path: Path) -> None:
    """journalctl prints an entry whose _HOSTNAME is empty with two blanks where the host goes: those lines were no
    layout, all at the file's time (helper-178: a systemd-resolved paste)."""
    path = tmp_path / "resolved.txt"
    path.write_text("jan 02 15:17:27  systemd-resolved[508625]: Using degraded feature set (UDP) for DNS server "
                    "10.0.0.53.\n"
                    "jan 02 19:18:11  systemd-resolved[508625]: Grace period over, resuming full feature set "
                    "(UDP+EDNS0) for DNS server 10.0.0.53.\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [(e.unit, e.fields.get("_HOSTNAME"), e.fields["_PID"]) for e in entries] == [
        ("(systemd-resolved)", None, "508625")] * 2
    assert entries[1].realtime_usec - entries[0].realtime_usec == (4 * 3600 + 44) * 1_000_000


def test_a_year_less_line_takes_the_year_its_own_date_says(tmp_path: Path) -> None:
    """journalctl's `short` time behind which the program wrote its full date (trial 57's Kafka Connect paste, read
    as 2026 from the file's time though the line said 2019): that year, said on stderr."""
    path = tmp_path / "connect.txt"
    path.write_text("Aug 07 22:39:51 kc1 connect[20400]: [2019-08-07 22:39:51,321] ERROR task failed\n"
                    "Aug 07 22:39:52 kc1 connect[20400]: still failing\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [time.localtime(e.realtime_usec // 1_000_000).tm_year for e in entries] == [2019, 2019]
    result = run_cli("scan", "--file", str(path))
    assert "read as 2019, the latest year that puts it no later than the first line's own date (2019-08-07)" \
        in result.stderr
    other = tmp_path / "other.txt"  # another day's date in the message: no evidence of the line's year
    other.write_text("Aug 07 22:39:51 kc1 app[1]: replaying the backup of 2019-03-01 10:00\n")
    os.utime(other, (1_780_000_000, 1_780_000_000))  # 2026-05-28
    assert [time.localtime(e.realtime_usec // 1_000_000).tm_year
            for e in open_entries(Selection(), files=[other])] == [2025]
    utc = tmp_path / "telegraf.txt"  # the program's UTC, a day ahead of the syslog time (trial 59's telegraf)
    utc.write_text("Apr 22 21:22:04 pi5 telegraf[9479]: 2025-04-23T04:22:04Z E! [outputs.influxdb] failed\n"
                   "Apr 22 21:22:14 pi5 telegraf[9479]: 2025-04-23T04:22:14Z E! [outputs.influxdb] failed\n")
    os.utime(utc, (1_780_000_000, 1_780_000_000))
    assert [time.localtime(e.realtime_usec // 1_000_000).tm_year
            for e in open_entries(Selection(), files=[utc])] == [2025, 2025]
    across = tmp_path / "across.txt"  # a new year's line whose program wrote the next day, in the next year: Dec 31
    across.write_text("Dec 31 23:00:00 pi5 app[1]: 2025-01-01T06:00:00Z I! started\n")  # 2024, at the UTC-07:00
    os.utime(across, (1_780_000_000, 1_780_000_000))  # its program's own time shows (test_text_trial62)
    assert [e.realtime_usec for e in open_entries(Selection(), files=[across])] == [1_735_711_200_000_000]
