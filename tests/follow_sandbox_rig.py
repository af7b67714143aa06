"""The parts of tests/test_follow_sandbox.py: units that log at a steady rate in the sandbox (sandbox.py), and the
readers that follow their journal (ScanningFollower in a thread, `logsentry run`, `logsentry tail -o json`)."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from receivers import HttpReceiver

from logsentry.engine.detector import Detector
from logsentry.model import Entry, ScreenedRun
from logsentry.pipeline import Event, Pipeline
from logsentry.rules.loader import load_rules
from logsentry.sources.follow import ScanningFollower
from logsentry.sources.journal import JournalLocation, StartAt
from logsentry.sources.selection import Selection

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("chatter", "billing")
UNITS = tuple(f"{name}.service" for name in NAMES)
RATE = {"chatter": 400, "billing": 200}
"""Rounds a second of each unit (chatter writes about 1.3 lines a round, billing about 1)."""

WRITER = r'''import os, sys, time
name, rate = sys.argv[1], int(sys.argv[2])
go, novel, stop, done = "/share/go", "/share/novel", "/share/stop", f"/share/written-{name}"
while not os.path.exists(go):
    time.sleep(0.05)
rounds = lines = 0
start = time.monotonic()


def say(text):
    global lines
    print(text, flush=True)  # one write each: one journal entry each
    lines += 1


def chatter(i):
    """Lines that shipped signature rules match, and a steady share of error lines."""
    kind = i % 50
    if kind == 7:
        say("chatter: thread blocked indefinitely in an MVar operation")
    elif kind == 17:
        say(f"OSError: [Errno 28] No space left on device: '/var/lib/chatter/{i}.db'")
    elif kind == 29:
        say(f"2026-12-01 00:00:00,000 ERROR [main] c.e.Worker - job {i} failed")
    elif kind == 41:
        say('Exception in thread "worker-3" java.lang.OutOfMemoryError: Java heap space')
    if i % 10 == 3:
        say(f"<3>request {i} failed: upstream timed out")  # journald's level prefix: PRIORITY=3


def billing(i):
    """No signature (an open signature incident would take the unit's anomaly hits): a rare error it always
    logs, and once told, an error template it never logged before."""
    if i % 400 == 3:
        say(f"<3>card {i} expired")
    if i % 40 == 11 and os.path.exists(novel):
        say(f"<3>payment {i} declined by gateway")


while not os.path.exists(stop):
    i = rounds
    say(f"{name} seq={i} GET /item/{i} 200 {i % 97}ms")
    (chatter if name == "chatter" else billing)(i)
    rounds += 1
    pause = start + rounds / rate - time.monotonic()
    if pause > 0:
        time.sleep(pause)
say("fatal error: runtime: out of memory")  # the last line: a match, which `tail -o json` shows when read
with open(done + ".tmp", "w") as out:
    out.write(f"{rounds} {lines}")
os.rename(done + ".tmp", done)
time.sleep(3600)
'''
"""A unit: after the test's go (files in the shared folder, /share inside), a round of lines `rate` times a
second (with "novel": a new error template too) until the test's stop, then a last line (LAST_RULE matches
it); then it writes how many rounds and lines it wrote and falls quiet."""
UNIT = """[Unit]
DefaultDependencies=no
[Service]
ExecStart=/usr/bin/python3 {script} {name} {rate}
"""
NOVEL = " declined by gateway"
LAST_RULE = "go-out-of-memory"
SEQ = re.compile(r"^(\w+) seq=(\d+) ")

WARM_AFTER = "1s"
"""The anomaly rules' warm_after here (shipped: an hour or more of a unit's history, which journald, stamping
entries itself, cannot be given in a test): each shipped anomaly rule, overridden by id."""


def units_in(folder: Path) -> dict[str, str]:
    (folder / "writer.py").write_text(WRITER)
    return {f"{name}.service": UNIT.format(script=folder / "writer.py", name=name, rate=RATE[name]) for name in NAMES}


def fast_anomaly_rules(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    for shipped in (ROOT / "rules" / "anomaly").glob("*.toml"):
        text, n = re.subn(r'(?m)^warm_after = "[^"]*"$', f'warm_after = "{WARM_AFTER}"', shipped.read_text())
        assert n == 1, shipped
        (folder / shipped.name).write_text(text)
    return folder


def detector(rules_dir: Path) -> Detector:
    rules = load_rules([ROOT / "rules", rules_dir])
    assert not rules.errors
    return Detector(rules.rules)


def wait_until(condition: Callable[[], object], timeout: float, what: str | Callable[[], str] | None) -> None:
    """Wait on a condition, not a sleep (a loaded machine is slow); `what` is said (or made) on timeout (None:
    go on, the assertions after say what is wrong)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            if what is None:
                return
            raise AssertionError(f"timed out after {timeout}s waiting for {what if isinstance(what, str) else what()}")
        time.sleep(0.05)


