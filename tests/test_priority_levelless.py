"""`-p` never drops a line for a level it does not have (helper F6's finding): a syslog file's kernel lines
carry no `<PRI>` (the printk level the journal keeps as PRIORITY is lost: the kernel logs an OOM kill at
KERN_ERR, mm/oom_kill.c), so `scan --file syslog -p err` dropped the OOM kill and the segfault that
kernel-oom-kill and kernel-segfault (error) report. A line with no level at all now counts, for -p, at the
level of the worst signature rule that matches it (Selection.rule_level); a line that has a level keeps it
(the journal's segfault at KERN_INFO is info). And a `<PRI>` line's level_source is "syslog", not "journal"."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import entry, run_cli

SYSLOG = """\
Dec  2 01:10:00 web1 sshd[811]: Accepted publickey for deploy from 10.0.0.5 port 50022 ssh2: ED25519 SHA256:abc
Dec  2 01:10:01 web1 sshd[812]: Failed password for invalid user admin from 203.0.113.9 port 40022 ssh2
Dec  2 01:10:05 web1 kernel: [12345.678901] myapp[4242]: segfault at 0 ip 00005555 sp 00007ffc error 4 in myapp[55+2]
Dec  2 01:10:07 web1 kernel: [12346.000000] Out of memory: Killed process 4300 (java) total-vm:4000000kB, UID:1000
Dec  2 01:10:08 web1 myapp[4400]: 2026-12-02 01:10:08,123 ERROR [main] com.example.App - database unreachable
Dec  2 01:10:09 web1 myapp[4400]: GET /search?q=ERROR 200
<27>Dec  2 01:10:10 web1 cron[99]: (root) error running job
Dec  2 01:10:11 web1 systemd[1]: myapp.service: Main process exited, code=killed, status=11/SEGV
Dec  2 01:10:12 web1 systemd[1]: myapp.service: Failed with result 'signal'.
"""


def matched(*args: str) -> dict[str, tuple[str, str]]:
    """message start -> (rules that matched it, level_source) of `scan ... -o json` with the shipped rules."""
    done = run_cli("scan", *args, "-o", "json")
    assert done.exit_code == 0, done.output
    found: dict[str, tuple[str, str]] = {}
    for record in map(json.loads, done.stdout.splitlines()):
        if record["type"] == "match":
            rules, _ = found.get(record["message"][:24], ("", ""))
            found[record["message"][:24]] = (" ".join(filter(None, (rules, record["rule"]))), record["level_source"])
    return found


def test_p_err_keeps_the_level_less_lines_an_error_rule_reports(tmp_path: Path):
    log = tmp_path / "syslog"
    log.write_text(SYSLOG)
    assert matched("--file", str(log), "-p", "err") == {  # before: only the two lines with a level
        "myapp[4242]: segfault at": ("kernel-segfault", "none"),
        "Out of memory: Killed pr": ("kernel-oom-kill", "none"),
        "2026-12-02 01:10:08,123 ": ("error-burst", "text"),
        "(root) error running job": ("error-burst", "syslog"),  # before: "journal", which it is not
        "myapp.service: Failed wi": ("systemd-unit-failed", "none")}
    # sshd's failed password and systemd's killed process: warning rules, kept by -p warning
    warned = matched("--file", str(log), "-p", "warning")
    assert warned["Failed password for inva"] == ("sshd-password-brute-force", "none")
    assert warned["myapp.service: Main proc"] == ("systemd-main-process-killed", "none")
    assert len(warned) == 7 and len(matched("--file", str(log))) == 7


def test_p_err_in_a_journal_file_takes_the_same_view(make_journal: Callable[..., Path]):
    """The C scanner applies -p to what it reads itself: an entry without PRIORITY now goes up to Python's."""
    kernel = {"unit": None, "_TRANSPORT": "kernel", "SYSLOG_IDENTIFIER": "kernel"}
    journal = make_journal([
        entry("Out of memory: Killed process 4300 (java) total-vm:4000000kB", priority=None, **kernel),
        entry("myapp[4242]: segfault at 0 ip 00005555 sp 00007ffc error 4 in myapp[5555+2000]", at=1, priority=6,
              **kernel),  # the kernel's own level, KERN_INFO: -p err leaves it out, as journalctl -p err does
        entry("no level, no rule", at=2, priority=None)])
    assert matched("--file", str(journal), "-p", "err") == {"Out of memory: Killed pr": ("kernel-oom-kill", "none")}
    assert set(matched("--file", str(journal), "-p", "info")) == {"Out of memory: Killed pr",
                                                                   "myapp[4242]: segfault at"}


