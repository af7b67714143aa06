"""A new collector before its first host sent: `journal_directory` exists but holds no journal file yet (journal-remote
writes a host's file when it first sends). `logsentry run` exited 2 ("no journal file could be opened") and, under
the shipped unit's Restart=, looped until a host sent, while `config check` passed in silence (a new user's finding).
Now it starts, says it waits for the first file (log, ready line, STATUS, the watchdog fed) and reads the file once
journal-remote writes it. Real `logsentry run`, a real journal-remote, an HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import LiveJournal
from receivers import HttpReceiver
from test_dry_run_said import _status_after
from test_faults import NotifySocket
from test_service import RunningService, boom_rules, receiver, service  # noqa: F401  (fixtures)


def _config(root: Path, directory: Path, rules: Path, hook: HttpReceiver) -> str:
    return (f'state_dir = "{root / "state"}"\njournal_directory = "{directory}"\nrules = ["{rules}"]\n'
            '[[watch]]\nunits = ["app"]\nactions = ["alert"]\n[alerts]\nbackoff = "100ms"\nmax_backoff = "1s"\n'
            f'[[channel]]\nname = "hook"\ntype = "apprise"\nurl = "json://{hook.url}/hook"\n')


def test_run_on_an_empty_journal_directory_waits_for_the_first_file_and_reads_it(
        tmp_path: Path, boom_rules: Callable[..., Path],  # noqa: F811
        service: Callable[[str], RunningService], receiver: Callable[..., HttpReceiver]) -> None:  # noqa: F811
    live_root = tmp_path / "live"
    directory = live_root / "journal"
    directory.mkdir(parents=True)
    hook = receiver()
    notify = NotifySocket(tmp_path / "notify.sock")
    journal: LiveJournal | None = None
    try:
        running = service(_config(tmp_path, directory, boom_rules(within="1s"), hook))
        running.env = {**os.environ, "NOTIFY_SOCKET": str(notify.path)}
        running.start()  # (waits for "ready: watching": it exited 2 before)
        waiting = (f"waiting for the first journal file in {directory} (none there yet: systemd-journal-remote "
                   "writes one when a host first sends)")
        [ready] = [line for line in running.log().splitlines() if "ready: watching" in line]
        assert ready.endswith(f"; {waiting}"), ready
        assert f"WARNING {waiting}" in running.log()
        status = _status_after(notify, "0 open incidents")
        assert status.endswith(f"; {waiting}"), status
        assert notify.times("WATCHDOG=1"), notify.messages  # fed while it waits
        journal = LiveJournal(live_root)  # the first host sends: journal-remote writes its file
        journal.write("starting request handler")
        journal.write("BOOM first")
        alerts = hook.wait_for(1, timeout=20)
        assert alerts, running.log()
        body = alerts[0][1]
        assert "CRITICAL app.service: boom" in body["title"], body
        running.wait_log(f"the first journal file came to {directory}: reading it")
        assert not _status_after(notify, "1 open incident").endswith(waiting)
        assert running.stop(signal.SIGTERM) == 0
    finally:
        notify.close()
        if journal is not None:
            journal.close()


def test_config_check_says_the_directory_holds_no_journal_file_yet(tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\njournal_directory = "{directory}"\n'
                      '[[watch]]\nunits = ["*"]\nactions = ["alert"]\n')
    done = subprocess.run([sys.executable, "-m", "logsentry", "config", "check", "-c", str(config)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (f"journal: {directory} (journal_directory: its hosts' journal files), none there yet: logsentry run "
            "waits for the first (systemd-journal-remote writes one when a host first sends)") in \
        done.stdout.splitlines(), done.stdout
    missing = tmp_path / "gone"
    config.write_text(config.read_text().replace(str(directory), str(missing)))
    refused = subprocess.run([sys.executable, "-m", "logsentry", "config", "check", "-c", str(config)],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and f"journal_directory {missing} is not a directory" in refused.stderr


def test_run_on_a_missing_journal_directory_still_refuses(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\njournal_directory = "{tmp_path / "gone"}"\n'
                      '[[watch]]\nunits = ["*"]\nactions = ["alert"]\n')
    done = subprocess.run([sys.executable, "-m", "logsentry", "run", "-c", str(config)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"cannot start: journal_directory {tmp_path / 'gone'} is not a directory" in done.stderr, done.stderr
