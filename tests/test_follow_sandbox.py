"""Follow vs scan against a real systemd + journald (the sandbox, tests/sandbox.py), across `journalctl --rotate`,
`systemctl restart systemd-journald`, a journald killed with SIGKILL (systemd starts it again; it sets its file
aside as `system@….journal~` and begins a new one) and `journalctl --vacuum-files` (issue 15). Two units log a
steady mix of lines the shipped rules match (tests/follow_sandbox_rig.py) while three readers follow the
sandbox's journal: ScanningFollower screened as `run` reads, `logsentry tail -o json` (unscreened) and
`logsentry run` itself (a journal_directory: sources/fanin.py), stopped before the journald restarts and
started again after them. Then the journal (the vacuumed files kept aside) is scanned after the fact.

- The follower hands over every entry of the units exactly once (no loss, no duplicate at any of those
  steps) and gives exactly the events of the scan source, with all shipped rules (the anomaly rules warm
  after a second here).
- `tail -o json` prints the records `scan -o json` prints.
- The service reads each entry once over its two runs and counts the scan's matches and incidents per rule.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from follow_sandbox_rig import (
    LAST_RULE,
    NAMES,
    SEQ,
    UNITS,
    Followed,
    Service,
    Tail,
    at_end,
    detector,
    fast_anomaly_rules,
    in_any_order,
    journal_entries,
    lost_and_twice,
    scan_json,
    units_in,
    wait_until,
)
from receivers import HttpReceiver
from sandbox import Sandbox
from test_follow import event_key

from logsentry.pipeline import Pipeline
from logsentry.sources.journal import JournalLocation
from logsentry.sources.screening import ScreeningJournalSource
from logsentry.sources.selection import Selection

STEP = 400
"""Rounds of chatter's the follower must have read after each step (rotations, restarts) before the next one."""
ROTATIONS = 3
"""Rotations in a row: a reader that loses a file's last lines may be lucky once (a fan-in that skipped a rotated
file's unread tail passed 1 of 4 runs with one rotation)."""


def inside(box: Sandbox, *argv: str) -> None:
    """A command in the sandbox (journalctl, systemctl), which must succeed."""
    done = subprocess.run([*box.systemctl[:-1], *argv], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}: {done.stderr}"


