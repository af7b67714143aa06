"""Where scan's outputs go when the way out is narrow: a reader that stops reading (`| head`) must not cost
the HTML report the user asked for, an HTML path that cannot be written is said before a long scan, and
selections that cannot select anything (--since after --until) are said, not silent (tests/test_scan_unchecked.py:
-u, -H and windows that select nothing)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import entry, run_cli

MVAR = "cachix-server: thread blocked indefinitely in an MVar operation"


@pytest.mark.parametrize("output", ["json", "report"])
def test_the_html_report_is_written_when_stdout_is_closed_early(make_journal: Callable[..., Path],
                                                                  tmp_path: Path, output: str) -> None:
    journal = make_journal([entry(f"{MVAR} #{i}", at=i * 0.01, priority=3) for i in range(3000)])
    page = tmp_path / "r.html"
    scan = subprocess.Popen([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "-o", output,
                             "--html", str(page)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert scan.stdout is not None and scan.stderr is not None
    scan.stdout.readline()  # `| head -1`
    scan.stdout.close()
    errors = scan.stderr.read().decode()
    assert scan.wait(timeout=120) == 0, errors
    assert "Traceback" not in errors
    assert page.exists() and "blocked indefinitely in an MVar operation" in page.read_text()


def test_an_html_path_that_cannot_be_written_is_refused_before_the_scan(make_journal: Callable[..., Path],
                                                                         tmp_path: Path) -> None:
    journal = make_journal([entry(MVAR, priority=3)])
    missing = run_cli("scan", "--file", str(journal), "--html", str(tmp_path / "no" / "r.html"))
    assert missing.exit_code == 2 and f"no directory {tmp_path / 'no'}" in missing.stderr
    assert missing.stdout == ""  # refused before anything was scanned or reported


def test_the_html_report_says_where_it_went_and_an_unwritable_one_is_exit_1(make_journal: Callable[..., Path],
                                                                            tmp_path: Path) -> None:
    """A scan said nothing of the page it wrote; a page that could not be written (/dev/full) was exit 2, a usage
    error, where README's exit 1 is the output that could not be written (`-o json > /dev/full`): the report on
    stdout is still printed, then exit 1. The page's "written" time named no zone, where its others do."""
    journal = make_journal([entry(MVAR, priority=3)])
    page = tmp_path / "r.html"
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "--html", str(page)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "TZ": "UTC"})
    kib = round(page.stat().st_size / 1024)
    assert done.returncode == 0, done.stderr
    assert f"logsentry: wrote the HTML report to {page} ({kib:,} KiB)\n" in done.stderr, done.stderr
    assert re.search(r"written \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC</p>", page.read_text())
    full = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "--html", "/dev/full"],
                          capture_output=True, text=True, timeout=120)
    assert full.returncode == 1, full.stderr
    assert "logsentry: /dev/full: cannot write the HTML report: No space left on device\n" in full.stderr
    assert "wrote the HTML report" not in full.stderr and "Traceback" not in full.stderr
    assert "blocked indefinitely" in full.stdout  # the report the scan owes, printed all the same
    # a directory where no file can be made (/proc) is refused before the scan, as a missing one is: os.access
    # said yes there, and the scan ran for nothing (a new user's trial)
    proc = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "--html",
                           "/proc/logsentry-report.html"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "cannot write the HTML report" in proc.stderr, proc.stderr
    assert proc.stdout == "", proc.stdout  # nothing scanned


def test_since_after_until_is_refused_as_journalctl_does(make_journal: Callable[..., Path]) -> None:
    journal = make_journal([entry(MVAR, priority=3)])
    done = run_cli("scan", "--file", str(journal), "--since", "2026-11-30 22:22:25", "--until", "2026-11-30 22:22:20")
    assert done.exit_code == 2 and "--since must be before --until" in done.stderr


