"""What an on-call person reads in an alert: a title that says what happened (the rule's title said of the unit,
the host, the severity), not the rule's id; and the unit's last lines up to and including the hit that fired
the incident, not lines read after it (a failure waits 2 s of journal time for its chain before its alert).

Real parts: `logsentry run` following a journal that systemd-journal-remote writes from a FIFO, alerts by apprise
json:// to a receiver on 127.0.0.1. The renderings (title, body, Alertmanager) are pure functions of a payload."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import LiveJournal
from receivers import HttpReceiver
from test_host_stale import HostFeed, alerts, wait_until
from test_service import RunningService

from logsentry.actions.alert import body, headline, incident_payload, service_payload, title
from logsentry.actions.channels import alertmanager_alert
from logsentry.model import Incident, Severity
from logsentry.service_alerts import split_at_hit

WEB7 = "f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7"
SEC = 1_000_000
MINUTE = 60 * SEC

DEADLOCK = '''id = "loop-deadlock"
title = "A unit's request loop deadlocked"
severity = "critical"
action = "alert"
[match]
message = '^DEADLOCK'
[trigger]
count = 1
within = "1m"
'''
"""within >= 8 s: its incident settles 2 s of journal time (failures.py) before it is given out and alerted."""


class Deadlock:
    """web-7's api.service logs an ordinary line (the service starts at the journal's end), the DEADLOCK line,
    then three lines after it over 2.6 s; the collector's service alerts once the failure has settled."""

    def __init__(self, root: Path):
        directory = root / "remote"
        directory.mkdir()
        rules = root / "rules"
        rules.mkdir()
        (rules / "loop-deadlock.toml").write_text(DEADLOCK)
        self.hook = HttpReceiver()
        self.feed = HostFeed(directory, "web-7", WEB7)
        self.service = RunningService(root, f'''
state_dir = "{root / 'state'}"
journal_directory = "{directory}"
rules = ["{rules}"]
hostname = "collector"
[hosts]
silent_after = "off"
[[watch]]
units = ["*"]
actions = ["alert"]
[alerts]
backoff = "100ms"
resolve = false
[[channel]]
name = "hook"
type = "apprise"
url = "json://{self.hook.url}/hook"
''')

    def run(self) -> None:
        self.feed.write("api starting", "api.service")
        time.sleep(0.5)  # journal-remote has made the file: the service follows it from its start
        self.service.start()
        self.feed.write("accepted connection 1", "api.service")
        self.feed.write("DEADLOCK in request loop", "api.service")
        for n in range(3):  # read before the alert is made: the last one is 2.6 s of journal time later
            time.sleep(0.1 if n < 2 else 2.4)
            self.feed.write(f"after the hit {n}", "api.service")
        self.alerts = wait_until(lambda: alerts(self.hook), 30, "the deadlock's alert")

    def close(self) -> None:
        if self.service.proc is not None:
            self.service.stop()
        self.feed.close()
        self.hook.close()


@pytest.fixture(scope="module")
def deadlock() -> Iterator[Deadlock]:
    with tempfile.TemporaryDirectory(prefix="alert-words-") as root:
        run = Deadlock(Path(root))
        try:
            run.run()
            yield run
        finally:
            run.close()


def test_the_alerts_title_says_what_happened_on_which_host(deadlock: Deadlock) -> None:
    [firing] = deadlock.alerts
    assert firing["title"] == "[logsentry web-7] CRITICAL api.service's request loop deadlocked (loop-deadlock)"
    assert firing["message"].splitlines()[0] == ("api.service's request loop deadlocked (rule loop-deadlock, "
                                                 "critical)")


def test_the_last_lines_end_with_the_hit_that_fired_it(deadlock: Deadlock) -> None:
    [firing] = deadlock.alerts
    text = firing["message"]
    block = text[text.index("last lines of api.service up to the hit that fired it ("):].splitlines()[1:]
    assert [line.strip().split(" ", 2)[2] for line in block] == ["accepted connection 1",
                                                                 "DEADLOCK in request loop"], text
    assert "after the hit" not in text


def incident(rule: str = "new-error-template", unit: str = "api.service", host: str = "web-7") -> Incident:
    return Incident(rule_id=rule, severity=Severity.ERROR, unit=unit, key="", first_usec=1_000_000,
                    fired_usec=1_000_000, last_usec=2_000_000, count=3, threshold=1, within_usec=60_000_000,
                    cursor="c", samples=("boom",), action="alert", machine_id=WEB7, host=host)


def payload(event: str = "firing", rule_title: str = "A unit logs an error it never logged before",
            **kwargs: Any) -> dict[str, Any]:
    made = incident_payload(event, incident(**kwargs), "collector", "error incident", context=["l1"], source=())
    made["rule_title"] = rule_title
    return made


