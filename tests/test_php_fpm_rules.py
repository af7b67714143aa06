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


def _at(at: float, text: str) -> dict:  # type: ignore[type-arg]
    """A line `at` seconds in, its zlog time over hours."""
    stamp = f"[03-Dec-2026 {10 + int(at) // 3600:02d}:{int(at) % 3600 // 60:02d}:{int(at) % 60:02d}]"
    return entry(f"{stamp} {text}", unit=UNIT, at=at, priority=6)


def test_a_slow_unending_series_of_crashes_is_a_warning(make_journal) -> None:  # type: ignore[no-untyped-def]
    """A worker that crashes on one kind of request crashes each time one comes: 20 to 50 minutes apart, never
    three within ten minutes (trial 76's case 32: four SIGSEGVs in 80 minutes, no card)."""
    crash = "WARNING: [pool shop] child {} exited on signal 11 (SIGSEGV) after 12.5 seconds from start"
    lines = [_at(minutes * 60, crash.format(900 + n)) for n, minutes in enumerate([0, 50, 70, 115, 160])]
    (incident,) = _incidents(make_journal, lines)
    assert (incident["rule"], incident["severity"]) == ("php-fpm-child-crash-series", "warning")
    assert incident["realtime_usec"] == lines[3]["__REALTIME_TIMESTAMP"]
    # a few a day is no series
    assert _incidents(make_journal, [_at(hours * 3600, crash.format(900 + hours)) for hours in (0, 5, 11, 17)]) == []


def test_workers_killed_at_birth_over_and_over_are_a_respawn_storm(make_journal) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL is no crash signal (reloads and request_terminate_timeout send it), but workers that live under a
    second, one after another, serve nothing (trial 76's case 33: SIGKILLs 0.0009 s after start, a 192 GB log)."""
    lines = []
    for n in range(8):
        lines += [_at(n * 0.1, f"WARNING: [pool www] child {5000 + n} exited on signal 9 (SIGKILL) after "
                               f"0.000{800 + n} seconds from start"),
                  _at(n * 0.1 + 0.01, f"NOTICE: [pool www] child {5001 + n} started")]
    (incident,) = _incidents(make_journal, lines)
    assert (incident["rule"], incident["severity"]) == ("php-fpm-respawn-storm", "error")
    assert incident["realtime_usec"] == lines[8]["__REALTIME_TIMESTAMP"]  # the fifth death


def test_workers_exiting_with_an_error_code_are_crashes(make_journal) -> None:  # type: ignore[no-untyped-def]
    """fpm_children_bury logs a non-zero exit at WARNING (trial 76's case 34: "exited with code 11", no card); code 0,
    pm.max_requests' normal end, at NOTICE."""
    lines = [_at(60 * n, f"WARNING: [pool www] child {8 + n} exited with code 11 after {600 + n}.260371 seconds "
                         "from start") for n in range(4)]
    (incident,) = _incidents(make_journal, lines)
    assert (incident["rule"], incident["severity"]) == ("php-fpm-child-crash", "error")
    normal = [_at(60 * n, f"NOTICE: [pool www] child {8 + n} exited with code 0 after {600 + n}.000100 seconds "
                          "from start") for n in range(6)]
    assert _incidents(make_journal, normal) == []


def test_the_masters_emergency_reload_is_an_error_at_once(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_at(0, "WARNING: failed processes threshold (10 in 60 sec) is reached, initiating reload")]
    (incident,) = _incidents(make_journal, lines)
    assert (incident["rule"], incident["severity"]) == ("php-fpm-emergency-restart", "error")
