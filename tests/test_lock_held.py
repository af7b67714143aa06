"""state_open.lock_held: whether a service holds a state directory, told without taking its lock (`logsentry
incidents resolve` then waits for an answer only when someone can give it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from logsentry.state_open import StateLock, lock_held


def test_a_held_lock_is_seen_in_the_kernels_list(tmp_path: Path) -> None:
    lock = StateLock(tmp_path)  # a real flock, listed in the real /proc/locks
    try:
        assert lock_held(tmp_path) is True
    finally:
        lock.close()


def test_a_lock_left_by_a_gone_process_is_free(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from logsentry.state_open import StateLock; "
            "StateLock(Path(sys.argv[1]))")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)  # locked, then the process ended
    assert (tmp_path / "lock").read_text().strip().isdigit()
    assert lock_held(tmp_path) is False


def test_a_live_holder_not_in_the_list_is_not_called_stopped(tmp_path: Path) -> None:
    """A file system whose devices /proc/locks names otherwise: the PID in the lock file is alive, so unknown."""
    lock = StateLock(tmp_path)
    try:
        empty = tmp_path / "locks"
        empty.write_text("")
        assert lock_held(tmp_path, empty) is None
    finally:
        lock.close()


def test_no_lock_file_is_unknown(tmp_path: Path) -> None:
    assert lock_held(tmp_path) is None
