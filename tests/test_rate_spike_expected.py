"""A rate spike of a known template is judged against the rate its history gives, also when its lines come out of
time order after the history was learnt (helper P: 30 lines of a template logged 29 times in 7 h were paged with
"0 expected ... (Poisson P=3.8e-303)": a known template with its count lost makes every burst look impossible).

The history's last lines are stamped 90 s past our clock (the host's clock ran ahead, then NTP stepped it back),
so the burst that follows is stamped within the span the baselines hold (AnomalyDetector.learnt_until) although
its template was last seen minutes before: those lines were taken for learnt before (skipped, and taken out of
the count the window is judged against). Real parts: `logsentry run` over a collector's journal written by
systemd-journal-remote from a FIFO, alerting a webhook on 127.0.0.1 through apprise's json://; at the first
start (the history learnt in the learner thread) and after a restart (the baselines restored)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_first_start_handover import Collector, Host
from test_host_stale import alerts, collector_config, wait_until
from test_service import RunningService, receiver  # noqa: F401  (fixture)

from logsentry.baseline_keeper import HISTORY_KEY

ROOT = Path(__file__).resolve().parent.parent
WEB7 = "f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7"
SEC = 1_000_000
HOUR = 3600 * SEC
WARNING = "Connection to 10.0.{n}.7:2888 lost, retrying"
WHY = re.compile(r"^why: 30 lines of this template within 1m, (?P<expected>\S+) expected from ", re.M)


def adopted(running: RunningService) -> bool:
    state = running.state()
    try:
        return state.get(HISTORY_KEY) is True
    finally:
        state.close()


@pytest.mark.parametrize("start", ["first", "restart"])
def test_a_known_templates_burst_is_judged_against_its_history(tmp_path: Path, receiver, start: str) -> None:  # noqa: F811
    hook = receiver()
    where = Collector(tmp_path)
    host = Host(tmp_path, where.directory, "web-7", WEB7, 0)
    warnings = 0
    try:
        config = collector_config(tmp_path, where.directory, hook.url,
                                  top=f'rules = ["{ROOT / "rules" / "anomaly"}"]')
        running = RunningService(tmp_path, config)
        end = host.now() + 90 * SEC  # the host's clock ahead of ours
        for n in range(1330):  # 7 h of requests, one every 19 s; the warning every 47 of them (~15 min)
            at = end - 7 * HOUR + n * 19 * SEC
            host.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", at)
            if n % 47 == 0:
                host.write(WARNING.format(n=n % 200), at + 1, priority=4)
                warnings += 1
        host.wait_written(timeout=30)
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        wait_until(lambda: adopted(running), 20, "the history adopted and saved")
        if start == "restart":
            assert running.stop() == 0
            running.start()
        burst = host.now() - 45 * SEC  # its clock stepped back to ours: 40 lines, one a second, 45 to 6 s ago
        for n in range(40):
            host.write(WARNING.format(n=n), burst + n * SEC, priority=4)
        page = wait_until(lambda: [a for a in alerts(hook) if "template-rate-spike" in a["title"]], 20, "the page")
        assert running.stop() == 0
    finally:
        host.close()
    body = page[0]["message"]
    found = WHY.search(body)
    assert found is not None, body
    rate = warnings * 60 / (7 * 3600)  # expected in 1 min from the template's lines in 7 h of history: 0.069
    assert rate / 2 <= float(found["expected"]) <= rate * 2, body
