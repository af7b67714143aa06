"""The service on the local journal (no journal_directory) reads it through one merged sd-journal reader
(LOCAL_ONLY), which also reads journal files at the top of /var/log/journal: journald writes none there, but
`systemd-journal-remote --output=/var/log/journal/` does, and their senders wrote every field, _MACHINE_ID
included. While such a file is there, no claim to be this machine is restarted (fanin_files.unvouched_local,
asked by the policy at each restart: engine/policy.py); the alert names the file. Last stop, helper B had the
dry-run service log `would restart` for such a file's line, in a mount namespace.

The real service, in a user and mount namespace (unshare, as tests/test_fanin_faults.py) where /var/log/journal
is a LiveJournal's directory: this machine's journald's file (`MACHINE_ID/`, written through journal-remote from
a FIFO) and, once it runs, a journal-remote file at the top claiming this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LOCAL_MACHINE
from test_disowned_machine import OTHER, journal
from test_service import BOOM_RULE, RunningService

from logsentry.sources import fanin_files

pytestmark = pytest.mark.skipif(not LOCAL_MACHINE, reason="needs /etc/machine-id")

IN_NAMESPACE = """set -e
[ -d /var/log/journal ] || { mount -t tmpfs tmpfs /var/log && mkdir /var/log/journal; }
mount --bind "$1" /var/log/journal
[ ! -d /run/log/journal ] || mount --bind "$2" /run/log/journal
shift 2
exec "$@"
"""


def start_in_namespace(live_journal, tmp_path: Path, watch: str = "") -> RunningService:
    """The dry-run service with the BOOM restart rule on the local journal, in a user and mount namespace whose
    /var/log/journal is `live_journal`'s directory (and /run/log/journal an empty one), once ready; `watch`: more
    lines of the app watch."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM_RULE.format(action="restart", within="60s", group='group_by = "id"'))
    empty = tmp_path / "empty"
    empty.mkdir()
    running = RunningService(tmp_path, f'''
state_dir = "{tmp_path / 'state'}"
rules = ["{rules}"]

[restart]
cooldown = "1ms"

[[watch]]
units = ["app"]
actions = ["alert", "restart"]
{watch}
''')
    tests = str(Path(__file__).parent)
    running.env = {**os.environ, "PYTHONPATH": os.pathsep.join([tests, str(Path(tests).parent)])}
    with open(running.log_path, "ab") as log:  # RunningService.start, in the namespace (exec: signals reach it)
        running.proc = subprocess.Popen(["unshare", "-U", "-r", "-m", "sh", "-c", IN_NAMESPACE, "sh",
                                         str(live_journal.directory), str(empty), sys.executable, "-m", "logsentry",
                                         "run", "-c", str(running.config_path), "--dry-run"],
                                        stdout=log, stderr=log, env=running.env)
    running.wait_log("ready: watching", timeout=30)
    return running


def test_a_remote_file_at_the_top_of_the_local_journal_withholds_restarts(live_journal, tmp_path: Path) -> None:
    running = start_in_namespace(live_journal, tmp_path)
    try:
        live_journal.write("BOOM first")  # this machine's own journald's file, nothing else there: restarted
        running.wait_log("would restart app.service (rule boom)", timeout=20)
        forged = journal(tmp_path / "build" / "remote-evil.journal", [("app.service", "BOOM forged")], LOCAL_MACHINE)
        shutil.move(forged, live_journal.directory / "remote-evil.journal")
        withheld = "not restarted while they are there"
        log = running.wait_log(withheld, timeout=20)
        assert log.count("would restart") == 1, log
        assert "the local journal holds files this machine's journald did not write" in log, log
        assert "(/var/log/journal/remote-evil.journal)" in log, log
        live_journal.write("BOOM again")  # its own line too: one reader cannot tell them apart
        log = running.wait_log(withheld, timeout=20, count=2)
        assert log.count("would restart") == 1, log
        (live_journal.directory / "remote-evil.journal").unlink()  # moved away: restarts again
        live_journal.write("BOOM after")
        running.wait_log("would restart app.service (rule boom)", timeout=20, count=2)
    finally:
        running.stop()


