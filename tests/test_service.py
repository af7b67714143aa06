"""`logsentry run` as a real process against a live journal, with real alert receivers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import LiveJournal, appended_json
from receivers import HttpReceiver

from logsentry.state import State

BOOM_RULE = '''id = "boom"
title = "boom"
severity = "critical"
action = "{action}"
[match]
message = '^BOOM (?P<id>\\S+)$'
[trigger]
count = 1
within = "{within}"
{group}
'''


class RunningService:
    def __init__(self, root: Path, config: str):
        self.root = root
        self.config_path = root / "logsentry.toml"
        self.config_path.write_text(config)
        self.log_path = root / "service.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] | None = None
        self.starts = 0

    def start(self, *extra: str, wait: bool = True) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "logsentry", "run", "-c", str(self.config_path),
                                          *extra], stdout=log, stderr=log, env=self.env)
        self.starts += 1
        if wait:
            self.wait_log("ready: watching", timeout=30, count=self.starts)  # a loaded CI machine starts slowly

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_log(self, text: str, timeout: float = 10.0, count: int = 1) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            content = self.log()
            if content.count(text) >= count:
                return content
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"{text!r} not logged {count}x in {timeout}s; log:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=15)
        self.proc = None
        return code

    def state(self) -> State:
        return State(self.root / "state" / "state.db")


def config_text(live: LiveJournal, rules: Path, channels: str = "", actions: str = '["alert"]',
                extra: str = "") -> str:
    return f'''
state_dir = "{live.root / 'state'}"
journal_directory = "{live.directory}"
rules = ["{rules}"]
commit_every = 50
{extra}

[[watch]]
units = ["app"]
actions = {actions}

[alerts]
backoff = "100ms"
max_backoff = "1s"
realert = "1h"

{channels}
'''


@pytest.fixture
def boom_rules(tmp_path: Path) -> Callable[..., Path]:
    def make(action: str = "alert", within: str = "60s", group: str = "") -> Path:
        directory = tmp_path / "boom-rules"
        directory.mkdir(exist_ok=True)
        (directory / "boom.toml").write_text(BOOM_RULE.format(action=action, within=within, group=group))
        return directory

    return make


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Callable[[str], RunningService]]:
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
def receiver() -> Iterator[Callable[..., HttpReceiver]]:
    made: list[HttpReceiver] = []

    def make(**kwargs: object) -> HttpReceiver:
        made.append(HttpReceiver(**kwargs))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for item in made:
        item.close()


def test_alert_is_retried_after_failures_and_carries_context(live_journal, boom_rules, service, receiver):
    hook = receiver(fail_first=2)
    channels = f'[[channel]]\nname = "hook"\ntype = "apprise"\nurl = "json://{hook.url}/hook"\nretries = 5\n'
    running = service(config_text(live_journal, boom_rules(within="1s"), channels))
    running.start()
    live_journal.write("starting request handler")
    live_journal.write("BOOM first")
    path, body = hook.wait_for(1)[0]  # the resolve may follow at once when the machine is slow
    assert path == "/hook" and hook.accepted_attempts[0] == 3  # two refusals, then delivered
    assert "CRITICAL app.service: boom" in body["title"]
    assert "starting request handler" in body["message"]  # last lines of the unit before the hit
    assert "latest: BOOM first" in body["message"]
    # No new hit for a whole window: a resolve message follows.
    resolved = hook.wait_for(2)
    assert "RESOLVED" in resolved[1][1]["title"]
    assert running.stop() == 0
    assert "STOPPING" not in running.log()  # sd_notify goes to systemd, never to the log


def test_escalation_to_next_channel_alertmanager(live_journal, boom_rules, service, receiver):
    broken = receiver(always_fail=True)
    manager = receiver()
    channels = (f'[[channel]]\nname = "pager"\ntype = "apprise"\nurl = "json://{broken.url}/SECRET-TOKEN"\n'
                'retries = 2\n'
                f'[[channel]]\nname = "am"\ntype = "alertmanager"\nurl = "http://{manager.url}"\n')
    running = service(config_text(live_journal, boom_rules(), channels))
    running.start()
    live_journal.write("BOOM escalate")
    [(path, alerts)] = manager.wait_for(1)
    assert path == "/api/v2/alerts"
    assert alerts[0]["labels"]["rule"] == "boom" and alerts[0]["labels"]["unit"] == "app.service"
    assert alerts[0]["labels"]["severity"] == "critical" and "startsAt" in alerts[0]
    assert broken.attempts == 2
    log = running.log()
    assert "SECRET-TOKEN" not in log and "127.0.0.1" not in log  # nothing of the URL is logged
    assert "pager: delivery failed (apprise json://***)" in log  # but its scheme and the channel's name are


def test_command_channel_gets_json_on_stdin_without_a_shell(live_journal, boom_rules, service, tmp_path):
    out = tmp_path / "alerts.jsonl"
    script = tmp_path / "receive.py"
    script.write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    marker = tmp_path / "pwned"
    channels = f'[[channel]]\nname = "cmd"\ntype = "command"\nargv = ["{sys.executable}", "{script}"]\n'
    running = service(config_text(live_journal, boom_rules(), channels))
    running.start()
    live_journal.write(f"BOOM $(touch${{IFS}}{marker});`touch${{IFS}}{marker}`")
    running.wait_log("delivered via cmd")
    payload = json.loads(out.read_text().splitlines()[0])
    assert payload["rule"] == "boom" and payload["unit"] == "app.service" and payload["event"] == "firing"
    assert payload["message"].startswith("BOOM $(touch")
    assert not marker.exists()
    # the log names the alert by the id `logsentry incidents` lists and `incidents resolve` takes, not by the
    # internal key (rule|unit|key|time: log text in the key)
    [said] = [line for line in running.log().splitlines() if "delivered via cmd" in line]
    assert f"alert {payload['incident']} (firing: app.service, boom) delivered via cmd" in said, said
    assert "|" not in said


def test_dry_run_queues_nothing(live_journal, boom_rules, service, receiver):
    hook = receiver()
    channels = f'[[channel]]\ntype = "apprise"\nurl = "json://{hook.url}/x"\n'
    running = service(config_text(live_journal, boom_rules(action="restart"), channels,
                                  actions='["alert", "restart"]'))
    running.start("--dry-run")
    live_journal.write("BOOM dry")
    log = running.wait_log("would alert")
    assert "would restart app.service" in log
    time.sleep(0.5)
    assert hook.requests == [] and running.state().outbox() == []


def test_dry_run_holds_over_a_reload(live_journal, boom_rules, service, receiver):
    """`run --dry-run` is the operator's word for the whole run: a SIGHUP reload reads the file again, which says
    nothing of it, and the service went live (helper-122's review)."""
    hook = receiver()
    channels = f'[[channel]]\ntype = "apprise"\nurl = "json://{hook.url}/x"\n'
    text = config_text(live_journal, boom_rules(action="restart"), channels, actions='["alert", "restart"]')
    running = service(text)
    running.start("--dry-run")
    running.config_path.write_text(text + "\n# edited\n")
    assert running.proc is not None
    running.proc.send_signal(signal.SIGHUP)
    assert "still a dry run (--dry-run)" in running.wait_log("reloaded:")
    live_journal.write("BOOM after-reload")
    log = running.wait_log("would alert")
    assert "would restart app.service" in log
    time.sleep(0.5)
    assert hook.requests == [] and running.state().outbox() == []


def test_a_reload_that_ends_a_dry_run_pages_the_incidents_still_open(live_journal, boom_rules, service, receiver):
    """`dry_run = true` in the file, then edited out and reloaded: the incident opened during the dry run is still
    open (a failure going on) and was never paged: it is paged now, once, and its restart is not done."""
    hook = receiver()
    channels = f'[[channel]]\ntype = "apprise"\nurl = "json://{hook.url}/x"\n'
    text = config_text(live_journal, boom_rules(action="restart"), channels, actions='["alert", "restart"]')
    running = service(text.replace("commit_every = 50", "commit_every = 50\ndry_run = true"))
    running.start()
    live_journal.write("BOOM during-the-dry-run")
    assert "would restart app.service" in running.wait_log("would alert")
    time.sleep(0.5)
    assert hook.requests == []
    running.config_path.write_text(text)
    assert running.proc is not None
    running.proc.send_signal(signal.SIGHUP)
    [(_, page)] = hook.wait_for(1)
    assert "CRITICAL app.service: boom" in page["title"] and "BOOM during-the-dry-run" in page["message"]
    assert "opened during a dry run" in page["message"], page["message"]
    assert "the restart its rule suggests was not done" in page["message"]
    running.config_path.write_text(text + "\n# edited again\n")
    running.proc.send_signal(signal.SIGHUP)
    running.wait_log("reloaded:", count=2)
    time.sleep(0.5)
    assert len(hook.requests) == 1  # paged once
    assert "queueing restart" not in running.log()


def test_a_page_sent_before_a_reload_began_a_dry_run_is_still_resolved(live_journal, boom_rules, service, receiver):
    """A live page, then a reload that reads `dry_run = true`: the dry run pages nothing new, but the page already
    sent is not left open for ever (helper-156's finding): its RESOLVED goes out when the incident ends."""
    hook = receiver()
    channels = f'[[channel]]\ntype = "apprise"\nurl = "json://{hook.url}/x"\n'
    text = config_text(live_journal, boom_rules(within="3s"), channels)
    running = service(text)
    running.start()
    live_journal.write("BOOM live")
    [(_, page)] = hook.wait_for(1)
    assert "CRITICAL app.service: boom" in page["title"]
    running.config_path.write_text(text.replace("commit_every = 50", "commit_every = 50\ndry_run = true"))
    assert running.proc is not None
    running.proc.send_signal(signal.SIGHUP)
    running.wait_log("reloaded:")
    live_journal.write("BOOM in-the-dry-run")  # goes on in the same incident: no new page
    resolved = hook.wait_for(2, timeout=20)
    assert "RESOLVED" in resolved[1][1]["title"], resolved
    time.sleep(0.5)
    assert len(hook.requests) == 2


def test_resumes_at_cursor_after_sigkill_and_starts_at_tail_first(live_journal, boom_rules, service, tmp_path):
    out = tmp_path / "alerts.jsonl"
    script = tmp_path / "receive.py"
    script.write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    channels = f'[[channel]]\nname = "cmd"\ntype = "command"\nargv = ["{sys.executable}", "{script}"]\n'
    live_journal.write("BOOM before-first-start")  # first start begins at the tail: never acted on
    live_journal.wait_written()
    running = service(config_text(live_journal, boom_rules(group='group_by = "id"'), channels))
    running.start()
    live_journal.write("BOOM one")
    running.wait_log("delivered via cmd")
    running.stop(signal.SIGKILL)
    live_journal.write("BOOM while-down")  # fresh when logsentry comes back: acted on
    live_journal.wait_written()
    running.start()
    running.wait_log("delivered via cmd", count=2)
    ids = [json.loads(line)["message"] for line in out.read_text().splitlines()]
    assert ids == ["BOOM one", "BOOM while-down"]


def test_stale_incident_after_downtime_is_reported_not_acted_on(live_journal, boom_rules, service, tmp_path):
    channels = '[[channel]]\nname = "cmd"\ntype = "command"\nargv = ["/bin/true"]\n'
    running = service(config_text(live_journal, boom_rules(within="1s"), channels))
    running.start()
    live_journal.write("quiet line")
    time.sleep(0.3)
    running.stop()
    old = time.time_ns() // 1000 - 30_000_000
    live_journal.write("BOOM from-the-past", __REALTIME_TIMESTAMP=old)
    live_journal.wait_written()
    running.start()
    log = running.wait_log("stale: its newest hit is")
    assert "not acted on" in log
    assert [row for row in running.state().outbox() if row.kind == "alert"] == []


def test_a_failure_that_began_while_logsentry_was_down_and_goes_on_is_alerted(live_journal, boom_rules, service,
                                                                             receiver):
    """Its incident fired on its first hit, read from the backlog two minutes old: stale, not acted on, and never
    decided again while it went on (a hang that began during an upgrade was never paged). Once the reader caught
    up with its newest hit a few seconds old, it is alerted, once."""
    hook = receiver()
    channels = f'[[channel]]\ntype = "apprise"\nurl = "json://{hook.url}/x"\n'
    running = service(config_text(live_journal, boom_rules(within="60s"), channels))
    running.start()
    live_journal.write("quiet line")
    time.sleep(0.3)
    running.stop()
    now = time.time_ns() // 1000
    for ago in range(120, 0, -10):  # a line every 10 s while logsentry was down, the newest 10 s ago
        live_journal.write(f"BOOM hung-for-{120 - ago}s", __REALTIME_TIMESTAMP=now - ago * 1_000_000)
    live_journal.wait_written()
    running.start()
    assert "not acted on" in running.wait_log("stale: its newest hit is")
    running.wait_log("goes on (its newest hit")
    [alert] = hook.wait_for(1)
    assert "12 hits from" in alert[1]["message"], alert[1]["message"]  # the incident as it went on
    time.sleep(1)
    assert len(hook.requests) == 1


def test_sighup_reload_keeps_old_config_when_new_one_is_bad(live_journal, boom_rules, service, receiver):
    hook = receiver()
    channels = f'[[channel]]\ntype = "apprise"\nurl = "json://{hook.url}/x"\n'
    good = config_text(live_journal, boom_rules(), channels)
    running = service(good)
    running.start()
    running.config_path.write_text(good + "\nbogus_key = 1\n")
    assert running.proc is not None
    running.proc.send_signal(signal.SIGHUP)
    running.wait_log("reload rejected, keeping the running config")
    live_journal.write("BOOM still-watching")
    assert len(hook.wait_for(1)) == 1
    running.config_path.write_text(good.replace('units = ["app"]', 'units = ["other"]'))
    running.proc.send_signal(signal.SIGHUP)
    running.wait_log("reloaded:")
    live_journal.write("BOOM not-watched-any-more")
    live_journal.write("BOOM other-unit", unit="other.service")
    got = hook.wait_for(2)
    assert len(got) == 2, [(r[1]["title"], r[1]["message"]) for r in got]
    assert "other-unit" in hook.requests[1][1]["message"]


def test_own_unit_is_never_watched(live_journal, boom_rules, service, receiver):
    hook = receiver()
    channels = f'[[channel]]\ntype = "apprise"\nurl = "json://{hook.url}/x"\n'
    config = config_text(live_journal, boom_rules(), channels).replace('units = ["app"]', 'units = ["*"]')
    running = service(config)
    running.start()
    live_journal.write("BOOM from-myself", unit="logsentry.service")
    live_journal.write("BOOM from-app")
    requests = hook.wait_for(1)
    time.sleep(0.3)
    assert len(hook.requests) == 1 and "from-app" in requests[0][1]["message"]


def test_config_check_redacts_secrets(tmp_path, boom_rules):
    from conftest import run_cli

    config = tmp_path / "c.toml"
    config.write_text(f'rules = ["{boom_rules()}"]\n[[channel]]\ntype = "apprise"\n'
                      'url = "pagerduty://SECRETKEY@SECRETROUTING"\n[heartbeat]\nurl = "https://hc.example/ping/SECRETUUID"\n')
    result = run_cli("config", "check", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert "SECRET" not in result.output
    assert "apprise pagerduty://" in result.output and "heartbeat: every 1min" in result.output


def test_config_errors_are_listed(tmp_path):
    from conftest import run_cli

    config = tmp_path / "c.toml"
    config.write_text('[[watch]]\nunits = []\nactions = ["reboot"]\n[restart]\ncooldown = "5 mins"\n'
                      '[[channel]]\ntype = "command"\nargv = ["notify-send"]\n')
    result = run_cli("config", "check", "-c", str(config))
    assert result.exit_code == 2
    for expected in ("watch #1 (line 1): units: expected at least one unit", "watch #1 (line 1): actions: expected "
                     "any of restart, alert (got 'reboot')",
                     'restart.cooldown (line 5): expected a duration like "90s"',
                     "channel #1 (line 6): argv: expected a list starting with an absolute program path"):
        assert expected in result.stderr


_ = os


@pytest.mark.alone
def test_sigkill_at_random_points_loses_nothing_and_repeats_no_action(live_journal, boom_rules, service, tmp_path):
    """Crash test: a live journal keeps growing while logsentry is SIGKILLed again and again."""
    import random
    import threading

    out = tmp_path / "alerts.jsonl"
    script = tmp_path / "receive.py"
    # A delivery cut short by the SIGKILL (truncated stdin) is no delivery: only whole JSON counts.
    script.write_text(f"import json, sys\ndata = json.dumps(json.loads(sys.stdin.read()))\n"
                      f"open({str(out)!r}, 'a').write(data + '\\n')\n")
    # the receiver runs once per alert (400): -I -S starts it without site-packages, a third less CPU each
    channels = f'[[channel]]\nname = "cmd"\ntype = "command"\nargv = ["{sys.executable}", "-I", "-S", "{script}"]\n'
    running = service(config_text(live_journal, boom_rules(group='group_by = "id"'), channels)
                      .replace("commit_every = 50", "commit_every = 7"))
    running.start()
    total = 400
    done = threading.Event()

    def feed() -> None:
        for i in range(total):
            live_journal.write(f"BOOM {i}")
            live_journal.write(f"noise {i}")
            time.sleep(0.005)
        done.set()

    writer = threading.Thread(target=feed)
    writer.start()
    rng = random.Random(1234)
    kills = 0
    while not done.is_set() or kills < 6:
        time.sleep(rng.uniform(0.05, 0.6))
        running.stop(signal.SIGKILL)
        kills += 1
        running.start()
    writer.join()
    expected = {f"BOOM {i}" for i in range(total)}

    def delivered() -> list[str]:
        return [str(record["message"]) for record in appended_json(out)]

    # A readiness wait, no speed check: each alert is a python run of the receiver, one after another; at CI's load
    # (two helpers and 3 workers on 2 cores) the last of 400 was still queued 30 s on (only 'BOOM 399' missing).
    deadline = time.monotonic() + 90
    while set(delivered()) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    got = delivered()
    assert set(got) == expected, sorted(expected - set(got))[:10]
    duplicates = len(got) - len(set(got))
    # Alerts are at-least-once: only a delivery in flight at a SIGKILL can repeat (with the same id).
    assert duplicates <= kills, (duplicates, kills)
    # One firing alert per key (an id each); a key's incident ends 60 s after its one line (boom_rules' within), so
    # on a slow run the first keys' resolves come too (ciT's slice at load 6-10: 401 ids, one ':resolved').
    firing = {record["id"] for record in appended_json(out) if str(record["id"]).endswith(":firing")}
    assert len(firing) == len(expected), len(firing)


def test_mail_through_a_real_smtp_server(live_journal, boom_rules, service):
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port (aiosmtpd's own ready check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(Handler(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        url = f"mailto://127.0.0.1:{port}?from=sentry@example.com&to=oncall@example.com&mode=insecure"
        channels = f'[[channel]]\nname = "mail"\ntype = "apprise"\nurl = "{url}"\n'
        running = service(config_text(live_journal, boom_rules(), channels))
        running.start()
        live_journal.write("BOOM mail-me")
        running.wait_log("delivered via mail")
        text = b"".join(received).decode(errors="replace")
        assert "CRITICAL app.service: boom" in text and "BOOM mail-me" in text
    finally:
        smtp.stop()


def test_heartbeat_is_pinged_while_healthy(live_journal, boom_rules, service, receiver):
    beat = receiver()
    running = service(config_text(live_journal, boom_rules(),
                                  extra=f'[heartbeat]\nurl = "http://{beat.url}/ping/SECRET"\ninterval = "1s"\n'))
    running.start()
    assert len(beat.wait_for(2, timeout=6)) >= 2
    assert all(path == "/ping/SECRET" for path, _ in beat.requests)
    assert "SECRET" not in running.log()


def test_a_dry_run_pings_no_heartbeat_and_says_so(live_journal, boom_rules, service, receiver):
    """`run --dry-run` pinged the site's heartbeat though its help said it hooks nothing: a trial run fed the real
    dead-man's switch, which says pages go out, while none did (newuser76's 19)."""
    beat = receiver()
    running = service(config_text(live_journal, boom_rules(),
                                  extra=f'[heartbeat]\nurl = "http://{beat.url}/ping/SECRET"\ninterval = "1s"\n'))
    running.start("--dry-run")
    running.wait_log("restarts and alerts are logged, not done, the heartbeat not pinged", timeout=20)
    time.sleep(3)
    assert beat.requests == [], beat.requests


def test_heartbeat_is_withheld_while_alerts_fail(live_journal, boom_rules, service, receiver):
    """A dead-man's switch that went on pinging while every page failed said all was well (a new operator's receiver
    down): once an alert has failed for two heartbeat intervals, the pings stop, and the log says why."""
    beat, down = receiver(), receiver(always_fail=True)
    channels = f'[[channel]]\nname = "hook"\ntype = "apprise"\nurl = "json://{down.url}/x"\n'
    running = service(config_text(live_journal, boom_rules(), channels,
                                  extra=f'[heartbeat]\nurl = "http://{beat.url}/ping"\ninterval = "1s"\n'))
    running.start()
    beat.wait_for(1, timeout=6)
    live_journal.write("BOOM unpaged")
    running.wait_log("heartbeat withheld: an alert has waited undelivered since ", timeout=20)
    pinged = len(beat.requests)
    time.sleep(3)
    assert len(beat.requests) == pinged, "pinged while its alert failed"


def test_refuses_to_start_on_files_others_can_change(tmp_path, boom_rules):
    from conftest import run_cli

    rules = boom_rules()
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{rules}"]\n')
    assert run_cli("config", "check", "-c", str(config)).exit_code == 0
    (rules / "boom.toml").chmod(0o666)
    result = run_cli("run", "-c", str(config))
    assert result.exit_code == 2
    assert f"{rules / 'boom.toml'}: writable by everyone (mode 666), expected chmod go-w" in result.stderr
    assert "refusing to start" in result.stderr
    (rules / "boom.toml").chmod(0o644)
    config.chmod(0o664)
    checked = run_cli("config", "check", "-c", str(config))
    assert checked.exit_code == 2 and f"{config}: writable by group" in checked.stderr


def test_config_check_refuses_what_run_would_refuse_or_never_deliver(tmp_path, boom_rules):
    """A journal_directory that is not there (run refuses to start) and an apprise URL apprise does not take
    (a mistyped scheme: every alert would fail) are problems for `config check` (exit 2), said with the
    config's path and without the URL's secrets; the fixed config passes."""
    from conftest import run_cli

    config = tmp_path / "c.toml"
    missing = tmp_path / "no-such-dir"
    config.write_text(f'rules = ["{boom_rules()}"]\njournal_directory = "{missing}"\n[[channel]]\nname = "hook"\n'
                      'type = "apprise"\nurl = "jsno://user:SECRETPASS@127.0.0.1:9/hook"\n')
    result = run_cli("config", "check", "-c", str(config))
    assert result.exit_code == 2, result.output
    assert f"{config}: journal_directory {missing} is not a directory" in result.stderr
    assert f"{config}: channel #1 (line 3): url: apprise does not accept this URL" in result.stderr
    assert "SECRETPASS" not in result.output
    missing.mkdir()
    config.write_text(config.read_text().replace("jsno://", "json://"))
    result = run_cli("config", "check", "-c", str(config))
    assert result.exit_code == 0, result.output
