"""`logsentry hosts` while the service runs: a host the service reads for the first time is saved with its next
commit (it waited for the minute's snapshot of the rhythms), and before any is saved the command says so rather
than a bare "no host saved" that reads as "no host seen". Real parts: `logsentry run` following a journal that
systemd-journal-remote writes from a FIFO, a state saved by `State`, the real CLI."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path

from conftest import run_cli
from test_host_stale import HostFeed
from test_hosts_command import WEB7
from test_service import RunningService

from logsentry.state import State


def test_hosts_says_when_the_service_saves_them(tmp_path: Path) -> None:
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\njournal_directory = "{tmp_path}"\n')
    state = State(tmp_path / "state" / "state.db")
    state.commit({"cursor": "s=0;i=1"}, [], 1)
    state.close()
    done = run_cli("hosts", "-c", str(config))
    assert (done.exit_code, done.stdout) == (0, f"no host saved in {tmp_path / 'state' / 'state.db'} yet: the "
                                                "service saves a host within seconds of reading its first entry\n")


def _listed_while_running(tmp_path: Path) -> tuple[RunningService, str]:
    """A service following web-7's journal until `logsentry hosts` lists it (then stopped): it and that listing."""
    directory = tmp_path / "remote"
    directory.mkdir()
    feed = HostFeed(directory, "web-7", WEB7)
    service = RunningService(tmp_path, f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{directory}"
[[watch]]
units = ["*"]
actions = ["alert"]
''')
    try:
        feed.write("starting", "api.service")
        time.sleep(0.5)  # journal-remote has made the file
        service.start()
        feed.write("GET / 200", "api.service")
        deadline = time.monotonic() + 6
        while "web-7 (machine" not in (listed := run_cli("hosts", "-c", str(service.config_path)).stdout):
            assert time.monotonic() < deadline, listed
            time.sleep(0.2)
    finally:
        feed.close()
        assert service.stop() == 0
    return service, listed


def test_a_running_service_saves_a_new_host_at_once(tmp_path: Path) -> None:
    """It saved its hosts with its rhythms, once a minute: a host it had read for 50 s was not listed."""
    _, listed = _listed_while_running(tmp_path)
    assert listed.startswith(f"web-7 (machine {WEB7}): newest entry ")


def test_hosts_says_when_the_service_saved_them(tmp_path: Path) -> None:
    """Its hosts are saved once a minute (and at a new host, and at the stop): a host that logs twice a second
    was listed with a "newest entry" a minute old, and nothing said the list was a minute old (a new user's
    finding). stderr now says when they were saved; the stop saved them again."""
    service, _ = _listed_while_running(tmp_path)
    before = time.time_ns() // 1000
    done = run_cli("hosts", "-c", str(service.config_path))
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"web-7 (machine {WEB7}): newest entry ")
    [saved] = re.findall(r"^logsentry: as the service saved them at (\S+ \S+) \(every 1min, at a new host and at its "
                         r"stop\): a host may have logged since$", done.stderr.strip())
    saved_usec = int(datetime.strptime(saved, "%Y-%m-%d %H:%M:%S.%f").timestamp() * 1_000_000)
    newest = State(tmp_path / "state" / "state.db").get("hosts")[0][1]  # (its newest entry, µs)
    assert newest <= saved_usec <= before, (newest, saved_usec, before)
    assert len(lines) == 1  # stdout: one line a host (scripts count them); when, on stderr
    assert [json.loads(line)["host"] for line in run_cli("hosts", "-c", str(service.config_path), "-o",
                                                          "json").stdout.splitlines()] == ["web-7"]  # JSON: hosts only
