"""corosync-quorum-lost on a real journal (helper D9's held-out trial): a node cut off from its cluster logs one
`[QUORUM] ... non-primary component ...` line at notice, in a unit that logs a few lines a day (too quiet for any
anomaly rule to be warm), then pacemaker stops its resources; nothing was paged. The signature names it at that
line, from corosync's own process only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli

from logsentry.sources.journal_files import FieldValue

HOUR = 3600.0
LOSS = "  [QUORUM] This node is within the non-primary component and will NOT provide any services."


def corosync(message: str, at: float, priority: int = 5, comm: str = "corosync") -> dict[str, FieldValue]:
    return entry(message, unit="corosync.service", at=at, priority=priority, SYSLOG_IDENTIFIER="corosync",
                 SYSLOG_FACILITY=3, _PID=1660, _TRANSPORT="syslog", _COMM=comm)


def routine() -> list[dict[str, FieldValue]]:
    """Three days of a healthy node: its start-up, quorum gained, a member leaving and rejoining."""
    lines = [corosync("  [MAIN  ] Corosync Cluster Engine 3.1.7 started and ready to provide service.", 60, 6),
             corosync("  [QUORUM] This node is within the primary component and will provide service.", 65),
             corosync("  [QUORUM] Members[3]: 1 2 3", 65.1, 6)]
    for day in range(3):
        at = 90 + day * 24 * HOUR
        lines += [corosync("  [KNET  ] link: host: 2 link: 0 is down", at + 3 * HOUR, 6),
                  corosync("  [QUORUM] Members[2]: 1 3", at + 3 * HOUR + 2, 6),
                  corosync("  [QUORUM] Members[3]: 1 2 3", at + 3 * HOUR + 40, 6)]
    return lines


def scan(journal: Path) -> list[dict]:
    result = run_cli("scan", "--file", str(journal), "-o", "json")
    assert result.exit_code == 0, result.output
    return json_events(result)


def test_a_node_losing_quorum_is_a_critical_page_once(make_journal: Callable[..., Path]) -> None:
    loss = 3 * 24 * HOUR
    lines = [*routine(), corosync("  [TOTEM ] Token has not been received in 3000 ms", loss - 4, 6),
             corosync("  [TOTEM ] A processor failed, forming new configuration.", loss - 3, 6),
             corosync(LOSS, loss), corosync("  [QUORUM] Members[1]: 1", loss + 0.1, 6), corosync(LOSS, loss + 1800)]
    incidents = [event for event in of_type(scan(make_journal(sorted(lines, key=lambda e: e["__REALTIME_TIMESTAMP"]))),
                                            "incident") if event["rule"] == "corosync-quorum-lost"]
    assert [(event["severity"], event["suggested_action"], event["first_usec"]) for event in incidents] == [
        ("critical", "alert", int(lines[-3]["__REALTIME_TIMESTAMP"]))]


def test_quorum_regained_or_the_words_from_another_process_page_nothing(make_journal: Callable[..., Path]) -> None:
    lines = [*routine(), corosync(LOSS, 3 * 24 * HOUR, comm="logger")]
    incidents = of_type(scan(make_journal(sorted(lines, key=lambda e: e["__REALTIME_TIMESTAMP"]))), "incident")
    assert not [event for event in incidents if event["rule"] == "corosync-quorum-lost"]
