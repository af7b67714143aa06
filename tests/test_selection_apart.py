"""A selection a collector's journal holds each part of, never together, and the names it holds that look alike
(newuser78's findings 5, 6 and 7): `-u worker -H web-1` (worker.service and web-1 each in the journal, never one
entry of both) passed as a quiet selection, even with --fail-on; `-H 'web-*'` was taken literally; `-u postgres`
and a watch of `redis` suggested nothing for Debian's postgresql@15-main.service and redis-server.service; a plain
scan's note on units no anomaly rule judged blamed -p, -u and --since, none given, and named none of them. Journal
files built by systemd-journal-remote (conftest.make_journal)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BASE_USEC, entry, run_cli

MACHINES = {"web-1": "1" * 32, "web-2": "2" * 32, "worker-1": "3" * 32, "db-1": "4" * 32}


def on(host: str, message: str, unit: str, at: float) -> dict[str, object]:
    return entry(message, unit=unit, at=at, _HOSTNAME=host, _MACHINE_ID=MACHINES[host])


@pytest.fixture
def fleet(tmp_path: Path, make_journal: Callable[..., Path]) -> Path:
    """A collector's directory: api.service on web-1 and web-2, worker.service on worker-1, Debian's database units
    on db-1, cron.service on each (three lines)."""
    remote = tmp_path / "remote"
    remote.mkdir()
    units = {"web-1": ["api.service"], "web-2": ["api.service"], "worker-1": ["worker.service"],
             "db-1": ["postgresql@15-main.service", "redis-server.service"]}
    for host, names in units.items():
        lines = [on(host, f"request {i} done", unit, i * 5.0) for unit in names for i in range(300)]
        lines += [on(host, "(root) CMD (run-parts /etc/cron.hourly)", "cron.service", i * 400.0) for i in range(3)]
        make_journal(sorted(lines, key=lambda line: int(str(line["__REALTIME_TIMESTAMP"]))),
                     name=f"remote/remote-{host}.journal")
    return remote


def test_a_unit_and_a_host_never_together_is_no_quiet_pass(fleet: Path) -> None:
    done = run_cli("scan", "-D", str(fleet), "-u", "worker", "-H", "web-1")
    assert done.exit_code == 0, done.output
    assert "logsentry: warning: no entry of worker.service on host web-1 in this journal (its entries are on " \
           "worker-1): -u with -H selects nothing of it" in done.stderr, done.stderr
    said = " ".join(done.stdout.split())
    assert "nothing was checked" in said and "quiet" not in said, said
    failing = run_cli("scan", "-D", str(fleet), "-u", "worker", "-H", "web-1", "--fail-on", "error")
    assert failing.exit_code == 2, failing.output
    assert "logsentry: error: no entry of worker.service on host web-1" in failing.stderr
    assert "nothing checked is no pass" in failing.stderr
    for right in (("-u", "worker", "-H", "worker-1"), ("-u", "api", "-u", "cron", "-H", "web-1"),
                  ("-u", "api", "-H", "web-1", "-H", "worker-1")):
        fine = run_cli("scan", "-D", str(fleet), *right, "--fail-on", "critical", "-o", "json")
        assert fine.exit_code == 0 and "no entry of" not in fine.stderr, (right, fine.stderr)
    # one of two units never on the host: said, and no pass under --fail-on (as a -u typo beside a right name)
    half = run_cli("scan", "-D", str(fleet), "-u", "api", "-u", "worker", "-H", "web-1", "--fail-on", "error")
    assert half.exit_code == 2 and "no entry of worker.service on host web-1" in half.stderr, half.output


def test_a_unit_and_a_host_never_together_in_an_export(fleet: Path, tmp_path: Path) -> None:
    """The same of a dump (read again after a scan that read nothing, cli/scan_unchecked.py)."""
    dumps = []
    for host in ("web-1", "worker-1"):
        dump = tmp_path / f"{host}.export"
        dump.write_bytes(subprocess.run(["journalctl", "--file", str(fleet / f"remote-{host}.journal"), "-o",
                                         "export"], capture_output=True, check=True).stdout)
        dumps += ["--file", str(dump)]
    done = run_cli("scan", *dumps, "-u", "worker", "-H", "web-1", "--fail-on", "error")
    assert done.exit_code == 2, done.output
    assert "no entry of worker.service on host web-1 in these files (its entries are on worker-1): -u with -H " \
           "selects nothing of it" in done.stderr, done.stderr
    globbed = run_cli("scan", *dumps, "-H", "web-*", "-u", "api", "-o", "json", "--no-anomalies")
    assert json.loads(globbed.stdout.splitlines()[-1])["entries"] == 300, globbed.output  # (web-1 only here)


def test_h_takes_a_glob_as_u_does(fleet: Path) -> None:
    """`-H 'web-*'` reads web-1's and web-2's entries (it was taken literally: nothing read, rc 0); a glob no host
    matches is said as a name is, with the hosts like it, and is no pass under --fail-on."""
    done = run_cli("scan", "-D", str(fleet), "-H", "web-*", "-o", "json", "--no-anomalies")
    assert done.exit_code == 0 and "no entry of" not in done.stderr, done.output
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["entries"] == 2 * 303, summary
    hosts = {json.loads(line).get("host") for line in done.stdout.splitlines()} - {None}
    assert hosts <= {"web-1", "web-2"}, hosts
    wrong = run_cli("scan", "-D", str(fleet), "-H", "wob-*", "--fail-on", "error")
    assert wrong.exit_code == 2, wrong.output
    assert "no entry of host wob-* in this journal (did you mean " in wrong.stderr, wrong.stderr
    apart = run_cli("scan", "-D", str(fleet), "-H", "web-*", "-u", "worker", "--fail-on", "error")
    assert apart.exit_code == 2 and "no entry of worker.service on host web-* in this journal (its entries are " \
                                    "on worker-1)" in apart.stderr, apart.output


def test_debian_unit_names_are_suggested(fleet: Path, tmp_path: Path) -> None:
    """`-u postgres` for postgresql@15-main.service, a watch of `redis` for redis-server.service: names difflib
    finds too far apart, suggested by their beginnings, in scan's warning and config check's note."""
    done = run_cli("scan", "-D", str(fleet), "-u", "postgres", "-u", "redis", "-o", "json")
    assert "no entry of postgres.service in this journal (did you mean postgresql@15-main.service?)" \
        in done.stderr, done.stderr
    assert "no entry of redis.service in this journal (did you mean redis-server.service?)" in done.stderr
    far = run_cli("scan", "-D", str(fleet), "-u", "db", "-o", "json")  # (too short to be like anything)
    assert "no entry of db.service in this journal: -u selects" in far.stderr, far.stderr
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\njournal_directory = "{fleet}"\n'
                      '[[watch]]\nunits = ["api", "postgres", "redis"]\n')
    config.chmod(0o600)
    checked = subprocess.run([sys.executable, "-m", "logsentry", "config", "check", "-c", str(config)],
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stderr
    notes = [line for line in checked.stdout.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: watch #1 (line 3): units: no entry of postgres.service in this journal (did you mean "
        "postgresql@15-main.service?): the watch covers it once it logs",
        "note: watch #1 (line 3): units: no entry of redis.service in this journal (did you mean "
        "redis-server.service?): the watch covers it once it logs"], checked.stdout


def test_the_cold_note_names_the_units_and_blames_only_options_given(fleet: Path) -> None:
    """cron.service's three lines on each of the 4 hosts are too few for the anomaly rules: named once, with its
    hosts counted; a plain scan blames no option, a scan with -p blames -p alone."""
    plain = " ".join(run_cli("scan", "-D", str(fleet)).stdout.split())
    assert "judged no line of cron.service on 4 hosts (4 of the 9 units): the journal holds less of them than " \
           "that." in plain, plain
    assert "narrowed" not in plain, plain
    narrowed = " ".join(run_cli("scan", "-D", str(fleet), "-p", "info", "-H", "db-1").stdout.split())
    assert "judged no line of cron.service (1 of the 3 units): -p narrowed what was read; scan a longer range." \
        in narrowed, narrowed


def test_tail_expands_h_globs_and_says_a_unit_never_on_the_host(fleet: Path, tmp_path: Path) -> None:
    """tail reads `-H 'web-*'` as scan does (the hosts the journal names when it starts), and says a unit and a
    host never together, following it anyway."""
    since = "@" + str(BASE_USEC // 1_000_000 - 60)
    for args, wanted in (((("-H", "web-*"), "606 entries")), ((("-u", "worker", "-H", "web-1"), "0 entries"))):
        err = tmp_path / "tail.err"
        with open(err, "wb") as stderr:
            tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(fleet), *args, "--since",
                                     since, "--plain"], stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            time.sleep(6)  # (the history read: a few hundred entries, on a busy machine too)
        finally:
            tail.send_signal(signal.SIGTERM)
            tail.wait(timeout=30)
        said = err.read_text()
        assert f"logsentry tail: {wanted}" in said, said
        if "worker" in args:
            assert "no entry of worker.service on host web-1 in this journal (its entries are on worker-1): " \
                   "following it anyway" in said, said
        else:
            assert "no entry of" not in said, said


@pytest.mark.parametrize("typed", ["WEB-1", "web-1.example.com"])
def test_a_host_in_other_case_or_fully_qualified_is_suggested(fleet: Path, typed: str) -> None:
    """A break-it review's `-H WEB-1` and `-H web-1.example.com` got no "did you mean web-1?"."""
    done = run_cli("scan", "-D", str(fleet), "-H", typed)
    assert f"no entry of host {typed} in this journal (did you mean web-1" in done.stderr, done.stderr
