"""`logsentry hosts`, `incidents` and `config check` only read the service's state: they open it read-only (sqlite's
mode=ro), never write it, and a user who may not read it is told what could not be read and why, not
shown a traceback. Real parts: a state saved by `State`, the real CLI in a subprocess, run as nobody
(uid 65534, via setpriv) where permissions matter, so the tests need root (as CI has)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from logsentry.state import OutboxItem, State

NOBODY = 65534
DB2 = "d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2"
needs_root = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                                reason="runs the commands as another user (setpriv as root)")


@pytest.fixture
def place() -> Iterator[Path]:
    """A directory nobody can reach (pytest's tmp_path is under a 0700 directory of root's)."""
    directory = Path(tempfile.mkdtemp(prefix="logsentry-ro-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)


def saved_state(place: Path, unit: str = "api.service", last_error: str = "") -> Path:
    """A state as the service leaves it: one host saved, one alert waiting after a failed try."""
    config = place / "logsentry.toml"
    config.write_text(f'state_dir = "{place / "state"}"\njournal_directory = "{place}"\nhostname = "collector"\n')
    state = State(place / "state" / "state.db")
    state.commit({"hosts": [[DB2, 1_764_584_638_825_000, "db-2", unit, "checkpoint", "c", 0, 0, None]]},
                 [OutboxItem("alert:1", "alert", {"event": "firing", "rule": "boom", "unit": unit})], 1)
    if last_error:
        state.update(state.outbox()[0].id, status="pending", last_error=last_error)
    state.close()
    return config


def logsentry(*args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user is not None else []
    return subprocess.run([*prefix, sys.executable, "-m", "logsentry", *args], capture_output=True, text=True,
                          check=False, timeout=60, cwd="/")


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir()}


@needs_root
def test_a_user_who_may_not_read_the_state_is_told_why(place: Path) -> None:
    config = saved_state(place)
    assert (place / "state").stat().st_mode & 0o777 == 0o700  # as State makes it
    why = (f"cannot read the state in {place / 'state' / 'state.db'}: permission denied ({place / 'state'} is "
           "mode 0700, owner root): run this as root")
    hosts = logsentry("hosts", "-c", str(config), user=NOBODY)
    assert (hosts.returncode, hosts.stderr) == (2, f"logsentry: {why}\n")
    incidents = logsentry("incidents", "-c", str(config), user=NOBODY)
    assert (incidents.returncode, incidents.stderr) == (2, f"logsentry: {why}\n")
    check = logsentry("config", "check", "-c", str(config), user=NOBODY)
    assert "Traceback" not in check.stderr, check.stderr
    assert f"warning: cannot read the outbox: {why}\n" in check.stderr
    assert "rules: " in check.stdout and check.returncode == 0  # the rest of its report


@needs_root
def test_a_state_this_user_can_read_but_not_write_is_read_and_left_as_it_was(place: Path) -> None:
    config = saved_state(place, last_error="am: Alertmanager did not accept the alert: HTTP 503")
    (place / "state").chmod(0o755)  # readable by all, writable by root only; no -wal: the service is stopped
    before = files(place / "state")
    hosts = logsentry("hosts", "-c", str(config), user=NOBODY)
    assert hosts.returncode == 0, hosts.stderr
    assert hosts.stdout.startswith(f"db-2 (machine {DB2}): newest entry "), hosts.stdout
    incidents = logsentry("incidents", "-c", str(config), user=NOBODY)
    assert (incidents.returncode, incidents.stdout) == (0, f"no incident open in {place / 'state' / 'state.db'} "
                                                            "(as the service last saved it)\n"), incidents.stderr
    check = logsentry("config", "check", "-c", str(config), user=NOBODY)
    assert "  firing boom on api.service: am: Alertmanager did not accept the alert: HTTP 503" in check.stderr
    assert files(place / "state") == before  # nothing written, converted or made beside it (-wal, -shm)


def test_config_check_shows_a_unit_name_from_the_journal_escaped(place: Path) -> None:
    unit = "evil\x1b]0;pwned\x07\x1b[31m.service"
    config = saved_state(place, unit=unit, last_error="am: HTTP 500 \u202egnp.exe\x9b31m")
    check = logsentry("config", "check", "-c", str(config))
    assert "\x1b" not in check.stderr and "\x07" not in check.stderr and "\x9b" not in check.stderr
    assert "\u202e" not in check.stderr
    assert ("  firing boom on evil\\x1b]0;pwned\\x07\\x1b[31m.service: am: HTTP 500 \\u202egnp.exe\\x9b31m"
            in check.stderr), check.stderr
