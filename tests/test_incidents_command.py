"""`logsentry incidents`: what the service has open, as it saved it, and what became of each alert. Real parts:
`logsentry run` over a collector's journal written by systemd-journal-remote from a FIFO, alerting a webhook on
127.0.0.1 (one that answers, one that keeps failing), stopped (its state saved), then the command."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import run_cli
from test_first_start_handover import Collector, Host
from test_host_clocks_service import collector
from test_host_stale import alerts, wait_until
from test_service import RunningService, receiver  # noqa: F401  (fixture)

WEB7 = "f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7"


def failing_and_stopped(tmp_path: Path, hook_url: str, delivered: bool, hook) -> Path:
    """A real service over one host: a BOOM line (paged), then its stop; returns the config."""
    where = Collector(tmp_path)
    host = Host(tmp_path, where.directory, "web-7", WEB7, 0)
    try:
        running = RunningService(tmp_path, collector(tmp_path, where.directory, hook_url))
        host.write("GET /health 0 200", host.now())
        host.wait_written()
        running.start()
        host.write("BOOM disk-full", host.now(), priority=3)
        if delivered:
            wait_until(lambda: alerts(hook), 15, "the BOOM alert")
        else:
            wait_until(lambda: hook.attempts >= 2, 15, "two failed attempts")
        assert running.stop() == 0
    finally:
        host.close()
    return tmp_path / "logsentry.toml"


def test_an_open_incident_and_its_delivered_alert(tmp_path, receiver):  # noqa: F811
    hook = receiver()
    config = failing_and_stopped(tmp_path, hook.url, True, hook)
    shown = run_cli("incidents", "-c", str(config))
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("CRITICAL api.service on web-7: boom, since "), lines
    assert ", 1 hit, latest " in lines[0]
    assert "  line: BOOM disk-full" in lines
    assert "  actions: alert: done (via hook)" in lines
    assert any(line.startswith("  lines: journalctl -D ") and "_MACHINE_ID=" + WEB7 in line for line in lines), lines
    [record] = [json.loads(line) for line in run_cli("incidents", "-c", str(config), "-o", "json").stdout.splitlines()]
    assert (record["rule"], record["severity"], record["machine_id"], record["count"]) == ("boom", "critical", WEB7, 1)
    assert record["actions"] == [{"kind": "alert", "status": "done", "channel": "hook", "attempts": 1,
                                  "last_error": ""}]  # (the try that delivered it: 0 read as never tried)
    [sent] = alerts(hook)  # the open incident is named as its alert named it (Alertmanager's `incident` label)
    assert f"\nincident: {record['incident']}\n" in sent["message"] and f"  incident: {record['incident']}" in lines


def test_an_alert_that_cannot_get_out_says_so_without_its_url(tmp_path, receiver):  # noqa: F811
    hook = receiver(always_fail=True)
    config = failing_and_stopped(tmp_path, hook.url, False, hook)
    shown = run_cli("incidents", "-c", str(config))
    assert shown.exit_code == 0, shown.output
    [actions] = [line for line in shown.stdout.splitlines() if line.startswith("  actions: ")]
    assert actions.startswith("  actions: alert: pending, "), actions
    assert re.search(r"\d+ attempts? on its current channel \(last error: ", actions), actions
    port = hook.url.rsplit(":", 1)[1]
    assert hook.url not in shown.stdout and f":{port}/hook" not in shown.stdout, shown.stdout


def test_nothing_open_and_no_state_are_said(tmp_path):
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "nowhere"}"\n')
    missing = run_cli("incidents", "-c", str(config))
    assert missing.exit_code == 2 and f"no saved state at {tmp_path / 'nowhere' / 'state.db'}" in missing.output


def test_the_chain_line_names_each_rule_once() -> None:
    """A failure's chain holds a link per rule and template: the listing names each rule once, in order."""
    from logsentry.cli.incidents import chain_rules
    from logsentry.model import Incident, Link, Severity
    links = tuple(Link(rule, Severity.ERROR, n, 1, "x", "") for n, rule in enumerate(
        ["new-error-template", "new-failure-template", "new-warning-template", "new-failure-template",
         "new-error-template", "error-share-jump"]))
    incident = Incident("new-error-template", Severity.ERROR, "api.service", "", 0, 0, 5, 1, 3, 600_000_000, "", (),
                        "alert", chain=links)
    assert chain_rules(incident) == ["new-error-template", "new-failure-template", "new-warning-template",
                                     "error-share-jump"]
