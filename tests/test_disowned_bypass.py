"""ca8a41e disowned a journal-remote file's claim to be this machine in the live reader only: the service's first
start also reads the history of the journal_directory (baseline_keeper.warm_up, learning.learn), and the anomaly
hits its learner finds on lines written since the start are handed to the live pipeline as they are. A host of the
fleet that sent a backdated history and one fatal line, all claiming the collector's _MACHINE_ID, had the collector
decide a restart of its own unit. And tail --act's one merged reader took a directory as vouching when the files
it lists did, while sd-journal also reads subdirectories named as machine ids in capitals or as a UUID, and
symbolic links; with no directory, the local journal (sd-journal's LOCAL_ONLY, as logsentry opens it) was taken as
vouching whole, while it reads the files at the top of /var/log/journal and /run/log/journal too, where journald
writes none and `systemd-journal-remote --output=/var/log/journal/` does (tail --act decided 'would restart'; seen
with journalctl and the tail in a mount namespace with a directory bound over /var/log). Real journal-remote files,
the real service and the real tail."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import LOCAL_MACHINE, entry
from test_disowned_machine import OTHER, journal, tail_act
from test_service import BOOM_RULE

from logsentry.handover import LEARN_DELAY_ENV
from logsentry.sources import fanin_files
from logsentry.sources.fanin_files import vouched
from logsentry.sources.journal_files import build_journal, export_bytes

pytestmark = pytest.mark.skipif(not LOCAL_MACHINE, reason="needs /etc/machine-id")

FATAL_RESTART = '''id = "fatal-restart"
title = "a new fatal line: restart"
severity = "critical"
action = "restart"
[anomaly]
kind = "new-template"
level = "crit"
warm_after = "1h"
warm_entries = 200
novel_for = "1h"
[trigger]
count = 1
within = "10m"
'''


def test_the_history_learner_disowns_a_remote_files_claim(live_journal, tmp_path: Path) -> None:
    from test_service import RunningService

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "fatal-restart.toml").write_text(FATAL_RESTART)  # a site's anomaly rule that restarts
    running = RunningService(tmp_path, f'''
state_dir = "{tmp_path / 'state'}"
journal_directory = "{live_journal.directory}"
rules = ["{rules}"]
[[watch]]
units = ["app"]
actions = ["alert", "restart"]
''')
    running.env = {**os.environ, LEARN_DELAY_ENV: "5"}  # the file arrives before the learner reads (a loaded machine)
    live_journal.write("hello", unit="other.service")  # this machine's own journald's file
    live_journal.wait_written()
    running.start("--dry-run")  # the first start: the history is learnt
    try:
        now = time.time_ns() // 1000
        history = [entry(f"GET /health {n} 200", unit="app.service", _MACHINE_ID=LOCAL_MACHINE,
                         __REALTIME_TIMESTAMP=now - 7_200_000_000 + n * 25_000_000,
                         __MONOTONIC_TIMESTAMP=1 + n * 25_000_000) for n in range(250)]  # warm: 2 h, 250 lines
        fatal = entry("panic: forged", unit="app.service", priority=2, _MACHINE_ID=LOCAL_MACHINE,
                      __REALTIME_TIMESTAMP=now, __MONOTONIC_TIMESTAMP=7_200_000_000)
        (tmp_path / "build").mkdir()
        forged = build_journal(export_bytes([*history, fatal]), tmp_path / "build" / "remote-evil.journal")
        shutil.move(forged, live_journal.directory / "remote-evil.journal")  # a new host's file
        running.wait_log("learnt baselines from 251 entries", timeout=30)  # the learner read the forged file
        running.wait_log("found by the history learner", timeout=10)  # and handed its hits over
        time.sleep(1)
        log = running.log()
        assert "would restart app.service" not in log, log
    finally:
        running.stop()


@pytest.mark.parametrize("layout", ["capitals", "uuid", "linked-directory", "linked-file"])
def test_tail_act_judges_every_file_sd_journal_reads(tmp_path: Path, layout: str) -> None:
    """Beside this machine's own journald's directory (which vouches), a file sd-journal reads too (journalctl -D,
    systemd 252) that claims this machine: the claim is disowned for the whole reader."""
    directory = tmp_path / "journal"
    journal(directory / LOCAL_MACHINE / "system.journal", [("app.service", "started")], LOCAL_MACHINE)
    forged = [("app.service", "BOOM restart-me")]
    other = "0123456789ABCDEF0123456789ABCDEF"
    if layout == "capitals":
        journal(directory / other / "remote-evil.journal", forged, LOCAL_MACHINE)
    elif layout == "uuid":
        journal(directory / "01234567-89ab-cdef-0123-456789abcdef" / "remote-evil.journal", forged, LOCAL_MACHINE)
    elif layout == "linked-directory":
        journal(tmp_path / "remote" / "remote-evil.journal", forged, LOCAL_MACHINE)
        (directory / other.lower()).symlink_to(tmp_path / "remote")
    else:
        journal(tmp_path / "remote" / "remote-evil.journal", forged, LOCAL_MACHINE)
        (directory / "remote-evil.journal").symlink_to(tmp_path / "remote" / "remote-evil.journal")
    action, records = tail_act(directory, tmp_path)
    assert action["action"] == "alert", action
    assert "restart-me" in json.dumps(records)  # sd-journal read the file


def test_the_local_journal_vouches_through_this_machines_directory_alone(tmp_path: Path, monkeypatch) -> None:
    """The local journal's roots (fanin_files.LOCAL_ROOTS, here a missing /run and a /var of real journal files):
    this machine's own directory vouches; another machine's is not read (LOCAL_ONLY); a file at the root, or in
    a directory named as this machine in capitals, is read and cannot vouch."""
    root = tmp_path / "var-log-journal"
    monkeypatch.setattr(fanin_files, "LOCAL_ROOTS", (tmp_path / "run-log-journal", root))
    journal(root / LOCAL_MACHINE / "system.journal", [("app.service", "started")], LOCAL_MACHINE)
    journal(root / OTHER / "remote-web.journal", [("app.service", "BOOM web")], LOCAL_MACHINE)
    assert vouched(LOCAL_MACHINE, None, ())
    forged = journal(root / "remote-evil.journal", [("app.service", "BOOM restart-me")], LOCAL_MACHINE)
    assert not vouched(LOCAL_MACHINE, None, ())
    forged.unlink()
    journal(root / LOCAL_MACHINE.upper() / "remote-evil.journal", [("app.service", "BOOM restart-me")], LOCAL_MACHINE)
    assert not vouched(LOCAL_MACHINE, None, ())
    assert vouched("", None, ())  # nothing to vouch for (restart.machine_id: taken as claimed)


def test_tail_act_judges_a_file_that_appears_while_it_follows(live_journal, tmp_path: Path) -> None:
    """tail --act -D asked whether the directory vouches once, at its start, when only this machine's own
    journald's directory was there; a journal-remote file that appeared later (a host's first upload) was read at
    once by sd-journal and its claim to be this machine taken ('restart'). It is asked again for each batch."""
    from test_tail import PROBE_RULE, Tail

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM_RULE.format(action="restart", within="60s", group=""))
    (rules / "probe.toml").write_text(f'id = "probe"\n{PROBE_RULE}')  # what tail.ready writes, shown
    config = tmp_path / "site.toml"
    config.write_text(f'dry_run = true\nstate_dir = "{tmp_path / "state"}"\n'
                      '[[watch]]\nunits = ["app"]\nactions = ["restart", "alert"]\n')
    live_journal.write("started")
    live_journal.wait_written()
    tail = Tail("-D", str(live_journal.directory), "-o", "json", "--act", "-c", str(config), "--rules", str(rules),
                "--no-shipped-rules")
    try:
        tail.ready(live_journal)  # following: this machine's own journald's file, which vouches
        forged = journal(tmp_path / "build" / "remote-evil.journal", [("app.service", "BOOM restart-me")],
                         LOCAL_MACHINE)
        shutil.move(forged, live_journal.directory / "remote-evil.journal")
        lines = tail.read_until(lambda line: json.loads(line)["type"] == "action")
        [action] = [record for record in map(json.loads, lines) if record["type"] == "action"][:1]
        assert action["action"] == "alert", action
    finally:
        tail.kill()


def test_baseline_learn_disowns_a_remote_files_claim(tmp_path: Path) -> None:
    """`logsentry baseline learn` learnt a journal-remote file's claim to be this machine into this machine's
    baselines (helper B, last stop): a forged history makes a real failure's template known, so the new-template
    rules would never page it. It learns such lines as an entry of no known machine, as the service's learner."""
    from conftest import run_cli

    from logsentry.engine.baseline import Baselines
    from logsentry.state import State

    directory = tmp_path / "journal"
    journal(directory / LOCAL_MACHINE / "system.journal", [("app.service", f"GET /health {n} 200") for n in range(5)],
            LOCAL_MACHINE)
    journal(directory / "remote-evil.journal", [("app.service", f"database shard {n} unreachable, giving up")
                                                 for n in range(20)], LOCAL_MACHINE)
    done = run_cli("baseline", "learn", "-D", str(directory), "--state-dir", str(tmp_path / "state"),
                   "-c", str(tmp_path / "none.toml"))
    assert done.exit_code == 0, done.output
    baselines = Baselines()
    State(tmp_path / "state" / "state.db").load_baselines(baselines)
    # one merged reader cannot tell its files apart: with a file that cannot vouch, every claim is disowned (the
    # service's learner does the same; its live fan-in reader keeps this machine's own file's lines)
    assert {key: stats.entries for key, stats in baselines.units.items()} == {"app.service": 25}
