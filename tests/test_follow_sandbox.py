"""Follow vs scan against a real systemd + journald (the sandbox, tests/sandbox.py), across `journalctl --rotate`,
`systemctl restart systemd-journald`, a journald killed with SIGKILL (systemd starts it again; it sets its file
aside as `system@….journal~` and begins a new one) and `journalctl --vacuum-files` (issue 15). Two units log a
steady mix of lines the shipped rules match while ScanningFollower (as `tail` and `run` read a journal) and
`logsentry run` itself (a journal_directory: sources/fanin.py) follow the sandbox's journal; then the journal
(the vacuumed files kept aside) is scanned after the fact.

The follower must hand over every entry of the units exactly once (no loss, no duplicate at any of those
steps) and give exactly the events of the scan, with all shipped rules (the anomaly rules warm after a second
here); the service must read each entry once too and count the scan's matches and incidents per rule.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from receivers import HttpReceiver
from sandbox import Sandbox
from test_follow import event_key

from logsentry.engine.detector import Detector
from logsentry.model import Entry, ScreenedRun
from logsentry.pipeline import Event, Pipeline
from logsentry.rules.loader import load_rules
from logsentry.sources.follow import ScanningFollower
from logsentry.sources.journal import JournalLocation, StartAt
from logsentry.sources.screening import ScreeningJournalSource
from logsentry.sources.selection import Selection

ROOT = Path(__file__).resolve().parent.parent
UNITS = ("chatter.service", "billing.service")
RATE = 400
"""Loop rounds a second of each unit (chatter writes about 1.3 lines a round, billing about 1)."""
STEP = 400
ROTATIONS = 3
"""Rounds of chatter's the follower must have read after each step (rotation, restarts) before the next one."""

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
        say(f"<3>payment {i} declined by gateway")  # NOVEL


while not os.path.exists(stop):
    i = rounds
    say(f"{name} seq={i} GET /item/{i} 200 {i % 97}ms")
    (chatter if name == "chatter" else billing)(i)
    rounds += 1
    pause = start + rounds / rate - time.monotonic()
    if pause > 0:
        time.sleep(pause)
with open(done + ".tmp", "w") as out:
    out.write(f"{rounds} {lines}")
