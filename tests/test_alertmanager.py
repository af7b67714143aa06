"""Alertmanager v2 (issue 17) against a real Alertmanager (Debian's prometheus-alertmanager, started here on
127.0.0.1; scripts/setup installs it): two logsentry instances reading the same journal send the same
incident, which Alertmanager deduplicates into one notification to its webhook; the active alert is re-sent
(updatedAt moves), and resolves with endsAt when the incident ends."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from receivers import HttpReceiver
from test_metrics import free_port
from test_service import RunningService, boom_rules, receiver  # noqa: F401  (fixtures)

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")

AM_CONFIG = """
route:
  receiver: hook
  group_by: ["alertname", "host", "unit"]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: "http://{hook}/notify"
        send_resolved: true
"""


class Alertmanager:
    def __init__(self, root: Path, hook: HttpReceiver):
        assert ALERTMANAGER, "prometheus-alertmanager is required (scripts/setup installs it)"
        root.mkdir()
        (root / "alertmanager.yml").write_text(AM_CONFIG.format(hook=hook.url))
        self.port = free_port()
        self.log = root / "alertmanager.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [ALERTMANAGER, f"--config.file={root / 'alertmanager.yml'}", f"--storage.path={root / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="],
                stdout=out, stderr=out)
        deadline = time.monotonic() + 20
        while not self._ready():
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=5) as response:
            return json.loads(response.read())

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def alertmanager(tmp_path: Path, receiver) -> Iterator[tuple[Alertmanager, HttpReceiver]]:  # noqa: F811
    hook = receiver()
    manager = Alertmanager(tmp_path / "am", hook)
    try:
        yield manager, hook
    finally:
        manager.close()


def service_config(root: Path, journal: Path, rules: Path, manager: Alertmanager) -> str:
    return f'''
state_dir = "{root / 'state'}"
journal_directory = "{journal}"
rules = ["{rules}"]
hostname = "collector"

[[watch]]
units = ["app"]
actions = ["alert"]

[alerts]
realert = "1h"
resend = "1s"
backoff = "100ms"

[[channel]]
name = "am"
type = "alertmanager"
url = "{manager.url}"
'''


def wait_for(predicate, timeout: float = 20.0, what: str = "") -> Any:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def notifications(hook: HttpReceiver) -> list[dict[str, Any]]:
    return [body for path, body in hook.requests if path == "/notify"]


def test_two_instances_one_notification_resent_then_resolved(alertmanager, live_journal, boom_rules, tmp_path):  # noqa: F811
    manager, hook = alertmanager
    rules = boom_rules(within="3s")
    pair = []
    for name in ("a", "b"):
        root = tmp_path / name
        root.mkdir()
        pair.append(RunningService(root, service_config(root, live_journal.directory, rules, manager)))
    try:
        for running in pair:
            running.start()
        for n in range(6):  # one incident, kept open for ~3 s
            live_journal.write(f"BOOM {n}", _HOSTNAME="web-7")
            time.sleep(0.5)
        [alert] = wait_for(lambda: manager.get("/api/v2/alerts"), what="the alert in Alertmanager")
        assert alert["labels"] == {"alertname": "logsentry_boom", "host": "web-7", "unit": "app.service",
                                   "rule": "boom", "severity": "critical", "incident": alert["labels"]["incident"]}
        assert len(alert["labels"]["incident"]) == 16  # both instances gave the same (one alert, one notification)
        assert alert["status"]["state"] == "active" and alert["startsAt"].startswith("20")
        assert alert["generatorURL"].startswith("logsentry://collector/journal?unit=app.service")
        assert alert["annotations"]["journalctl"].startswith(f"journalctl -D {live_journal.directory} ")
        assert " -u app.service " in alert["annotations"]["journalctl"]
        for running in pair:
            running.wait_log("delivered via am")
        first_update = alert["updatedAt"]
        wait_for(lambda: manager.get("/api/v2/alerts")[0]["updatedAt"] != first_update, 5,
                 "a re-send of the active alert")
        # ... and resolved once no hit came for its window: endsAt set, the webhook told
        resolved = wait_for(lambda: [n for n in notifications(hook) if n["status"] == "resolved"], 30,
                            "the resolved notification")
        assert resolved[0]["alerts"][0]["endsAt"] > resolved[0]["alerts"][0]["startsAt"]
        firing = [n for n in notifications(hook) if n["status"] == "firing"]
        assert len(firing) == 1 and len(firing[0]["alerts"]) == 1, firing  # two senders, one notification
        for running in pair:  # each sent firing, and resolved or re-sends (the other's resolve may have come first)
            wait_for(lambda r=running: r.log().count("delivered via am") >= 2, 10,
                     "a second delivery from each instance")
    finally:
        for running in pair:
            if running.proc is not None:
                running.stop()
