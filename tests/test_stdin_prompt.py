"""`logsentry scan --file -` at a terminal says it waits for a paste (it printed nothing and looked hung to a new
user, helper-179); from a pipe it says nothing of the kind. A real pseudo-terminal (pty)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time


def _read_until(fd: int, wanted: bytes, seconds: float = 30.0) -> bytes:
    got, deadline = b"", time.monotonic() + seconds
    while wanted not in got and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child ended: EIO on the pty
                break
            if not chunk:
                break
            got += chunk
    return got


def test_a_terminal_is_told_to_paste_and_a_pipe_is_not() -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: logsentry on the pty
        os.execv(sys.executable, [sys.executable, "-m", "logsentry", "scan", "--file", "-"])
    try:
        prompt = _read_until(fd, b"Ctrl-D", 10.0)
        os.write(fd, b"thread blocked indefinitely in an MVar operation\n")
        time.sleep(0.2)
        os.write(fd, b"\x04")
        report = _read_until(fd, b"incident")
    finally:
        deadline = time.monotonic() + 10
        while (done := os.waitpid(pid, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        if done == (0, 0):
            os.kill(pid, signal.SIGKILL)  # (still reading: the test must fail, not hang)
            done = os.waitpid(pid, 0)
        os.close(fd)
    assert b"reading the log from standard input: paste it, then Ctrl-D" in prompt, prompt
    assert b"ghc-mvar-deadlock" in report or b"1 incident" in report, report
    status = done[1]
    assert os.waitstatus_to_exitcode(status) == 0
    piped = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", "-"], input=b"all good\n",
                           capture_output=True, check=True)
    assert b"paste it" not in piped.stderr
