"""`logsentry hosts` before the service saved any host (it saves them within a minute of reading entries, and
when it stops): it says so, rather than a bare "no host saved" that reads as "no host seen". A state saved by
`State` as the service's first commit leaves it (a cursor, no hosts yet), the real CLI."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

from logsentry.state import State


def test_hosts_says_when_the_service_saves_them(tmp_path: Path) -> None:
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\njournal_directory = "{tmp_path}"\n')
    state = State(tmp_path / "state" / "state.db")
    state.commit({"cursor": "s=0;i=1"}, [], 1)
    state.close()
    done = run_cli("hosts", "-c", str(config))
    assert (done.exit_code, done.stdout) == (0, f"no host saved in {tmp_path / 'state' / 'state.db'} yet: the "
                                                "service saves its hosts within a minute of reading entries, and "
                                                "when it stops\n")
