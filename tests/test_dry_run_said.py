"""A service in a dry run says so where an operator looks: its "ready" line, its STATUS (`systemctl status`) and
each reload's line. Before, `run --dry-run` and a `dry_run = true` left in the file started with the same
"ready: watching ..." as a live service, and STATUS said nothing: a service that acts on nothing passed for one
that works until its first "would restart" (a new user's finding)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from conftest import LiveJournal
from test_faults import NotifySocket
from test_service import RunningService, boom_rules, config_text, service  # noqa: F401  (fixtures)


def _ready_line(running: RunningService) -> str:
    return next(line for line in running.log().splitlines() if "ready: watching" in line)


def _status_after(notify: NotifySocket, start: str, timeout: float = 20.0) -> str:
    """The first STATUS that starts with `start` (sd_notify's STATUS is the service's line in `systemctl status`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (status := notify.status()).startswith(start):
            return status
        time.sleep(0.05)
    raise AssertionError(f"no STATUS starting {start!r} in {timeout}s; the last: {notify.status()!r}")


def test_run_dry_run_says_so_at_ready_and_in_status(
        live_journal: LiveJournal, boom_rules: Callable[..., Path],  # noqa: F811
        service: Callable[[str], RunningService], tmp_path: Path) -> None:  # noqa: F811
    notify = NotifySocket(tmp_path / "notify.sock")
    try:
        running = service(config_text(live_journal, boom_rules(action="restart"), actions='["alert", "restart"]'))
        running.env = {**os.environ, "NOTIFY_SOCKET": str(notify.path)}
        running.start("--dry-run")
        assert "; dry run (--dry-run): restarts and alerts are logged, not done" in _ready_line(running)
        _status_after(notify, "DRY RUN (--dry-run): restarts and alerts are logged, not done; 0 open incidents")
        assert running.stop(signal.SIGTERM) == 0
    finally:
        notify.close()


def test_dry_run_in_the_file_is_said_until_a_reload_reads_it_gone(
        live_journal: LiveJournal, boom_rules: Callable[..., Path],  # noqa: F811
        service: Callable[[str], RunningService], tmp_path: Path) -> None:  # noqa: F811
    notify = NotifySocket(tmp_path / "notify.sock")
    try:
        text = config_text(live_journal, boom_rules(action="restart"), actions='["alert", "restart"]')
        running = service(text.replace("commit_every = 50", "commit_every = 50\ndry_run = true"))
        running.env = {**os.environ, "NOTIFY_SOCKET": str(notify.path)}
        running.start()
        said = f"dry run (dry_run = true in {running.config_path}): restarts and alerts are logged, not done"
        assert said in _ready_line(running)
        _status_after(notify, f"DRY RUN (dry_run = true in {running.config_path}): ")
        running.config_path.write_text(text)  # dry_run gone: live from the reload on
        assert running.proc is not None
        running.proc.send_signal(signal.SIGHUP)
        reloaded = next(line for line in running.wait_log("reloaded:").splitlines() if "reloaded:" in line)
        assert "dry run" not in reloaded
        live_journal.write("GET / 200")  # the read loop comes round and says its STATUS
        status = _status_after(notify, "0 open incidents; 1 entry, ")  # (it said "1 entries")
        assert ", 0 matches, 0 incidents, 0 actions since " in status and status.endswith(" rules"), status
        assert running.stop(signal.SIGTERM) == 0
    finally:
        notify.close()


def test_a_live_service_says_no_dry_run(
        live_journal: LiveJournal, boom_rules: Callable[..., Path],  # noqa: F811
        service: Callable[[str], RunningService]) -> None:  # noqa: F811
    running = service(config_text(live_journal, boom_rules()))
    running.start()
    assert "dry run" not in _ready_line(running)
    assert running.stop(signal.SIGTERM) == 0


def test_a_reload_that_begins_a_dry_run_says_now_not_still(
        live_journal: LiveJournal, boom_rules: Callable[..., Path],  # noqa: F811
        service: Callable[[str], RunningService]) -> None:  # noqa: F811
    """A live service reloaded into `dry_run = true` said "reloaded: ...; still a dry run" (helper-199)."""
    text = config_text(live_journal, boom_rules(action="restart"), actions='["alert", "restart"]')
    running = service(text)
    running.start()
    running.config_path.write_text(text.replace("commit_every = 50", "commit_every = 50\ndry_run = true"))
    assert running.proc is not None
    running.proc.send_signal(signal.SIGHUP)
    reloaded = next(line for line in running.wait_log("reloaded:").splitlines() if "reloaded:" in line)
    assert f"; now a dry run (dry_run = true in {running.config_path})" in reloaded, reloaded
    assert running.stop(signal.SIGTERM) == 0
