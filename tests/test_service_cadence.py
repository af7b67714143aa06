"""How often the service saves while it keeps up with a busy journal: the commit is the costliest part of its
clock's work, so caught up it comes at most every SAVE_EVERY_S (at once when actions wait)."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

from conftest import LiveJournal
from receivers import HttpReceiver
from test_service import RunningService, boom_rules, config_text, receiver, service  # noqa: F401  (fixtures)

from logsentry.notify import IDLE_NOTIFY_S
from logsentry.service import SAVE_EVERY_S


def test_a_busy_journal_is_saved_once_a_second_and_alerts_still_go(
        live_journal: LiveJournal, boom_rules: Callable[..., Path],  # noqa: F811
        service: Callable[[str], RunningService], receiver: Callable[..., HttpReceiver]) -> None:  # noqa: F811
    """Entries every 20 ms for 4 s keep the service caught up (each write wakes its reader): it used to commit
    at every catch-up, 5 times a second. Now a second's worth go with one commit; an alert is committed (and
    so delivered) at once as before."""
    hook = receiver()
    channels = f'[[channel]]\nname = "hook"\ntype = "apprise"\nurl = "json://{hook.url}/hook"\n'
    running = service(config_text(live_journal, boom_rules(), channels).replace("commit_every = 50",
                                                                                "commit_every = 100000"))
    running.start()
    started = time.monotonic()
    for n in range(200):
        live_journal.write(f"GET /items/{n} 200")
        time.sleep(0.02)
    live_journal.write("BOOM now")
    [(path, body)] = hook.wait_for(1)
    assert path == "/hook" and "BOOM now" in body["message"]
    assert running.stop(signal.SIGTERM) == 0
    seconds = time.monotonic() - started
    [(entries, commits)] = re.findall(r"stopped after (\d+) entries .*; (\d+) commits\)", running.log())
    assert int(entries) == 201
    # one a second, the alert's, the first (the cursor at start) and the last (at stop)
    assert int(commits) <= seconds / SAVE_EVERY_S + 3, (commits, seconds)


def test_an_idle_service_says_an_unchanged_status_only_as_often_as_the_watchdog_needs(
        live_journal: LiveJournal, boom_rules: Callable[..., Path],  # noqa: F811
        service: Callable[[str], RunningService], tmp_path: Path) -> None:  # noqa: F811
    """Idle, the read loop comes round every second; each sd_notify costs a socket, and the same STATUS said
    again tells systemd nothing but that the loop lives. So it goes again only every IDLE_NOTIFY_S, or a third
    of the watchdog period systemd sets (WATCHDOG_USEC): pings keep coming as WatchdogSec= needs them."""
    from test_faults import NotifySocket

    live_journal.write("GET / 200")
    counts = []
    for run, watchdog_usec in enumerate((None, 1_500_000)):
        notify = NotifySocket(tmp_path / f"notify{run}.sock")
        try:
            running = service(config_text(live_journal, boom_rules(), ""))
            running.env = {**os.environ, "NOTIFY_SOCKET": str(notify.path),
                           **({"WATCHDOG_USEC": str(watchdog_usec)} if watchdog_usec else {})}
            running.start()
            deadline = time.monotonic() + 20
            while not notify.times("READY=1") and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.5)  # the start's own messages (first read, cursor) are said by then
            quiet_from = time.monotonic()
            time.sleep(4.0)
            counts.append(len(notify.times("WATCHDOG=1", since=quiet_from)))
            assert running.stop(signal.SIGTERM) == 0
            # its stop line counts the commits that wrote: the start's cursor, maybe a snapshot, the stop's
            # (it said about one a second: every idle round's commit, though it wrote nothing)
            commits = re.findall(r"stopped after 0 entries .*; (\d+) commits?\)", running.log())[-1]
            assert int(commits) <= 3, running.log()
        finally:
            notify.close()
    assert counts[0] <= 1, f"{counts[0]} unchanged STATUS messages in 4 s of idle (IDLE_NOTIFY_S {IDLE_NOTIFY_S})"
    # a third of 1.5 s is shorter than the idle loop's round (about a second): a ping at every round
    assert counts[1] >= 3, f"{counts[1]} watchdog pings in 4 s with a 1.5 s watchdog period"