class Followed:
    """ScanningFollower in a thread, screened as `run` reads (`tail` reads unscreened), feeding a Pipeline: its
    events, and every entry it handed over (in full or in a ScreenedRun) as (journal time in µs, message)."""

    def __init__(self, journal: Path, rules_dir: Path):
        rules = detector(rules_dir)
        self.follower = ScanningFollower(JournalLocation(directory=journal), Selection(units=UNITS), rules.screen(),
                                         rules.needed_fields, StartAt(since_usec=0), wait_s=0.1)
        self.pipeline = Pipeline(detector(rules_dir))
        self.events: list[Event] = []
        self.entries: Counter[tuple[int, str]] = Counter()
        self.count = 0
        """Entries read so far (`entries` is the main thread's to look at once the follower stopped)."""
        self.rounds: dict[str, int] = {}
        """Per writer, the highest `seq=` read so far."""
        self.novel = 0
        """Lines of billing's new error template read so far."""
        self.finish = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for item in self.follower:
                if isinstance(item, (Entry, ScreenedRun)):
                    for one in item.entries() if isinstance(item, ScreenedRun) else (item,):
                        self.entries[(one.realtime_usec, one.message)] += 1
                        self.count += 1
                        if seq := SEQ.match(one.message):
                            self.rounds[seq[1]] = max(self.rounds.get(seq[1], -1), int(seq[2]))
                        elif one.message.endswith(NOVEL):
                            self.novel += 1
                    self.events.extend(self.pipeline.feed(item))
                elif item is None and self.finish.is_set():
                    break
            self.events.extend(self.pipeline.run([]))  # the input's end: incidents still open
        except BaseException as error:  # reported by the test
            self.error = error

    def read_past(self, rounds: int, writer: str = "chatter", timeout: float = 20) -> int:
        """Wait until the follower has read round `rounds` of `writer`; the highest round read then."""
        wait_until(lambda: self.rounds.get(writer, -1) >= rounds or self.error, timeout,
                   f"the follower to read {writer}'s round {rounds}")
        assert self.error is None, self.error
        return self.rounds[writer]

    def stop(self) -> None:
        self.finish.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive() and self.error is None, self.error


COUNTERS = ("logsentry_entries_read_total", "logsentry_matches_total", "logsentry_incidents_total")


