"""One cause on many units is one card in the scan report (views/card_groups.py), each unit still an incident in
`-o json`. A user manager out of tasks (trial 68's Plasma login: `Failed to spawn executor: Resource temporarily
unavailable`, then `Failed with result 'resources'.` for every unit it started that second) was 18 cards of the same
line but for the unit's name. A real `journalctl` paste read by `scan --file`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from logsentry.model import Incident, Severity
from logsentry.views.card_groups import card_groups

UNITS = ["plasma-kactivitymanagerd.service", "app-kaccess@autostart.service", "app-klipper@autostart.service",
         "app-kmix_autostart@autostart.service", "plasma-restoresession.service"]


def scan(path: Path, *args: str) -> str:
    env = {**os.environ, "COLUMNS": "250", "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path), *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def paste(tmp_path: Path, units: list[str], second: int = 39, name: str = "login.log") -> Path:
    lines = ["Jan 26 10:12:30 moe plasmashell[629]: Checking screens: available"]
    for unit in units:
        lines += [f"Jan 26 10:12:{second} moe systemd[454]: {unit}: Failed to spawn executor: Resource temporarily "
                  "unavailable",
                  f"Jan 26 10:12:{second} moe systemd[454]: {unit}: Failed with result 'resources'."]
    lines.append("Jan 26 10:13:05 moe kded5[574]: colord: Using XRANDR extension 1.3 or greater.")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_one_cause_on_five_units_is_one_card_naming_the_others(tmp_path: Path) -> None:
    path = paste(tmp_path, UNITS)
    incidents = [r for r in map(json.loads, scan(path, "-o", "json").splitlines()) if r["type"] == "incident"]
    assert len(incidents) == len(UNITS), incidents  # each its own incident, as alerts have them
    report = scan(path)
    assert report.count("╭") == 1, report
    said = " ".join(report.split())
    assert "The same on 4 more units at 10:12:39.000 (an incident each in -o json):" in said
    lead = sorted(UNITS)[0]  # (cards in time order, then by unit)
    assert f"({lead})" in said.split("The same on", 1)[0]
    for unit in set(UNITS) - {lead}:
        assert f"({unit})" in said.split("The same on", 1)[1], unit
    assert "5 incidents" in said  # the header and the tally count every incident


def test_two_units_alike_stay_two_cards() -> None:
    """Two units failing alike can be two failures; and the same words a minute apart are two causes."""
    def incident(unit: str, at_s: float) -> Incident:
        return Incident("systemd-user-unit-failure", Severity.ERROR, unit, unit, int(at_s * 1e6), int(at_s * 1e6),
                        int(at_s * 1e6), 1, 1, 60_000_000, "", (f"{unit}: Failed with result 'resources'.",),
                        "alert")

    two = [incident("a.service", 0), incident("b.service", 0.5)]
    assert [card.others for card in card_groups(two, lambda _: [], lambda _: False)] == [(), ()]
    spread = [incident("a.service", 0), incident("b.service", 1), incident("c.service", 70), incident("d.service", 71)]
    assert [len(card.others) for card in card_groups(spread, lambda _: [], lambda _: False)] == [0, 0, 0, 0]
    three = [incident("a.service", 0), incident("x.service", 0.2), incident("b.service", 1), incident("c.service", 2)]
    three[1] = Incident("kernel-segfault", Severity.ERROR, "x.service", "", 200_000, 200_000, 200_000, 1, 1, 1, "",
                        ("x[1]: segfault at 0",), "alert")
    cards = card_groups(three, lambda _: [], lambda _: False)
    assert [(card.lead.unit, [o.unit for o in card.others]) for card in cards] == [
        ("a.service", ["b.service", "c.service"]), ("x.service", [])]
