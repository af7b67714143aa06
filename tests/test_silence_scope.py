"""What a silence covers: `silence add -u '*'` (a glob) quiets units, never a host's own alert ("(host)": its
whole journal stopped arriving), here (the outbox's Matcher) and in a real Alertmanager (Debian's
prometheus-alertmanager on 127.0.0.1), where the glob's matcher must not catch the "(host)" label either; only
`-u '(host)' -H HOST` silences that. A fresh user's trial: `-u '*'` for a maintenance window left the collector
blind to every host's journal stopping."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from test_alertmanager import alertmanager, wait_for  # noqa: F401  (fixture)
from test_service import boom_rules, receiver  # noqa: F401  (fixtures)
from test_silences import alert_states, config, post_alerts

from logsentry.host_silence import RULE_ID as HOST_RULE
from logsentry.host_silence import UNIT as HOST_UNIT
from logsentry.silences import Matcher

HOST_ALERT = {"unit": HOST_UNIT, "host": "web-7", "rule": HOST_RULE}
UNIT_ALERT = {"unit": "web.service", "host": "web-7", "rule": "boom"}


def test_a_glob_silences_units_and_not_a_hosts_own_alert(alertmanager, tmp_path: Path,  # noqa: F811
                                                          boom_rules) -> None:  # noqa: F811
    manager, _hook = alertmanager
    path = tmp_path / "c.toml"
    path.write_text(config(tmp_path, tmp_path / "journal", boom_rules(), manager.url, tmp_path / "out"))
    for unit, host in (("*", ""), ("*", "web-7"), ("?host?", "")):
        made = run_cli("silence", "add", "-c", str(path), "-u", unit, *(["-H", host] if host else []), "--for", "1h",
                       "--comment", "maintenance")
        assert made.exit_code == 0, made.output
    matcher = Matcher(tmp_path / "state")
    assert matcher.silencing(UNIT_ALERT) is not None
    assert matcher.silencing(HOST_ALERT) is None  # the host's journal stopping is still alerted
    post_alerts(manager, [{"labels": {"alertname": f"logsentry_{alert['rule']}", **alert}}
                          for alert in (UNIT_ALERT, HOST_ALERT)])
    wait_for(lambda: len(alert_states(manager)) == 2, 10, "both alerts in Alertmanager")
    assert alert_states(manager) == {"web.service": "suppressed", HOST_UNIT: "active"}
    # named exactly, with its host, it is silenced (here and there)
    made = run_cli("silence", "add", "-c", str(path), "-u", HOST_UNIT, "-H", "web-7", "--for", "1h",
                   "--comment", "web-7 shut down")
    assert made.exit_code == 0, made.output
    assert matcher.silencing(HOST_ALERT) is not None
    wait_for(lambda: alert_states(manager)[HOST_UNIT] == "suppressed", 10,
             "the host's alert silenced by its own silence")
