"""Metrics (issue 17): the real service with `[metrics] listen` on 127.0.0.1 and a textfile for node_exporter;
scraped over HTTP and parsed with prometheus-client's own parser."""

from __future__ import annotations

import socket
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from test_service import boom_rules, config_text, receiver, service  # noqa: F401  (fixtures)

from logsentry.config_parse import ConfigError, parse_config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return samples(response.read().decode())


def wait_for(predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_metrics_endpoint_and_textfile(live_journal, boom_rules, service, receiver, tmp_path: Path):  # noqa: F811
    port = free_port()
    textfile = tmp_path / "logsentry.prom"
    hook = receiver(always_fail=True)
    channels = f'[[channel]]\nname = "hook"\ntype = "apprise"\nurl = "json://{hook.url}/x"\nretries = 5\n'
    running = service(config_text(live_journal, boom_rules(), channels,
                                  extra=f'[metrics]\nlisten = "127.0.0.1:{port}"\ntextfile = "{textfile}"\n'))
    running.start()
    for n in range(3):
        live_journal.write(f"BOOM {n}", _HOSTNAME="web-7")
    key = ("logsentry_incidents_total", frozenset({("rule", "boom"), ("severity", "critical")}))
    got = wait_for(lambda: (s := scrape(port)).get(key) and s.get(
        ("logsentry_delivery_failures_total", frozenset({("channel", "hook")}))) and s)
    assert got[("logsentry_entries_read_total", frozenset())] >= 3
    assert got[("logsentry_matches_total", frozenset({("rule", "boom")}))] == 3
    assert got[key] == 1
    assert got[("logsentry_actions_total", frozenset({("action", "alert"), ("result", "queued")}))] == 1
    assert got[("logsentry_build_info", frozenset({("version", "0.1.0")}))] == 1
    lag = got[("logsentry_journal_lag_seconds", frozenset({("host", "web-7")}))]
    assert 0 <= lag < 60
    got = wait_for(lambda: (s := scrape(port))[("logsentry_outbox_pending", frozenset())] >= 1 and s)
    assert got[("logsentry_outbox_oldest_age_seconds", frozenset())] > 0  # the alert waits: its receiver fails
    from_file = wait_for(lambda: textfile.exists() and samples(textfile.read_text()))
    assert from_file[("logsentry_matches_total", frozenset({("rule", "boom")}))] == 3
    running.stop()


def test_metrics_config():
    path = Path("/etc/logsentry/logsentry.toml")
    assert parse_config({}, path).metrics_listen is None  # off by default
    assert parse_config({"metrics": {"listen": "127.0.0.1:9464"}}, path).metrics_listen == "127.0.0.1:9464"
    try:
        parse_config({"metrics": {"listen": "9464"}}, path)
    except ConfigError as error:
        assert "metrics.listen" in str(error)
    else:
        raise AssertionError("a listen address without a port was accepted")


def test_config_check_describes_metrics_hook_and_machine_without_secrets():
    config = parse_config({"watch": [{"units": ["api"], "command": ["/usr/local/bin/fix", "SECRET-TOKEN"]}],
                           "restart": {"machine_id": "0123456789abcdef0123456789abcdef"},
                           "metrics": {"listen": "127.0.0.1:9464"}}, Path("site.toml"))
    text = "\n".join(config.describe())
    assert "other hosts' restarts to fix (+1 args)" in text and "SECRET" not in text
    assert "restarts only units of machine 0123456789abcdef0123456789abcdef" in text
    assert "metrics: http://127.0.0.1:9464/metrics" in text
    assert "SECRET-TOKEN" not in config.secrets().scrub("failed: SECRET-TOKEN")


def test_what_became_of_the_actions_is_counted(live_journal, boom_rules, service, receiver):  # noqa: F811
    """logsentry_actions_total counts decisions ("queued"), and only those: a new operator found no metric that
    told an alert delivered (or a restart done). logsentry_action_outcomes_total does, once the outbox is done."""
    port = free_port()
    hook = receiver()
    channels = f'[[channel]]\nname = "hook"\ntype = "apprise"\nurl = "json://{hook.url}/x"\n'
    running = service(config_text(live_journal, boom_rules(), channels,
                                  extra=f'[metrics]\nlisten = "127.0.0.1:{port}"\n'))
    running.start()
    live_journal.write("BOOM 1")
    hook.wait_for(1)
    key = ("logsentry_action_outcomes_total", frozenset({("action", "alert"), ("result", "delivered")}))
    got = wait_for(lambda: (s := scrape(port)).get(key) and s)
    assert got[key] == 1, got
    running.stop()
