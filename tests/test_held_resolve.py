"""A failure that needs a restart is not resolved by quiet time alone while its unit is silent (service_held.py).

helper-129's trial on a real systemd: a deadlock came back after logsentry's restart ("not restarting again"),
and 60 s later its alert resolved "no new hit for 60s" while the unit was still hung. Real service, journal fed
through journal-remote's FIFO, alerts to an HTTP receiver on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from receivers import HttpReceiver
from test_service import RunningService, boom_rules, config_text, receiver, service  # noqa: F401  (fixtures)


def titles(hook: HttpReceiver) -> list[str]:
    return [body["title"] for _, body in hook.requests]


def alerting_to(make: Callable[[str], RunningService], live_journal: Any, rules: Path, hook: HttpReceiver,
                realert: str = "1h") -> RunningService:
    """A started service with `rules`, alerting to `hook` (and reminding every `realert`)."""
    channels = f'[[channel]]\nname = "hook"\ntype = "apprise"\nurl = "json://{hook.url}/hook"\n'
    running = make(config_text(live_journal, rules, channels).replace('realert = "1h"', f'realert = "{realert}"'))
    running.start()
    return running


def started(live_journal: Any, rules: Callable[..., Any], make: Callable[[str], RunningService],
            hook: HttpReceiver) -> RunningService:
    return alerting_to(make, live_journal, rules(action="restart", within="1s"), hook)


def resolved_by_quiet_time(hook: HttpReceiver, running: RunningService) -> None:
    """The alert's resolve came as before held resolves: its rule's 1 s window passed, and nothing was held."""
    resolved = hook.wait_for(2)[1][1]
    assert "RESOLVED" in resolved["title"] and "no new hit for 1s" in resolved["message"]
    assert "stays firing" not in running.log()


def test_a_restart_rules_alert_stays_firing_while_its_unit_is_silent_then_resolves_when_it_logs(
        live_journal, boom_rules, service, receiver) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    hook = receiver()
    running = started(live_journal, boom_rules, service, hook)
    live_journal.write("BOOM hung")
    hook.wait_for(1)
    running.wait_log("stays firing until the unit logs again")  # its 1 s window passed, the unit said nothing
    time.sleep(1.5)
    assert not any("RESOLVED" in title for title in titles(hook))
    listed = subprocess.run([sys.executable, "-m", "logsentry", "incidents", "-c", str(running.config_path)],
                            capture_output=True, text=True, check=True).stdout  # what the service saved
    assert "boom" in listed and "its alert stays firing until the unit logs again" in listed
    live_journal.write("serving requests again")
    resolved = hook.wait_for(2)[1][1]
    assert "RESOLVED" in resolved["title"]
    assert "app.service logs again" in resolved["message"]
    time.sleep(1.5)  # a commit saves the held ones when they changed (HeldResolves.version): none now
    listed = subprocess.run([sys.executable, "-m", "logsentry", "incidents", "-c", str(running.config_path)],
                            capture_output=True, text=True, check=True).stdout
    assert "stays firing" not in listed, listed


def test_held_ones_are_saved_when_they_change_only() -> None:
    """HeldResolves.version moves with every change and only then (the service serialises them only when it
    moved: 1,000 held incidents are megabytes of JSON)."""
    from logsentry.model import Incident, Severity
    from logsentry.service_held import HeldResolves

    held = HeldResolves()
    one = Incident(rule_id="boom", severity=Severity.CRITICAL, unit="app.service", key="", first_usec=1, fired_usec=1,
                   last_usec=5, count=1, threshold=1, within_usec=1, cursor="", samples=("BOOM",), action="restart")
    seen = [held.version]
    held.hold("a", one)
    seen.append(held.version)
    held.logged("app.service", 4)  # before its last hit: nothing let go
    held.logged("other.service", 9)
    assert held.release("nope") is None
    seen.append(held.version)
    assert held.logged("app.service", 9) == [("a", one)]
    seen.append(held.version)
    held.hold("b", one)
    assert held.release("b") is not None
    seen.append(held.version)
    assert seen == [0, 1, 1, 2, 4]


def test_a_held_alert_outlives_a_restart_of_logsentry(  # type: ignore[no-untyped-def]
        live_journal, boom_rules, service, receiver) -> None:  # noqa: F811
    hook = receiver()
    running = started(live_journal, boom_rules, service, hook)
    live_journal.write("BOOM hung")
    hook.wait_for(1)
    running.wait_log("stays firing until the unit logs again")
    time.sleep(0.5)  # a commit (at most every second when caught up) saves it
    assert running.stop() == 0
    running.start()
    live_journal.write("serving requests again")
    resolved = hook.wait_for(2)[1][1]
    assert "RESOLVED" in resolved["title"] and "app.service logs again" in resolved["message"]


def test_a_unit_that_logs_on_after_the_hit_is_resolved_by_quiet_time_as_before(  # type: ignore[no-untyped-def]
        live_journal, boom_rules, service, receiver) -> None:  # noqa: F811
    hook = receiver()
    running = started(live_journal, boom_rules, service, hook)
    live_journal.write("BOOM once")
    live_journal.write("recovered by itself")
    resolved_by_quiet_time(hook, running)


DOWN_RULE = '''id = "down"
title = "down"
severity = "error"
action = "alert"
resolve = "unit-logs-again"
[match]
message = '^DOWN$'
[trigger]
count = 1
within = "1s"
'''


def test_an_alert_rule_that_says_so_is_held_too(live_journal, service, receiver, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    rules = tmp_path / "down-rules"
    rules.mkdir()
    (rules / "down.toml").write_text(DOWN_RULE)
    hook = receiver()
    running = alerting_to(service, live_journal, rules, hook)
    live_journal.write("DOWN")
    hook.wait_for(1)
    running.wait_log("stays firing until the unit logs again")
    live_journal.write("DOWN")  # the same failure again: a new incident, the held one resolved as going on in it
    resolved = [body for _, body in hook.wait_for(3) if "RESOLVED" in body["title"]]
    assert len(resolved) == 1 and "logs the same failure again" in resolved[0]["message"]


def test_a_held_alerts_reminder_says_its_unit_is_silent(  # type: ignore[no-untyped-def]
        live_journal, boom_rules, service, receiver) -> None:  # noqa: F811
    hook = receiver()
    running = alerting_to(service, live_journal, boom_rules(action="restart", within="1s"), hook, realert="2s")
    live_journal.write("BOOM hung")
    running.wait_log("stays firing until the unit logs again")
    reminder = hook.wait_for(2, timeout=15)[1][1]
    assert "RESOLVED" not in reminder["title"]
    assert "still firing" in reminder["message"] and "app.service has logged nothing since" in reminder["message"]