def test_every_form_of_an_alert_names_what_happened_and_alertmanager_keeps_its_alertname() -> None:
    assert headline(payload()) == "api.service logs an error it never logged before"
    assert title(payload()) == ("[logsentry web-7] ERROR api.service logs an error it never logged before "
                                "(new-error-template)")
    assert title(payload("reminder")) == ("[logsentry web-7] still firing: ERROR api.service logs an error it "
                                          "never logged before (new-error-template)")
    assert title(payload("resolved")).startswith("[logsentry web-7] RESOLVED: ERROR api.service logs an error")
    assert headline(payload(rule="redis-bgsave", rule_title="Redis: background save failed")) == \
        "api.service: Redis: background save failed"
    assert headline(payload(rule="host-went-silent", unit="(host)", rule_title="")) == \
        "the host's journal stopped arriving"
    assert title(service_payload("journal_gap", "web-1", "journal gap: ...")) == ("[logsentry web-1] CRITICAL "
        "logsentry missed journal entries (vacuumed or rotated before it read them) (journal_gap)")
    for event in ("firing", "resolved", "refresh"):
        sent = alertmanager_alert(payload(event))
        assert sent["labels"]["alertname"] == "logsentry_new-error-template"  # what silences match on
        assert sent["annotations"]["summary"] == ("[logsentry web-7] ERROR api.service logs an error it never "
                                                  "logged before (new-error-template)")
        said = sent["annotations"]["description"].splitlines()
        assert said[event == "resolved"] == ("api.service logs an error it never logged before (rule "
                                             "new-error-template, error)")  # a resolve says why first


def test_a_title_without_the_rules_title_falls_back_to_its_id_and_log_text_is_cleaned() -> None:
    assert title(payload(rule_title="")) == "[logsentry web-7] ERROR api.service: new-error-template"
    hostile = payload(unit="a\x1b[2Jb.service")
    assert "\x1b" not in title(hostile) and "\x1b" not in body(hostile).splitlines()[0]


def test_lines_read_after_the_hit_are_said_to_be_after_it() -> None:
    lines = [(1, "a"), (2, "hit"), (2, "same time, after"), (3, "later")]
    assert split_at_hit(lines, 2, "hit") == 2
    assert split_at_hit(lines, 2, "pushed out") == 3  # no such line: up to its time
    assert split_at_hit(lines, 0, "hit") == 0
    made = payload()
    made["context_after"] = ["T later"]
    text = body(made)
    assert text.index("up to the hit that fired it") < text.index("  l1") < text.index("then, after it") < \
        text.index("  T later")


def burst_alert(live_journal: LiveJournal, tmp_path: Path, line: Callable[[int], str | bytes]) -> dict[str, Any]:
    """A warm api.service (2.5 h of history, one line every 5 s) logs twelve warnings `line(n)` of a new template at
    once (no signature matches them: they come summarised in a screened run, where new-warning-template finds
    its 10th hit), then lines after them; the first alert its receiver gets."""
    now = time.time_ns() // 1000
    for n in range(1800):  # 2.5 h of history, one line every 5 s, ending a minute ago
        live_journal.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service",
                           __REALTIME_TIMESTAMP=now - MINUTE - (1800 - n) * 5 * SEC)
    live_journal.wait_written(timeout=30)
    hook = HttpReceiver()
    running = RunningService(tmp_path, f'''
state_dir = "{live_journal.root / 'state'}"
journal_directory = "{live_journal.directory}"
[[watch]]
units = ["api"]
actions = ["alert"]
[alerts]
backoff = "100ms"
resolve = false
[[channel]]
name = "hook"
type = "apprise"
url = "json://{hook.url}/hook"
''')
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up
        for n in range(12):
            live_journal.write(line(n), unit="api.service", priority=4)
        for n in range(3):  # the last one 2.5 s later: the failure has settled, its alert is made
            time.sleep(0.1 if n < 2 else 2.5)
            live_journal.write(f"GET /api/items/after{n} 200 4ms", unit="api.service")
        [firing] = wait_until(lambda: alerts(hook), 30, "the anomaly's alert")
    finally:
        running.stop()
        hook.close()
    return firing


def test_an_anomaly_hit_on_a_screened_line_quotes_the_lines_before_it_in_its_run(live_journal: LiveJournal,
                                                                                tmp_path: Path) -> None:
    """A warm api.service logs ten warnings of a new template at once (no signature matches them: they come
    summarised in a screened run, where new-warning-template finds its 10th hit), then lines after them: the
    alert's last lines are the run's lines up to the 10th warning, and none after it."""
    firing = burst_alert(live_journal, tmp_path, lambda n: f"shard {n} lagging behind its leader")
    text = firing["message"]
    assert firing["title"].endswith("WARNING api.service keeps logging a warning it never logged before "
                                    "(new-warning-template)"), text
    block = text[text.index("last lines of api.service up to the hit that fired it ("):].splitlines()[1:]
    assert [line.strip().split(" ", 2)[2] for line in block] == [
        f"shard {n} lagging behind its leader" for n in range(10)], text
    assert "GET /api/items/after" not in text, text
