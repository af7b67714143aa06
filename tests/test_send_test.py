"""`logsentry config check --send-test`: a test alert through each channel, to a real HTTP receiver on 127.0.0.1 and a
real Alertmanager (Debian's), before an incident needs them (a new operator had to fake a failure to learn whether
the token and receiver worked). A channel that fails says why, its secrets scrubbed, and the command exits 1."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from conftest import run_cli
from test_alertmanager import alertmanager  # noqa: F401  (fixture)
from test_service import boom_rules, receiver  # noqa: F401  (fixtures)


def test_each_channel_gets_a_test_alert_and_a_failing_one_says_why_without_its_secret(
        tmp_path: Path, boom_rules, receiver) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    good, bad = receiver(), receiver(always_fail=True)
    config = tmp_path / "c.toml"
    config.write_text(f'rules = ["{boom_rules()}"]\n'
                      f'[[channel]]\nname = "ops"\ntype = "apprise"\nurl = "json://{good.url}/hook/T0KENA"\n'
                      f'[[channel]]\nname = "down"\ntype = "apprise"\nurl = "json://{bad.url}/hook/T0KENB"\n'
                      'retries = 1\n')
    config.chmod(0o600)
    done = run_cli("config", "check", "-c", str(config), "--send-test")
    assert done.exit_code == 1, done.output
    [(_, body)] = good.wait_for(1)
    assert "test alert" in body["title"] and "no incident" in body["message"], body
    # the body says what the title says once (its headline), then what it is for: it said "a test alert" thrice
    assert body["message"] == ("a test alert from logsentry config check --send-test (no incident)\n"
                               "if you read this, the channel works"), body
    assert "test alert: channel #1 (line 2): apprise json://***: delivered" in done.output, done.output
    assert "test alert: channel #2 (line 6): apprise json://***: NOT delivered: down: " in done.output, done.output
    assert "not retried" not in done.output  # (retries = 1: one try is all an alert gets too)
    assert "1 of 2 channels did not take the test alert" in done.output
    assert "T0KEN" not in done.output, done.output
    without = run_cli("config", "check", "-c", str(config))  # nothing is sent without it
    assert without.exit_code == 0, without.output
    time.sleep(0.5)
    assert len(good.requests) == 1


def test_a_test_alert_to_a_channel_with_retries_says_it_was_tried_once(
        tmp_path: Path, boom_rules, receiver) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The test tries each channel once (nobody waits through a backoff at a terminal): with `retries = 3` it said
    "NOT delivered" after one try without a word of it (a new operator's finding)."""
    down = receiver(always_fail=True)
    config = tmp_path / "c.toml"
    config.write_text(f'rules = ["{boom_rules()}"]\n'
                      f'[[channel]]\nname = "down"\ntype = "apprise"\nurl = "json://{down.url}/hook"\nretries = 3\n')
    config.chmod(0o600)
    done = run_cli("config", "check", "-c", str(config), "--send-test")
    assert done.exit_code == 1, done.output
    assert ("test alert: channel #1 (line 2): apprise json://***: NOT delivered: one try, not retried for the test "
            "(an alert gets this channel's 3 tries): down: delivery failed") in done.output, done.output
    assert down.attempts == 1, down.attempts


def test_alertmanager_shows_the_test_alert(tmp_path: Path, boom_rules, alertmanager) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    manager, _ = alertmanager
    config = tmp_path / "c.toml"
    config.write_text(f'rules = ["{boom_rules()}"]\n[[channel]]\ntype = "alertmanager"\nurl = "{manager.url}"\n')
    config.chmod(0o600)
    done = run_cli("config", "check", "-c", str(config), "--send-test")
    assert done.exit_code == 0, done.output
    assert ": delivered" in done.output, done.output
    alerts: list[Any] = manager.get("/api/v2/alerts")
    assert [alert["labels"]["alertname"] for alert in alerts] == ["logsentry_test_alert"], alerts
    assert alerts[0]["labels"]["severity"] == "info", alerts


def test_a_plain_https_webhook_url_is_refused_saying_what_to_write(tmp_path: Path, boom_rules) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """What every webhook receiver's docs give is `https://...`; apprise calls that `jsons://...` (a new operator
    was told to check apprise's wiki, not what to write)."""
    config = tmp_path / "c.toml"
    config.write_text(f'rules = ["{boom_rules()}"]\n[[channel]]\ntype = "apprise"\n'
                      'url = "https://hooks.mycorp.net/services/T0KEN-1"\n')
    done = run_cli("config", "check", "-c", str(config))
    assert done.exit_code == 2, done.output
    assert "jsons://host/path for https" in done.output and "T0KEN" not in done.output, done.output


def test_a_webhook_query_parameter_apprise_drops_is_warned_of_and_its_dash_form_arrives(
        tmp_path: Path, boom_rules, receiver) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """apprise's json:// sends `-token=` as a URL parameter and drops a plain `token=` (its own parameters' place):
    `config check` passed `jsons://host/alerts?token=...` and every alert met a 401 (a new operator's trial)."""
    hook = receiver()
    config = tmp_path / "c.toml"
    config.write_text(f'rules = ["{boom_rules()}"]\n[[channel]]\ntype = "apprise"\n'
                      f'url = "json://{hook.url}/alerts?token=QSECRET1&format=text"\n')
    config.chmod(0o600)
    done = run_cli("config", "check", "-c", str(config))
    assert done.exit_code == 0, done.output
    assert ("channel #1 (line 2): url: apprise does not send the query parameter 'token' of this json:// URL: write "
            "-token=... to send it as one, +token=... as an HTTP header") in done.stderr, done.stderr
    assert "QSECRET1" not in done.output and "'format'" not in done.output
    config.write_text(config.read_text().replace("?token=", "?-token="))
    sent = run_cli("config", "check", "-c", str(config), "--send-test")
    assert sent.exit_code == 0 and "apprise does not send" not in sent.stderr, sent.output
    [(path, _)] = hook.wait_for(1)
    assert path == "/alerts?token=QSECRET1", path


def test_the_test_alert_is_an_info_notification_not_a_failure(tmp_path: Path, boom_rules, receiver) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """apprise sent the test alert as a "failure" (red, a cross: an incident to whoever reads the channel, a new
    operator's finding); it is "info" now. An incident's alert stays "failure", its resolve "success". apprise's
    json:// posts the type in its body's "type"."""
    from logsentry.actions.alert import service_payload
    from logsentry.actions.channels import send_apprise
    from logsentry.config import Channel

    hook = receiver()
    config = tmp_path / "c.toml"
    config.write_text(f'rules = ["{boom_rules()}"]\n[[channel]]\nname = "ops"\ntype = "apprise"\n'
                      f'url = "json://{hook.url}/hook"\n')
    config.chmod(0o600)
    done = run_cli("config", "check", "-c", str(config), "--send-test")
    assert done.exit_code == 0, done.output
    [(_, test)] = hook.wait_for(1)
    assert "test alert" in test["title"] and test["type"] == "info", test
    channel = Channel("ops", "apprise", (f"json://{hook.url}/hook",))
    incident = {**service_payload("journal_gap", "web-7", "missed entries"), "first_usec": 1, "fired_usec": 1,
                "last_usec": 1}
    send_apprise(channel, {**incident, "event": "firing"})
    send_apprise(channel, {**incident, "event": "resolved"})
    assert [body["type"] for _, body in hook.wait_for(3)[1:]] == ["failure", "success"], hook.requests