@pytest.mark.parametrize("how", ["capitals", "uuid", "lines"])
def test_a_claim_in_another_spelling_on_the_local_journal_is_not_another_host(live_journal, tmp_path: Path,
                                                                               how: str) -> None:
    """The local journal's one reader disowns nothing (the policy withholds restarts instead), so a journal-remote
    file at its top that claims this machine in a spelling journald never writes (hosts.claims; 'lines': as
    several values read) reached the
    policy as another host: its alert named this machine as one to restart elsewhere and the watch's command hook
    was handed it, this machine's id spelled otherwise (what abe11e8 closed for a journal_directory)."""
    hook = tmp_path / "hook.py"
    hook.write_text("import sys\nsys.stdin.read()\n")
    running = start_in_namespace(live_journal, tmp_path, f'command = ["{sys.executable}", "{hook}"]')
    try:
        uuid = "-".join((LOCAL_MACHINE[:8], LOCAL_MACHINE[8:12], LOCAL_MACHINE[12:16], LOCAL_MACHINE[16:20],
                         LOCAL_MACHINE[20:]))
        claim = {"capitals": LOCAL_MACHINE.upper(), "uuid": uuid, "lines": f"{LOCAL_MACHINE}\n{OTHER}"}[how]
        forged = journal(tmp_path / "build" / "remote-evil.journal", [("app.service", "BOOM forged")], claim)
        shutil.move(forged, live_journal.directory / "remote-evil.journal")
        running.wait_log("would alert app.service (rule boom)", timeout=20)
        live_journal.write("BOOM local")  # decided after the forged line's actions, all logged by then
        log = running.wait_log("not restarted while they are there", timeout=20)
        assert "would hook" not in log and "another host" not in log, log
        assert "in a spelling its journald never writes" in log, log
        assert "would restart" not in log, log
    finally:
        running.stop()


def test_unvouched_local_names_the_files_that_cannot_vouch(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "var-log-journal"
    monkeypatch.setattr(fanin_files, "LOCAL_ROOTS", (tmp_path / "run-log-journal", root))
    journal(root / LOCAL_MACHINE / "system.journal", [("app.service", "started")], LOCAL_MACHINE)
    assert fanin_files.unvouched_local(LOCAL_MACHINE) == []
    journal(root / "remote-evil.journal", [("app.service", "BOOM")], LOCAL_MACHINE)
    journal(root / LOCAL_MACHINE.upper() / "user-1000.journal", [("app.service", "BOOM")], LOCAL_MACHINE)
    assert sorted(fanin_files.unvouched_local(LOCAL_MACHINE)) == sorted(
        [str(root / "remote-evil.journal"), str(root / LOCAL_MACHINE.upper() / "user-1000.journal")])
    assert fanin_files.unvouched_local("") == []  # restart.machine_id: nothing to vouch for
    assert not fanin_files.vouched(LOCAL_MACHINE, None, ())


def test_a_local_root_named_as_this_machine_vouches_for_no_file_at_its_top(tmp_path: Path, monkeypatch) -> None:
    """journald writes only into a root's MACHINE_ID/ subdirectory, never at its top, whatever the root is called: a
    /var/log/journal that is a symbolic link to a directory named as this machine's id (a host's journals kept
    under /srv/journal/MACHINE_ID) reads a journal-remote file at that directory's top as its own."""
    target = tmp_path / "srv" / LOCAL_MACHINE
    journal(target / LOCAL_MACHINE / "system.journal", [("app.service", "started")], LOCAL_MACHINE)
    journal(target / "remote-evil.journal", [("app.service", "BOOM")], LOCAL_MACHINE)
    root = tmp_path / "var-log-journal"
    root.symlink_to(target)
    monkeypatch.setattr(fanin_files, "LOCAL_ROOTS", (tmp_path / "run-log-journal", root))
    assert fanin_files.unvouched_local(LOCAL_MACHINE) == [str(root / "remote-evil.journal")]
    assert not fanin_files.vouched(LOCAL_MACHINE, None, ())


def test_no_local_journal_at_all_is_refused_naming_its_directories(tmp_path: Path) -> None:
    """A machine (a container) with no journal file in /var/log/journal or /run/log/journal: the service refuses
    to start, naming both (it said "cannot open the journal in the local journal", a new user's finding)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n[[watch]]\nunits = ["app"]\nactions = ["alert"]\n')
    tests = str(Path(__file__).parent)
    done = subprocess.run(["unshare", "-U", "-r", "-m", "sh", "-c", IN_NAMESPACE, "sh", str(empty), str(empty),
                           sys.executable, "-m", "logsentry", "run", "-c", str(config), "--dry-run"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([tests, str(Path(tests).parent)])})
    assert (done.returncode, done.stdout) == (2, ""), done
    assert done.stderr == ("logsentry: cannot start: cannot open the local journal (/var/log/journal, "
                           "/run/log/journal): no journal file could be opened (none there, or none readable or "
                           "valid)\n"), done.stderr
