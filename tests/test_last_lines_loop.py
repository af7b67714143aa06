"""A crash loop told by systemd alone is one failure (engine/failure_runs.py); its card's program's last lines are
those before its latest run failed, not its first (sources/last_lines.failure_end), and the first run's last line
is told apart when it said otherwise. A trial's loop: run 1 "permission denied", runs 2-5 another cause (the trial's
"address already in use", which listen-address-in-use now names: here a cause no rule names, as the loop is systemd's
to tell), then the start limit; the card, `-o json` and the HTML card said "permission denied" only. Real journal files
(systemd-journal-remote), each run its own invocation, and the same as journalctl's text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import BASE_USEC, entry, export_bytes, json_events, of_type, run_cli

UNIT = "myapp.service"
FIRST = "could not open /etc/myapp/key.pem: permission denied"
LATER = "config: missing required setting database.url"
RESTART_SEC = 5.0


def pid1(message: str, at: float, run: str, priority: int = 4) -> dict[str, Any]:
    return entry(message, unit=None, at=at, priority=priority, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope",
                 SYSLOG_IDENTIFIER="systemd", UNIT=UNIT, INVOCATION_ID=run)


def loop(causes: list[str]) -> list[dict[str, Any]]:
    """A run per cause, RESTART_SEC apart, each dying on its cause; then the start limit (StartLimitBurst=5)."""
    lines: list[dict[str, Any]] = []
    for n, cause in enumerate(causes):
        at, run, pid = 1.0 + n * RESTART_SEC, f"{n + 1:x}" * 32, str(2000 + 7 * n)
        lines += [pid1("Starting myapp.service - My App...", at, run, 6),
                  entry("myapp 2.3.1 starting", unit=UNIT, at=at + 0.001, _PID=pid, SYSLOG_IDENTIFIER="myapp",
                        _SYSTEMD_INVOCATION_ID=run),
                  entry(cause, unit=UNIT, at=at + 1.002, _PID=pid, SYSLOG_IDENTIFIER="myapp",
                        _SYSTEMD_INVOCATION_ID=run),
                  pid1(f"{UNIT}: Main process exited, code=exited, status=1/FAILURE", at + 1.003, run, 5),
                  pid1(f"{UNIT}: Failed with result 'exit-code'.", at + 1.004, run),
                  pid1("Failed to start myapp.service - My App.", at + 1.005, run, 3),
                  pid1(f"{UNIT}: Scheduled restart job, restart counter is at {n + 1}.", at + RESTART_SEC, run, 6)]
    at, run = 1.0 + len(causes) * RESTART_SEC + 0.04, f"{len(causes):x}" * 32
    return [*lines, pid1(f"{UNIT}: Start request repeated too quickly.", at, run),
            pid1(f"{UNIT}: Failed with result 'exit-code'.", at + 0.001, run),
            pid1("Failed to start myapp.service - My App.", at + 0.002, run, 3)]


def as_text(lines: list[dict[str, Any]]) -> str:
    """journalctl's short text of the entries: "myapp[PID]" for the program, "systemd[1]" for PID 1."""
    out = []
    for item in lines:
        at = (int(item["__REALTIME_TIMESTAMP"]) - BASE_USEC) / 1e6
        who = "systemd[1]" if item.get("_PID") == "1" else f"myapp[{item['_PID']}]"
        out.append(f"Dec 04 10:00:{at:06.3f} web01 {who}: {item['MESSAGE']}")
    return "\n".join(out) + "\n"


def ends(path: Path) -> list[dict[str, Any]]:
    done = run_cli("scan", "--file", str(path), "-o", "json")
    assert done.exit_code == 0, done.output
    found = of_type(json_events(done), "incident_end")
    assert {end["rule"] for end in found} == {"systemd-unit-failed", "systemd-start-limit-hit"}, found
    return found


def check(found: list[dict[str, Any]]) -> None:
    """Each page (the loop's, and the start limit's with the loop's chain): the latest run's lines before its
    failure, PID 1's none, 5 lines at most; the first run's last line told apart."""
    for end in found:
        said = [line["message"] for line in end["last_lines"]]
        assert said[-1] == LATER and FIRST not in said, end
        assert not any(line.startswith(("Starting ", "Failed ", UNIT)) for line in said), said  # none of PID 1's
        assert all(line["realtime_usec"] <= end["last_usec"] for line in end["last_lines"]), end
        assert end["last_line_before_start"]["message"] == FIRST, end
        assert len(said) + 1 <= 5, said


def test_a_journal_loops_last_lines_are_its_latest_runs(make_journal: Any) -> None:
    check(ends(make_journal(loop([FIRST, LATER, LATER, LATER, LATER]))))


def test_a_pasted_loops_last_lines_are_its_latest_runs(tmp_path: Path) -> None:
    paste = tmp_path / "loop.txt"
    paste.write_text(as_text(loop([FIRST, LATER, LATER, LATER, LATER])))
    check(ends(paste))


