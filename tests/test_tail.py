"""`logsentry tail` as an operator runs it: a subprocess following a live journal (systemd-journal-remote
fed through a FIFO), read line by line while it runs; plus the live view's rendering and the loop's clock."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import queue
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import LiveJournal, run_cli, simple_rule
from rich.console import Console

from logsentry.cli.tail import follow
from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.pipeline import EndedEvent, Event, IncidentEvent, Pipeline, Progress
from logsentry.rules.loader import load_rules
from logsentry.sources.journal import JournalGap
from logsentry.views.tail import render, sparkline
from logsentry.views.tail_state import BucketHistory, TailState

PROBE_RULE = simple_rule(regex="^PROBE", count=1_000_000)
TIMEOUT = 4.0


@pytest.fixture
def tail_rules(write_rule, rules_dir: Path) -> Callable[..., list[str]]:
    """Rule options for `boom` (with the given trigger) plus `probe`, which readiness checks write."""

    def make(count: int = 1000, within: str = "60s", action: str = "alert") -> list[str]:
        write_rule("boom", simple_rule(regex="^BOOM", count=count, within=within).replace(
            'action = "alert"', f'action = "{action}"'))
        write_rule("probe", PROBE_RULE)
        return ["--rules", str(rules_dir), "--no-shipped-rules"]

    return make


class Tail:
    """`python -m logsentry tail ...` with its stdout read line by line in a thread."""

    def __init__(self, *args: str, **popen: Any):
        options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
        self.process = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", *args], **options)
        self.lines: queue.Queue[str | None] = queue.Queue()
        if options["stdout"] == subprocess.PIPE:
            threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.process.stdout.close()
        self.lines.put(None)

    def next_line(self, timeout: float = TIMEOUT) -> str | None:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def read(self, want: int, timeout: float = TIMEOUT) -> list[str]:
        """The next `want` lines that are not readiness probes (fails after `timeout`)."""
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while len(got) < want:
            line = self.next_line(max(deadline - time.monotonic(), 0.01))
            assert line is not None, f"tail printed {got} and then nothing for {timeout}s"
            if "PROBE" not in line:
                got.append(line)
        return got

    def read_until(self, done: Callable[[str], bool], timeout: float = TIMEOUT) -> list[str]:
        got: list[str] = []
        while not got or not done(got[-1]):
            got.extend(self.read(1, timeout))
        return got

    def ready(self, journal: LiveJournal, unit: str = "app.service", timeout: float = 4 * TIMEOUT) -> None:
        """Write probes until tail shows one: from then on, nothing written is before its start point. (Its start-up,
        imports and rules, is in this wait: on a loaded machine it took more than TIMEOUT once.)"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            journal.write("PROBE", unit=unit, priority=3)
            line = self.next_line(0.2)
            if line is not None and "PROBE" in line:
                return
        raise AssertionError("tail never showed a probe")

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, list[str], str]:
        """Signal it; its exit code, the rest of its stdout (probes dropped) and its stderr."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=TIMEOUT)
        rest: list[str] = []
        while (line := self.next_line()) is not None:
            if "PROBE" not in line:
                rest.append(line)
        assert self.process.stderr is not None
        return code, rest, self.process.stderr.read()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:  # (stdout: the pump thread closes it at its end)
            self.process.stderr.close()


@pytest.fixture
def start_tail():
    started: list[Tail] = []

    def start(*args: str, **popen: Any) -> Tail:
        started.append(Tail(*args, **popen))
        return started[-1]

    yield start
    for tail in started:
        tail.kill()


def records(lines: Sequence[str], kind: str | None = None) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in lines]
    return [r for r in parsed if kind is None or r["type"] == kind]


def test_json_lines_arrive_while_it_runs_and_sigint_ends_cleanly(live_journal, tail_rules, start_tail):
    tail = start_tail("-D", str(live_journal.directory), "-o", "json", *tail_rules())
    tail.ready(live_journal)
    live_journal.write("BOOM one", priority=3)
    live_journal.write("nothing to see")
    [first] = records(tail.read(1))
    assert first["type"] == "match" and first["rule"] == "boom" and first["message"] == "BOOM one"
    assert first["unit"] == "app.service" and first["priority"] == 3 and first["cursor"].startswith("s=")
    live_journal.write("BOOM two")
    assert records(tail.read(1))[0]["message"] == "BOOM two"
    code, rest, stderr = tail.stop()
    assert code == 0 and "Traceback" not in stderr
    assert records(rest)[-1]["type"] == "summary" and records(rest)[-1]["matches"] >= 2


def test_plain_off_a_terminal_follows_only_the_unit_and_priority(live_journal, tail_rules, start_tail):
    tail = start_tail("-D", str(live_journal.directory), "-u", "api", "-p", "err", *tail_rules())
    tail.ready(live_journal, unit="api.service")
    live_journal.write("BOOM from db", unit="db.service")
    live_journal.write("BOOM at info priority", unit="api.service", priority=6)
    live_journal.write("BOOM from api\nsecond line", unit="api.service", priority=2)
    live_journal.write("api is fine", unit="api.service")
    [line] = tail.read(1)
    assert " api.service boom error BOOM from api ⏎ second line" in line
    assert line[:4].isdigit()  # starts with the date
    code, rest, stderr = tail.stop(signal.SIGTERM)
    assert code == 0 and rest == [] and "Traceback" not in stderr


def test_follows_a_journal_file(live_journal, tail_rules, start_tail):
    tail = start_tail("--file", str(live_journal.file), "-o", "json", *tail_rules())
    tail.ready(live_journal)
    live_journal.write("BOOM in the file")
    assert records(tail.read(1))[0]["message"] == "BOOM in the file"


def test_lines_back(live_journal, tail_rules, start_tail):
    for i in range(5):
        live_journal.write(f"BOOM {i}")
    live_journal.wait_written()
    tail = start_tail("-D", str(live_journal.directory), "-n", "2", "-o", "json", *tail_rules())
    assert [r["message"] for r in records(tail.read(2))] == ["BOOM 3", "BOOM 4"]


def test_burst_fires_an_incident_that_ends_by_the_clock(live_journal, tail_rules, start_tail):
    tail = start_tail("-D", str(live_journal.directory), "-o", "json", *tail_rules(count=3, within="1s",
                                                                                  action="restart"))
    tail.ready(live_journal)
    for i in range(3):
        live_journal.write(f"BOOM {i}", unit="api.service")
    events = records(tail.read_until(lambda line: '"incident_end"' in line))
    [incident] = records([json.dumps(e) for e in events], "incident")
    assert incident["rule"] == "boom" and incident["unit"] == "api.service" and incident["threshold"] == 3
    assert incident["within_usec"] == 1_000_000 and incident["suggested_action"] == "restart"
    actions = [(a["action"], a["unit"], a["dry_run"]) for a in events if a["type"] == "action"]
    assert actions == [("restart", "api.service", True), ("alert", "api.service", True)]
    # No entry came after the burst: the incident ended because the wall clock passed its window.
    assert events[-1]["count"] == 3 and events[-1]["open"] is False


def test_keeps_following_across_rotation(live_journal, tail_rules, start_tail):
    tail = start_tail("-D", str(live_journal.directory), "-o", "json", *tail_rules())
    tail.ready(live_journal)
    live_journal.write("BOOM before rotation")
    assert records(tail.read(1))[0]["message"] == "BOOM before rotation"
    live_journal.rotate()
    live_journal.write("BOOM after rotation")
    assert records(tail.read(1))[0]["message"] == "BOOM after rotation"
    assert len(list(live_journal.file.parent.glob("live@*.journal"))) == 1


def test_exits_when_the_pipe_reader_goes_away(live_journal, tail_rules, start_tail):
    """`logsentry tail -o json | head -1` must not linger on a quiet journal once head has exited."""
    read_end, write_end = os.pipe()
    tail = start_tail("-D", str(live_journal.directory), "-o", "json", *tail_rules(), stdout=write_end)
    os.close(write_end)
    deadline = time.monotonic() + TIMEOUT
    while not select.select([read_end], [], [], 0.2)[0]:  # like head: read the first line, then leave
        assert time.monotonic() < deadline, "tail never printed a probe"
        live_journal.write("PROBE")
    os.close(read_end)
    assert tail.process.wait(timeout=TIMEOUT) == 0
    assert tail.process.stderr is not None and "Traceback" not in tail.process.stderr.read()


def _set_size(fd: int, rows: int, columns: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _read_screen(master: int, until: bytes, seen: bytearray, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while until not in seen:
        assert time.monotonic() < deadline, f"{until!r} never shown; got {bytes(seen[-400:])!r}"
        os.set_blocking(master, False)
        try:
            seen.extend(os.read(master, 65536))
        except BlockingIOError:
            time.sleep(0.02)
        except OSError:  # EIO: the terminal's other side closed
            return


def test_live_view_on_a_terminal_survives_resize_and_restores_it(live_journal, tail_rules, start_tail):
    master, slave = pty.openpty()
    _set_size(slave, 30, 120)
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    tail = start_tail("-D", str(live_journal.directory), *tail_rules(count=2), stdout=slave, stdin=slave, env=env,
                      start_new_session=True)
    os.close(slave)
    screen = bytearray()
    try:
        _read_screen(master, b"logsentry tail", screen)
        assert b"\x1b[?1049h" in screen  # the alternate screen, like top
        live_journal.write("BOOM on screen", unit="api.service")
        live_journal.write("BOOM again", unit="api.service")
        _read_screen(master, b"FIRING", screen)
        _set_size(master, 20, 90)
        tail.process.send_signal(signal.SIGWINCH)
        live_journal.write("BOOM after resize", unit="api.service")
        _read_screen(master, b"BOOM after resize", screen)
        tail.process.send_signal(signal.SIGINT)
        assert tail.process.wait(timeout=TIMEOUT) == 0
        _read_screen(master, b"\x00never", screen)  # everything, until the terminal reports its other side gone
    finally:
        os.close(master)
    assert screen.rindex(b"\x1b[?25h") > screen.rindex(b"\x1b[?25l")  # the cursor is shown again
    left = screen.rindex(b"\x1b[?1049l")  # the alternate screen was left, the final report printed below it
    assert b"FIRING" in screen[left:] and b"burst counters" in screen[left:]
    assert tail.process.stderr is not None and "Traceback" not in tail.process.stderr.read()


def test_act_takes_the_actions_through_the_site_config(live_journal, tail_rules, start_tail, tmp_path):
    """--act: the service's safeguards and channels: the watch allows alerts only, so a restart rule alerts."""
    alerts = tmp_path / "alerts.jsonl"
    receiver = tmp_path / "receive.py"
    receiver.write_text(f"import sys\nopen({str(alerts)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    config = tmp_path / "site.toml"
    config.write_text(f'[[watch]]\nunits = ["app"]\nactions = ["alert"]\n[[channel]]\ntype = "command"\n'
                      f'argv = ["{sys.executable}", "{receiver}"]\n')
    tail = start_tail("-D", str(live_journal.directory), "-o", "json", "--act", "-c", str(config),
                      *tail_rules(count=1, action="restart"))
    tail.ready(live_journal, unit="probe.service")  # app.service's probes would lead in its failure (its chain)
    live_journal.write("BOOM act on me")
    lines = tail.read_until(lambda line: json.loads(line)["type"] == "action")
    assert [(r["action"], r["dry_run"]) for r in records(lines, "action")] == [("alert", False)]
    deadline = time.monotonic() + TIMEOUT
    # (the receiver's open() makes the file before its write fills it: wait for a whole line, CI under load)
    while not (alerts.exists() and alerts.read_text().endswith("\n")) and time.monotonic() < deadline:
        time.sleep(0.05)
    payload = json.loads(alerts.read_text().splitlines()[0])
    assert payload["rule"] == "boom" and payload["message"] == "BOOM act on me"
    # with its rule's title, which the alert's headline says, as the service's alerts have it (helper-124: tail
    # --act titled "CRITICAL api.service: ghc-mvar-deadlock", the service "...: GHC: thread blocked ...")
    assert payload["rule_title"] == "boom", payload
    # the incident record carries the alert's journalctl command (F9's finding), which reads the journal followed
    [incident] = records(lines, "incident")
    assert incident["journalctl"] == payload["journalctl"]
    assert payload["journalctl"].startswith(f"journalctl -D {live_journal.directory} ")
    shown = subprocess.run([*shlex.split(incident["journalctl"]), "-o", "cat", "--no-pager"], capture_output=True,
                           text=True, check=True).stdout
    assert shown.splitlines() == ["BOOM act on me"]
    code, _, stderr = tail.stop()
    assert code == 0 and "Traceback" not in stderr


def test_act_keeps_the_sites_silences(live_journal, tail_rules, start_tail, tmp_path):
    """--act goes through the service's safeguards, silences included: a maintenance window made with
    `logsentry silence add` (in the config's state_dir) quiets tail --act's alerts too."""
    alerts = tmp_path / "alerts.jsonl"
    receiver = tmp_path / "receive.py"
    receiver.write_text(f"import sys\nopen({str(alerts)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    config = tmp_path / "site.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n[[watch]]\nunits = ["app", "web"]\n'
                      f'actions = ["alert"]\n[[channel]]\ntype = "command"\n'
                      f'argv = ["{sys.executable}", "{receiver}"]\n')
    made = run_cli("silence", "add", "-c", str(config), "-u", "app", "--for", "1h", "--comment", "deploy")
    assert made.exit_code == 0, made.output
    tail = start_tail("-D", str(live_journal.directory), "-o", "json", "--act", "-c", str(config),
                      *tail_rules(count=1))
    tail.ready(live_journal)
    live_journal.write("BOOM in the window")
    tail.read_until(lambda line: json.loads(line)["type"] == "action")
    live_journal.write("BOOM elsewhere", unit="web.service")
    deadline = time.monotonic() + TIMEOUT
    while not (alerts.exists() and "BOOM elsewhere" in alerts.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = [json.loads(line)["message"] for line in alerts.read_text().splitlines() if line.strip()]
    assert sent == ["BOOM elsewhere"]
    code, _, stderr = tail.stop()
    assert code == 0 and "Traceback" not in stderr


def test_act_refuses_a_bad_site_config(tmp_path):
    bad = tmp_path / "site.toml"
    bad.write_text("[restart]\nbudget = -1\n")
    result = run_cli("tail", "--act", "-c", str(bad))
    assert result.exit_code == 2 and "restart.budget (line 2): expected a whole number >= 0" in result.stderr


def test_dumps_cannot_be_followed(tmp_path):
    dump = tmp_path / "dump.json"
    dump.write_text('{"MESSAGE": "x"}\n')
    result = run_cli("tail", "--file", str(dump))
    assert result.exit_code == 2 and "not a journal file" in result.stderr


# ---- without a subprocess: the loop's clock and the live view's rendering ----------------------------------

NOW = 1_767_225_600_000_000


def _pipeline(rules_dir: Path) -> Pipeline:
    rule_set = load_rules([rules_dir])
    assert not rule_set.errors
    return Pipeline(Detector(rule_set.rules))


def _entry(message: str, usec: int, unit: str = "api.service") -> Entry:
    return Entry(realtime_usec=usec, message=message, unit=unit, priority=3, cursor=f"c{usec}")


class RecordingView:
    def __init__(self) -> None:
        self.seen: list[Event] = []
        self.flushes: list[int] = []

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def summary(self, progress: Progress) -> None: ...
    def gap(self, gap: JournalGap) -> None: ...

    def entry(self, entry: Entry, events: Sequence[Event]) -> None:
        self.seen.extend(events)

    def events(self, events: Sequence[Event]) -> None:
        self.seen.extend(events)

    def flush(self, now_usec: int, caught_up: bool) -> None:
        self.flushes.append(now_usec)


def test_caught_up_expires_incidents_at_wall_clock_time(write_rule, rules_dir):
    write_rule("boom", simple_rule(regex="^BOOM", count=2, within="10s"))
    pipeline, view = _pipeline(rules_dir), RecordingView()
    items = [_entry("BOOM", NOW), _entry("BOOM", NOW + 1_000_000), None, None]
    clock = iter([NOW + 5_000_000, NOW + 12_000_000])
    follow(items, pipeline, view, wait=lambda: None, clock=lambda: next(clock))
    assert [type(e) for e in view.seen].count(IncidentEvent) == 1
    ended = [e for e in view.seen if isinstance(e, EndedEvent)]
    assert len(ended) == 1 and ended[0].incident.count == 2 and not ended[0].open_at_end
    assert view.flushes == [NOW + 5_000_000, NOW + 12_000_000]  # one flush per caught-up batch


def test_caught_up_lets_a_silence_fire_with_no_entry(write_rule, rules_dir):
    write_rule("quiet", 'title = "quiet"\nseverity = "warning"\naction = "alert"\n'
                        '[absence]\nsilent_for = "1s"\nmin_entries = 2\nlearn_for = "100ms"\n')
    pipeline, view = _pipeline(rules_dir), RecordingView()
    items = [_entry("hello", NOW), _entry("hello", NOW + 100_000), None]
    follow(items, pipeline, view, wait=lambda: None, clock=lambda: NOW + 5_000_000)
    [fired] = [e.incident for e in view.seen if isinstance(e, IncidentEvent)]
    assert fired.rule_id == "quiet" and fired.unit == "api.service"


def test_counters_panel_shows_rule_count_threshold_and_sparkline(write_rule, rules_dir):
    write_rule("boom", simple_rule(regex="^BOOM", count=5, within="60s"))
    pipeline = _pipeline(rules_dir)
    state = TailState(pipeline.detector.rules, pipeline.progress, "following api.service")
    for offset_s in (0, 1, 25):
        entry = _entry(f"BOOM at {offset_s}s", NOW + offset_s * 1_000_000)
        state.add_entry(entry, list(pipeline.process(entry)))
    state.add_entry(_entry("just noise", NOW + 26_000_000), [])
    console = Console(record=True, width=140, height=30, file=io.StringIO(), color_system="truecolor")
    console.print(render(state, NOW + 30_000_000, console.width, console.height))
    text = console.export_text()
    row = next(line for line in text.splitlines() if " boom " in line and "api.service" in line)
    assert "3/5 in 1m" in row
    assert "█" in row and "▄" in row  # two hits in one 10 s bucket, one in a later one
    assert "BOOM at 25s" in text and "just noise" in text
    assert "[boom]" in text


def test_sparkline_and_bounded_history():
    assert sparkline([0, 1, 2, 8]) == " ▁▂█"
    assert sparkline([0, 0]) == "  "
    history = BucketHistory(buckets=3, bucket_usec=10)
    for usec in (0, 5, 12, 1000):
        history.add(usec)
    assert history.values(1000) == [0, 0, 1]  # old buckets fell off; the ring never grows
    assert history.values(1025) == [1, 0, 0]
    history.add(995)
    assert history.values(1000) == [0, 1, 1]


def test_alike_lines_fold_into_the_newest_so_the_line_that_matters_stays(write_rule, rules_dir):
    """A unit logging the same error every second beside another's steady request log filled the 30-line panel;
    the one line that mattered (a new operator's FATAL) scrolled out in 15 s. Alike lines (unit, matches, words
    with numbers aside) among the last few fold into the newest, with how many."""
    write_rule("boom", simple_rule(regex="^BOOM", count=5, within="60s"))
    pipeline = _pipeline(rules_dir)
    state = TailState(pipeline.detector.rules, pipeline.progress, "following everything")
    fatal = Entry(NOW, "FATAL: lost connection to database, worker pool stuck", "hang2.service", 3, "c")
    state.add_entry(fatal, list(pipeline.process(fatal)))
    for n in range(60):
        for entry in (Entry(NOW + (n + 1) * 1_000_000, "BOOM upstream timed out", "errspam.service", 3, "c"),
                      Entry(NOW + (n + 1) * 1_000_000 + 500, f"served request {n} in {n % 7 + 10}ms", "api.service",
                            6, "c")):
            state.add_entry(entry, list(pipeline.process(entry)))
    assert len(state.stream) == 3, [line.message for line in state.stream]
    console = Console(record=True, width=140, height=30, file=io.StringIO(), color_system="truecolor")
    console.print(render(state, NOW + 62_000_000, console.width, console.height))
    text = console.export_text()
    assert "FATAL: lost connection to database" in text, text
    assert "x60 errspam.service [boom] BOOM upstream timed out" in text and "x60 api.service: served request 59" in text
    assert "journal (xN: N alike lines, numbers aside, folded into the newest)" in text, text  # (nu76's 8)


def test_tail_help_says_which_rules_judge_from_the_first_line_and_what_xn_is():
    """`tail` showed 0 incidents for an outage `scan` carded, and its help did not say why: its anomaly rules learn
    from what the tail reads (no history at its start), and the live view's "x6" went unexplained (nu76's 8)."""
    said = " ".join(run_cli("tail", "--help").stdout.split())
    assert "Signature rules judge every line from the first. Anomaly and silence rules learn only from what this " \
           "tail reads (not the service's baselines)" in said, said
    assert "start earlier with --since or -n" in said and '"x6" before a line: 6 alike lines' in said, said


def test_act_refuses_beside_a_service_on_the_same_state(tmp_path, live_journal):
    """`tail --act` beside `logsentry run` on one config: each took the other's restart of a deadlocked unit for an
    operator's, and the unit was restarted three times in 5 s (a new operator's trial). It refuses, saying why."""
    from logsentry.state_open import open_state_dir

    state = tmp_path / "state"
    config = tmp_path / "site.toml"
    config.write_text(f'state_dir = "{state}"\n[[watch]]\nunits = ["app"]\nactions = ["restart", "alert"]\n')
    lock = open_state_dir(state)  # as the running service holds it
    try:
        done = subprocess.run([sys.executable, "-m", "logsentry", "tail", "-D", str(live_journal.directory), "--plain",
                               "--act", "-c", str(config)], capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 2, done.stderr
        assert f"a logsentry service runs on {state} (its lock is held)" in done.stderr, done.stderr
    finally:
        lock.close()
