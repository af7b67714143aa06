"""A failure's card says how its unit's main process ended, as PID 1 said it (engine/main_exits.py): a new user's
trial (helper-6's once.log) had "Failed with result 'exit-code'." on the card and not the status the line before
it gave. Only PID 1's lines count: a program printing systemd's words changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import entry, run_cli

TEXT = """\
Dec 04 09:00:00 web01 systemd[1]: Starting myapp.service - My App...
Dec 04 09:00:00 web01 myapp[1234]: myapp 2.3.1 starting
Dec 04 09:00:01 web01 myapp[1234]: could not open /etc/myapp/key.pem: permission denied
Dec 04 09:00:01 web01 myapp[1234]: myapp.service: Main process exited, code=exited, status=0/SUCCESS
Dec 04 09:00:01 web01 systemd[1]: myapp.service: Main process exited, code=exited, status=1/FAILURE
Dec 04 09:00:01 web01 systemd[1]: myapp.service: Failed with result 'exit-code'.
Dec 04 09:00:01 web01 systemd[1]: Failed to start myapp.service - My App.
Dec 04 09:30:00 web01 systemd[1]: other.service: Failed with result 'timeout'.
"""


def card(output: str, unit: str) -> str:
    """The panel of the unit's incident in the text report."""
    return next(block for block in output.split("╭") if f"({unit})" in block.split("\n", 2)[1]
                or f" {unit} " in block.split("\n", 2)[1])


def test_a_text_failures_card_says_how_its_main_process_ended(tmp_path: Path) -> None:
    log = tmp_path / "once.log"
    log.write_text(TEXT)
    done = run_cli("scan", "--file", str(log))
    assert done.exit_code == 0, done.output
    mine = card(done.stdout, "myapp.service")
    assert "main process: exited with status 1/FAILURE" in mine, mine
    assert "main process: exited with status 0" not in mine, mine  # the program's own line is no PID 1's
    assert "main process" not in card(done.stdout, "other.service")  # PID 1 said nothing of how it ended
    # a start that failed in its ExecStartPre= (`sshd -t` refusing its config) tells its control process's exit, which
    # the card left out (a new user's trial): said as such, never as the main process's
    control = tmp_path / "control.log"
    control.write_text(TEXT.replace("myapp.service: Main process exited", "myapp.service: Control process exited"))
    mine = card(run_cli("scan", "--file", str(control)).stdout, "myapp.service")
    assert "control process: exited with status 1/FAILURE" in mine and "main process" not in mine, mine


UNIT = "ledger.service"


def pid1(message: str, at: float, unit: str = UNIT) -> dict[str, Any]:
    """PID 1's line about the unit, as systemd 252 writes it (UNIT=, from init.scope)."""
    return entry(f"{unit}: {message}", unit=None, at=at, priority=5, _PID="1", _UID="0",
                 _SYSTEMD_UNIT="init.scope", SYSLOG_IDENTIFIER="systemd", UNIT=unit)


def test_a_journals_crash_loop_card_says_each_runs_exit(make_journal: Any, tmp_path: Path) -> None:
    lines = []
    for n in range(1, 4):
        lines += [entry(f"{UNIT}: Main process exited, code=killed, status=9/KILL", unit=UNIT, at=n * 3.0,
                        priority=3, _PID=str(4000 + n)),  # its own (forged) words: not PID 1's
                  pid1("Main process exited, code=exited, status=101/n/a", n * 3.0 + 0.1),
                  pid1("Failed with result 'exit-code'.", n * 3.0 + 0.2),
                  pid1(f"Scheduled restart job, restart counter is at {n}.", n * 3.0 + 0.3)]
    lines += [pid1("Main process exited, code=dumped, status=11/SEGV", 60.0, "db.service"),
              pid1("Failed with result 'core-dump'.", 60.1, "db.service")]
    page = tmp_path / "loop.html"
    done = run_cli("scan", "--file", str(make_journal(lines)), "--html", str(page))
    assert done.exit_code == 0, done.output
    assert "main process: exited with status 101/n/a (3 runs)" in card(done.stdout, UNIT), done.stdout
    assert "signal 9" not in card(done.stdout, UNIT), done.stdout
    assert "main process: killed by signal 11/SEGV (core dumped)" in card(done.stdout, "db.service"), done.stdout
    html = page.read_text()  # the HTML card says it too, and counts its chain's lines as the terminal card does
    assert "<div>main process: exited with status 101/n/a (3 runs)</div>" in html
    assert " lines)" in html and " hits)" not in html


def test_the_html_report_says_it_too_and_counts_a_chains_lines(tmp_path: Path) -> None:
    """The HTML card has the terminal card's "main process:" line (helper-133's leftover)."""
    log, page = tmp_path / "once.log", tmp_path / "report.html"
    log.write_text(TEXT)
    done = run_cli("scan", "--file", str(log), "--html", str(page))
    assert done.exit_code == 0, done.output
    html = page.read_text()
    mine = next(part for part in html.split('<div class="card"')[1:] if "myapp.service" in part.split("</h3>")[0])
    assert "<div>main process: exited with status 1/FAILURE</div>" in mine, mine
    other = next(part for part in html.split('<div class="card"')[1:] if "other.service" in part.split("</h3>")[0])
    assert "main process" not in other


def test_a_crash_loop_of_more_runs_than_are_kept_is_counted_whole(make_journal: Any) -> None:
    """helper-170's trial: 40 runs of a crash loop were "(16 or more runs)": the latest 16 exits are kept, and the
    runs in a row that ended alike are counted besides."""
    lines = []
    for n in range(1, 41):
        lines += [pid1("Main process exited, code=exited, status=2/INVALIDARGUMENT", n * 60.0),
                  pid1("Failed with result 'exit-code'.", n * 60.0 + 0.1),
                  pid1(f"Scheduled restart job, restart counter is at {n}.", n * 60.0 + 0.2)]
    done = run_cli("scan", "--file", str(make_journal(lines)))
    assert "main process: exited with status 2/INVALIDARGUMENT (40 runs)" in card(done.stdout, UNIT), done.stdout


def test_an_exit_long_after_the_failure_began_says_so(tmp_path: Path) -> None:
    """An operator's `systemctl restart` 17 min into an outage ended the main process by SIGKILL (its stop timed out):
    under the headline it read as the failure's own end (a second new user's try). An exit a minute or more after the
    incident's first line says how long after; one at its start says nothing more."""
    log = tmp_path / "late.log"
    log.write_text(TEXT.replace("Dec 04 09:00:01 web01 systemd[1]: myapp.service: Main process exited, code=exited, "
                                "status=1/FAILURE", "Dec 04 09:17:29 web01 systemd[1]: myapp.service: Main process "
                                "exited, code=killed, status=9/KILL")
                   .replace("Dec 04 09:00:01 web01 systemd[1]: myapp.service: Failed with result 'exit-code'.",
                            "Dec 04 09:00:01 web01 systemd[1]: myapp.service: Failed with result 'exit-code'.\n"
                            "Dec 04 09:17:29 web01 systemd[1]: myapp.service: Failed with result 'timeout'."))
    mine = " ".join(card(run_cli("scan", "--file", str(log)).stdout, "myapp.service").replace("│", " ").split())
    assert "main process: killed by signal 9/KILL 17m 28s after its first line" in mine, mine
