"""Running a program with hard limits: a total deadline, capped output, and its whole process group killed
when the deadline passes.

`subprocess.run(capture_output=True, timeout=...)` has three faults a service cannot afford: it reads all
output into memory (1 GB of output took RSS to 3 GB), on a timeout it kills only the direct child (its
children live on as orphans), and it waits for end-of-file on the pipes, so a program that did its work
and exited 0 while a background child kept stdout open counted as a timeout. Here the program gets a
process group of its own; output beyond `cap` bytes is read and dropped; the run ends when the program
itself exits (a background child is left alone); on the deadline the whole group is killed.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

OUTPUT_CAP = 64 * 1024


class Timeout(Exception):
    """The program ran past its deadline; its process group was killed."""


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: bytes
    stderr: bytes
    pid: int


def start(argv: Sequence[str], stdin: bool = False) -> subprocess.Popen[bytes]:
    """Start `argv` in a new session (its own process group), stdout and stderr piped."""
    return subprocess.Popen(list(argv), stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def finish(process: subprocess.Popen[bytes], deadline: float, data: bytes | None = None,
           cap: int = OUTPUT_CAP) -> Finished:
    """Feed `data` to stdin (if piped), collect up to `cap` bytes of stdout and stderr, and wait for the
    program to exit by the `deadline` (time.monotonic()); past it, kill its process group and raise Timeout."""
    if process.stdin is not None:
        def feed() -> None:
            assert process.stdin is not None
            try:
                if data:
                    process.stdin.write(data)
                process.stdin.close()
            except OSError:
                pass  # it exited or closed stdin: its exit status tells

        threading.Thread(target=feed, name="logsentry-feed", daemon=True).start()
    outputs = {process.stdout: bytearray(), process.stderr: bytearray()}
    selector = selectors.DefaultSelector()
    for stream in outputs:
        assert stream is not None
        os.set_blocking(stream.fileno(), False)
        selector.register(stream, selectors.EVENT_READ)
    try:
        while True:
            if not selector.get_map():  # both pipes at end-of-file: the program is exiting
                try:
                    process.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    kill_group(process.pid)
                    process.wait()
                    raise Timeout() from None
                break
            exited = process.poll() is not None
            for key, _ in selector.select(timeout=0 if exited else min(0.05, max(0.0, deadline - time.monotonic()))):
                _read(key.fileobj, outputs, selector, cap)  # type: ignore[arg-type]
            if exited:
                break  # whatever is still open belongs to a background child: not waited for
            if time.monotonic() >= deadline:
                kill_group(process.pid)
                process.wait()
                raise Timeout()
    finally:
        selector.close()
        for stream in outputs:
            assert stream is not None
            stream.close()
    return Finished(process.returncode, bytes(outputs[process.stdout]), bytes(outputs[process.stderr]), process.pid)


def _read(stream: object, outputs: dict[object, bytearray], selector: selectors.BaseSelector, cap: int) -> None:
    fd = stream.fileno()  # type: ignore[attr-defined]
    try:
        for _ in range(16):  # then back to the deadline check: a flood of output must not hold the loop
            chunk = os.read(fd, 65536)
            if not chunk:
                selector.unregister(stream)  # type: ignore[arg-type]
                return
            kept = outputs[stream]
            if len(kept) < cap:
                kept.extend(chunk[: cap - len(kept)])
    except BlockingIOError:
        return


def run(argv: Sequence[str], timeout_s: float, data: bytes | None = None, cap: int = OUTPUT_CAP) -> Finished:
    """Run `argv` to completion within `timeout_s` seconds in total (see the module's docstring)."""
    process = start(argv, stdin=data is not None)
    return finish(process, time.monotonic() + timeout_s, data, cap)
