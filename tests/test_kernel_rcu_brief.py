"""An expedited RCU stall of a few jiffies is a short stall timeout's report, not a hung CPU (trial 71: 6 and 26
jiffies 4 s into every boot of a Jasper Lake board were critical cards): kernel-rcu-expedited-stall-brief, a warning;
a stall past every default timeout stays kernel-rcu-stall's, critical. A real kern.log paste read by `scan --file`."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

LINE = ("Feb 17 {at} z4s-JasperLake-Platform kernel: [{uptime}] rcu: INFO: rcu_preempt detected expedited stalls on "
        "CPUs/tasks: {{ 1-.... }} {jiffies} jiffies s: 45 root: 0x2/.")


def rules_of(tmp_path: Path, stalls: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    path = tmp_path / "kern.log"
    path.write_text("".join(LINE.format(at=at, uptime=uptime, jiffies=jiffies) + "\n"
                            for at, uptime, jiffies in stalls))
    events = json_events(run_cli("scan", "--file", str(path), "-o", "json"))
    return [(incident["rule"], incident["severity"]) for incident in of_type(events, "incident")]


def test_a_few_jiffies_are_a_warning_and_a_long_stall_critical(tmp_path: Path) -> None:
    assert rules_of(tmp_path, [("11:07:17", "    4.098147", 6), ("11:07:17", "    4.178190", 26)]) == [
        ("kernel-rcu-expedited-stall-brief", "warning")]
    assert rules_of(tmp_path, [("11:07:17", "  904.098147", 21119)]) == [("kernel-rcu-stall", "critical")]
