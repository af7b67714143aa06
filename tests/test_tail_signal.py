"""`logsentry tail` stops on the first SIGTERM/Ctrl-C. Its handler used to raise: a signal that came while a
`__del__` or a generator's finaliser ran raised there, Python printed "Exception ignored in ..." and dropped it,
and tail ran on until a second signal (about one stop in ten while it read a backlog, found by a fresh operator).
Now the handler only notes the signal (cli/tail.py StopSignals) and the loop looks between items."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from conftest import entry

from logsentry.cli.tail import StopSignals, follow
from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.pipeline import Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir

NOW = 1_764_547_200_000_000


class Finalised:
    """Sends the stop signal from its finaliser, as a signal that lands while garbage is collected."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):  # bytecodes for the interpreter to run the handler in, inside this __del__
            pass


class Quiet:
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def summary(self, progress: object) -> None: ...
    def gap(self, gap: object) -> None: ...
    def flush(self, now_usec: int, caught_up: bool) -> None: ...

    def __init__(self) -> None:
        self.entries = 0

    def entry(self, item: Entry, events: object) -> None:
        self.entries += 1


def test_a_stop_signal_that_lands_in_a_finaliser_still_stops_tail():
    pipeline = Pipeline(Detector(load_rules([shipped_rules_dir()]).rules))
    view = Quiet()

    def items() -> Iterator[Entry]:
        for index in range(1000):
            if index == 10:
                Finalised()  # dropped at once: its __del__ runs here, the signal lands inside it
                gc.collect()
            yield Entry(realtime_usec=NOW + index, message=f"line {index}", unit="api.service", priority=6,
                        cursor=f"c{index}")

    with StopSignals() as stop:
        follow(items(), pipeline, view, wait=lambda: None, stopped=stop)
        assert stop.signum == signal.SIGTERM
    assert view.entries == 10  # the 990 entries after the signal are not read (before: all 1000, and on)


def test_tail_reading_a_backlog_stops_on_the_first_sigterm(make_journal, tmp_path):
    lines = [entry(f"GET /api/items/{n} 200 in {n % 97} ms", unit="api.service", at=n * 0.01)
             for n in range(40_000)]
    directory = tmp_path / "journal"
    directory.mkdir()
    make_journal(lines, name="journal/system.journal")
    for delay in (1.0, 1.6, 2.3):  # while it starts, reads the backlog, or waits at its end
        tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(directory), "--since", "@1",
                                 "-o", "plain"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                cwd=Path(__file__).resolve().parent.parent)
        time.sleep(delay)
        tail.send_signal(signal.SIGTERM)
        try:
            _, err = tail.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            tail.kill()
            raise AssertionError(f"tail still running 20 s after SIGTERM (sent {delay} s after its start)") from None
        assert tail.returncode in (0, -signal.SIGTERM), err  # -15: the signal came before its handlers were set
        assert b"Exception ignored" not in err and b"Traceback" not in err, err
