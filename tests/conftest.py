"""Fixtures: real .journal files built with systemd-journal-remote, and a CLI runner."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from parallel import pytest_collection_modifyitems, pytest_configure, pytest_runtest_protocol  # noqa: F401
from shared_bytecode import share_bytecode

from logsentry.cli import main
from logsentry.hosts import local_machine_id
from logsentry.sources.journal_files import FieldValue, build_journal, export_bytes

share_bytecode()  # before any subprocess (shared_bytecode.py says why)

BOOT = "0123456789abcdef0123456789abcdef"
LOCAL_MACHINE = local_machine_id()
"""Entries are this machine's unless a test says otherwise (`_MACHINE_ID=...`, or "" for none): only the
local machine's units are ever restarted."""
BASE_USEC = 1_767_225_600_000_000  # 2026-01-01 00:00:00 UTC


def entry(message: FieldValue, unit: str | None = "app.service", at: float = 0.0, priority: int | None = 6,
          **fields: FieldValue) -> dict[str, FieldValue]:
    """Export-format fields of one entry, `at` seconds after BASE_USEC."""
    usec = BASE_USEC + int(at * 1_000_000)
    out: dict[str, FieldValue] = {"__REALTIME_TIMESTAMP": usec, "__MONOTONIC_TIMESTAMP": usec - BASE_USEC + 1,
                                  "_BOOT_ID": BOOT, "MESSAGE": message}
    if priority is not None:
        out["PRIORITY"] = priority
    if unit is not None:
        out["_SYSTEMD_UNIT"] = unit
        out.setdefault("SYSLOG_IDENTIFIER", unit.split(".")[0])
    if LOCAL_MACHINE:
        out["_MACHINE_ID"] = LOCAL_MACHINE
    out.update(fields)
    if out.get("_MACHINE_ID") == "":
        del out["_MACHINE_ID"]
    return out


@pytest.fixture(scope="session")
def demo_cli() -> Callable[[bool], Result]:
    """`logsentry demo` (True) or `logsentry demo --no-signatures` (False), each run once per worker and shared:
    each builds the 81k-entry outage journal and reads it (parallel.GROUPS keeps their tests on one worker). The
    command's output, and its DemoResult as `return_value`. Tests only read them."""
    done: dict[bool, Result] = {}

    def get(signatures: bool = True) -> Result:
        if signatures not in done:
            done[signatures] = CliRunner().invoke(main, ["demo"] if signatures else ["demo", "--no-signatures"],
                                                  catch_exceptions=False, standalone_mode=False)
        return done[signatures]

    return get


@pytest.fixture(scope="session")
def demo_replay(demo_cli: Callable[[bool], Result]) -> Callable[[bool], Any]:
    """`logsentry.demo.replay` with signature rules (True) or the anomaly rules only: the DemoResult of the
    shared `logsentry demo` run (demo_cli)."""
    return lambda signatures=True: demo_cli(signatures).return_value


