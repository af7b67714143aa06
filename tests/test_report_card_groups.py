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

from logsentry.model import Incident, Link, Severity
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
    lead = UNITS[0]  # (cards in time order, then in the order they fired: the log's; by unit, nu230's was not)
    head = report.splitlines()[report.splitlines().index(next(line for line in report.splitlines() if "╭" in line))
                               + 1]
    assert f"({lead})" in head and "[" not in head, report  # (its key, the unit's own name, not again: nu230)
    assert f"({lead})" in said.split("The same on", 1)[0]
    named = said.split("The same on", 1)[1]
    assert [named.index(f"({unit})") for unit in UNITS[1:]] == sorted(named.index(f"({unit})") for unit in UNITS[1:])
    assert named.index("╰") > max(named.index(f"({unit})") for unit in UNITS[1:]), report  # (in its card)
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


def failures(tmp_path: Path, units: dict[str, tuple[str, str]]) -> Path:
    """Each unit's program's last line and its main process's status, failing in the same second."""
    lines = ["Jan 26 10:12:30 moe plasmashell[629]: Checking screens: available"]
    lines += [f"Jan 26 10:12:38 moe {unit.split('.')[0]}[{100 + n}]: {said}"
              for n, (unit, (said, _)) in enumerate(units.items())]
    for unit, (_, status) in units.items():
        lines += [f"Jan 26 10:12:39 moe systemd[1]: {unit}: Main process exited, code=exited, status={status}",
                  f"Jan 26 10:12:39 moe systemd[1]: {unit}: Failed with result 'exit-code'."]
    lines.append("Jan 26 10:13:05 moe kded5[574]: colord: Using XRANDR extension 1.3 or greater.")
    path = tmp_path / "failures.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_unit_whose_process_ended_otherwise_or_said_otherwise_is_a_card_of_its_own(tmp_path: Path) -> None:
    """The same `Failed with result 'exit-code'.` on four units, but one's process exited 203/EXEC and one's program
    said another last line: the group's card told only the first's exit and lines, so those two keep their cards."""
    units = {"a.service": ("started", "1/FAILURE"), "aa.service": ("started", "1/FAILURE"),
             "b.service": ("started", "1/FAILURE"), "c.service": ("started", "203/EXEC"),
             "d.service": ("/etc/d.conf: line 3: unknown key 'listen'", "1/FAILURE")}
    said = " ".join(scan(failures(tmp_path, units)).split())
    assert said.count("The same on") == 1, said
    assert "The same on 2 more units at 10:12:39.000 (an incident each in -o json): (aa.service), (b.service)" in said
    assert "exited with status 203/EXEC" in said
    assert "unknown key 'listen'" in said
    assert "(c.service) systemd-unit-failed" in said and "(d.service) systemd-unit-failed" in said


def test_a_chain_that_says_otherwise_is_no_group_member() -> None:
    def incident(unit: str, link: str) -> Incident:
        return Incident("systemd-unit-failed", Severity.ERROR, unit, "", 0, 0, 0, 1, 1, 60_000_000, "",
                        (f"{unit}: Failed with result 'exit-code'.",), "alert",
                        chain=(Link("systemd-oom-kill", Severity.ERROR, 0, 1, link, ""),))
    alike = [incident(f"{n}.service", f"{n}.service: A process of this unit has been killed by the OOM killer.")
             for n in "abc"]
    assert [len(card.others) for card in card_groups(alike, lambda _: [], lambda _: False)] == [2]
    other = [*alike[:2], incident("c.service", "c.service: Watchdog timeout (limit 3min)!")]
    assert [len(card.others) for card in card_groups(other, lambda _: [], lambda _: False)] == [0, 0, 0]


def repeats(tmp_path: Path, hours: list[int]) -> Path:
    """One user unit that its manager cannot fork at each of `hours` (a user session that runs out of tasks at every
    login of a day)."""
    unit = "app-klipper@autostart.service"
    lines = []
    for hour in hours:
        lines += [f"Jan 26 {hour:02d}:12:30 moe plasmashell[629]: Checking screens: available",
                  f"Jan 26 {hour:02d}:12:39 moe systemd[454]: {unit}: Failed to spawn executor: Resource temporarily "
                  "unavailable",
                  f"Jan 26 {hour:02d}:12:39 moe systemd[454]: {unit}: Failed with result 'resources'."]
    path = tmp_path / "day.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_one_rule_again_and_again_on_one_unit_is_one_card_with_its_times(tmp_path: Path) -> None:
    """Trial 69's Tomcat LockOutRealm fired on 8 waves of password guessing (8 cards), trial 70's MySQL aborted at each
    of 5 boots (5 cards): one card, "again N times" and when, each still an incident in -o json."""
    path = repeats(tmp_path, [8, 11, 14, 17])
    incidents = [r for r in map(json.loads, scan(path, "-o", "json").splitlines()) if r["type"] == "incident"]
    assert len({(i["rule"], i["unit"]) for i in incidents}) == 1 and len(incidents) == 4, incidents
    report = scan(path)
    assert report.count("╭") == 1, report
    said = " ".join(report.split())
    assert "Again 3 times on this unit (an incident each in -o json): 11:12:39.000, 14:12:39.000, 17:12:39.000" \
        in said, report
    assert said.index("Again 3 times") < said.index("╰")
    two = scan(repeats(tmp_path, [8, 11]))  # a failure and its return: two cards
    assert two.count("╭") == 2 and "Again" not in two, two


def test_the_report_says_where_a_rule_is_explained(tmp_path: Path) -> None:
    """A new user found what a card's rule means (and what to check) only by going through `rules --help` (nu240):
    the report names `logsentry rules show RULE` under its cards, with its first card's rule."""
    said = " ".join(scan(repeats(tmp_path, [8])).split())
    assert "What a card's rule means and what to check: logsentry rules show RULE (logsentry rules show " \
        "systemd-user-unit-spawn-failed)" in said, said
    quiet = tmp_path / "quiet.log"
    quiet.write_text("Jan 26 08:12:30 moe plasmashell[629]: Checking screens: available\n")
    assert "rules show" not in scan(quiet)


def test_a_below_threshold_host_column_is_as_wide_as_its_heading(tmp_path: Path) -> None:
    """A host column of `?`s (a paste's shell lines name no host) was one cell wide and printed its heading `host` a
    letter a row (trial 72's 16, 17, 21): at least as wide as its heading."""
    path = tmp_path / "paste.log"
    path.write_text(
        "Job for app.service failed because start of the service was attempted too often.\n"
        "Job for app.service failed because start of the service was attempted too often.\n"
        "Jun 15 19:23:07 web01 systemd[1]: app.service: Main process exited, code=exited, status=1/FAILURE\n"
        "Jun 15 19:23:07 web01 systemd[1]: app.service: Failed with result 'exit-code'.\n")
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                          text=True, env=env, timeout=120, check=True)
    table = done.stdout.split("Matches below their trigger threshold", 1)[1]
    heading = next(line for line in table.splitlines() if "unit" in line)
    assert "┃ host ┃" in heading, done.stdout