def test_a_docker_log_says_its_level_came_from_the_stream(tmp_path: Path):
    """stderr's notice (levels.STDERR_UNLEVELLED) where the line names no level, so that no rule counting errors
    takes it (a signature still matches its words); where it names one (Go's `panic: `), the text's."""
    log = tmp_path / "0123456789ab-json.log"
    log.write_text('{"log":"read tcp 10.0.0.5:443: connection reset by peer\\n","stream":"stderr",'
                   '"time":"2026-12-02T01:10:00.000000000Z"}\n'
                   '{"log":"cachix-server: thread blocked indefinitely in an MVar operation\\n","stream":"stderr",'
                   '"time":"2026-12-02T01:10:00.500000000Z"}\n'
                   '{"log":"panic: runtime error: index out of range\\n","stream":"stderr",'
                   '"time":"2026-12-02T01:10:01.000000000Z"}\n')
    found = matched("--file", str(log))
    assert "read tcp 10.0.0.5:443: c" not in found  # no error: error-burst does not count it
    assert found["cachix-server: thread bl"] == ("ghc-mvar-deadlock", "stream")
    assert found["panic: runtime error: in"][1] == "text"


def test_p_err_keeps_a_critical_rules_line_whose_level_is_only_the_streams_default(make_journal, tmp_path: Path):
    """GHC writes "thread blocked indefinitely in an MVar operation" to stdout: journald stores PRIORITY=6, its
    default for the stream, which claims nothing (as Docker's driver's 6 for a container's stdout). `-p err`
    dropped the line, and the README's own `scan -p err` hid the deadlock (a new user's trial). It now counts at
    its worst matching rule's level, as a line without a level does; a line the program itself logged at info
    (syslog, or naming INFO) keeps its level, and a stdout line no rule matches stays info. Both readers agree."""
    mvar = "cachix-server: thread blocked indefinitely in an MVar operation"
    journal = make_journal([
        entry(mvar, unit="cachix.service", at=0, _TRANSPORT="stdout"),
        entry(mvar, unit="docker.service", at=1, _TRANSPORT="journal", _COMM="dockerd", CONTAINER_NAME="web",
              SYSLOG_IDENTIFIER="0123456789ab"),
        entry(mvar, unit="syslogd.service", at=2, _TRANSPORT="syslog"),  # its program's own claim: info
        entry(f"INFO {mvar}", unit="named.service", at=3, _TRANSPORT="stdout"),  # the text's own level: info
        entry("GET / 200", unit="cachix.service", at=4, _TRANSPORT="stdout")])
    kept = {"cachix-server: thread bl": ("ghc-mvar-deadlock ghc-mvar-deadlock", "journal")}  # (two of the lines)
    assert matched("--file", str(journal), "-p", "err", "--no-anomalies") == kept
    done = run_cli("scan", "--file", str(journal), "-p", "err", "--no-anomalies", "-o", "json")
    assert sorted(record["unit"] for record in map(json.loads, done.stdout.splitlines())
                  if record["type"] == "match") == ["cachix.service", "docker.service/web"]
    export = tmp_path / "dump.export"  # the same entries read in Python (no scanner): the same view
    export.write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", "export"], capture_output=True,
                                      check=True).stdout)
    done = run_cli("scan", "--file", str(export), "-p", "err", "--no-anomalies", "-o", "json")
    assert sorted(record["unit"] for record in map(json.loads, done.stdout.splitlines())
                  if record["type"] == "match") == ["cachix.service", "docker.service/web"]
