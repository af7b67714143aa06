"""A -u name the journal has never seen (a typo, or a unit that has not logged yet): journalctl -u is silent, and so
were `tail -u` (following nothing for ever) and `scan -u` (finding nothing). Both now say so on stderr, with the
journal's nearest unit names (sources/unit_names.py); tail follows the name anyway. Real journal files written live
by systemd-journal-remote (conftest.LiveJournal)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from conftest import run_cli


def test_scan_says_a_unit_the_journal_never_saw(live_journal) -> None:
    live_journal.write("listening on :8080", unit="api.service")
    live_journal.wait_written()
    typo = run_cli("scan", "-D", str(live_journal.directory), "-u", "apii", "-o", "json")
    assert typo.exit_code == 0
    assert "no entry of apii.service in this journal (did you mean api.service?): -u selects nothing" in typo.stderr
    right = run_cli("scan", "-D", str(live_journal.directory), "-u", "api", "-o", "json")
    assert right.exit_code == 0 and "no entry of" not in right.stderr
    globbed = run_cli("scan", "-D", str(live_journal.directory), "-u", "ap*", "-o", "json")
    assert "no entry of" not in globbed.stderr  # (globs are expanded against the journal's names)
    nothing = run_cli("scan", "-D", str(live_journal.directory), "-u", "ngx*", "-o", "json")  # (helper-179)
    assert nothing.exit_code == 0 and "no entry of ngx* in this journal: -u selects nothing of it" in nothing.stderr
    near = run_cli("scan", "-D", str(live_journal.directory), "-u", "apx*", "-o", "json")  # (helper-183)
    assert "no entry of apx* in this journal (did you mean api.service?): -u selects nothing of it" in near.stderr


def test_with_fail_on_a_selection_of_nothing_is_a_usage_error(live_journal) -> None:
    """A check run by cron or CI (`scan --fail-on error -u ...`) with a typo in -u or -H stayed green for ever
    (helper-183): with --fail-on, a name that selects nothing of the journal is exit 2, said as an error."""
    live_journal.write("listening on :8080", unit="api.service", _HOSTNAME="web01")
    live_journal.wait_written()
    where = ("-D", str(live_journal.directory), "--fail-on", "error")
    for wrong, said in ((("-u", "apii"), "no entry of apii.service in this journal (did you mean api.service?)"),
                        (("-u", "ngx*"), "no entry of ngx* in this journal"),
                        (("-H", "web02"), "no entry of host web02 in this journal (did you mean web01?)")):
        typo = run_cli("scan", *where, *wrong)
        assert typo.exit_code == 2, (wrong, typo.output)
        assert f"logsentry: error: {said}: " in typo.stderr and "nothing checked is no pass" in typo.stderr, wrong
    for right in (("-u", "api"), ("-u", "ap*"), ("-H", "web01")):
        assert run_cli("scan", *where, *right).exit_code == 0, right


def test_scan_says_a_host_the_journal_never_saw(live_journal) -> None:
    """-H web02 for web01 (helper-179's new user): said, with the journal's nearest host names."""
    live_journal.write("listening on :8080", unit="api.service", _HOSTNAME="web01")
    live_journal.wait_written()
    typo = run_cli("scan", "-D", str(live_journal.directory), "-H", "web02", "-o", "json")
    assert typo.exit_code == 0
    assert "no entry of host web02 in this journal (did you mean web01?): -H selects nothing" in typo.stderr
    right = run_cli("scan", "-D", str(live_journal.directory), "-H", "web01", "-o", "json")
    assert right.exit_code == 0 and "no entry of" not in right.stderr


def test_tail_says_so_and_follows_the_unit_when_it_logs(live_journal, tmp_path) -> None:
    live_journal.write("listening on :8080", unit="api.service")
    live_journal.wait_written()
    out, err = tmp_path / "tail.jsonl", tmp_path / "tail.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(live_journal.directory),
                                 "-u", "worker", "-o", "json"], stdout=stdout, stderr=stderr)
    try:
        deadline = time.monotonic() + 15
        while "no entry of worker.service" not in err.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "no entry of worker.service in this journal: following it anyway" in err.read_text()
        live_journal.write("fatal error: runtime: out of memory", unit="worker.service")  # it starts, and fails
        live_journal.wait_written()
        deadline = time.monotonic() + 15  # its own wait: the first may have taken most of its 15 s on a busy machine
        while not out.read_text().strip() and time.monotonic() < deadline:
            time.sleep(0.05)
        matches = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        assert {m.get("unit") for m in matches if m.get("type") == "match"} == {"worker.service"}, matches
    finally:
        tail.terminate()
        tail.wait(timeout=20)
