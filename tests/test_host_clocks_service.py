"""A collector's host whose clock runs 10 min behind ours, on a real `logsentry run` over journal files written
live by systemd-journal-remote (one per host, from a FIFO), alerts at a webhook on 127.0.0.1: it is judged by
its own clock (host_clocks.py) once its offset held (`[hosts] clock_hold`, 10 s here: 30 s by default), and a
backlog is still judged stale."""

from __future__ import annotations

import re
import shlex
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from test_first_start_handover import Collector, Host
from test_host_stale import alerts, collector_config, wait_until
from test_service import BOOM_RULE, RunningService, receiver  # noqa: F401  (fixture)

MINUTE = 60_000_000
BEHIND = "b2" * 16
HOLD_S = 10
"""`[hosts] clock_hold` of these collectors (s): a host's offset is accepted once steady this long (the default 30 s
would be waited out in each test); well above the 2 s after a start in which a test looks for a held incident."""


def collector(root: Path, directory: Path, hook_url: str, watch: str = "", tables: str = "", hold_s: int = HOLD_S,
              boom_within: str = "1m") -> str:
    """A collector alerting every unit's 1-minute BOOM rule (one hit; `boom_within` its window) and TRIPLE rule (3
    hits within 1 min) to a webhook; hosts' silence learnt, their clocks' offsets held `hold_s`; `tables`: more
    tables ([metrics] ...)."""
    rules = root / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM_RULE.format(action="alert", within=boom_within, group=""))
    (rules / "triple.toml").write_text(BOOM_RULE.format(action="alert", within="1m", group="").replace(
        '"boom"', '"triple"').replace("BOOM", "TRIPLE").replace("count = 1", "count = 3"))
    return collector_config(root, directory, hook_url, hosts=f'clock_hold = "{hold_s}s"', watch=watch,
                            top=f'rules = ["{rules}"]\n{tables}')


class Ticking:
    """The host logs a line every 0.1 s by its own clock, in a thread, until closed."""

    def __init__(self, host: Host):
        self.host, self._done = host, threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        n = 0
        while not self._done.wait(0.1):
            n += 1
            self.host.write(f"GET /health {n} 200", self.host.now())

    def close(self) -> None:
        self._done.set()
        self._thread.join()


def wait_clock_line(running: RunningService, name: str) -> str:
    """Waits for the line saying host `name` (machine BEHIND) runs 10 min behind ours, and checks its offset held
    the config's HOLD_S (not the default 30 s); the line."""
    said = f"the clock of host {name} (machine {BEHIND}) is 10m behind ours"
    log = running.wait_log(said, timeout=45)
    held = re.search(re.escape(said) + r": [^\n]*\(steady for (\d+)s\)", log)
    assert held is not None and HOLD_S <= int(held[1]) < 2 * HOLD_S, log
    return said


@pytest.fixture
def behind(tmp_path: Path) -> Iterator[tuple[Collector, Host]]:
    where = Collector(tmp_path)
    host = Host(tmp_path, where.directory, "behind", BEHIND, -10 * MINUTE)
    try:
        yield where, host
    finally:
        host.close()


@contextmanager
def ticking_behind(behind: tuple[Collector, Host], tmp_path: Path, hook_url: str, watch: str = "",
                   tables: str = "", realert: str = "1h") -> Iterator[tuple[RunningService, Host, Ticking]]:
    """A real service over the collector, its host 10 min behind logging ten lines a second, once the host's
    offset held; the service and the ticking are stopped after (a test asserts a clean stop itself)."""
    where, host = behind
    config = collector(tmp_path, where.directory, hook_url, watch, tables)
    assert 'realert = "1h"' in config
    running = RunningService(tmp_path, config.replace('realert = "1h"', f'realert = "{realert}"'))
    host.write("GET /health 0 200", host.now())
    host.wait_written()
    ticking = Ticking(host)
    try:
        running.start()
        wait_clock_line(running, "behind")
        yield running, host, ticking
    finally:
        ticking.close()
        if running.proc is not None:
            running.stop()


def titles(hook: Any, rule: str) -> list[str]:
    return [a["title"] for a in alerts(hook) if rule in a["title"]]


