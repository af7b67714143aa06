"""`config check` says which journal the service reads (F8's finding: `journal_directory` was not printed, so a
collector's config read the same as a single host's), and still nothing secret: channels' URLs stay masked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import entry
from test_durations_systemd import config_check

SECRET = "XyzzyPass"
CHANNEL = f'[[channel]]\nname = "hook"\ntype = "apprise"\nurl = "json://user:{SECRET}@127.0.0.1:9/hook?token={SECRET}"\n'


def _check(tmp_path: Path, top: str) -> list[str]:
    path = tmp_path / "logsentry.toml"
    text = f'state_dir = "{tmp_path / "state"}"\n{top}[[watch]]\nunits = ["api"]\nactions = ["alert"]\n' + CHANNEL
    path.write_text(text)
    path.chmod(0o600)
    done = config_check(path)
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    line = text.splitlines().index("[[channel]]") + 1
    assert f"alert channel #1 (line {line}): hook (apprise json://***, 3 tries)" in done.stdout.splitlines(), \
        done.stdout
    return done.stdout.splitlines()


def test_config_check_names_the_journal_it_reads(tmp_path: Path) -> None:
    remote = tmp_path / "remote"
    remote.mkdir()
    out = _check(tmp_path, f'journal_directory = "{remote}"\n')
    # (empty: a new collector before its first host sent, which `run` waits for: test_collector_empty_directory.py)
    assert f"journal: {remote} (journal_directory: its hosts' journal files), none there yet: logsentry run waits " \
           "for the first (systemd-journal-remote writes one when a host first sends)" in out, out
    [local] = [line for line in _check(tmp_path, "") if line.startswith("journal: ")]
    assert local.startswith("journal: the local journal (no journal_directory)"), local


def test_config_check_says_the_local_journal_cannot_be_read_here(tmp_path: Path) -> None:
    """Without journal_directory, on a machine whose local journal has no file this user can read, `run` would not
    start ("cannot open the local journal"): config check said nothing of it. (Asked of this machine: where it has
    a readable journal, the line is as before.)"""
    from logsentry.sources.journal import JournalLocation, JournalOpenError

    [local] = [line for line in _check(tmp_path, "") if line.startswith("journal: ")]
    try:
        JournalLocation().check_readable()
    except JournalOpenError as error:
        assert local == (f"journal: the local journal (no journal_directory), unreadable on this machine: {error}; "
                         "logsentry run would not start here (is systemd-journald running, is this user in the "
                         "systemd-journal group? a collector sets journal_directory)"), local
    else:
        assert local == "journal: the local journal (no journal_directory)", local


def test_no_unit_is_said_missing_from_a_journal_that_is_not_there(tmp_path: Path,
                                                                   make_journal: Callable[..., Path]) -> None:
    """With no journal to read (the local one unreadable here, or a journal_directory with no journal file yet),
    config check said `note: watch #1 (line 3): units: no entry of api.service in this journal` as if it had looked:
    no note then. With a journal, the note is still said (a typo, or a unit that has not logged yet)."""
    remote = tmp_path / "remote"
    remote.mkdir()
    empty = _check(tmp_path, f'journal_directory = "{remote}"\n')
    assert not any("no entry of" in line for line in empty), empty
    make_journal([entry("hello", unit="web.service")], name="remote/host.journal")
    seen = _check(tmp_path, f'journal_directory = "{remote}"\n')
    assert f"journal: {remote} (journal_directory: its hosts' journal files)" in seen, seen  # (a file there now)
    assert "note: watch #1 (line 3): units: no entry of api.service in this journal: the watch covers it once it " \
           "logs" in seen, seen
