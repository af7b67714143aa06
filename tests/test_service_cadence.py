"""How often the service saves while it keeps up with a busy journal: the commit is the costliest part of its
clock's work, so caught up it comes at most every SAVE_EVERY_S (at once when actions wait)."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

from conftest import LiveJournal
from receivers import HttpReceiver
from test_service import RunningService, boom_rules, config_text, receiver, service  # noqa: F401  (fixtures)

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