class Service:
    """`logsentry run` on the sandbox's journal, alerting to a webhook; its counters (entries read, matches and
    incidents per rule) summed over its runs (each run's metrics textfile starts from zero)."""

    def __init__(self, tmp_path: Path, journal: Path, rules_dir: Path, hook: HttpReceiver):
        self.config = tmp_path / "logsentry.toml"
        self.log, self.prom = tmp_path / "logsentry.log", tmp_path / "logsentry.prom"
        self.config.write_text(f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{journal}"
rules = ["{rules_dir}"]

[[watch]]
units = {json.dumps(list(NAMES))}
actions = ["alert"]

[metrics]
textfile = "{self.prom}"

[[channel]]
name = "hook"
type = "apprise"
url = "json://{hook.url}/hook"
''')
        self.config.chmod(0o600)
        self.process: subprocess.Popen[bytes] | None = None
        self.earlier: dict[str, Counter[str]] = {name: Counter() for name in COUNTERS}

    def start(self) -> None:
        runs = self.log.read_text().count("ready: watching") if self.log.exists() else 0
        self.prom.unlink(missing_ok=True)
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(self.config)],
                                            stdout=out, stderr=out)
        wait_until(lambda: self.log.read_text().count("ready: watching") > runs, 30, "logsentry run to be ready")

    def counted(self, name: str) -> Counter[str]:
        now = per_rule(self.prom.read_text(), name) if self.prom.exists() else Counter()
        return self.earlier[name] + now

    def read(self) -> int:
        return self.counted("logsentry_entries_read_total")[""]

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=30) == 0
        self.process = None
        self.earlier = {name: self.counted(name) for name in COUNTERS}  # the textfile is written at the stop
        self.prom.unlink()

    def close(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def per_rule(text: str, name: str) -> Counter[str]:
    """A counter's values in Prometheus' text format, summed per `rule` label ("" for none)."""
    found: Counter[str] = Counter()
    for line in text.splitlines():
        if parsed := re.match(rf"^{name}(?:{{(.*)}})? (\S+)$", line):
            rule = re.search(r'(?:^|,)rule="([^"]*)"', parsed[1] or "")
            found[rule[1] if rule else ""] += int(float(parsed[2]))
    return found


class Tail:
    """`logsentry tail -o json` on the sandbox's journal from its start (unscreened: it shows every entry)."""

    def __init__(self, tmp_path: Path, journal: Path, rules_dir: Path):
        self.out, self.err = tmp_path / "tail.jsonl", tmp_path / "tail.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "logsentry", "tail", "-D", str(journal), *(f"--unit={n}" for n in NAMES),
                 "--since", "@1", "--rules", str(rules_dir), "-o", "json"], stdout=out, stderr=err)

    def records(self) -> list[dict[str, Any]]:
        return records(self.out)

    def stop(self) -> list[dict[str, Any]]:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=30) == 0, self.err.read_text()
        self.process = None
        return self.records()

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)


def scan_json(tmp_path: Path, files: list[Path], rules_dir: Path) -> list[dict[str, Any]]:
    """`logsentry scan -o json` of the units in `files`."""
    out = tmp_path / "scan.jsonl"
    with open(out, "wb") as stdout:
        done = subprocess.run([sys.executable, "-m", "logsentry", "scan", *(f"--file={path}" for path in files),
                               *(f"--unit={name}" for name in NAMES), "--rules", str(rules_dir), "-o", "json"],
                              stdout=stdout, stderr=subprocess.PIPE, text=True, check=False)
    assert done.returncode == 0, f"logsentry scan exited {done.returncode}: {done.stderr[-2000:]}"
    found = records(out)
    for record in found:  # scan's notes on its range (units its anomaly rules could not judge, units not watched for
        if record["type"] == "summary":  # silence yet): tail has no range
            record.pop("anomaly", None)
            record.pop("silence", None)
    return found


def records(path: Path) -> list[dict[str, Any]]:
    """The JSON Lines records of `scan -o json` or `tail -o json`, each journalctl command without where it reads
    (`tail -D DIR` and `scan --file F...` read the same entries: the rest, machine, unit and span, must agree)."""
    found = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for record in found:
        if record.get("journalctl"):
            record["journalctl"] = without_source(record["journalctl"])
    return found


def without_source(command: str) -> str:
    """A journalctl command without its `-D DIR` and `--file F` arguments (it must have one: the readers here read
    a directory or files, never the local journal)."""
    words, kept, skip = shlex.split(command), [], False
    for word in words:
        if skip:
            skip = False
        elif word in ("-D", "--file"):
            skip = True
        elif not word.startswith(("--file=", "--directory=")):
            kept.append(word)
    assert words[0] == "journalctl" and len(kept) < len(words), command
    return shlex.join(kept)


def in_any_order(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(found, key=lambda record: json.dumps(record, sort_keys=True))


def at_end(record: dict[str, Any]) -> bool:
    """Given by the input's end (or tail's): the summary and what was still open."""
    return record["type"] == "summary" or record.get("open") is True


def journal_entries(files: list[Path], *match: str) -> Counter[tuple[int, str]]:
    """(journal time in µs, message) of the entries journalctl gives for `match` (its own reading)."""
    done = subprocess.run(["journalctl", *(f"--file={path}" for path in files), "-o", "json", "--no-pager", *match],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"journalctl exited {done.returncode}: {done.stderr[-2000:]}"
    return Counter((int(e["__REALTIME_TIMESTAMP"]), e["MESSAGE"]) for e in map(json.loads, done.stdout.splitlines()))


def lost_and_twice(got: Counter[int], rounds: int) -> str:
    lost, twice = sorted(Counter(range(rounds)) - got), sorted(got - Counter(range(rounds)))
    return f"{len(lost)} rounds lost {lost[:3]}...{lost[-3:]}, {len(twice)} read twice {twice[:3]}...{twice[-3:]}"
