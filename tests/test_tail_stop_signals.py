"""`logsentry tail` stopped while it starts, or stopped again while it finishes, still ends with exit 0 and its
summary (helper F6's finding): a SIGTERM/SIGHUP in its first second (before its handlers were set) killed it
(exit 143, or "Aborted!" for Ctrl-C), and a second SIGTERM or SIGHUP while it reported what was still open
killed it without the report (StopSignals gave both back to the default before the report)."""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import entry, simple_rule

ROOT = Path(__file__).resolve().parent.parent

SIGNAL_AT = """
import os, signal, sys
event, name, signum = sys.argv[1], sys.argv[2], int(sys.argv[3])
sent = []
def hook(what, args):  # a real signal (kill), sent at this point of the start-up
    if what == event and str(args[0]).endswith(name) and not sent:
        sent.append(signum)
        os.kill(os.getpid(), signum)
sys.addaudithook(hook)
from logsentry.cli import main
main(sys.argv[4:], prog_name="logsentry")
"""


def records(text: bytes) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("event,name", [("import", "logsentry.views.tail"), ("open", "boom.toml")],
                         ids=["while-tail-is-imported", "while-its-rules-load"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_stop_while_tail_starts_ends_it_cleanly_with_a_summary(make_journal, write_rule, rules_dir, tmp_path,
                                                                  event, name, signum):
    (tmp_path / "journal").mkdir()
    make_journal([entry(f"BOOM {n}", at=n) for n in range(20)], name="journal/system.journal")
    write_rule("boom", simple_rule(regex="^BOOM"))
    done = subprocess.run([sys.executable, "-c", SIGNAL_AT, event, name, str(int(signum)),
                           "tail", "-D", str(tmp_path / "journal"), "--since", "@1", "-o", "json",
                           "--rules", str(rules_dir), "--no-shipped-rules"],
                          capture_output=True, timeout=60, cwd=ROOT)
    # before: -15 (SIGTERM), -1 (SIGHUP), 1 with "Aborted!" (Ctrl-C), and no summary
    assert done.returncode == 0, done.stderr
    assert records(done.stdout) == [{"type": "summary", "entries": 0, "matches": 0, "incidents": 0,
                                     "first_usec": None, "last_usec": None}]  # it stopped before following
    assert done.stderr == b""


def pipe_full(fd: int) -> bool:
    """No room for the writer: a pipe holds whole pages, the last one of a write may be part-filled."""
    waiting = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, waiting)
    return int.from_bytes(waiting, sys.byteorder) > fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ) - os.sysconf("SC_PAGE_SIZE")


def test_signals_while_tail_reports_at_its_stop_do_not_cut_the_report_short(make_journal, write_rule, rules_dir,
                                                                            tmp_path):
    units = 400
    ahead = time.time_ns() // 1000 + 3600 * 1_000_000  # an hour ahead: the incidents are still open at the stop
    (tmp_path / "journal").mkdir()
    make_journal([entry(f"BOOM {n}", unit=f"u{n}.service", __REALTIME_TIMESTAMP=ahead + n) for n in range(units)],
                 name="journal/system.journal")
    write_rule("boom", simple_rule(regex="^BOOM"))
    tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(tmp_path / "journal"),
                             "--since", "@1", "-o", "json", "--rules", str(rules_dir), "--no-shipped-rules"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert tail.stdout is not None
    out = tail.stdout.fileno()
    taken = b""
    deadline = time.monotonic() + 30
    while taken.count(b'"type":"match"') < units:  # every entry followed: tail waits on the journal
        assert time.monotonic() < deadline and tail.poll() is None, taken[-500:]
        if select.select([out], [], [], 1)[0]:
            taken += os.read(out, 1 << 16)
    tail.send_signal(signal.SIGTERM)
    # its report of 400 open failures (incident, action, incident_end each) fills the pipe we no longer read
    while not pipe_full(out):
        assert time.monotonic() < deadline and tail.poll() is None, "tail ended before it filled its pipe"
        time.sleep(0.01)
    for again in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # while it is blocked in the report's write
        tail.send_signal(again)
    rest, err = tail.communicate(timeout=30)
    assert tail.returncode == 0, err  # before: -15, killed by the second SIGTERM, and the report cut short
    found = records(taken + rest)
    assert found[-1]["type"] == "summary" and found[-1]["incidents"] == units, found[-1]
    assert sum(r["type"] == "incident_end" for r in found) == units