def journald_steps(box: Sandbox, followed: Followed, service: Service) -> None:
    """Rotations, then (the service down) journald restarted and killed; each once the follower is past the last."""
    at = followed.read_past(STEP)
    for rotations in range(1, ROTATIONS + 1):
        inside(box, "journalctl", "--rotate")
        archived = list(box.journal.glob("*/system@*.journal"))
        assert len(archived) == rotations, archived  # journald archived its file and went on in a new one
        at = followed.read_past(at + STEP // ROTATIONS)
    service.stop()  # and started again after both journald restarts: it resumes in files rotated meanwhile
    journald = box.show("systemd-journald.service", "MainPID")
    inside(box, "systemctl", "restart", "systemd-journald")
    assert box.show("systemd-journald.service", "MainPID") not in ("0", journald)  # (it goes on in its file)
    at = followed.read_past(at + STEP)
    journald = box.show("systemd-journald.service", "MainPID")
    inside(box, "systemctl", "kill", "--signal=SIGKILL", "systemd-journald")
    wait_until(lambda: box.show("systemd-journald.service", "MainPID") not in ("0", journald), 20,
               "systemd to restart the killed journald")
    wait_until(lambda: list(box.journal.glob("*/system@*.journal~")), 20, "journald to set aside its file")
    followed.read_past(at + STEP)
    service.start()


def vacuum(box: Sandbox, kept: Path, service: Service, since_usec: int) -> None:
    """journald deletes the archived files (copied to `kept` for the scan after the fact), once the service has
    read them (the follower is past them): what a reader had not read would be gone, as for journalctl -f."""
    kept.mkdir()
    for archived in box.journal.glob("*/system@*"):
        shutil.copy2(archived, kept / archived.name)
    in_archives = journal_entries(sorted(kept.iterdir()), *(f"--unit={unit}" for unit in UNITS))
    lines = sum(n for (usec, _), n in in_archives.items() if usec > since_usec)
    wait_until(lambda: service.read() >= lines, 30,
               lambda: f"logsentry run to read the archived files' {lines} entries (it read {service.read()})")
    inside(box, "journalctl", "--vacuum-files=1")
    assert not list(box.journal.glob("*/system@*"))


def test_followed_and_scanned_alike_across_rotation_and_journald_restarts(tmp_path: Path) -> None:
    scripts = Path(tempfile.mkdtemp(prefix="logsentry-writer-", dir="/var/tmp"))  # the sandbox sees /var/tmp
    box = Sandbox(units_in(scripts))
    share, hook, rules_dir = box.dir / "share", HttpReceiver(), fast_anomaly_rules(tmp_path / "rules")
    service = Service(tmp_path, box.journal, rules_dir, hook)
    followed: Followed | None = None
    tail: Tail | None = None
    try:
        service.start()
        started_usec = time.time_ns() // 1000  # it reads from where the journal ended when it started
        followed, tail = Followed(box.journal, rules_dir), Tail(tmp_path, box.journal, rules_dir)
        (share / "go").touch()
        journald_steps(box, followed, service)
        vacuum(box, tmp_path / "archived", service, started_usec)
        (share / "novel").touch()  # billing's new error template, after the restarts and the vacuum
        wait_until(lambda: followed.novel >= 4, 20, "the follower to read 4 lines of the new template")
        (share / "stop").touch()
        wait_until(lambda: all((share / f"written-{name}").exists() for name in NAMES), 20, "the units' counts")
        written = {name: tuple(map(int, (share / f"written-{name}").read_text().split())) for name in NAMES}
        files = sorted([*(tmp_path / "archived").iterdir(), *box.journal.glob("*/*.journal*")])  # the whole journal
        kept_seqs = {}
        for name, (rounds, lines) in written.items():
            followed.read_past(rounds - 1, name)
            own = journal_entries(files, f"_SYSTEMD_UNIT={name}.service")
            # journald kept (nearly) every line, else the test proves little: the SIGKILL may lose the few
            # lines it had read from a unit's stdout and not yet written (seen once in a loaded CI run: 1 of 3776)
            assert lines - 3 <= sum(own.values()) <= lines, (sum(own.values()), lines)
            kept_seqs[name] = Counter(int(seq[2]) for (_, message), n in own.items() for _ in range(n)
                                      if (seq := SEQ.match(message)) and seq[1] == name)
        # the units' lines and PID 1's about them, as `journalctl -u` (and the readers' selection) takes them
        in_journal = journal_entries(files, *(f"--unit={unit}" for unit in UNITS))
        wait_until(lambda: followed.count >= sum(in_journal.values()), 20, None)
        followed.stop()
        for name, (rounds, _) in written.items():
            seqs = Counter(int(seq[2]) for (_, message), n in followed.entries.items() for _ in range(n)
                           if (seq := SEQ.match(message)) and seq[1] == name)
            assert seqs == kept_seqs[name], f"{name}: " + lost_and_twice(seqs, rounds)  # every line journald kept
        assert followed.entries == in_journal and max(followed.entries.values()) == 1

        rules = detector(rules_dir)
        scanned = list(Pipeline(detector(rules_dir)).run(ScreeningJournalSource(
            JournalLocation(files=tuple(files)), Selection(units=UNITS), rules.screen(), rules.needed_fields)))
        keys = [event_key(event) for event in scanned]
        rules_hit = Counter(key[1] for key in keys if key[0] == "match")
        for rule in ("ghc-mvar-deadlock", "disk-full", "jvm-out-of-memory", "error-burst", "new-error-template",
                     LAST_RULE):
            assert rules_hit[rule] > 0, rules_hit
        assert {"incident", "ended"} <= {key[0] for key in keys}
        assert [event_key(event) for event in followed.events] == keys

        # tail: once it has shown the incidents (a failure is given out when its settling time has passed),
        # the same records; in the same order but for what the input's end gave (scan gives a failure still
        # settling there after ending the open incidents, tail when its settling time passed).
        scanned_json = scan_json(tmp_path, files, rules_dir)
        fired = [r for r in scanned_json if r["type"] == "incident"]
        wait_until(lambda: [r for r in tail.records() if r["type"] == "incident"] == fired, 20,
                   "logsentry tail to show the incidents")
        tailed = tail.stop()
        assert in_any_order(tailed) == in_any_order(scanned_json)
        assert [r for r in tailed if not at_end(r)] == [r for r in scanned_json if not at_end(r)]

        lines = sum(n for (usec, _), n in in_journal.items() if usec > started_usec)
        wait_until(lambda: service.read() >= lines, 30,
                   lambda: f"logsentry run to read {lines} entries (it read {service.read()})")
        service.stop()
        assert service.counted("logsentry_entries_read_total") == {"": lines}, service.log.read_text()[-1500:]
        assert service.counted("logsentry_matches_total") == rules_hit
        assert service.counted("logsentry_incidents_total") == Counter(k[1] for k in keys if k[0] == "incident")
    finally:
        if followed is not None:
            followed.finish.set()
        if tail is not None:
            tail.close()
        service.close()
        hook.close()
        box.close()
        shutil.rmtree(scripts, ignore_errors=True)
