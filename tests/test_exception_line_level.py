"""A Python service's traceback reaches journald a line an entry (stderr, or logging's StreamHandler): the header,
the frames, then the exception's own line. Only the header had a level (err), the same words for every exception,
so once a unit's first traceback was an hour old the anomaly rules never saw a new exception by name. The exception
line (`psycopg2.OperationalError: ...`, engine/crash_levels.py) is err now: a new kind of exception in a warm unit,
three times in ten minutes, is a new-error-template incident that names it. Real journal files."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli

UNIT = "shop.service"


def _traceback(at: float, exception: str) -> list[dict]:  # type: ignore[type-arg]
    lines = ["Traceback (most recent call last):", '  File "/srv/shop/web.py", line 88, in handle',
             "    result = handler(request)", exception]
    return [entry(line, unit=UNIT, at=at + n / 1000, priority=6, _PID="812") for n, line in enumerate(lines)]


def test_a_new_exception_in_a_warm_unit_is_named(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [entry(f"INFO:shop.web:GET /item/{i} 200 in {i % 50}ms", unit=UNIT, at=i * 10.0, priority=6,
                   _PID="812") for i in range(1500)]
    lines += _traceback(7200.5, "KeyError: 'tenant'")  # the unit's first traceback, an hour before
    for minute in range(3):
        lines += _traceback(10800.5 + 60 * minute,
                            "psycopg2.OperationalError: could not connect to server: Connection refused")
    lines.sort(key=lambda fields: int(fields["__REALTIME_TIMESTAMP"]))  # type: ignore[arg-type]
    result = run_cli("scan", "--file", str(make_journal(lines)), "-o", "json")
    assert result.exit_code == 0, result.output
    incidents = [i for i in of_type(json_events(result), "incident") if i["rule"] == "new-error-template"]
    assert [(i["unit"], i["template"]) for i in incidents] == [
        (UNIT, "psycopg2.OperationalError: could not connect to server: Connection refused")]
