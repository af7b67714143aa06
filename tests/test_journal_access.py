"""Journal files this user may not read (the system journal, for a user outside the systemd-journal group):
sd-journal skips them silently, so `scan` read only the user's own journal and reported "Nothing found", and a
directory of unreadable machine-id folders had "no journal files in it". Now a partial read is warned about,
as journalctl does, and a journal nobody let this user read is an error saying why. Real journal files
built with systemd-journal-remote, laid out as journald does, the CLI as nobody (setpriv: needs root)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import entry
from test_readonly_commands import NOBODY, needs_root

MACHINE = "0123456789abcdef0123456789abcdef"
WHO_MAY = "the members of the systemd-journal and adm groups may read them all, as root does"


@pytest.fixture
def journal(make_journal) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """/var/log/journal as journald lays it out: the system journal (0640 root) and nobody's user journal."""
    place = Path(tempfile.mkdtemp(prefix="logsentry-access-"))
    place.chmod(0o755)
    folder = place / "journal" / MACHINE
    folder.mkdir(parents=True)
    system = make_journal([entry("api: thread blocked indefinitely in an MVar operation", unit="api.service",
                                 at=1.0, priority=3)], name="system.journal")
    user = make_journal([entry("hello", unit="user@65534.service", at=2.0)], name="user-65534.journal")
    for made, mode in ((system, 0o640), (user, 0o644)):
        shutil.copy(made, folder / made.name)
        (folder / made.name).chmod(mode)
    folder.parent.chmod(0o755)
    folder.chmod(0o755)
    yield place / "journal"
    shutil.rmtree(place)


def as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
                           "-m", "logsentry", *args], capture_output=True, text=True, check=False, timeout=60,
                          cwd="/")


@needs_root
def test_a_scan_that_may_read_only_some_journal_files_says_so(journal: Path) -> None:
    done = as_nobody("scan", "-D", str(journal), "-o", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["entries"] == 1  # the user's own journal only
    system = journal / MACHINE / "system.journal"
    assert done.stderr == (f"logsentry: warning: {journal}: this user may not read {system}: only the rest (1 "
                           f"journal file) is read, as journalctl does; {WHO_MAY}\n")


@needs_root
def test_a_journal_this_user_may_not_read_at_all_is_an_error_saying_why(journal: Path) -> None:
    (journal / MACHINE).chmod(0o750)  # as journald makes it on many systems: group systemd-journal
    for command in (["scan", "-D", str(journal)], ["tail", "-D", str(journal), "--plain"]):
        done = as_nobody(*command)
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr == (f"logsentry: {journal}: cannot read a journal: this user may not read its journal files "
                               f"({journal / MACHINE}: permission denied); {WHO_MAY}\n")  # "no journal files in it"


@needs_root
def test_baseline_learn_says_what_it_may_not_read(journal: Path) -> None:
    state = journal.parent / "state"
    state.mkdir(mode=0o777)
    state.chmod(0o777)
    done = as_nobody("baseline", "learn", "--state-dir", str(state), "-D", str(journal), "--since", "@0")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("learnt 1 entry of 1 unit ")
    assert done.stderr.startswith(f"logsentry: warning: {journal}: this user may not read "), done.stderr
    (journal / MACHINE).chmod(0o750)
    refused = as_nobody("baseline", "learn", "--state-dir", str(state), "-D", str(journal), "--since", "@0")
    assert refused.returncode == 2 and "this user may not read its journal files" in refused.stderr
