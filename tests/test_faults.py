"""`logsentry run` under faults (issue 13), as a real process on a live journal with real receivers:
nothing lost across restarts, nothing done twice, no action stalled by another, bounded memory, clear
start-up errors. The restart faults against a real systemd are in test_restart_faults.py."""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import appended_json
from receivers import HttpReceiver, TrickleReceiver
from test_service import BOOM_RULE, RunningService, config_text

from logsentry.actions import channels
from logsentry.config import Channel

# -- helpers --------------------------------------------------------------------------------------------


@pytest.fixture
def rules(tmp_path: Path) -> Callable[..., Path]:
    def make(action: str = "alert", within: str = "60s", group: str = 'group_by = "id"', extra: str = "") -> Path:
        directory = tmp_path / "rules"
        directory.mkdir(exist_ok=True)
        (directory / "boom.toml").write_text(BOOM_RULE.format(action=action, within=within, group=group))
        if extra:
            rule_id = extra.split('"')[1]  # the first line: id = "..."
            (directory / f"{rule_id}.toml").write_text(extra)
        return directory

    return make


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Callable[[str], RunningService]]:
    started: list[RunningService] = []

    def make(config: str) -> RunningService:
        running = RunningService(tmp_path, config)
        started.append(running)
        return running

    yield make
    for running in started:
        if running.proc is not None:
            running.stop(signal.SIGKILL)


@pytest.fixture
def receivers() -> Iterator[list[object]]:
    made: list[object] = []
    yield made
    for item in made:
        item.close()  # type: ignore[attr-defined]


def command_channel(tmp_path: Path, name: str = "cmd") -> tuple[str, Path]:
    """A command channel appending each alert (whole JSON only) to a file."""
    out = tmp_path / f"{name}.jsonl"
    script = tmp_path / f"{name}.py"
    script.write_text(f"import json, sys\ndata = json.dumps(json.loads(sys.stdin.read()))\n"
                      f"open({str(out)!r}, 'a').write(data + '\\n')\n")
    return f'[[channel]]\nname = "{name}"\ntype = "command"\nargv = ["{sys.executable}", "{script}"]\n', out


