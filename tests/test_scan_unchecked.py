"""A scan that checked nothing because of its selection says why, and with `--fail-on` is no pass (exit 2): a `-u`
or `-H` that names no line of a text log (with its names that look alike), of standard input, or a window with no
entry of the journal at all. A pasted `journalctl -u myapp` scanned with `-u myapp` is read (its program's name
and the unit PID 1's lines name stand for the unit). A unit quiet in a window the journal has lines in is a pass."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BASE_USEC, entry, json_events, run_cli

PASTE = """\
-- Logs begin at Mon 2024-03-04 08:12:01 CET, end at Mon 2024-03-04 10:15:44 CET. --
Mar 04 10:00:00 web01 systemd[1]: Starting myapp.service - My App...
Mar 04 10:00:00 web01 myapp[1234]: myapp 2.3.1 starting
Mar 04 10:00:01 web01 myapp[1234]: could not open /etc/myapp/key.pem: permission denied
Mar 04 10:00:01 web01 cron[99]: (root) CMD (run-parts /etc/cron.hourly)
Mar 04 10:00:01 web01 systemd[1]: myapp.service: Main process exited, code=exited, status=1/FAILURE
Mar 04 10:00:01 web01 systemd[1]: myapp.service: Failed with result 'exit-code'.
"""


@pytest.fixture
def paste(tmp_path: Path) -> Path:
    path = tmp_path / "paste.txt"
    path.write_text(PASTE)
    return path


@pytest.mark.parametrize("unit", ["myapp", "myapp.service", "my*"])
def test_u_selects_a_text_logs_lines_by_program_and_by_the_unit_pid1_names(paste: Path, unit: str) -> None:
    done = run_cli("scan", "--file", str(paste), "-u", unit, "--fail-on", "error", "-o", "json")
    assert done.exit_code == 3, done.output  # systemd-unit-failed, as without -u
    summary = json_events(done)[-1]
    assert summary["entries"] == 5, summary  # all but cron's line
    assert {event["unit"] for event in json_events(done) if event["type"] == "incident"} == {"(myapp.service)"}


def test_u_with_a_typo_on_a_text_log_is_no_pass_and_suggests_its_names(paste: Path) -> None:
    done = run_cli("scan", "--file", str(paste), "-u", "myap", "--fail-on", "error")
    assert done.exit_code == 2, done.output
    assert f"error: no entry of myap.service in {paste} (did you mean myapp.service?): -u selects nothing" \
        in done.stderr, done.stderr
    warned = run_cli("scan", "--file", str(paste), "-u", "myap")  # without --fail-on: said, and a completed scan
    assert warned.exit_code == 0 and "warning: no entry of myap.service" in warned.stderr
    assert "nothing was checked" in " ".join(warned.stdout.split())


def test_h_with_a_typo_on_a_text_log_is_no_pass(paste: Path) -> None:
    done = run_cli("scan", "--file", str(paste), "-H", "web02", "--fail-on", "error")
    assert done.exit_code == 2, done.output
    assert "no entry of host web02" in done.stderr and "(did you mean web01?)" in done.stderr
    assert run_cli("scan", "--file", str(paste), "-H", "web01", "--fail-on", "error").exit_code == 3


def test_a_selection_that_matches_no_line_of_standard_input_is_no_pass(paste: Path) -> None:
    done = run_cli("scan", "--file", "-", "-u", "nginx", "--fail-on", "error", input=paste.read_bytes())
    assert done.exit_code == 2 and "no line of standard input matched -u nginx.service" in done.stderr, done.output
    assert run_cli("scan", "--file", "-", "-u", "myapp", "--fail-on", "error",
                   input=paste.read_bytes()).exit_code == 3


def test_a_window_with_no_entry_of_the_journal_is_no_pass_but_a_quiet_unit_is(
        make_journal: Callable[..., Path]) -> None:
    journal = make_journal([entry("started", unit="api.service", at=0), entry("tick", unit="cron.service", at=60)])
    after = "@" + str(BASE_USEC // 1_000_000 + 3600)
    done = run_cli("scan", "--file", str(journal), "--since", after, "--fail-on", "error")
    assert done.exit_code == 2, done.output
    assert "error: the journal holds no entry since" in done.stderr and "its entries are from" in done.stderr
    quiet = run_cli("scan", "--file", str(journal), "-u", "api", "--since", "@" + str(BASE_USEC // 1_000_000 + 30),
                    "--fail-on", "error")  # api logged nothing then, cron did: a pass
    assert quiet.exit_code == 0 and "error" not in quiet.stderr, quiet.output
    # and says it passed, not "nothing was checked" (README's words for a no pass: a new user's trial)
    assert "it was quiet, which passes" in " ".join(quiet.stdout.split()), quiet.stdout
    assert "nothing was checked" not in quiet.stdout


def test_an_empty_input_is_no_pass_but_an_empty_window_of_one_is(tmp_path: Path) -> None:
    """`journalctl ... | logsentry scan --file - --fail-on error` whose journalctl failed read nothing: exit 2, not
    the pass its report's "nothing was checked" contradicted (a new user's trial); with a window asked, an empty
    file is a quiet one (README)."""
    done = run_cli("scan", "--file", "-", "--fail-on", "error", input=b"")
    assert done.exit_code == 2 and "error: the input holds no entry" in done.stderr, done.output
    assert run_cli("scan", "--file", "-", input=b"").exit_code == 0
    empty = tmp_path / "empty.log"
    empty.write_text("")
    assert run_cli("scan", "--file", str(empty), "--fail-on", "error").exit_code == 2
    assert run_cli("scan", "--file", str(empty), "--since", "-10min", "--fail-on", "error").exit_code == 0


def test_a_unit_the_journal_has_no_entry_of_is_not_called_quiet(make_journal: Callable[..., Path]) -> None:
    journal = make_journal([entry("started", unit="api.service", at=0)])
    done = run_cli("scan", "--file", str(journal), "-u", "apii")  # (no --fail-on: a warning, exit 0)
    assert done.exit_code == 0 and "no entry of apii.service" in done.stderr, done.output
    assert "quiet" not in done.stdout and "nothing was checked" in " ".join(done.stdout.split()), done.stdout
