"""A catch-all silence (`silence add -u '*'`, a maintenance window) does not quiet logsentry's own alerts (unit
"logsentry": its journal unreadable or unseen, a gap in it, its state set aside, a rule quarantined, a restart it
could not make), here (the outbox's Matcher) nor in a real Alertmanager (Debian's prometheus-alertmanager on
127.0.0.1), where the glob's matcher must leave the "logsentry" label alone; `-u logsentry` names them and
silences them (the last stop's notes: `-u '*'` hid that logsentry itself had gone blind)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from test_alertmanager import alertmanager, wait_for  # noqa: F401  (fixture)
from test_service import boom_rules, receiver  # noqa: F401  (fixtures)
from test_silences import alert_states, config, post_alerts

from logsentry.actions.alert import service_payload
from logsentry.silences import Matcher

OWN_ALERT = {key: service_payload("journal_blind", "web-7", "its canary entry did not come back")[key]
             for key in ("unit", "host", "rule")}
UNIT_ALERT = {"unit": "web.service", "host": "web-7", "rule": "boom"}


def test_a_glob_does_not_silence_logsentrys_own_alerts(alertmanager, tmp_path: Path,  # noqa: F811
                                                       boom_rules) -> None:  # noqa: F811
    manager, _hook = alertmanager
    path = tmp_path / "c.toml"
    path.write_text(config(tmp_path, tmp_path / "journal", boom_rules(), manager.url, tmp_path / "out"))
    made = run_cli("silence", "add", "-c", str(path), "-u", "*", "--for", "1h", "--comment", "maintenance")
    assert made.exit_code == 0, made.output
    assert "-u logsentry silence" in made.stderr, made.stderr
    matcher = Matcher(tmp_path / "state")
    assert OWN_ALERT["unit"] == "logsentry"
    assert matcher.silencing(UNIT_ALERT) is not None
    assert matcher.silencing(OWN_ALERT) is None  # logsentry going blind is still alerted
    post_alerts(manager, [{"labels": {"alertname": f"logsentry_{alert['rule']}", **alert}}
                          for alert in (UNIT_ALERT, OWN_ALERT)])
    wait_for(lambda: len(alert_states(manager)) == 2, 10, "both alerts in Alertmanager")
    assert alert_states(manager) == {"web.service": "suppressed", "logsentry": "active"}
    # named, it is silenced (here and there): the unit stays "logsentry", not logsentry.service
    made = run_cli("silence", "add", "-c", str(path), "-u", "logsentry", "--for", "1h", "--comment", "known")
    assert made.exit_code == 0, made.output
    assert matcher.silencing(OWN_ALERT) is not None
    wait_for(lambda: alert_states(manager)["logsentry"] == "suppressed", 10, "logsentry's alert silenced by name")
