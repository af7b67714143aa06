"""A real Prometheus (Debian `prometheus`) scrapes the real service's metrics endpoint (issue 17): both on
127.0.0.1, Prometheus started by the test with a minimal config (1 s scrapes), the series read back through its
HTTP query API (/api/v1/query)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_metrics import free_port
from test_service import boom_rules, config_text, service  # noqa: F401  (fixtures)

PROMETHEUS = shutil.which("prometheus")


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Any]:
    assert PROMETHEUS, "prometheus is required (scripts/setup installs Debian's package)"
    started: list[subprocess.Popen[bytes]] = []

    def start(target: str) -> str:
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                          f"scrape_configs:\n  - job_name: logsentry\n    static_configs:\n"
                          f"      - targets: ['{target}']\n")
        log = open(tmp_path / "prometheus.log", "wb")  # noqa: SIM115  (closed with the process)
        started.append(subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log))
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=20)


def query(base: str, expression: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': expression})}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            answer = json.load(response)
    except OSError:
        return []  # not up yet
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


def value_of(base: str, expression: str, timeout: float = 20.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := query(base, expression):
            return float(result[0]["value"][1])
        time.sleep(0.2)
    raise AssertionError(f"Prometheus has no {expression} after {timeout}s")


def test_prometheus_scrapes_the_service(live_journal, boom_rules, service, prometheus, tmp_path):  # noqa: F811
    began = time.monotonic()
    port = free_port()
    running = service(config_text(live_journal, boom_rules(), extra=f'[metrics]\nlisten = "127.0.0.1:{port}"\n'))
    running.start()
    for n in range(3):
        live_journal.write(f"BOOM {n}", _HOSTNAME="web-7")
    base = prometheus(f"127.0.0.1:{port}")
    assert value_of(base, 'up{job="logsentry"}') == 1
    assert value_of(base, 'logsentry_matches_total{rule="boom"} == 3') == 3  # once a scrape after the hits
    assert value_of(base, 'logsentry_incidents_total{rule="boom",severity="critical"}') == 1
    assert 0 <= value_of(base, 'logsentry_journal_lag_seconds{host="web-7"}') < 60
    [build] = query(base, "logsentry_build_info")
    assert build["metric"]["version"] == "0.1.0" and build["metric"]["instance"] == f"127.0.0.1:{port}"
    running.stop()
    assert time.monotonic() - began < 30