def alerts_in(path: Path) -> list[dict[str, object]]:
    return appended_json(path)


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class NotifySocket:
    """A NOTIFY_SOCKET like systemd's: records each sd_notify message with the time it came."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except OSError:
                continue
            self.messages.append((time.monotonic(), data.decode(errors="replace")))

    def times(self, word: str, since: float = 0.0) -> list[float]:
        return [at for at, text in self.messages if word in text.split("\n") and at >= since]

    def status(self) -> str:
        found = [line[7:] for _, text in self.messages for line in text.split("\n") if line.startswith("STATUS=")]
        return found[-1] if found else ""

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


# -- item 1: the cursor is saved from the first read on ---------------------------------------------------

def test_entries_logged_while_down_after_a_quiet_first_start_are_read(live_journal, rules, services, tmp_path):
    channel, out = command_channel(tmp_path)
    live_journal.write("some other unit talks", unit="other.service")
    live_journal.wait_written()
    running = services(config_text(live_journal, rules(), channel))
    running.start()  # first start: at the end of the journal; the watched unit says nothing
    time.sleep(0.3)
    running.stop(signal.SIGKILL)
    live_journal.write("BOOM while-down")
    live_journal.wait_written()
    running.start()
    wait_for(lambda: alerts_in(out), 10, "the alert for the entry logged while logsentry was down")
    assert [alert["message"] for alert in alerts_in(out)] == ["BOOM while-down"]


# -- item 2: one service per state directory -------------------------------------------------------------

def test_a_second_instance_on_the_same_state_exits_2_naming_the_holder(live_journal, rules, services, tmp_path):
    channel, out = command_channel(tmp_path)
    running = services(config_text(live_journal, rules(), channel))
    running.start()
    second = subprocess.run([sys.executable, "-m", "logsentry", "run", "-c", str(running.config_path)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert second.returncode == 2, second.stderr
    assert running.proc is not None and f"PID {running.proc.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    live_journal.write("BOOM once")
    wait_for(lambda: alerts_in(out), 10, "the alert")
    time.sleep(0.5)
    assert len(alerts_in(out)) == 1


# -- item 3: total deadlines; no action waits behind another ---------------------------------------------

def test_a_receiver_that_trickles_bytes_is_cut_off_and_the_next_channel_delivers(live_journal, rules, services,
                                                                                 receivers):
    # One byte a second: each read succeeds within the 2-s timeout, the answer's header alone takes 80 s.
    trickle, good = TrickleReceiver(every=1.0), HttpReceiver()
    receivers.extend([trickle, good])
    channels_text = (f'[[channel]]\nname = "slow"\ntype = "apprise"\nurl = "json://{trickle.url}/x"\n'
                     'timeout = "2s"\nretries = 1\n'
                     f'[[channel]]\nname = "good"\ntype = "apprise"\nurl = "json://{good.url}/y"\n')
    running = services(config_text(live_journal, rules(), channels_text))
    running.start()
    started = time.monotonic()
    live_journal.write("BOOM trickled")
    got = good.wait_for(1, timeout=40)
    assert got, f"the alert never reached the second channel; log:\n{running.log()}"
    # Cut off at 2 s; the bound is loose for a loaded CI machine (8.9 s once beside two other workers) and
    # still far below the 80 s that a per-read timeout alone would let the trickle take.
    assert time.monotonic() - started < 30
    assert trickle.connections == 1
    assert "timed out after 2s in total" in running.log()


def test_a_hanging_systemctl_delays_no_alert_of_another_unit(live_journal, rules, services, tmp_path):
    channel, out = command_channel(tmp_path)
    calls = tmp_path / "systemctl.calls"
    systemctl = tmp_path / "systemctl"
    # InvocationID queries answer at once; a restart hangs (and leaves a child, to be killed with it).
    systemctl.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n[ "$1" = restart ] || exit 0\n'
                         f'sleep 600.{os.getpid()} & exec sleep 601.{os.getpid()}\n')
    systemctl.chmod(0o700)
    config = config_text(live_journal, rules(action="restart"), channel, actions='["restart", "alert"]',
                         extra=f'[restart]\nsystemctl = ["{systemctl}"]\ntimeout = "12s"\n')
    config += '[[watch]]\nunits = ["other"]\nactions = ["alert"]\n'
    running = services(config)
    running.start()
    live_journal.write("BOOM hangs")  # app.service: a restart that hangs, then its alert
    wait_for(lambda: calls.exists() and "restart" in calls.read_text(), 10, "the restart to start")
    started = time.monotonic()
    live_journal.write("BOOM elsewhere", unit="other.service")
    wait_for(lambda: any(a["unit"] == "other.service" for a in alerts_in(out)), 10, "the other unit's alert")
    # Behind the restart it would wait most of the restart's 12-s deadline; the bound leaves room for a loaded CI.
    assert time.monotonic() - started < 8, "an alert of another unit waited behind the hanging restart"
    # The hung restart fails at its total deadline; its whole process group is gone; its alert says so.
    wait_for(lambda: any(a["unit"] == "app.service" for a in alerts_in(out)), 25, "the restarted unit's alert")
    app = next(a for a in alerts_in(out) if a["unit"] == "app.service")
    assert "restart of app.service failed" in str(app["reason"]) and "timed out after 12s" in str(app["reason"])
    leftovers = subprocess.run(["pgrep", "-f", f"sleep 60[01].{os.getpid()}"], capture_output=True, text=True,
                               check=False)
    assert leftovers.stdout.strip() == "", "the hung restart's children outlived its deadline"


# -- item 5: commands and their output are bounded ---------------------------------------------------------

def _command(tmp_path: Path, body: str, timeout: float = 2.0) -> Channel:
    script = tmp_path / "channel.sh"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o700)
    return Channel("cmd", "command", (str(script),), timeout_s=timeout)


def test_a_command_that_delivers_and_leaves_a_background_child_succeeds(tmp_path):
    out = tmp_path / "got.json"
    # The child keeps stdout open for 30 s; waiting for it would hit the 10-s deadline and raise.
    channel = _command(tmp_path, f"cat > {out}\nsleep 30 &\nexit 0", timeout=10.0)
    started = time.monotonic()
    channels.deliver(channel, {"event": "firing", "x": 1})
    assert time.monotonic() - started < 6
    assert json.loads(out.read_text())["x"] == 1
    subprocess.run(["pkill", "-f", "^sleep 30$"], check=False)


def test_a_timed_out_command_has_its_whole_process_group_killed(tmp_path):
    marker = tmp_path / "marker"
    # 3 s: a loaded CI's shell took more than 1 s to reach `touch` (it was killed before it)
    channel = _command(tmp_path, f"cat >/dev/null\nsleep 30.{os.getpid()} &\nsleep 31.{os.getpid()} &\n"
                                 f"touch {marker}\nwait", timeout=3.0)
    started = time.monotonic()
    with pytest.raises(channels.DeliveryError, match="timed out after 3s in total"):
        channels.deliver(channel, {"event": "firing"})
    assert time.monotonic() - started < 10 and marker.exists()  # waiting for the children: 30 s
    time.sleep(0.2)
    left = subprocess.run(["pgrep", "-f", f"sleep 3[01].{os.getpid()}"], capture_output=True, text=True,
                          check=False)
    assert left.stdout.strip() == "", "orphaned children of the timed-out command"


def test_command_output_is_read_up_to_a_cap(tmp_path):
    channel = _command(tmp_path, "cat >/dev/null\nhead -c 400000000 /dev/zero\nhead -c 400000000 /dev/zero >&2",
                       timeout=20.0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    channels.deliver(channel, {"event": "firing"})
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 50, f"reading 800 MB of output grew the peak RSS by {grown_mib:.0f} MiB"


# -- item 6: watchdog, stop and commits while a backlog is read --------------------------------------------

SLOW_RULE = '''id = "slow"
title = "a rule that costs ~10 ms on the test's lines"
severity = "error"
action = "alert"
[match]
message = '^SLOW (?:.*),(?:.*),(?:.*)=$'
[trigger]
count = 1
within = "60s"
'''


def slow_line() -> str:
    """A line on which SLOW_RULE takes 10-15 ms here (measured, so the test holds on fast and slow machines). The
    fastest of three tries is taken: one try descheduled on a busy machine read as slow, the line came out short,
    and a CI run's backlog was read in ~3 s, its pings ending with it (2 in 4 s)."""
    import regex

    pattern = regex.compile(r"^SLOW (?:.*),(?:.*),(?:.*)=$", regex.MULTILINE)
    size = 200
    while True:
        line = "SLOW " + ",".join(["ab"] * size) + "!"
        took = []
        for _ in range(3):
            started = time.perf_counter()
            pattern.search(line, timeout=1)
            took.append(time.perf_counter() - started)
        if min(took) >= 0.010 or size > 8000:
            return line
        size = int(size * 1.2)


