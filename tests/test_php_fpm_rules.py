"""PHP-FPM's worker crashes and pool saturation, which it logs at WARNING (zlog.c, fpm_children.c,
fpm_process_ctl.c) and no level-based rule takes for an outage (helper D15: every worker dying of SIGSEGV for an
hour paged only as a warning-level rate spike). Real journal files (systemd-journal-remote), lines as PHP-FPM 8.2
writes them to its stderr under systemd (its time, then `WARNING: `)."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli

UNIT = "php8.2-fpm.service"


def _line(at: float, text: str) -> dict:  # type: ignore[type-arg]
    return entry(f"[03-Dec-2026 10:{int(at) // 60:02d}:{int(at) % 60:02d}] {text}", unit=UNIT, at=at, priority=6)


def _incidents(make_journal, lines: list[dict], kind: str = "incident") -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    result = run_cli("scan", "--file", str(make_journal(lines)), "-o", "json")
    assert result.exit_code == 0, result.output
    return [i for i in of_type(json_events(result), kind) if i["rule"].startswith("php-fpm")]


def test_every_worker_crashing_is_an_error_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_line(0, "NOTICE: fpm is running, pid 880"), _line(1, "NOTICE: ready to handle connections")]
    lines += [_line(60 + 2 * n, f"WARNING: [pool www] child {7000 + n} exited on signal 11 (SIGSEGV - core dumped) "
                                f"after 0.{n + 1:06d} seconds from start") for n in range(20)]
    (incident,) = _incidents(make_journal, lines)
    assert (incident["rule"], incident["severity"]) == ("php-fpm-child-crash", "error")
    assert incident["realtime_usec"] == lines[4]["__REALTIME_TIMESTAMP"]  # fired at the third crash
    (end,) = _incidents(make_journal, lines, "incident_end")
    assert end["count"] == 20


def test_workers_ended_by_a_reload_or_a_request_timeout_are_no_crash(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_line(2 * n, f"WARNING: [pool www] child {7000 + n} exited on signal {signal} after 30.000100 seconds "
                          "from start") for n, signal in enumerate(["15 (SIGTERM)", "9 (SIGKILL)", "3 (SIGQUIT)"] * 5)]
    assert _incidents(make_journal, lines) == []


def test_a_saturated_pool_is_a_warning_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_line(0, "WARNING: [pool www] seems busy (you may need to increase pm.start_servers, or "
                      "pm.min/max_spare_servers), spawning 8 children, there are 0 idle, and 9 total children"),
             _line(1, "WARNING: [pool www] server reached pm.max_children setting (10), consider raising it")]
    (incident,) = _incidents(make_journal, lines)
    assert (incident["rule"], incident["severity"]) == ("php-fpm-max-children", "warning")