def test_a_host_10_min_behind_is_alerted_and_not_silent(behind, receiver, tmp_path):  # noqa: F811
    """Its 1-minute rule's incident was taken for stale by our clock (never alerted) and, had it been, ended at
    once ('no new hit for 60s', its window past by our clock); a rule of 3 hits within 1 min never fired (its
    window dropped at every look of our clock); the host-silence check paged it over and over (10 min quiet by
    our clock, its learnt threshold 5 min) although it logs ten lines a second."""
    hook = receiver()
    with ticking_behind(behind, tmp_path, hook.url) as (running, host, _ticking):
        host.write("BOOM disk-full", host.now(), priority=3)
        wait_until(lambda: titles(hook, "boom"), 10, "the BOOM alert")
        for n in range(3):
            host.write(f"TRIPLE {n}", host.now(), priority=3, unit="db.service")  # another failure
            time.sleep(1.0)
        wait_until(lambda: titles(hook, "triple"), 10, "the TRIPLE alert")
        time.sleep(2)
        assert "stale" not in running.log()
        assert titles(hook, "boom") == ["[logsentry behind] CRITICAL api.service: boom"]  # open: not resolved
        assert titles(hook, "triple") == ["[logsentry behind] CRITICAL db.service: triple"]
        assert titles(hook, "host-went-silent") == [], titles(hook, "host-went-silent")
        assert running.stop() == 0


def test_a_backlog_arriving_late_is_still_stale(behind, receiver, tmp_path):  # noqa: F811
    """The service stops, 2 h of the host's lines come while it is down, and it starts with its saved
    positions: the first hour is read at the start, the second (an old failure 55 min ago by the host's clock
    in it) a few seconds later, as a journal upload catching up sends it. Where the reader caught up in
    between, wall - time was an hour: that is a backlog, not a clock, and the failure is not acted on."""
    where, host = behind
    hook = receiver()
    running = RunningService(tmp_path, collector(tmp_path, where.directory, hook.url))
    host.write("GET /health 0 200", host.now() - 130 * MINUTE)
    host.wait_written()
    running.start()  # the first start: from the host's newest entry
    assert running.stop() == 0
    start = host.now() - 120 * MINUTE
    for n in range(360):  # the first hour, a line every 10 s
        host.write(f"GET /health {n} 200", start + n * 10_000_000)
    host.wait_written()
    running.start()
    time.sleep(2)  # caught up: the host's newest entry an hour behind (10 min of it its clock)
    for n in range(360, 720):
        if n == 390:
            host.write("BOOM disk-full", start + n * 10_000_000 + 1, priority=3)
        host.write(f"GET /health {n} 200", start + n * 10_000_000)
    host.wait_written()
    running.wait_log("held: its newest hit is")  # its clock not known yet: a backlog or a late clock?
    log = running.wait_log("stale: its newest hit is", timeout=45)  # known (it went quiet HOLD_S): a backlog
    assert "not acted on" in log
    time.sleep(1)
    assert titles(hook, "boom") == []
    assert running.stop() == 0


def test_a_unit_of_a_host_10_min_behind_is_silent_by_its_clock(behind, receiver, tmp_path):  # noqa: F811
    """Its unit logging ten lines a second was silent at every look of our clock, its last line 10 min old by it
    (silence = "10s"): an incident fired and ended five times a second (taken for stale until the offset held;
    then for what it is); by its host's clock it is silent only once it stops, and then it is paged."""
    hook = receiver()
    with ticking_behind(behind, tmp_path, hook.url, 'silence = "10s"') as (running, host, ticking):
        time.sleep(5)
        assert titles(hook, "silent") == [], titles(hook, "silent")  # logging all along: never silent
        assert "incident unit-went-silent" not in running.log()
        ticking.close()  # it stops (its host logs on: else the host's own silence stands for it)
        deadline = time.monotonic() + 40
        while not titles(hook, "unit-went-silent") and time.monotonic() < deadline:
            host.write("vacuum done", host.now(), unit="db.service")
            time.sleep(0.5)
        [silent] = titles(hook, "unit-went-silent")  # once, for the unit that stopped
        assert silent.startswith("[logsentry behind] WARNING api.service "), silent
        assert running.stop() == 0


def test_metrics_say_a_late_clock_not_a_late_reader(behind, receiver, tmp_path):  # noqa: F811
    """`logsentry_journal_lag_seconds{host}` said 600 s for a host read as it logs whose clock is 10 min late (an
    alert on the lag paged for a collector that keeps up); the lag is now less the host's steady clock offset,
    and `logsentry_host_clock_offset_seconds{host}` says the offset."""
    textfile = tmp_path / "logsentry.prom"
    with ticking_behind(behind, tmp_path, receiver().url, tables=f'[metrics]\ntextfile = "{textfile}"') as (
            running, _host, _ticking):
        def gauges() -> dict[str, float]:
            found = re.findall(r'^(logsentry_journal_lag_seconds|logsentry_host_clock_offset_seconds)'
                               r'\{host="behind"\} (\S+)$', textfile.read_text() if textfile.exists() else "", re.M)
            return {name: float(value) for name, value in found}
        deadline = time.monotonic() + 15
        while gauges().get("logsentry_host_clock_offset_seconds", 0) < 590 and time.monotonic() < deadline:
            time.sleep(0.5)
        said = gauges()
        assert 590 <= said["logsentry_host_clock_offset_seconds"] <= 610, said
        assert said["logsentry_journal_lag_seconds"] < 10, said
        assert running.stop() == 0


