"""A failure's card quotes what systemd itself said was wrong with the unit (engine/unit_causes.py): PID 1's
"<unit>: Failed to ..." lines, its "... operation timed out" line, and systemd-oomd's kill. Trial 72 (F5): a
docker.service card said "Failed with result 'resources'" without the missing environment file, a start-pre
timeout's card not which step hung, an oomd kill's card "killed by signal 9/KILL" without oomd. Only PID 1's (or a
user manager's) lines about the unit they name, and oomd's own, count: a program printing the words changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import entry, run_cli

ENV_FILE = """\
Dec 02 21:59:54 rpi1 systemd[1]: docker.service: Unit entered failed state.
Dec 02 21:59:54 rpi1 systemd[1]: docker.service: Failed with result 'resources'.
Dec 02 21:59:56 rpi1 systemd[1]: docker.service: Service hold-off time over, scheduling restart.
Dec 02 21:59:56 rpi1 systemd[1]: Stopped Docker Application Container Engine.
Dec 02 21:59:56 rpi1 systemd[1]: docker.service: Failed to load environment files: No such file or directory
Dec 02 21:59:56 rpi1 systemd[1]: docker.service: Failed to run 'start-pre' task: No such file or directory
Dec 02 21:59:56 rpi1 systemd[1]: Failed to start Docker Application Container Engine.
Dec 02 22:30:00 rpi1 dockerd[99]: other.service: Failed to load environment files: No such file or directory
Dec 02 22:30:01 rpi1 systemd[1]: other.service: Failed with result 'exit-code'.
"""

START_PRE = """\
Oct 14 15:36:08 pve systemd[1]: ping-instances.service: start-pre operation timed out. Terminating.
Oct 14 15:36:08 pve systemd[1]: ping-instances.service: Control process exited, code=killed, status=15/TERM
Oct 14 15:36:08 pve systemd[1]: ping-instances.service: Failed with result 'timeout'.
Oct 14 15:36:08 pve systemd[1]: Failed to start ping-instances.service - Ping instances.
Oct 14 16:00:00 pve systemd[1]: ping-instances.service: Failed to set 'memory.max' attribute, ignoring: Device busy
Oct 14 16:00:01 pve systemd[1]: ping-instances.service: Main process exited, code=exited, status=1/FAILURE
Oct 14 16:00:01 pve systemd[1]: ping-instances.service: Failed with result 'exit-code'.
"""

OOMD = """\
Jan 09 14:32:25 H systemd-oomd[70]: Memory pressure for /user.slice/user-4711.slice/work.slice is 74.23% > 20.00% \
for > 2s with reclaim activity
Jan 09 14:32:25 H systemd-oomd[70]: oomd attempting to kill 113 with KILL
Jan 09 14:32:25 H systemd[34]: bloat.service: Main process exited, code=killed, status=9/KILL
Jan 09 14:32:25 H systemd[34]: bloat.service: Failed with result 'signal'.
Jan 09 14:40:00 H systemd[34]: later.service: Main process exited, code=killed, status=9/KILL
Jan 09 14:40:00 H systemd[34]: later.service: Failed with result 'signal'.
"""


def card(output: str, unit: str) -> str:
    """The panel of the unit's incident in the text report."""
    return next(block for block in output.split("╭") if f"({unit})" in block.split("\n", 2)[1]
                or f" {unit} " in block.split("\n", 2)[1])


def flat(text: str) -> str:
    """A card's text with its box and line breaks gone (a long line wraps)."""
    return " ".join(part.strip(" │") for part in text.splitlines())


def test_a_text_failures_card_quotes_pid1s_own_cause_lines(tmp_path: Path) -> None:
    log = tmp_path / "docker.log"
    log.write_text(ENV_FILE)
    done = run_cli("scan", "--file", str(log))
    assert done.exit_code == 0, done.output
    mine = flat(card(done.stdout, "docker.service"))
    assert "systemd said: docker.service: Failed to load environment files: No such file or directory" in mine, mine
    assert "systemd said: docker.service: Failed to run 'start-pre' task: No such file or directory" in mine, mine
    assert "Failed to start Docker" not in mine  # the job's line is no cause
    assert "systemd said" not in card(done.stdout, "other.service")  # dockerd's words are no PID 1's
    records = [json.loads(line) for line in run_cli("scan", "--file", str(log), "-o", "json").stdout.splitlines()]
    said = [record.get("systemd_said") for record in records if record.get("unit") == "(docker.service)"
            and record.get("systemd_said")]
    assert said and "docker.service: Failed to load environment files: No such file or directory" in said[0]


def test_a_timeouts_card_says_which_step_hung_and_not_a_later_runs(tmp_path: Path) -> None:
    log, page = tmp_path / "ping.log", tmp_path / "ping.html"
    log.write_text(START_PRE)
    done = run_cli("scan", "--file", str(log), "--html", str(page))
    assert done.exit_code == 0, done.output
    cards = [flat(block) for block in done.stdout.split("╭") if "(ping-instances.service)" in block]
    timeout = next(text for text in cards if "'timeout'" in text)
    assert "systemd said: ping-instances.service: start-pre operation timed out. Terminating." in timeout, timeout
    assert "control process: killed by signal 15/TERM systemd said:" in timeout  # under the exit, above the action
    later = next(text for text in cards if "'exit-code'" in text)
    assert "systemd said" not in later, later  # the timeout ended a run before it; ", ignoring" is no cause
    assert "<div>systemd said: ping-instances.service: start-pre operation timed out. Terminating.</div>" \
        in page.read_text()


