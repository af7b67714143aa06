"""A failure that goes on while the service is stopped (an upgrade, a reboot of the collector) is one incident
across the restart: the service reads what came meanwhile before it lets time pass. Reading a journal directory
(journal_directory: the fan-in, a held scanner per host), its first CAUGHT_UP came before any host's backlog was
read, so every incident open at the stop and quiet longer than its window by the wall clock ended there: a
resolve went out ("no new hit"; a restart rule's was first held as "logged nothing since"), then the backlog's
hits opened a new incident, paged again (a new user restarted logsentry for a minute and got RESOLVED + FIRING
for two failures that never paused). Real parts: `logsentry run` on a journal that systemd-journal-remote writes
from a FIFO, an HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from conftest import LiveJournal
from receivers import HttpReceiver
from test_service import RunningService, boom_rules, config_text, receiver, service  # noqa: F401  (fixtures)


def test_a_failure_going_on_through_a_restart_of_the_service_stays_one_incident(
        live_journal: LiveJournal, boom_rules: Callable[..., Path],  # noqa: F811
        service: Callable[[str], RunningService], receiver: Callable[..., HttpReceiver]) -> None:  # noqa: F811
    hook = receiver()
    channels = f'[[channel]]\ntype = "apprise"\nurl = "json://{hook.url}/x"\n'
    running = service(config_text(live_journal, boom_rules(within="5s"), channels))
    running.start()
    live_journal.write("BOOM db")
    [(_, page)] = hook.wait_for(1)
    assert "BOOM db" in page["message"]
    running.stop()
    going_on = threading.Event()

    def hits() -> None:  # a hit a second while it is down (8 s) and on: never 5 s without one, however slow the
        while not going_on.wait(1.0):  # restart on a loaded machine
            live_journal.write("BOOM db")

    writer = threading.Thread(target=hits)
    writer.start()
    try:
        time.sleep(8)
        running.start()
        running.wait_log("ready: watching", count=2)
        time.sleep(2)  # a resolve and a new page went out within a second
        log = running.log()
    finally:
        going_on.set()
        writer.join()
    live_journal.wait_written()
    assert "ended after" not in log and "stale" not in log, log
    assert len(hook.requests) == 1, hook.requests  # its page, once: no resolve, no second page
    assert running.stop() == 0
