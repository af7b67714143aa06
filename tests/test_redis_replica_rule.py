"""redis-replica-master-unreachable: a replica retrying its lost master every second logs each failure at warning
(helper D16: two hours of it paged only as a warning rate spike). A master down a minute alerts; one restarting
in 20 s does not. Real journal files (systemd-journal-remote), Redis's lines as replication.c writes them."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli

UNIT = "redis-server.service"


def _retries(seconds: int) -> list[dict]:  # type: ignore[type-arg]
    lines = []
    for n in range(seconds):
        stamp = f"1:S 05 Nov 2024 12:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000:03d}"
        lines += [entry(f"{stamp} * Connecting to MASTER 10.0.0.5:6379", unit=UNIT, at=n),
                  entry(f"{stamp} * MASTER <-> REPLICA sync started", unit=UNIT, at=n + 0.001),
                  entry(f"{stamp} # Error condition on socket for SYNC: Connection refused", unit=UNIT, at=n + 0.002)]
    return lines


def _incidents(make_journal, seconds: int) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    result = run_cli("scan", "--file", str(make_journal(_retries(seconds))), "-o", "json")
    assert result.exit_code == 0, result.output
    return [i for i in of_type(json_events(result), "incident") if i["rule"] == "redis-replica-master-unreachable"]


def test_a_master_down_a_minute_is_an_error_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    (incident,) = _incidents(make_journal, 300)
    assert incident["severity"] == "error"


def test_a_master_restarting_in_20_seconds_is_none(make_journal) -> None:  # type: ignore[no-untyped-def]
    assert _incidents(make_journal, 20) == []
