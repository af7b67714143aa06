"""Silences (issue 17): `logsentry silence add/list/expire` made with the CLI suppress a firing incident's
notification (the incident is still detected and logged), survive in the state directory, and appear in a
real Alertmanager's /api/v2/silences (and expire there too)."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from conftest import run_cli
from test_alertmanager import alertmanager, wait_for  # noqa: F401  (fixture)
from test_service import RunningService, boom_rules, receiver  # noqa: F401  (fixtures)


def config(root: Path, journal: Path, rules: Path, am_url: str, out: Path) -> str:
    (root / "receive.py").write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    return f'''
state_dir = "{root / 'state'}"
journal_directory = "{journal}"
rules = ["{rules}"]

[[watch]]
units = ["app"]
actions = ["alert"]

[alerts]
realert = "1h"

[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{root / 'receive.py'}"]

[[channel]]
name = "am"
type = "alertmanager"
url = "{am_url}"
'''


def test_silence_suppresses_notifications_and_is_mirrored_to_alertmanager(alertmanager, live_journal,  # noqa: F811
                                                                           boom_rules, tmp_path):  # noqa: F811
    manager, _ = alertmanager
    root = tmp_path / "svc"
    root.mkdir()
    out = tmp_path / "alerts.jsonl"
    running = RunningService(root, config(root, live_journal.directory, boom_rules(group='group_by = "id"'),
                                          manager.url, out))
    path = str(running.config_path)
    made = run_cli("silence", "add", "-c", path, "-u", "app", "--for", "1h", "--comment", "deploy window")
    assert made.exit_code == 0, made.output
    silence_id = made.stdout.split()[1].rstrip(":")
    [mirrored] = [s for s in manager.get("/api/v2/silences") if s["status"]["state"] == "active"]
    # the unit and its parts (containers, user units: `app.service/...`), as the silence matches here
    assert {(m["name"], m["value"], m["isRegex"]) for m in mirrored["matchers"]} == {
        ("unit", r"app\.service(?:/.+)?", True)}
    assert silence_id in mirrored["comment"] and "deploy window" in mirrored["comment"]
    listed = [json.loads(line) for line in run_cli("silence", "list", "-c", path, "-o", "json").stdout.splitlines()]
    assert [(s["id"], s["unit"], s["active"]) for s in listed] == [(silence_id, "app.service", True)]
    try:
        running.start()
        live_journal.write("BOOM one")
        running.wait_log("incident boom on app.service")  # still detected and logged ...
        running.wait_log(f"silenced by {silence_id}")  # ... but not notified
        time.sleep(0.5)
        assert not out.exists()
        expired = run_cli("silence", "expire", "-c", path, silence_id)
        assert expired.exit_code == 0, expired.output
        wait_for(lambda: all(s["status"]["state"] == "expired" for s in manager.get("/api/v2/silences")), 10,
                 "the Alertmanager silence expired")
        live_journal.write("BOOM two")
        wait_for(lambda: out.exists() and "BOOM two" in out.read_text(), 15, "the alert after the silence")
        messages = [json.loads(line)["message"] for line in out.read_text().splitlines() if line.strip()]
        assert messages == ["BOOM two"]  # the silenced incident's page waits (looked at again within a minute)
        assert run_cli("silence", "list", "-c", path).stdout.startswith("no silence in force in ")  # none in force
    finally:
        running.stop()


def test_a_glob_silence_matches_units_here_and_in_alertmanager(alertmanager, tmp_path: Path,  # noqa: F811
                                                                boom_rules: Path) -> None:  # noqa: F811
    """`-u 'web-*'` quiets every web-N unit, as journalctl -u and watches take globs: locally (the outbox's
    Matcher) and in Alertmanager, where the mirrored matcher is a regular expression that silences a real
    alert of web-7.service and not one of api.service."""
    from logsentry.silences import Matcher

    manager, _hook = alertmanager
    path = tmp_path / "c.toml"
    path.write_text(config(tmp_path, tmp_path / "journal", boom_rules, manager.url, tmp_path / "out"))
    made = run_cli("silence", "add", "-c", str(path), "-u", "web-*", "--for", "1h", "--comment", "web deploy")
    assert made.exit_code == 0, made.output
    matcher = Matcher(tmp_path / "state")
    assert matcher.silencing({"unit": "web-7.service", "host": "h"}) is not None
    assert matcher.silencing({"unit": "api.service", "host": "h"}) is None
    post_alerts(manager, [{"labels": {"alertname": "logsentry", "unit": unit, "rule": "boom"}} for unit in
                          ("web-7.service", "api.service")])
    wait_for(lambda: len(alert_states(manager)) == 2, 10, "both alerts in Alertmanager")
    assert alert_states(manager) == {"web-7.service": "suppressed", "api.service": "active"}


def test_a_units_silence_covers_its_containers_and_user_units_here_and_in_alertmanager(
        alertmanager, tmp_path: Path, boom_rules: Path) -> None:  # noqa: F811
    """`silence add -u docker.service` for dockerd's upgrade quiets its containers too, and `-u user@1000.service`
    that user's own units, as `-u` and a watch take them (a new user's trial: only the exact name was silenced);
    a unit named alike (`docker.service-old`, `api.service`) is not."""
    from logsentry.silences import Matcher

    manager, _hook = alertmanager
    path = tmp_path / "c.toml"
    path.write_text(config(tmp_path, tmp_path / "journal", boom_rules, manager.url, tmp_path / "out"))
    for unit in ("docker.service", "user@1000.service"):
        made = run_cli("silence", "add", "-c", str(path), "-u", unit, "--for", "1h", "--comment", "upgrade")
        assert made.exit_code == 0, made.output
    units = ("docker.service/web", "docker.service", "user@1000.service/pipewire.service", "docker.service-old",
             "api.service")
    matcher = Matcher(tmp_path / "state")
    assert [matcher.silencing({"unit": unit, "host": "h"}) is not None for unit in units] == [True, True, True,
                                                                                             False, False]
    post_alerts(manager, [{"labels": {"alertname": "logsentry", "unit": unit, "rule": "boom"}} for unit in units])
    wait_for(lambda: len(alert_states(manager)) == len(units), 10, "the alerts in Alertmanager")
    assert alert_states(manager) == {"docker.service/web": "suppressed", "docker.service": "suppressed",
                                     "user@1000.service/pipewire.service": "suppressed",
                                     "docker.service-old": "active", "api.service": "active"}


def post_alerts(manager: Any, alerts: list[dict[str, Any]]) -> None:
    """Alerts sent to a real Alertmanager (its v2 API), as a client would."""
    request = urllib.request.Request(f"{manager.url}/api/v2/alerts", data=json.dumps(alerts).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).close()


def alert_states(manager: Any) -> dict[str, str]:
    """Each alert's unit label -> its state in Alertmanager ("active", "suppressed")."""
    return {a["labels"]["unit"]: a["status"]["state"] for a in manager.get("/api/v2/alerts")}