BACKLOG = 900


@pytest.mark.alone  # watchdog pings in 4 s of wall clock while a backlog is read: CPU beside it starves them
def test_watchdog_status_stop_and_commits_keep_coming_while_a_backlog_is_read(live_journal, rules, services,
                                                                             tmp_path):
    notify = NotifySocket(tmp_path / "notify.sock")
    try:
        config = config_text(live_journal, rules(extra=SLOW_RULE), "").replace("commit_every = 50",
                                                                               "commit_every = 1000")
        running = services(config)
        running.env = {**os.environ, "NOTIFY_SOCKET": str(notify.path)}
        running.start()
        live_journal.write("before the backlog")
        time.sleep(0.5)
        running.stop()
        saved = running.state().cursor
        line = slow_line()
        for _ in range(BACKLOG):  # ~9 s or more of regex work
            live_journal.write(line)
        live_journal.wait_written(timeout=20)
        restarted = time.monotonic()
        running.start(wait=False)
        # counted from the restarted service's READY=1 (sent at the backlog's first housekeeping), not from the
        # process's start: on a loaded machine (load 15) Python's start-up alone took seconds. (Until stop 55 this
        # took the first READY=1 on the socket, the first start's: the gaps then spanned the restart, Python's
        # start-up included, and the test failed on a loaded machine whatever the loop did.)
        deadline = time.monotonic() + 30
        while not notify.times("READY=1", since=restarted) and time.monotonic() < deadline:
            time.sleep(0.05)
        [started] = notify.times("READY=1", since=restarted)
        time.sleep(4.0)
        pings = notify.times("WATCHDOG=1", since=started)
        said = [(round(at - started, 2), text.replace("\n", " | ")[:160]) for at, text in notify.messages
                if at >= started]
        assert len(pings) >= 3, f"{len(pings)} watchdog pings in 4 s of backlog: {said}"
        read = int(m.group(1)) if (m := re.search(r"; (\d+) entr", notify.status())) else BACKLOG
        assert read < BACKLOG, f"the backlog was read in less than 5 s: the test's line is too fast here ({said})"
        gaps = [b - a for a, b in zip([started, *pings], pings, strict=False)]
        assert max(gaps) < 2.5, gaps  # HOUSEKEEPING_S apart; a stuck reader (this backlog's 6 s of regex) fails it
        assert running.state().cursor != saved, "no commit while reading the backlog"
        stop_at = time.monotonic()
        assert running.stop() == 0
        assert time.monotonic() - stop_at < 3, "SIGTERM waited for the backlog"
        assert "entries" in notify.status()
    finally:
        notify.close()