@pytest.fixture
def make_journal(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def build(entries: Iterable[Mapping[str, FieldValue]], name: str | None = None) -> Path:
        path = tmp_path / (name or f"fixture-{next(counter)}.journal")
        return build_journal(export_bytes(entries), path)

    return build


RuleWriter = Callable[..., Path]


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    path = tmp_path / "rules"
    path.mkdir()
    return path


@pytest.fixture
def write_rule(rules_dir: Path) -> RuleWriter:
    """Write a rule file; `body` is TOML after the id line."""

    def write(rule_id: str, body: str, folder: str = "test") -> Path:
        directory = rules_dir / folder
        directory.mkdir(exist_ok=True)
        path = directory / f"{rule_id}.toml"
        path.write_text(f'id = "{rule_id}"\n{body}')
        return path

    return write


SIMPLE_RULE = '''
title = "boom"
severity = "error"
action = "alert"
[match]
message = '{regex}'
[trigger]
count = {count}
within = "{within}"
'''


def simple_rule(regex: str = "BOOM", count: int = 1, within: str = "60s") -> str:
    return SIMPLE_RULE.format(regex=regex, count=count, within=within)


def run_cli(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def json_events(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def appended_json(path: Path) -> list[dict[str, Any]]:
    """The JSON lines a receiver has finished appending to `path` ([] before it exists).

    A poll can read the file while a receiver is mid-write: the last line lacks its newline then and is
    left for the next poll, so a half-written record never fails a test.
    """
    if not path.exists():
        return []
    whole, _, _ = path.read_text().rpartition("\n")
    return [json.loads(line) for line in whole.splitlines() if line.strip()]


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == kind]


def wait_journal_lines(where: list[str], count: int, timeout: float, what: str) -> None:
    """Block until `journalctl WHERE -o cat` (`where`: -D DIR or --file PATH) prints `count` lines: journal-remote
    appends a while after its FIFO is written. Raises AssertionError naming `what` after `timeout` s."""
    import subprocess
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(["journalctl", *where, "-o", "cat", "--no-pager", "-q"], capture_output=True,
                              check=False)
        if done.stdout.count(b"\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"journal-remote did not write {what} in {timeout}s")


class LiveJournal:
    """A journal written live: export-format entries go into a FIFO read by systemd-journal-remote.

    `directory` holds the journal file (open it with `-D`/`JournalLocation(directory=...)` to follow
    rotation). `write` stamps entries with the current time unless `at`/`__REALTIME_TIMESTAMP` is given.
    Its entries carry this machine's `_MACHINE_ID` (`entry`), so the file is where this machine's journald
    keeps its own, `directory/MACHINE_ID/` (`file`): only there do they vouch for this machine (a
    journal-remote file elsewhere claiming it is disowned: sources/fanin.py).
    """

    def __init__(self, root: Path):
        import os
        import subprocess

        from logsentry.sources.journal_files import journal_remote

        self.root = root
        self.directory = root / "journal"
        self.file = (self.directory / LOCAL_MACHINE if LOCAL_MACHINE else self.directory) / "live.journal"
        self.file.parent.mkdir(parents=True)
        self.fifo = root / "feed.fifo"
        os.mkfifo(self.fifo)
        self._fd = os.open(self.fifo, os.O_RDWR)  # keeps the FIFO open between writes (exec 3<>fifo)
        tool = journal_remote()
        assert tool, "systemd-journal-remote is required (scripts/setup installs it)"
        self.process = subprocess.Popen([tool, "-o", str(self.file), str(self.fifo)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.count = 0

    def write(self, message: FieldValue, unit: str | None = "app.service", priority: int | None = 6,
              **fields: FieldValue) -> None:
        import os
        import time

        from logsentry.sources.journal_files import export_entry

        now = time.time_ns() // 1000
        fields.setdefault("__REALTIME_TIMESTAMP", now)
        record = entry(message, unit=unit, priority=priority, **fields)
        record["__REALTIME_TIMESTAMP"] = fields["__REALTIME_TIMESTAMP"]
        record["__MONOTONIC_TIMESTAMP"] = now
        os.write(self._fd, export_entry(record))
        self.count += 1

    def wait_written(self, timeout: float = 5.0) -> None:
        """Block until journalctl sees every entry written so far."""
        wait_journal_lines(["-D", str(self.directory)], self.count, timeout, f"{self.count} entries")

    def rotate(self) -> None:
        """What journald does when it rotates or restarts: archive the file, then write a new one."""
        import subprocess
        import time
        import uuid

        from logsentry.sources.journal_files import journal_remote

        self.wait_written()
        self.process.terminate()
        self.process.wait(timeout=10)
        live = self.file
        live.rename(live.parent / f"live@{uuid.uuid4().hex}-{1:016x}-{time.time_ns() // 1000:016x}.journal")
        tool = journal_remote()
        assert tool
        self.process = subprocess.Popen([tool, "-o", str(live), str(self.fifo)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    def restart(self, sig: int = signal.SIGTERM) -> None:
        """Stop journal-remote with `sig` once it has written every entry, and start it again on the same file: it
        appends to it after SIGTERM; after SIGKILL (the file left online) it sets it aside as `live@….journal~` and
        begins a new one, as journald does."""
        import subprocess

        from logsentry.sources.journal_files import journal_remote

        self.wait_written()
        self.process.send_signal(sig)
        self.process.wait(timeout=10)
        tool = journal_remote()
        assert tool
        self.process = subprocess.Popen([tool, "-o", str(self.file), str(self.fifo)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    def vacuum(self) -> None:
        """Delete the archived files (set aside or rotated), as `journalctl --vacuum-files` does; `count` (what
        wait_written waits for) loses their entries."""
        import subprocess

        for archived in self.file.parent.glob(f"{self.file.stem}@*"):
            done = subprocess.run(["journalctl", f"--file={archived}", "-o", "cat", "--no-pager", "-q"],
                                  capture_output=True, check=True)
            archived.unlink()
            self.count -= done.stdout.count(b"\n")

    def close(self) -> None:
        import os

        os.close(self._fd)
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def live_journal(tmp_path: Path):
    journal = LiveJournal(tmp_path)
    try:
        yield journal
    finally:
        journal.close()


def stop_and_read(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[str, str]:
    """SIGTERM `proc`, then the rest of its stdout and all its stderr, read through the same file objects.

    A test that read lines with `proc.stdout.readline()` must not call `communicate()` after: communicate reads
    the pipes' descriptors, and the lines readline had already buffered past the one it returned are lost (a
    tail's ACTION and ENDED lines went missing 2 runs in 8 when they came in the same write as its INCIDENT).
    """
    assert proc.stdout is not None and proc.stderr is not None
    proc.send_signal(signal.SIGTERM)
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()))  # type: ignore[union-attr]
    reader.start()
    out = proc.stdout.read()
    reader.join(timeout)
    proc.wait(timeout)
    return out, "".join(err)
