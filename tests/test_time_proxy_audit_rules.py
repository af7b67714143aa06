"""haproxy-server-down, chrony-maxchange-exceeded, chrony-clock-keeps-jumping and kernel-audit-records-lost on
real journal files: the lines as each program writes them (HAProxy's stderr, chronyd through syslog, the
kernel's audit), their neighbours that are no failure, and the counts that keep a boot's one line quiet."""

from __future__ import annotations

from pathlib import Path

from conftest import entry, json_events, of_type, run_cli

RULES = ("chrony-clock-keeps-jumping", "chrony-maxchange-exceeded", "haproxy-server-down",
         "kernel-audit-records-lost")


def _kernel(at: float, text: str, priority: int = 3) -> dict:  # type: ignore[type-arg]
    return entry(text, unit=None, at=at, priority=priority, SYSLOG_IDENTIFIER="kernel", _TRANSPORT="kernel")


def _chronyd(at: float, text: str) -> dict:  # type: ignore[type-arg]
    return entry(text, unit="chrony.service", at=at, priority=4, SYSLOG_IDENTIFIER="chronyd", _TRANSPORT="syslog")


def _haproxy(at: float, text: str) -> dict:  # type: ignore[type-arg]
    return entry(text, unit="haproxy.service", at=at, priority=6, SYSLOG_IDENTIFIER="haproxy", _TRANSPORT="stdout")


def _incidents(path: Path) -> list[tuple[str, str]]:
    result = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return sorted((i["rule"], i["key"]) for i in of_type(json_events(result), "incident") if i["rule"] in RULES)


DOWN = ("[WARNING]  (1297) : Server {0} is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", "
        "check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.")
UP = ("[WARNING]  (1297) : Server {0} is UP, reason: Layer4 check passed, check duration: 0ms. 2 active and 0 backup "
      "servers online. 0 sessions requeued, 0 total in queue.")


def test_each_server_down_is_one_incident_and_flapping_joins_it(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_haproxy(0, "[WARNING]  (1297) : Health check for server api/a1 failed, reason: Layer4 connection "
                         "problem, info: \"Connection refused\", check duration: 0ms, status: 0/2 DOWN."),
             _haproxy(0.1, DOWN.format("api/a1")),
             _haproxy(30, UP.format("api/a1")),
             _haproxy(60, DOWN.format("api/a1")),
             _haproxy(900, DOWN.format("static/s2")),
             _haproxy(1800, "[WARNING]  (1297) : Server api/a2 is going DOWN for maintenance. 1 active and 0 backup "
                            "servers left. 0 sessions active, 0 requeued, 0 remaining in queue.")]
    assert _incidents(make_journal(lines)) == [("haproxy-server-down", "api/a1"), ("haproxy-server-down", "static/s2")]


def test_chrony_refusing_a_correction_fires_and_a_clock_found_wrong_fires_at_the_third(  # type: ignore[no-untyped-def]
        make_journal) -> None:
    boot = [_chronyd(0, "System clock wrong by 16.044301 seconds"),
            _chronyd(8, "System clock wrong by 0.004128 seconds"),  # logchange set below 1 s: not counted
            _chronyd(16, "System clock was stepped by 16.044301 seconds")]
    assert _incidents(make_journal(boot)) == []
    fighting = [_chronyd(600 * n, f"System clock wrong by {3600 + n}.000412 seconds") for n in range(3)]
    refused = [_chronyd(4000, "Adjustment of 3601.742 seconds exceeds the allowed maximum of 1000.000 seconds "
                              "(ignored) ")]
    assert _incidents(make_journal([*boot, *fighting, *refused])) == [("chrony-clock-keeps-jumping", ""),
                                                                      ("chrony-maxchange-exceeded", "")]


def test_audit_losses_fire_from_the_second_and_only_from_the_kernel(make_journal) -> None:  # type: ignore[no-untyped-def]
    one_second = [_kernel(14.3, "audit: audit_backlog=65 > audit_backlog_limit=64", 4),
                  _kernel(14.3, "audit: audit_lost=1 audit_rate_limit=0 audit_backlog_limit=64", 4),
                  _kernel(14.3, "audit: backlog limit exceeded")]
    assert _incidents(make_journal(one_second)) == []
    forged = [entry("audit: backlog limit exceeded", unit="chat.service", at=20 + n) for n in range(3)]
    assert _incidents(make_journal([*one_second, *forged])) == []
    later = [_kernel(300, "audit: backlog limit exceeded"), _kernel(302, "audit: backlog limit exceeded")]
    assert _incidents(make_journal([*one_second, *later])) == [("kernel-audit-records-lost", "")]
