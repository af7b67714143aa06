"""`logsentry baseline show` only reads the service's state: it opens it read-only (sqlite's mode=ro, as
`hosts` and `config check` do), so it works on a state this user may read but not write (it crashed with a
traceback: "attempt to write a readonly database") and changes nothing there, and a user who may not read
it is told why. Real parts: baselines learnt by `baseline learn` from a journal file built with
systemd-journal-remote, the CLI in a subprocess as nobody (setpriv), so the tests need root (as CI has)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import entry
from test_readonly_commands import NOBODY, files, logsentry, needs_root, place  # noqa: F401  (fixture)


def learnt_state(directory: Path, make_journal) -> Path:  # type: ignore[no-untyped-def]
    journal = make_journal([entry(f"GET /item/{n} 200", unit="api.service", at=n * 10.0) for n in range(30)])
    state = directory / "state"
    learnt = logsentry("baseline", "learn", "--state-dir", str(state), "-D", str(journal.parent), "--since", "@0")
    assert learnt.returncode == 0, learnt.stderr
    assert not (state / "state.db-wal").exists()  # closed: as a stopped service leaves it
    return state


@needs_root
def test_baseline_show_reads_a_state_it_may_not_write_and_leaves_it_as_it_was(place: Path, make_journal) -> None:  # noqa: F811
    state = learnt_state(place, make_journal)
    state.chmod(0o755)  # readable by all, writable by root only
    before = files(state)
    shown = logsentry("baseline", "show", "--state-dir", str(state), "-u", "api", "-o", "json", user=NOBODY)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    unit = json.loads(shown.stdout.splitlines()[0])
    assert (unit["type"], unit["unit"], unit["entries"]) == ("unit", "api.service", 30)
    table = logsentry("baseline", "show", "--state-dir", str(state), user=NOBODY)
    assert table.returncode == 0 and "api.service" in table.stdout, table.stderr
    assert files(state) == before  # nothing written, converted or made beside it (-wal, -shm)


@needs_root
def test_baseline_show_tells_a_user_who_may_not_read_the_state_why(place: Path, make_journal) -> None:  # noqa: F811
    state = learnt_state(place, make_journal)
    assert state.stat().st_mode & 0o777 == 0o700  # as State makes it
    config = place / "logsentry.toml"  # the service's config names the state (no --state-dir, which click checks)
    config.write_text(f'state_dir = "{state}"\n')
    shown = logsentry("baseline", "show", "-c", str(config), user=NOBODY)
    assert (shown.returncode, shown.stdout) == (2, "")  # it said "no saved state" before
    assert shown.stderr == (f"logsentry: cannot read the state in {state / 'state.db'}: permission denied ({state} "
                            "is mode 0700, owner root): run this as root\n")


@needs_root
def test_accept_and_forget_say_why_they_cannot_change_the_state(place: Path, make_journal) -> None:  # noqa: F811
    state = learnt_state(place, make_journal)
    config = place / "logsentry.toml"
    config.write_text(f'state_dir = "{state}"\n')
    hidden = logsentry("baseline", "forget", "-c", str(config), "-u", "api", user=NOBODY)
    assert (hidden.returncode, hidden.stderr) == (2, f"logsentry: cannot read the state in {state / 'state.db'}: "
                                                     f"permission denied ({state} is mode 0700, owner root): run "
                                                     "this as root\n")  # it said "no saved state"
    state.chmod(0o755)
    before = files(state)
    for command in (["forget", "-u", "api"], ["accept", "0123456789abcdef"]):
        done = logsentry("baseline", *command, "-c", str(config), user=NOBODY)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith(f"logsentry: cannot write the state in {state / 'state.db'}: "), done.stderr
        assert done.stderr.endswith("(learn, accept and forget change it: run this as the user the service runs "
                                    "as, or root)\n")
    assert files(state) == before