# -- item 7: over-long lines cannot disable a rule; quarantines are budgeted and each one alerted ---------

def test_a_crafted_long_line_does_not_disable_the_postgres_crash_rule(live_journal, services, tmp_path):
    channel, out = command_channel(tmp_path)
    config = f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{live_journal.directory}"
[[watch]]
units = ["postgresql"]
actions = ["alert"]
{channel}'''
    running = services(config)
    running.start()
    # 1.2 s of the rule's regex at full length (13 ms at the 4 KiB the service cuts it to); a candidate for it
    crafted = ("] LOG:  a" * 6000)[:49000] + " (PID x) was terminated by signal 9"
    live_journal.write(crafted, unit="postgresql.service")
    live_journal.write(crafted[-4096:], unit="postgresql.service")  # as long as a line can be after the cut
    live_journal.write("2021-01-18 21:19:30.017 UTC [1] LOG:  server process (PID 315) was terminated by signal 9: "
                       "Killed", unit="postgresql.service")
    wait_for(lambda: alerts_in(out), 10, "the alert for the real crash line")
    alert = alerts_in(out)[0]
    assert alert["rule"] == "postgres-backend-crash" and "PID 315" in str(alert["message"])
    assert "quarantine" not in running.log() and "timed out" not in running.log()


# Its window bounds the stale guard too (engine/policy.py): an incident decided more than a window after its hit is
# reported stale, not alerted. 1 s failed the budget test under load (3 of 11 runs at load ~15: "REDOS x1" decided
# 1.04-1.45 s after its hit, "stale: ... older than its window; not acted on", no alert): the crafted line before it
# costs 50 ms of CPU (the regex package's timeout counts CPU time: 0.5-0.9 s of wall time at that load), and the
# fan-in reader of journal_directory may take up to LOOK_S (2 s) to see a line. Shipped rules' windows are 60 s+.
REDOS_RULE = '''id = "redos"
title = "a rule that times out on a crafted line"
severity = "critical"
action = "alert"
[match]
message = '^REDOS (?:a|aa)+$'
[trigger]
count = 1
within = "60s"
group_by = "n"
'''


def test_a_rule_timing_out_is_quarantined_only_on_a_budget_and_every_quarantine_alerts(live_journal, rules,
                                                                                      services, tmp_path):
    channel, out = command_channel(tmp_path)
    rule = REDOS_RULE.replace("(?:a|aa)+$", "(?:(?P<n>x\\d+)|(?:a|aa)+)$")
    running = services(config_text(live_journal, rules(extra=rule), channel))
    running.start()
    hostile = "REDOS " + "a" * 4000 + "b"

    def quarantine_alerts() -> list[dict[str, object]]:
        return [a for a in alerts_in(out) if a["rule"] == "rule_quarantined"]

    live_journal.write(hostile)  # one timeout: that entry is skipped, the rule stays
    live_journal.write("REDOS x1")
    wait_for(lambda: any(a["rule"] == "redos" for a in alerts_in(out)), 10, "the rule to still match")
    assert "rule redos timed out" in running.log() and not quarantine_alerts(), running.log()
    for _ in range(2):  # the third within the budget's window: quarantined, and alerted
        live_journal.write(hostile)
    wait_for(quarantine_alerts, 10, "the quarantine alert")
    assert running.proc is not None
    running.proc.send_signal(signal.SIGHUP)  # a reload brings the rule back ...
    running.wait_log("reloaded:")
    for _ in range(3):  # ... and a second quarantine is alerted again
        live_journal.write(hostile)
    wait_for(lambda: len(quarantine_alerts()) == 2, 15, "the second quarantine alert")


# -- item 8: journal time ahead of the clock ----------------------------------------------------------------

def test_an_entry_stamped_a_day_ahead_moves_no_clock_and_blocks_no_restart(live_journal, rules, services, tmp_path):
    calls = tmp_path / "systemctl.calls"
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(f'#!/bin/sh\n[ "$1" = restart ] && echo "$@" >> {calls}\nexit 0\n')
    systemctl.chmod(0o700)
    config = config_text(live_journal, rules(action="restart", within="1s"), "", actions='["restart"]',
                         extra=f'[restart]\nsystemctl = ["{systemctl}"]\ncooldown = "2s"\nbudget = 10\n')
    running = services(config)
    running.start()
    ahead = time.time_ns() // 1000 + 86400 * 1_000_000
    live_journal.write("BOOM from-the-future", __REALTIME_TIMESTAMP=ahead)
    wait_for(lambda: calls.exists(), 10, "the first restart")
    time.sleep(2.5)  # past the cooldown on the wall clock
    live_journal.write("BOOM now")
    wait_for(lambda: calls.read_text().count("restart") == 2, 10,
             f"the second restart (cooldown measured from a clamped time); log:\n{running.log()}")
    assert "is ahead of the clock by 23h 59m" in running.log()
    assert "restart cooldown" not in running.log()


# -- item 9: start-up and state failures: one clear error, or a fresh start with an alert -----------------

def run_once(config: Path, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logsentry", "run", "-c", str(config)], capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.mark.parametrize("fault", ["state_dir is a file", "state.db is a directory", "no journal directory",
                                   "unreadable journal", "state.db immutable", "disk full"])
def test_a_state_or_start_up_fault_is_one_clear_error_exit_2(live_journal, rules, tmp_path, fault):
    state = tmp_path / "state"
    config = tmp_path / "logsentry.toml"
    text = config_text(live_journal, rules(), "")
    mounted = False
    if fault == "state_dir is a file":
        state.write_text("not a directory")
        needle = f"state_dir {state} is not a directory"
    elif fault == "state.db is a directory":
        (state / "state.db").mkdir(parents=True)
        needle = f"state file {state / 'state.db'} is a directory"
    elif fault == "no journal directory":
        text = text.replace(str(live_journal.directory), str(tmp_path / "gone"))
        needle = f"journal_directory {tmp_path / 'gone'} is not a directory"
    elif fault == "unreadable journal":
        garbage = tmp_path / "garbage"
        garbage.mkdir()
        (garbage / "system.journal").write_bytes(b"LPKSHHRH" + os.urandom(4000))
        text = text.replace(str(live_journal.directory), str(garbage))
        needle = f"cannot open the journal in {garbage}: no journal file could be opened"
    elif fault == "state.db immutable":
        config.write_text(text)
        config.chmod(0o600)
        live_journal.write("a line")
        live_journal.wait_written()
        # A state made by a clean run, then made immutable.
        proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(config)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: (state / "state.db").exists(), 10, "the state file")
        time.sleep(1)
        proc.terminate()
        proc.wait(timeout=15)
        for path in state.iterdir():
            if path.name != "lock" and subprocess.run(["chattr", "+i", str(path)], check=False).returncode != 0:
                pytest.skip("chattr +i is not supported here")
        needle = f"cannot use state file {state / 'state.db'}"
    else:  # disk full: the state directory on a tmpfs that is full
        state.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(state)], check=False).returncode:
            pytest.skip("cannot mount a tmpfs here")
        mounted = True
        with open(state / "filler", "wb") as filler, contextlib.suppress(OSError):
            filler.write(b"x" * 1024 * 1024)
        needle = "No space left on device"
    try:
        config.write_text(text)
        config.chmod(0o600)
        done = run_once(config)
    finally:
        if fault == "state.db immutable":
            for path in state.iterdir():
                subprocess.run(["chattr", "-i", str(path)], check=False)
        if mounted:
            subprocess.run(["umount", str(state)], check=False)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert needle in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_state_file_is_moved_aside_and_the_service_starts_fresh_with_an_alert(live_journal, rules,
                                                                                        services, tmp_path, damage):
    channel, out = command_channel(tmp_path)
    running = services(config_text(live_journal, rules(), channel))
    running.start()
    live_journal.write("BOOM one")
    wait_for(lambda: alerts_in(out), 10, "the first alert")
    running.stop()
    db = tmp_path / "state" / "state.db"
    if damage == "garbage":
        db.write_bytes(os.urandom(50_000))
    else:
        with sqlite3.connect(db) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2])
    running.start()
    wait_for(lambda: any(a["rule"] == "state_corrupt" for a in alerts_in(out)), 10, "the corrupt-state alert")
    moved = [path.name for path in db.parent.iterdir()
             if path.name.startswith("state.db.corrupt-") and not path.name.endswith(("-wal", "-shm"))]
    assert moved, list(db.parent.iterdir())
    alert = next(a for a in alerts_in(out) if a["rule"] == "state_corrupt")
    assert moved[0] in str(alert["reason"]) and str(db) in str(alert["reason"])
    live_journal.write("BOOM two")  # and it works on
    wait_for(lambda: any(a["message"] == "BOOM two" for a in alerts_in(out)), 10, "an alert after the fresh start")


def test_an_unusable_saved_cursor_is_reported_and_the_service_starts_at_the_end(live_journal, rules, services,
                                                                               tmp_path):
    channel, out = command_channel(tmp_path)
    running = services(config_text(live_journal, rules(), channel))
    running.start()
    live_journal.write("a line")
    time.sleep(0.5)
    running.stop()
    with sqlite3.connect(tmp_path / "state" / "state.db") as connection:
        connection.execute("UPDATE meta SET value = '\"not;a=cursor\"' WHERE key = 'cursor'")
    running.start()
    wait_for(lambda: any(a["rule"] == "journal_gap" for a in alerts_in(out)), 10, "the gap alert")
    assert "saved journal cursor" in running.log() and "Traceback" not in running.log()
    live_journal.write("BOOM after")
    wait_for(lambda: any(a["message"] == "BOOM after" for a in alerts_in(out)), 10, "an alert afterwards")


# -- item 10: what an operator sees -----------------------------------------------------------------------------

def test_status_after_a_restart_shows_the_restored_open_incident_and_counters(live_journal, rules, services,
                                                                              tmp_path):
    notify = NotifySocket(tmp_path / "notify.sock")
    try:
        running = services(config_text(live_journal, rules(within="1h"), ""))
        running.env = {**os.environ, "NOTIFY_SOCKET": str(notify.path)}
        running.start()
        live_journal.write("BOOM open")
        running.wait_log("incident boom on app.service")
        time.sleep(1.2)
        running.stop()
        notify.messages.clear()
        running.start()
        wait_for(lambda: notify.status(), 10, "a STATUS")
        status = notify.status()
        assert status.startswith("1 open incident (oldest: boom on app.service since "), status
        assert ", 1 incident, " in status and "0 entries" not in status, status
    finally:
        notify.close()


def test_service_memory_and_state_with_48k_lines_stay_under_memory_max():
    """bench/memory.py's long-lines case, smaller: 48 KiB lines over many group keys (issue 13 item 5)."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(root / "bench" / "memory.py"), "--case", "long-lines", "--entries",
                           "3000", "--keys", "600"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]  # (bench/ imports the package too: a moved name broke it)
    result = json.loads((root / "bench" / "results" / "memory_long_lines.json").read_text())
    assert done.returncode == 0 and result["pass"], done.stdout + done.stderr
    assert result["peak_rss_mib"] < 160 and result["restart_anon_mib"] < 128, result
    assert result["state_bytes"] < 32 * 1024 * 1024, result
    assert result["idle_minute_cpu_s"] < 5, result
