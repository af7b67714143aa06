"""postfix-relay-unreachable: Postfix defers every message for a host it cannot connect to, at info, in a status
line per attempt (helper D15: a relay unreachable for an hour paged only as a warning-level new template).
Counted per host, so the routine deferrals of a busy MTA, spread over many hosts, stay quiet. Real journal files
(systemd-journal-remote), lines as postfix/smtp writes them."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli


def _deferred(at: float, n: int, host: str, suspended: bool = False) -> dict:  # type: ignore[type-arg]
    why = "delivery temporarily suspended: " if suspended else ""
    text = (f"{0xE4EB538D00 + n:X}: to=<user{n}@example.net>, relay=none, delay=31, delays=0.06/0.01/30/0, "
            f"dsn=4.4.1, status=deferred ({why}connect to {host}[203.0.113.{n % 200 + 1}]:25: Connection timed out)")
    return entry(text, unit="postfix@-.service", at=at, priority=6, SYSLOG_IDENTIFIER="postfix/smtp")


def _incidents(make_journal, lines: list[dict]) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    result = run_cli("scan", "--file", str(make_journal(lines)), "-o", "json")
    assert result.exit_code == 0, result.output
    return [i for i in of_type(json_events(result), "incident") if i["rule"] == "postfix-relay-unreachable"]


def test_every_message_deferred_for_the_relay_is_an_error_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_deferred(20.0 * n, n, "smtp.relay.example.net", suspended=n % 3 > 0) for n in range(40)]
    (incident,) = _incidents(make_journal, lines)
    assert (incident["severity"], incident["key"]) == ("error", "smtp.relay.example.net")
    assert incident["realtime_usec"] == lines[19]["__REALTIME_TIMESTAMP"]  # the twentieth within 10 min


def test_deferrals_spread_over_many_hosts_stay_quiet(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_deferred(10.0 * n, n, f"mx{n % 15}.example{n % 15}.com") for n in range(60)]
    assert _incidents(make_journal, lines) == []
