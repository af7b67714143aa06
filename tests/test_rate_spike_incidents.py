"""A rate spike's page and `logsentry incidents` name its hits as the lines past the bar beside the count that fired
it ("3 lines past the bar (fired at 30 lines of this template within 1m)"), not "3 hits" beside a why of "30 lines
within 1m" (helper F2). Real parts: `logsentry run` over a collector's journal written by systemd-journal-remote
from a FIFO, alerting a webhook on 127.0.0.1 through apprise's json://, stopped (its state saved), then the command."""

from __future__ import annotations

import re
import time
from pathlib import Path

from conftest import run_cli
from test_first_start_handover import Collector, Host
from test_host_stale import alerts, collector_config, wait_until
from test_service import RunningService, receiver  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
WEB7 = "f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7"
SEC = 1_000_000
STORM = "Connection to 10.0.{n}.7:2888 lost, retrying"
SAID = r"(\d+) lines past the bar \(fired at 30 lines of this template within 1m\)"


def test_a_rate_spikes_page_and_incidents_count_lines_past_the_bar(tmp_path: Path, receiver) -> None:  # noqa: F811
    hook = receiver()
    where = Collector(tmp_path)
    host = Host(tmp_path, where.directory, "web-7", WEB7, 0)
    try:
        config = collector_config(tmp_path, where.directory, hook.url,
                                  top=f'rules = ["{ROOT / "rules" / "anomaly"}"]')
        running = RunningService(tmp_path, config)
        now = host.now()
        start = now - 7 * 3600 * SEC
        for n in range(1330):  # 7 h of requests, one every 19 s, ending 10 min ago; the warning every 15 min
            at = start + n * 19 * SEC
            host.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", at)
            if n % 47 == 0:
                host.write(STORM.format(n=n % 200), at + 1, priority=4)
        host.wait_written(timeout=30)
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up
        host.write("GET /api/items/x 200 4ms", host.now())
        time.sleep(1.5)
        storm = host.now() - 40 * SEC
        for n in range(40):  # a connection storm: one a second for the last 40 s
            host.write(STORM.format(n=n), storm + n * SEC, priority=4)
        page = wait_until(lambda: [a for a in alerts(hook) if "template-rate-spike" in a["title"]], 20, "the page")
        assert running.stop() == 0
    finally:
        host.close()
    body = page[0]["message"]
    assert re.search(rf"^{SAID} from ", body, re.M), body
    assert not re.search(r"\b\d+ hits?\b", body), body
    shown = run_cli("incidents", "-c", str(tmp_path / "logsentry.toml"))
    assert shown.exit_code == 0, shown.output
    head = shown.stdout.splitlines()[0]
    assert head.startswith("WARNING api.service on web-7: template-rate-spike, since ") and \
        re.search(rf", {SAID}, latest ", head), head