def test_an_oomd_kill_in_the_same_second_is_said_by_time(tmp_path: Path) -> None:
    log = tmp_path / "oomd.log"
    log.write_text(OOMD)
    done = run_cli("scan", "--file", str(log))
    assert done.exit_code == 0, done.output
    mine = flat(card(done.stdout, "bloat.service"))
    assert "systemd said: systemd-oomd, the same second (by time): Memory pressure for" in mine, mine
    assert "oomd attempting to kill 113 with KILL" in mine, mine
    assert "systemd-oomd" not in card(done.stdout, "later.service").split("╰")[0]  # minutes later: not oomd's


UNIT = "ledger.service"


def pid1(message: str, at: float, unit: str = UNIT) -> dict[str, Any]:
    """PID 1's line about the unit, as systemd 252 writes it (UNIT=, from init.scope)."""
    return entry(f"{unit}: {message}", unit=None, at=at, priority=5, _PID="1", _UID="0",
                 _SYSTEMD_UNIT="init.scope", SYSLOG_IDENTIFIER="systemd", UNIT=unit)


def oomd(message: str, at: float, unit: str = "systemd-oomd.service") -> dict[str, Any]:
    return entry(message, unit=unit, at=at, priority=6, _PID="612", _UID="975", _COMM="systemd-oomd",
                 SYSLOG_IDENTIFIER="systemd-oomd")


def test_a_journals_card_quotes_pid1s_causes_and_oomds_kill_of_its_cgroup(make_journal: Any) -> None:
    lines = [entry(f"{UNIT}: Failed to mount /secret: Permission denied", unit=UNIT, at=0.5,
                   priority=3, _PID="4001"),  # the unit's own (forged) words: not PID 1's
             pid1("Failed to load environment files: No such file or directory", 1.0),
             pid1("Failed to run 'start' task: No such file or directory", 1.0),
             pid1("Failed with result 'resources'.", 1.1),
             oomd("Killed /system.slice/cardbuild.service due to memory pressure for /system.slice being 57.97% > "
                  "50.00% for > 20s with reclaim activity", 60.0),
             pid1("systemd-oomd killed 12 process(es) in this unit.", 60.1, "cardbuild.service"),
             pid1("Main process exited, code=killed, status=9/KILL", 60.1, "cardbuild.service"),
             pid1("Failed with result 'oom-kill'.", 60.2, "cardbuild.service"),
             # a process of another unit naming itself oomd: its "kill" is nobody's cause
             oomd("Killed /system.slice/victim.service due to memory pressure for /system.slice being 99.00% > "
                  "50.00% for > 20s with reclaim activity", 120.0, unit="evil.service"),
             pid1("Main process exited, code=killed, status=9/KILL", 120.1, "victim.service"),
             pid1("Failed with result 'signal'.", 120.2, "victim.service"),
             oomd("oomd attempting to kill 4242 with KILL", 180.0),  # (its debug line names a PID: by time)
             pid1("Main process exited, code=killed, status=9/KILL", 180.3, "batch.service"),
             pid1("Failed with result 'signal'.", 180.4, "batch.service")]
    done = run_cli("scan", "--file", str(make_journal(lines)))
    assert done.exit_code == 0, done.output
    mine = flat(card(done.stdout, UNIT))
    assert mine.count("systemd said:") == 2 and "/secret" not in mine.split("action:")[0], mine
    assert "systemd said: ledger.service: Failed to run 'start' task: No such file or directory" in mine, mine
    built = flat(card(done.stdout, "cardbuild.service"))
    assert "systemd said: systemd-oomd: Killed /system.slice/cardbuild.service due to memory pressure" in built
    assert "by time" not in built, built  # oomd named its cgroup: its own word, not one by time
    assert "systemd said" not in card(done.stdout, "victim.service").split("╰")[0]
    assert "systemd said: systemd-oomd, the same second (by time): oomd attempting to kill 4242 with KILL" \
        in flat(card(done.stdout, "batch.service"))


def test_a_mount_with_no_mount_after_its_process_says_so(make_journal: Any, tmp_path: Path) -> None:
    """mount.c's `Mount process finished, but there is no mount.` is why a mount's result is 'protocol' (mount(8)
    exited 0, no mount appeared): trial 72's 28 card quoted the result alone. A journal's and a text's card say it."""
    mount = "usr-local-texlive.mount"
    lines = [entry(f"{mount}: Mount process finished, but there is no mount.", unit=None, at=1.0, priority=4,
                   _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope", SYSLOG_IDENTIFIER="systemd", UNIT=mount),
             pid1("Failed with result 'protocol'.", 1.001, mount)]
    said = f"systemd said: {mount}: Mount process finished, but there is no mount."
    assert said in flat(card(run_cli("scan", "--file", str(make_journal(lines))).stdout, mount))
    log = tmp_path / "boot.log"
    log.write_text(f"Jan 24 01:06:57 tex systemd[1]: {mount}: Mount process finished, but there is no mount.\n"
                   f"Jan 24 01:06:57 tex systemd[1]: {mount}: Failed with result 'protocol'.\n"
                   "Jan 24 01:06:57 tex systemd[1]: Failed to mount /usr/local/texlive.\n")
    assert said in flat(card(run_cli("scan", "--file", str(log)).stdout, mount))