def test_a_loop_that_said_the_same_each_run_has_no_line_apart(make_journal: Any, tmp_path: Path) -> None:
    """Every run said the same: the latest run's lines say it, nothing is told apart. In a paste the program's line
    said five times is excerpt-failure-template's, in the failure's chain: no last line repeats it."""
    paste = tmp_path / "same.txt"
    paste.write_text(as_text(loop([FIRST] * 5)))
    for end in ends(make_journal(loop([FIRST] * 5))):
        assert end["last_lines"][-1]["message"] == FIRST and "last_line_before_start" not in end, end
    for end in ends(paste):
        assert ("excerpt-failure-template", FIRST) in {(link["rule"], link["message"]) for link in end["chain"]}, end
        # (its chain's line is left out of its last lines, which show the rest: rough edge 65's 3)
        assert FIRST not in [line["message"] for line in end["last_lines"]], end
        assert "last_line_before_start" not in end, end


def test_the_card_and_the_html_card_tell_both(make_journal: Any, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    report = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file",
                             str(make_journal(loop([FIRST, LATER, LATER, LATER, LATER]))), "--html", str(page)],
                            capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    words = [line.strip("│ ") for line in report.splitlines()]
    for told in (words, page.read_text().splitlines()):
        text = "\n".join(told)
        assert text.count("its program's last lines before it:") == 2, text
        assert text.count("its program's last line before the failure began:") == 2, text
        lines = text.split("its program's last lines before it:")[1]
        assert lines.index(LATER) < lines.index("its program's last line before the failure began:") \
            < lines.index(FIRST), lines


def test_the_cards_hit_lines_say_a_loops_repeated_line_once(make_journal: Any, tmp_path: Path) -> None:
    """The loop's card quoted its rule's hit lines, each run's "Failed with result 'exit-code'.", twice over."""
    paste = tmp_path / "loop.txt"
    paste.write_text(as_text(loop([FIRST, LATER, LATER, LATER, LATER])))
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    for path in (make_journal(loop([FIRST, LATER, LATER, LATER, LATER])), paste):
        report = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)],
                                capture_output=True, text=True, env=env, timeout=60, check=True).stdout
        quoted = [line for line in report.splitlines() if line.startswith("│ │ ")]
        assert [line.strip("│ ") for line in quoted] == [f"{UNIT}: Failed with result 'exit-code'.",
                                                           f"{UNIT}: Start request repeated too quickly."], report


def test_a_next_runs_errors_that_joined_the_failure_are_not_its_last_lines(make_journal: Any, tmp_path: Path) -> None:
    """Two runs fail, the third starts and logs 60 errors a minute without failing: error-burst fires and joins the
    failure (a generic rule joins while it is open), moving its last line on. The lines shown are still those before
    systemd's latest failure line (run 2's), not the third run's, which did not fail."""
    run = "3" * 32
    lines = [*loop([FIRST, LATER])[:-3], pid1("Starting myapp.service - My App...", 11.0, run, 6),
             *(entry(f"ERROR: upstream 10.0.0.{n % 7} refused, retrying", unit=UNIT, at=12 + n * 0.2, priority=3,
                     _PID="2100", SYSLOG_IDENTIFIER="myapp", _SYSTEMD_INVOCATION_ID=run) for n in range(60))]
    paste = tmp_path / "burst.txt"
    paste.write_text(as_text(lines))
    for path in (make_journal(lines), paste):
        done = run_cli("scan", "--file", str(path), "-o", "json")
        [end] = of_type(json_events(done), "incident_end")
        assert "error-burst" in {link["rule"] for link in end["chain"]}, end
        assert end["last_lines"][-1]["message"] == LATER, end
        assert not any(line["message"].startswith("ERROR") for line in end["last_lines"]), end


def test_a_loop_that_recovered_and_ran_on_keeps_its_last_lines(make_journal: Any, tmp_path: Path) -> None:
    """Two runs fail, the third works and logs 100 lines before the failure's incident ends (its window, 10 min,
    on): a text or dump kept the unit's last 64 lines, all of the third run, so the card had no line at all. Those
    before systemd's failure lines are kept as they were then (LastLines.pin); a journal is read back."""
    run = "3" * 32
    lines = [*loop([FIRST, LATER])[:-3], pid1("Starting myapp.service - My App...", 11.0, run, 6),
             *(entry(f"GET /health 200 {n}", unit=UNIT, at=12 + n * 0.5, _PID="2100", SYSLOG_IDENTIFIER="myapp",
                     _SYSTEMD_INVOCATION_ID=run) for n in range(100))]
    paste, dump = tmp_path / "recovered.txt", tmp_path / "recovered.export"
    paste.write_text(as_text(lines))
    dump.write_bytes(export_bytes(lines))
    for path in (paste, dump, make_journal(lines)):
        done = run_cli("scan", "--file", str(path), "-o", "json")
        [end] = of_type(json_events(done), "incident_end")
        assert [line["message"] for line in end["last_lines"]] == ["myapp 2.3.1 starting", FIRST,
                                                                   "myapp 2.3.1 starting", LATER], (path, end)