def test_a_one_line_failure_before_the_clock_is_known_is_paged_once_it_is(behind, receiver, tmp_path):  # noqa: F811
    """A late host's failure of one line in the first seconds after a start, before its clock's offset held: it
    was taken for stale by our clock (10 min old, older than its 10-s window), its window ended at once by our
    clock, and it was never paged. It is held now, and judged once the offset is known, by the host's clock as
    of when it was held: fresh then, so paged. Its window ends by the host's own clock meanwhile (10 s after the
    line, before the offset holds): resolved once paged."""
    where, host = behind
    hook = receiver()
    # a hold of 20 s: the failure is read (2 s after the start, more on a loaded machine) well before it ends
    running = RunningService(tmp_path, collector(tmp_path, where.directory, hook.url, hold_s=2 * HOLD_S,
                                                 boom_within="10s"))
    host.write("GET /health 0 200", host.now())
    host.wait_written()
    ticking = Ticking(host)
    try:
        running.start()
        time.sleep(2)
        host.write("BOOM disk-full", host.now(), priority=3)
        running.wait_log("held: its newest hit is", timeout=15)
        assert "the clock of " not in running.log()  # the offset did not hold yet
        wait_until(lambda: titles(hook, "boom"), 45, "the BOOM alert once the clock is known")
        log = running.log()
        said = f"the clock of host behind (machine {BEHIND}) is 10m behind ours"
        assert log.index(said) < log.index("decided by that clock")
        assert titles(hook, "boom")[0] == "[logsentry behind] CRITICAL api.service: boom"
        assert "stale: its newest hit" not in log
        # its window had ended by the host's clock before its offset was known (logged, nothing to resolve then):
        # a page that is never resolved stays open for good on a receiver without timeouts
        wait_until(lambda: len(titles(hook, "boom")) == 2, 10, "the BOOM resolve")
        assert titles(hook, "boom")[1].startswith("[logsentry behind] RESOLVED"), titles(hook, "boom")
    finally:
        ticking.close()
        if running.proc is not None:
            assert running.stop() == 0


AHEAD = "a7" * 16


def test_the_alert_of_a_host_ahead_of_our_clock_names_where_its_lines_are(receiver, tmp_path):  # noqa: F811
    """A host 5 min ahead: the service takes its stamps as our clock's time (more than 60 s ahead), so its alert's
    `journalctl --since/--until` named times 5 min before the lines and found none (helper F2: "-- No entries
    --"). The command is moved by how far the host ran ahead; run as the alert gives it, it shows the line."""
    where = Collector(tmp_path)
    host = Host(tmp_path, where.directory, "ahead", AHEAD, 5 * MINUTE)
    hook = receiver()
    running = RunningService(tmp_path, collector(tmp_path, where.directory, hook.url))
    try:
        host.write("GET /health 0 200", host.now())
        host.wait_written()
        running.start()
        host.write("BOOM disk-full", host.now(), priority=3)
        [alert] = wait_until(lambda: [a for a in alerts(hook) if "boom" in a["title"]], 15, "the BOOM alert")
        [command] = [line[len("see: "):] for line in alert["message"].splitlines()
                     if line.startswith("see: journalctl")]
        shown = subprocess.run(shlex.split(command), capture_output=True, text=True, check=False)
        assert "BOOM disk-full" in shown.stdout, (command, shown.stdout, shown.stderr)
        assert running.stop() == 0
    finally:
        host.close()
        if running.proc is not None:
            running.stop()


def test_a_host_behind_gets_its_reminder_a_realert_after_the_page(behind, receiver, tmp_path):  # noqa: F811
    """A fresh operator's find (helper F4): with `realert = "2min"`, a host 10 min behind got its page and, a
    second later, "still firing": the reminder was due at the incident's time by the host's clock plus realert,
    and compared with ours. It is due realert after the page, by our clock."""
    hook = receiver()
    with ticking_behind(behind, tmp_path, hook.url, realert="2min") as (_running, host, _ticking):
        host.write("BOOM disk-full", host.now(), priority=3)
        wait_until(lambda: titles(hook, "boom"), 10, "the BOOM alert")
        time.sleep(4)  # several of the service's ticks (each looks for due reminders)
        assert titles(hook, "boom") == ["[logsentry behind] CRITICAL api.service: boom"], titles(hook, "boom")
        assert not [a for a in alerts(hook) if "still firing" in a["message"]]
