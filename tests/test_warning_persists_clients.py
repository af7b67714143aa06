"""warning-template-persists and the warnings a client causes: MariaDB (and MySQL up to 5.7) logs `[Warning] Aborted
connection N to db: 'x' user: 'y' host: 'z' (Got an error reading communication packets)` each time a client goes
away without COM_QUIT or idles past wait_timeout (sql/sql_connect.cc, ER_NEW_ABORTING_CONNECTION with the ER_NET_*
reason). Trial 74's 56: a healthy Pantheon server's 1,300 such lines, one 14-minute run against a learnt longest of
6.5 minutes, paged. The rule's `ignore` (a persistence rule takes it without words) leaves those templates alone;
the server's own warnings in the same shape still fire."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import json_events, of_type, run_cli

ANOMALY_RULES = Path(__file__).resolve().parent.parent / "rules" / "anomaly"
RULE = "warning-template-persists"
START = datetime(2022, 11, 18, 0, 0, 0, tzinfo=UTC)


def mariadb(at: float, thread: int, text: str) -> str:
    """A line of MariaDB's error log (sql/log.cc print_buffer_to_file: `%d-%02d-%02d %2d:%02d:%02d %lu [%s] ...`)."""
    when = START + timedelta(seconds=at)
    return f"{when:%Y-%m-%d} {when.hour:2d}:{when:%M:%S} {thread} {text}"


def server_log(warning: str, last: int = 25) -> str:
    """Four days of a server whose `warning` comes in runs of up to 6 minutes every two hours (a line every 30 s),
    with its notes between them; then one run of `last` lines 40 s apart (25: 16 minutes). Returns the file's
    text."""
    rng = random.Random(56)
    lines: list[tuple[float, str]] = []
    for run in range(48):
        begin = run * 7200 + rng.uniform(0, 600)
        length = rng.uniform(60, 360)
        lines += [(begin + k * 30, warning) for k in range(int(length // 30) + 1)]
        lines += [(begin + 3600, "[Note] InnoDB: Buffer pool(s) dump completed")]
    begin = 48 * 7200
    lines += [(begin + k * 40, warning) for k in range(last)]  # no pause over 5 minutes
    lines.sort()
    return "".join(mariadb(at, 1000 + n, text) + "\n" for n, (at, text) in enumerate(lines))


def incidents(tmp_path: Path, warning: str, last: int = 25) -> list[dict]:
    path = tmp_path / "mariadb.err"
    path.write_text(server_log(warning, last))
    result = run_cli("scan", "--file", str(path), "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


@pytest.mark.parametrize("reason", [
    "Got an error reading communication packets", "Got timeout reading communication packets",
    "Got an error writing communication packets", "This connection closed normally without authentication"])
def test_a_clients_aborted_connection_going_on_longer_pages_no_one(tmp_path: Path, reason: str) -> None:
    """16 minutes: past warning-template-persists' bar; 32 minutes: past failure-template-persists' too ("Aborted"
    is one of its words)."""
    warning = f"[Warning] Aborted connection 1398 to db: 'pantheon' user: 'pantheon' host: '10.73.3.148' ({reason})"
    assert [i["rule"] for i in incidents(tmp_path, warning)] == []
    assert [i["rule"] for i in incidents(tmp_path, warning, 49)] == []


def test_the_servers_own_warning_in_the_same_shape_still_fires(tmp_path: Path) -> None:
    warning = "[Warning] InnoDB: Difficult to find free blocks in the buffer pool (21 search iterations)!"
    found = incidents(tmp_path, warning)
    assert [i["rule"] for i in found] == [RULE], found
    assert "its longest run" in found[0]["why"]


def test_a_packet_too_large_is_no_clients_leaving(tmp_path: Path) -> None:
    """`Got a packet bigger than 'max_allowed_packet' bytes`: an application's writes refused, not a client gone."""
    warning = ("[Warning] Aborted connection 1398 to db: 'shop' user: 'shop' host: '10.0.0.5' (Got a packet bigger "
               "than 'max_allowed_packet' bytes)")
    assert [i["rule"] for i in incidents(tmp_path, warning)] == [RULE]
    assert [i["rule"] for i in incidents(tmp_path, warning, 49)] == [RULE]  # (one failure, one incident)


def test_rules_check_says_the_rule_ignores_the_template() -> None:
    line = ("2022-11-22 19:53:43 1398 [Warning] Aborted connection 1398 to db: 'pantheon' user: 'u' "
            "host: '10.73.3.148' (Got an error reading communication packets)")
    result = run_cli("rules", "check", "-p", "warning", "--explain", line)
    assert result.exit_code in (0, 1), result.output
    said = result.output.split(f"\n{RULE} (", 1)[1].split("\n", 2)
    assert "(but the templates its ignore finds)" in said[0]
    assert said[1].startswith("    this line does not count: the rule ignores its template (at warning (PRIORITY); ")
