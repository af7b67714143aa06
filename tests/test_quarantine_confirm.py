"""A regex that times out once is tried again with CONFIRM_FACTOR times its limit before its rule is quarantined
(engine/detector.py): the limit is wall time, and a descheduled good regex had quarantined nginx-upstream-timeout for
the rest of a scan of the benchmark journal on a busy host. A runaway regex is still quarantined (its second try
times out too)."""

from __future__ import annotations

from pathlib import Path

import pytest

from logsentry.engine import detector as detector_module
from logsentry.engine.detector import Detector, RuleTimeout
from logsentry.model import Entry
from logsentry.rules.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
LINE = ('2026/11/30 10:00:00 [error] 1234#0: *5 upstream timed out (110: Connection timed out) while reading '
        'response header from upstream, client: 10.0.0.1, server: shop, request: "GET / HTTP/1.1", '
        'upstream: "http://127.0.0.1:8080/", host: "shop"')


def nginx_error() -> Entry:
    return Entry(realtime_usec=1_764_496_800_000_000, message=LINE, unit="nginx.service", priority=3, cursor="c1",
                 fields={"_SYSTEMD_UNIT": "nginx.service", "SYSLOG_IDENTIFIER": "nginx", "PRIORITY": "3"})


def nginx_detector() -> Detector:
    return Detector(load_rules([ROOT / "rules" / "nginx"]).rules)


def test_a_regex_that_times_out_once_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = detector_module.match_rule, []

    def descheduled_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[4])
        if len(calls) == 1:
            raise RuleTimeout("regex ran longer than 50 ms")
        return real(*args, **kwargs)

    monkeypatch.setattr(detector_module, "match_rule", descheduled_once)
    found = nginx_detector()
    hits = found.detect(nginx_error())
    assert "nginx-upstream-timeout" in {hit.rule_id for hit in hits}
    assert calls[1] == pytest.approx(calls[0] * detector_module.CONFIRM_FACTOR)
    assert found.take_quarantines() == []


def test_a_regex_that_times_out_twice_is_quarantined(monkeypatch: pytest.MonkeyPatch) -> None:
    def runaway(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuleTimeout("regex ran longer than 50 ms")

    monkeypatch.setattr(detector_module, "match_rule", runaway)
    found = nginx_detector()
    assert found.detect(nginx_error()) == []
    (quarantine, *_) = found.take_quarantines()
    assert "500 ms tried again" in quarantine.reason