def test_an_empty_unit_is_refused_and_fail_on_takes_syslogs_names(make_journal: Callable[..., Path]) -> None:
    """`-u ''` is no `.service` to look for; `--fail-on err` means error, as `-p err` on the same line does."""
    path = make_journal([entry("nfs.mount: Job nfs.mount/start failed with result 'timeout'.", unit="init.scope",
                               _PID="1", priority=5)])  # systemd-job-failed: an error
    empty = run_cli("scan", "--file", str(path), "-u", "")
    assert empty.exit_code == 2 and "expected a unit name (got an empty one)" in empty.output, empty.output
    codes = [run_cli("scan", "--file", str(path), "--no-anomalies", "--fail-on", name).exit_code
             for name in ("err", "error", "crit", "critical")]
    assert codes == [3, 3, 0, 0], codes


def _commands(page: Path) -> list[str]:
    import html

    return [html.unescape(found) for found in re.findall(r"all its lines: <code>(.*?)</code>", page.read_text())]


def test_the_cards_journalctl_commands_show_the_lines(make_journal: Callable[..., Path], tmp_path: Path) -> None:
    """Run as printed, each card's command lists the incident's lines: it reads where the scan read (-D), and
    kernel lines (no unit) by _TRANSPORT=kernel; a card of lines from a text log has none."""
    import shlex

    oom = ("Out of memory: Killed process 4242 (node) total-vm:1234567kB, anon-rss:523456kB, file-rss:0kB, "
           "shmem-rss:0kB, UID:1000 pgtables:2048kB oom_score_adj:0")
    directory = tmp_path / "journal"
    directory.mkdir()
    make_journal([entry(MVAR, priority=3), entry(oom, unit=None, at=5, priority=3, _TRANSPORT="kernel",
                                                 SYSLOG_IDENTIFIER="kernel")], name=str(directory / "a.journal"))
    page = tmp_path / "r.html"
    done = run_cli("scan", "-D", str(directory), "--html", str(page))
    assert done.exit_code == 0, done.output
    commands = _commands(page)
    assert len(commands) == 2 and all(f"-D {directory}" in command for command in commands)
    shown = [subprocess.run([*shlex.split(command), "-o", "cat", "--no-pager"], capture_output=True, text=True,
                            check=True).stdout for command in commands]
    assert any(MVAR in text for text in shown) and any(oom in text for text in shown)
    assert all(text.strip() for text in shown)
    syslog = tmp_path / "syslog"
    syslog.write_text("Nov 30 10:00:01 web1 api[77]: " + MVAR + "\n")
    text_page = tmp_path / "t.html"
    assert run_cli("scan", "--file", str(syslog), "--html", str(text_page)).exit_code == 0
    assert "blocked indefinitely" in text_page.read_text() and _commands(text_page) == []


def test_the_command_shows_the_incidents_lines_and_not_their_neighbours_of_the_same_second(
        make_journal: Callable[..., Path], tmp_path: Path) -> None:
    """journalctl takes `@SECONDS.FRACTION`: the command is cut to the µs, so a line the unit logged earlier or
    later in the same second as the incident's first and last hits is not shown (seconds rounded outwards
    showed 'api starting' above a collector's BOOM: tests/test_alert_source.py, under load)."""
    import shlex

    directory = tmp_path / "journal"
    directory.mkdir()
    make_journal([entry("api starting", at=10.1), entry(MVAR, at=10.4, priority=3), entry(MVAR, at=10.6, priority=3),
                  entry("api stopping", at=10.9)], name=str(directory / "a.journal"))
    page = tmp_path / "r.html"
    assert run_cli("scan", "-D", str(directory), "--html", str(page)).exit_code == 0
    [command] = _commands(page)
    shown = subprocess.run([*shlex.split(command), "-o", "cat", "--no-pager"], capture_output=True, text=True,
                           check=True).stdout
    assert shown.splitlines() == [MVAR, MVAR], command


