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
    """message start -> (rules that matched it, level_source) of `scan ... -o json` with the shipped signature rules
    (the anomaly rules judge a text's lines too: tests/test_excerpt_errors.py)."""
    done = run_cli("scan", *args, "--no-anomalies", "-o", "json")
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


def test_p_err_keeps_the_lines_of_error_rules_whose_level_claims_nothing(make_journal, tmp_path: Path):
    """GHC writes its MVar deadlock to stdout (journald's default, 6), or to stderr in a container (Docker's 3,
    read as notice with no level word), systemd its start limit at notice: each vanished under -p err (helper-165's
    and helper-166's trials). Such a line now counts at the worse of its level and its worst matching signature
    rule's, as a line without a level does. A program's own level counts as it is (PostgreSQL's LOG for a
    backend's crash: left out), and a line no rule of that severity matches keeps its own (a stdout request line
    stays info, a warning rule's line warning). Both readers agree."""
    mvar = "cachix-server: thread blocked indefinitely in an MVar operation"
    journal = make_journal([
        entry(mvar, unit="cachix.service", at=0, _TRANSPORT="stdout"),
        entry(mvar, unit="docker.service", at=1, priority=3, _TRANSPORT="journal", _COMM="dockerd",
              CONTAINER_NAME="web", SYSLOG_IDENTIFIER="0123456789ab"),
        entry("web.service: Start request repeated too quickly.", unit="init.scope", at=2, priority=5, _PID="1",
              UNIT="web.service"),
        entry("2026-12-01 10:00:00.000 UTC [1] LOG:  server process (PID 315) was terminated by signal 9: Killed",
              unit="postgresql.service", at=3, _TRANSPORT="stdout"),
        entry("GET / 200", unit="cachix.service", at=4, _TRANSPORT="stdout"),
        entry("Failed password for invalid user admin from 203.0.113.9 port 40022 ssh2", unit="ssh.service",
              at=5, _TRANSPORT="syslog")])  # sshd's own level, info: a warning rule's line is not err
    expected = ["cachix.service", "docker.service/web", "web.service"]
    export = tmp_path / "dump.export"  # the same entries read in Python (no scanner): the same view
    export.write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", "export"], capture_output=True,
                                      check=True).stdout)
    for path in (journal, export):
        done = run_cli("scan", "--file", str(path), "-p", "err", "--no-anomalies", "-o", "json")
        assert sorted({record["unit"] for record in map(json.loads, done.stdout.splitlines())
                       if record["type"] == "match"}) == expected, (path, done.stdout)
        info = run_cli("scan", "--file", str(path), "-p", "info", "--no-anomalies", "-o", "json")
        assert {record.get("unit") for record in map(json.loads, info.stdout.splitlines())
                if record["type"] == "match"} == {*expected, "ssh.service", "postgresql.service"}  # (info, LOG)