def test_silence_add_refuses_what_could_never_match(tmp_path: Path, boom_rules: Path) -> None:  # noqa: F811
    path = tmp_path / "c.toml"
    path.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{boom_rules}"]\n')
    unknown = run_cli("silence", "add", "-c", str(path), "-u", "app", "--rule", "nope", "--for", "1h",
                      "--comment", "x")
    assert unknown.exit_code == 2 and "no rule with id 'nope'" in unknown.stderr
    classes = run_cli("silence", "add", "-c", str(path), "-u", "web-[12]", "--for", "1h", "--comment", "x")
    assert classes.exit_code == 2 and "character classes" in classes.stderr
    # "(host)" without -H would quiet every host's host-level alert (the whole fleet's "journal stopped arriving")
    every_host = run_cli("silence", "add", "-c", str(path), "-u", "(host)", "--for", "1h", "--comment", "x")
    assert every_host.exit_code == 2 and "-H HOSTNAME" in every_host.stderr, every_host.output
    made = run_cli("silence", "add", "-c", str(path), "-u", "app", "--rule", "host-went-silent", "--for", "1h",
                   "--comment", "x")
    assert made.exit_code == 0, made.output
    silence_id = made.stdout.split()[1].rstrip(":")
    assert run_cli("silence", "expire", "-c", str(path), silence_id).stdout.strip().endswith("expired")
    again = run_cli("silence", "expire", "-c", str(path), silence_id)
    assert again.exit_code == 0 and "had already ended" in again.stdout