def test_another_machines_lines_are_looked_for_in_every_journal() -> None:
    from logsentry.actions.alert import journalctl_command
    from logsentry.model import Incident, Severity

    incident = Incident("ghc-mvar-deadlock", Severity.CRITICAL, "api.service", "", 1_000_000_000, 1_000_000_000,
                        1_000_000_000, 1, 1, 60_000_000, "", (), "restart",
                        machine_id="0123456789abcdef0123456789abcdef")
    assert journalctl_command(incident).startswith(
        "journalctl -m _MACHINE_ID=0123456789abcdef0123456789abcdef -u api.service --since @1000 --until @")


def test_the_reports_card_names_another_machines_host(make_journal) -> None:
    """A collector's `scan -D` card: `CRITICAL web-7 hs-app.service  ghc-mvar-deadlock` (the JSON had the host,
    the card did not: helper I's fresh-user trial); this machine's cards are as before."""
    from conftest import entry, run_cli

    line = "hs-app: thread blocked indefinitely in an MVar operation"
    other = {"_MACHINE_ID": "0123456789abcdef0123456789abcdef", "_HOSTNAME": "web-7"}
    journal = make_journal([entry(line, unit="hs-app.service", at=1.0, **other),
                            entry(line, unit="own.service", at=2.0)])
    report = run_cli("scan", "--file", str(journal)).stdout
    assert "CRITICAL web-7 hs-app.service" in report, report
    assert "CRITICAL own.service" in report, report


def test_an_empty_input_says_so_not_that_a_selection_matched_nothing(tmp_path: Path) -> None:
    """An empty pipe or file, no -u/-p/--since given: "No entry matched the selection" pointed at options never
    given (helper U4)."""
    done = run_cli("scan", "--file", "-", input=b"")
    assert done.exit_code == 0 and "No entry was read (the input holds none)" in done.stdout, done.stdout
    assert "selection" not in done.stdout
    empty = tmp_path / "empty.log"
    empty.write_text("")
    assert "No entry matched the selection" in run_cli("scan", "--file", str(empty), "-p", "err").stdout


def test_output_html_points_to_the_html_option(make_journal: Callable[..., Path]) -> None:
    """`-o html` (a new user's try: "-o json" gives JSON) said only "'html' is not one of 'report', 'json'"."""
    journal = make_journal([entry("BOOM")])
    done = run_cli("scan", "--file", str(journal), "-o", "html")
    assert done.exit_code == 2 and done.stdout == ""
    assert done.stderr.endswith("Error: Invalid value for '-o' / '--output': the HTML report is written with --html "
                                "FILE (beside -o report or -o json), not -o html\n"), done.stderr
    other = run_cli("scan", "--file", str(journal), "-o", "xml")  # any other word: click's own words
    assert other.exit_code == 2 and "'xml' is not one of 'report', 'json'" in other.stderr, other.stderr


def test_a_page_cut_off_by_the_disk_is_not_left_behind(make_journal: Callable[..., Path], tmp_path: Path) -> None:
    """A regular file the disk stops taking (here the file size limit, RLIMIT_FSIZE: EFBIG, as ENOSPC would) held
    the first MiB of a 5 MB page, which opens as a report with no cards: it is removed, and the scan exits 1."""
    import resource

    journal = make_journal([entry(MVAR, priority=3)])
    page = tmp_path / "r.html"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "--html", str(page)],
                          capture_output=True, text=True, timeout=120, preexec_fn=small_files)
    assert done.returncode == 1, done.stderr
    assert f"logsentry: {page}: cannot write the HTML report: File too large\n" in done.stderr, done.stderr
    assert not page.exists() and not list(tmp_path.glob(".r.html.*"))  # (nor its half-written twin)
    # and the report that was there before stays whole (it was cut off, then removed: a new user's trial)
    page.write_text("<html>the last report</html>")
    again = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "--html", str(page)],
                           capture_output=True, text=True, timeout=120, preexec_fn=small_files)
    assert again.returncode == 1 and page.read_text() == "<html>the last report</html>", again.stderr
    assert not list(tmp_path.glob(".r.html.*"))
