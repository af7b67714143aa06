"""A selection that leaves out most or all of a text log for a reason its user does not see is said on stderr,
and the report gives no all-clear: `-u myapi` over a saved `journalctl -u myapi` whose lines are gunicorn's (in
text a line's unit is its identifier) kept PID 1's line alone; `--since -1h` over an old log counts from now and
kept none (newuser76's 3 and 9). The exit status stays as it was."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

START = "2026-12-07T08:00:00+0000 web01 systemd[1]: Started myapi.service - My API (gunicorn).\n"
WORKER = "2026-12-07T08:{:02d}:00+0000 web01 gunicorn[4121]: [2026-12-07 08:{:02d}:00 +0000] [4121] [INFO] GET /x\n"


def _journalctl_u(tmp_path: Path) -> Path:
    path = tmp_path / "myapi-journal.txt"
    path.write_text(START + "".join(WORKER.format(minute, minute) for minute in range(1, 41)))
    return path


def test_u_that_keeps_only_pid1s_line_of_a_journalctl_u_text_names_the_identifier(tmp_path: Path) -> None:
    done = run_cli("scan", "--no-anomalies", "--file", str(_journalctl_u(tmp_path)), "-u", "myapi")
    assert done.exit_code == 0, done.output
    stderr = " ".join(done.stderr.split())
    assert "-u myapi.service matched 1 of 41 lines" in stderr, stderr
    assert "gunicorn (40 lines)" in stderr and "-u myapi.service -u gunicorn reads both" in stderr, stderr
    both = run_cli("scan", "--no-anomalies", "--file", str(_journalctl_u(tmp_path)), "-u", "myapi", "-u", "gunicorn")
    assert "matched" not in both.stderr and "41 entries" in " ".join(both.stdout.split()), both.output
    stdout = " ".join(done.stdout.split())
    assert "Nothing found." not in stdout and "most of the input was not checked" in stdout, stdout


def test_u_over_a_syslog_that_keeps_the_programs_own_lines_says_nothing_more(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text("".join(
        f"Dec 07 08:{minute:02d}:00 web01 cron[9{minute}]: (root) CMD (run-parts /etc/cron.hourly)\n"
        f"Dec 07 08:{minute:02d}:01 web01 systemd[1]: Started session-{minute}.scope - Session {minute}.\n"
        for minute in range(30)) + "Dec 07 09:00:00 web01 sshd[77]: Accepted publickey for alice from 10.0.0.2\n")
    done = run_cli("scan", "--no-anomalies", "--file", str(path), "-u", "sshd")
    assert done.exit_code == 0 and "matched" not in done.stderr, done.output
    assert "Nothing found." in done.stdout


def test_a_relative_since_past_an_old_logs_end_says_its_span_and_that_it_counts_from_now(tmp_path: Path) -> None:
    path = _journalctl_u(tmp_path)  # (December 2026, and the test runs later: -1h is past its end)
    done = run_cli("scan", "--no-anomalies", "--file", str(path), "--since", "-1h", "--fail-on", "error")
    assert done.exit_code == 0, done.output  # (as before: a quiet window is a pass)
    stderr = " ".join(done.stderr.split())
    assert "--since -1h counts from now" in stderr and "runs from 2026-12-07 " in stderr, stderr
    assert "give absolute times" in stderr, stderr
    stdout = " ".join(done.stdout.split())
    assert "which passes" not in stdout and "counted from now" in stdout, stdout
    absolute = run_cli("scan", "--no-anomalies", "--file", str(path), "--since", "2026-12-07 08:30 UTC")
    assert "counts from now" not in absolute.stderr and absolute.exit_code == 0, absolute.output


def test_a_time_of_day_alone_over_an_old_log_says_it_is_todays(tmp_path: Path) -> None:
    """`--until 14:00` is today's 14:00 (systemd.time(7)), not the log's day's: over a log of 2026-12-03 it kept every
    line to the log's end, silently (a second new user's try). Said with the log's span and the date to give; a time
    with its date says nothing."""
    path = tmp_path / "old.log"
    path.write_text("".join(f"2026-12-03 {hour:02d}:{minute:02d}:00,000 INFO [api] GET /orders 200\n"
                            for hour in range(10, 15) for minute in range(0, 60, 5)))
    done = run_cli("scan", "--no-anomalies", "--file", str(path), "--until", "14:00")
    stderr = " ".join(done.stderr.split())
    assert "--until 14:00 is today's (" in stderr and "runs from 2026-12-03 10:00:00.000 to 2026-12-03 14:55:00.000" \
        in stderr and "(--until '2026-12-03 14:00')" in stderr, stderr
    dated = run_cli("scan", "--no-anomalies", "--file", str(path), "--until", "2026-12-03 14:00")
    assert "today's" not in dated.stderr, dated.stderr