os.rename(done + ".tmp", done)
time.sleep(3600)
'''
"""A unit: after the test's go, a round of lines `rate` times a second until the test's stop, then it writes
how many rounds and lines it wrote (to the shared folder, /share inside) and falls quiet."""

UNIT = """[Unit]
DefaultDependencies=no
[Service]
ExecStart=/usr/bin/python3 {script} {name} {rate}
"""

NOVEL = " declined by gateway"
SEQ = re.compile(r"^(\w+) seq=(\d+) ")

WARM_AFTER = "1s"
"""The anomaly rules' warm_after here (shipped: an hour or more of a unit's history, which journald, stamping
entries itself, cannot be given in a test): each shipped anomaly rule, overridden by id."""


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
    """ScanningFollower in a thread, as `tail` and `run` use it, feeding a Pipeline: its events, and every entry
    it handed over (in full or screened) as (journal time in µs, message)."""

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


def lost_and_twice(got: Counter[int], rounds: int) -> str:
    lost, twice = sorted(Counter(range(rounds)) - got), sorted(got - Counter(range(rounds)))
    return f"{len(lost)} rounds lost {lost[:3]}...{lost[-3:]}, {len(twice)} read twice {twice[:3]}...{twice[-3:]}"


def journal_entries(files: list[Path], *match: str) -> Counter[tuple[int, str]]:
    """(journal time in µs, message) of the entries journalctl gives for `match` (its own reading)."""
    done = subprocess.run(["journalctl", *(f"--file={path}" for path in files), "-o", "json", "--no-pager", *match],
                          capture_output=True, text=True, check=True)
    return Counter((int(e["__REALTIME_TIMESTAMP"]), e["MESSAGE"]) for e in map(json.loads, done.stdout.splitlines()))


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
units = ["chatter", "billing"]
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

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=30) == 0
        self.process = None
        self.earlier = {name: self.counted(name) for name in COUNTERS}  # the textfile is written at the stop
        self.prom.unlink()


COUNTERS = ("logsentry_entries_read_total", "logsentry_matches_total", "logsentry_incidents_total")


def per_rule(text: str, name: str) -> Counter[str]:
    """A counter's values in Prometheus' text format, summed per `rule` label ("" for none)."""
    found: Counter[str] = Counter()
    for line in text.splitlines():
        if parsed := re.match(rf"^{name}(?:{{(.*)}})? (\S+)$", line):
            rule = re.search(r'(?:^|,)rule="([^"]*)"', parsed[1] or "")
            found[rule[1] if rule else ""] += int(float(parsed[2]))
    return found


def test_followed_and_scanned_alike_across_rotation_and_a_journald_restart(tmp_path: Path) -> None:
    scripts = Path(tempfile.mkdtemp(prefix="logsentry-writer-", dir="/var/tmp"))  # the sandbox sees /var/tmp
    (scripts / "writer.py").write_text(WRITER)
    box = Sandbox({unit: UNIT.format(script=scripts / "writer.py", name=unit.split(".")[0],
                                     rate=RATE if unit == "chatter.service" else RATE // 2) for unit in UNITS})
    share, nsenter, hook = box.dir / "share", box.systemctl[:-1], HttpReceiver()
    rules_dir = fast_anomaly_rules(tmp_path / "rules")
    service = Service(tmp_path, box.journal, rules_dir, hook)
    followed: Followed | None = None

    def read_by_service() -> int:
        return service.counted("logsentry_entries_read_total")[""]

    try:
        service.start()
        ready_usec = time.time_ns() // 1000  # it reads from where the journal ended when it started
        followed = Followed(box.journal, rules_dir)
        (share / "go").touch()
        at = followed.read_past(STEP)
        for rotations in range(1, ROTATIONS + 1):  # (a reader that loses a file's last lines may be lucky once)
            subprocess.run([*nsenter, "journalctl", "--rotate"], check=True, timeout=20)
            archived = list(box.journal.glob("*/system@*.journal"))
            assert len(archived) == rotations, archived  # journald archived its file and went on in a new one
            at = followed.read_past(at + STEP // ROTATIONS)
        service.stop()  # and started again after both journald restarts: it resumes in files rotated meanwhile
        journald = box.show("systemd-journald.service", "MainPID")
        subprocess.run([*nsenter, "systemctl", "restart", "systemd-journald"], check=True, timeout=20)
        assert box.show("systemd-journald.service", "MainPID") not in ("0", journald)  # (it goes on in its file)
        at = followed.read_past(at + STEP)
        journald = box.show("systemd-journald.service", "MainPID")
        subprocess.run([*nsenter, "systemctl", "kill", "--signal=SIGKILL", "systemd-journald"], check=True, timeout=20)
        wait_until(lambda: box.show("systemd-journald.service", "MainPID") not in ("0", journald), 20,
                   "systemd to restart the killed journald")
        wait_until(lambda: list(box.journal.glob("*/system@*.journal~")), 20, "journald to set aside its file")
        at = followed.read_past(at + STEP)
        service.start()
        # Vacuum: journald deletes the archived files (kept here for the scan after the fact), once both readers
        # are past them (what they had not read would be gone: journalctl -f would lose it too).
        kept = tmp_path / "archived"
        kept.mkdir()
        for archived in box.journal.glob("*/system@*"):
            shutil.copy2(archived, kept / archived.name)
        in_archives = journal_entries(sorted(kept.iterdir()), *(f"--unit={unit}" for unit in UNITS))
        lines = sum(n for (usec, _), n in in_archives.items() if usec > ready_usec)
        wait_until(lambda: read_by_service() >= lines, 30,
                   lambda: f"logsentry run to read the archived files' {lines} entries (it read {read_by_service()})")
        subprocess.run([*nsenter, "journalctl", "--vacuum-files=1"], check=True, timeout=20, capture_output=True)
        assert not list(box.journal.glob("*/system@*"))
        (share / "novel").touch()  # billing's new error template, after the restarts and the vacuum
        wait_until(lambda: followed.novel >= 4, 20, "the follower to read 4 lines of the new template")
        (share / "stop").touch()
        wait_until(lambda: all((share / f"written-{unit.split('.')[0]}").exists() for unit in UNITS), 20,
                   "the units' counts of lines")
        files = sorted([*kept.iterdir(), *box.journal.glob("*/*.journal*")])  # the whole journal
        for unit in UNITS:
            name = unit.split(".")[0]
            rounds, written = map(int, (share / f"written-{name}").read_text().split())
            followed.read_past(rounds - 1, name)
            own = journal_entries(files, f"_SYSTEMD_UNIT={unit}")
            assert sum(own.values()) == written  # journald kept every line (else the test proves nothing)
        # the units' lines and PID 1's about them, as `journalctl -u` (and the service's selection) takes them
        in_journal = journal_entries(files, *(f"--unit={unit}" for unit in UNITS))
        wait_until(lambda: followed.count >= sum(in_journal.values()), 20, None)
        followed.stop()
        for unit in UNITS:
            name = unit.split(".")[0]
            rounds = int((share / f"written-{name}").read_text().split()[0])
            seqs = Counter(int(seq[2]) for (_, message), n in followed.entries.items() for _ in range(n)
                           if (seq := SEQ.match(message)) and seq[1] == name)
            assert seqs == Counter(range(rounds)), f"{name}: " + lost_and_twice(seqs, rounds)
        assert followed.entries == in_journal and max(followed.entries.values()) == 1

        rules = detector(rules_dir)
        scanned = list(Pipeline(detector(rules_dir)).run(ScreeningJournalSource(
            JournalLocation(files=tuple(files)), Selection(units=UNITS), rules.screen(), rules.needed_fields)))
        keys = [event_key(event) for event in scanned]
        rules_hit = Counter(key[1] for key in keys if key[0] == "match")
        for rule in ("ghc-mvar-deadlock", "disk-full", "jvm-out-of-memory", "error-burst", "new-error-template"):
            assert rules_hit[rule] > 0, rules_hit
        assert {"incident", "ended"} <= {key[0] for key in keys}
        assert [event_key(event) for event in followed.events] == keys

        # The service (a journal_directory: each file from its own position) read each entry once too.
        lines = sum(n for (usec, _), n in in_journal.items() if usec > ready_usec)
        wait_until(lambda: read_by_service() >= lines, 30,
                   lambda: f"logsentry run to read {lines} entries (it read {read_by_service()})")
        service.stop()
        assert service.counted("logsentry_entries_read_total") == {"": lines}, service.log.read_text()[-1500:]
        assert service.counted("logsentry_matches_total") == rules_hit
        assert service.counted("logsentry_incidents_total") == Counter(k[1] for k in keys if k[0] == "incident")
    finally:
        if followed is not None:
            followed.finish.set()
        if service.process is not None:
            service.process.send_signal(signal.SIGTERM)
            service.process.wait(timeout=30)
        hook.close()
        box.close()
        shutil.rmtree(scripts, ignore_errors=True)
