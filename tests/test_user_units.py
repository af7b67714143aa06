"""A user's own services (systemd --user: a desktop session's pipewire, gnome-shell, a developer's own daemons)
log under their manager's unit: journald sets `_SYSTEMD_UNIT=user@1000.service` and names the service in
`_SYSTEMD_USER_UNIT`. Read as user@1000.service, one unit held a laptop's whole session: a Haskell daemon's MVar
deadlock was reported as user@1000.service, chained to gnome-shell's JS errors as one failure, and all of them
shared windows, baselines and silence. A user unit's line is about `user@1000.service/UNIT`
(sources/selection.subject_unit), the manager's own lines about a unit (`_SYSTEMD_USER_UNIT=init.scope`,
USER_UNIT) too, as journalctl --user-unit reads them; never restarted. Real journal files (systemd-journal-remote),
both readers, and a real systemd and journald whose delegated user manager stand-in runs a unit's process in the
cgroup journald reads `_SYSTEMD_USER_UNIT` from.
"""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from conftest import entry, json_events, run_cli
from sandbox import Sandbox
from test_restart_systemd import start_logsentry, wait_until
from test_screening import SHIPPED, assert_same_events, screened_items, write_journal

from logsentry.config import Watch
from logsentry.engine.policy import Policy, not_restarted
from logsentry.model import ScreenedRun, split_host_unit
from logsentry.sources.selection import container_of, parent_of, subject_unit, unit_terms, user_unit_of

DEADLOCK = "thread blocked indefinitely in an MVar operation"
UNIT_STOPPED = "9d1aaa27d60140bd96365438aad20286"  # "Stopped X." (systemd's catalog)
MANAGER = "user@1000.service"


def user(message: str, at: float, unit: str, priority: int = 6, **fields: Any) -> dict[str, Any]:
    """A line of one of user 1000's own units, as journald stores it."""
    name = unit.split(".")[0].split("@")[0]
    return entry(message, unit=MANAGER, at=at, priority=priority, **{
        "_SYSTEMD_USER_UNIT": unit, "_SYSTEMD_OWNER_UID": "1000", "_UID": "1000", "_SYSTEMD_SLICE": "user-1000.slice",
        "SYSLOG_IDENTIFIER": name, "_COMM": name[:15], "_PID": "2000", **fields})


def manager(message: str, at: float, about: str, message_id: str = UNIT_STOPPED, **fields: Any) -> dict[str, Any]:
    """The user manager's own line about one of its units (systemd --user, in its init.scope)."""
    return user(message, at, "init.scope", USER_UNIT=about, MESSAGE_ID=message_id, SYSLOG_IDENTIFIER="systemd",
                _COMM="systemd", _PID="1500", **fields)


def app_failed(at: float) -> list[dict[str, Any]]:
    """The manager's lines of app.service's failed run: its main process exited 1, the unit failed."""
    return [manager("app.service: Main process exited, code=exited, status=1/FAILURE", at, "app.service",
                    "98e322203f7a4ed290d09fe03c09fe15"),
            manager("app.service: Failed with result 'exit-code'.", at + 0.1, "app.service",
                    "d9b373ed55a64feb8242e02dbe79a49c")]


def get(**fields: str) -> Any:
    return fields.get


def test_a_user_units_subject_by_the_fields_journald_sets() -> None:
    own = {"_SYSTEMD_UNIT": MANAGER}
    assert subject_unit(get(**own, _SYSTEMD_USER_UNIT="pipewire.service")) == "user@1000.service/pipewire.service"
    # the manager's own lines: about the unit they name, else its own
    assert subject_unit(get(**own, _SYSTEMD_USER_UNIT="init.scope", USER_UNIT="app.service")) \
        == "user@1000.service/app.service"
    assert subject_unit(get(**own, _SYSTEMD_USER_UNIT="init.scope")) == MANAGER
    # another user unit's process claiming a unit stays its own; a name no unit has, or none: the manager's
    assert subject_unit(get(**own, _SYSTEMD_USER_UNIT="pipewire.service", USER_UNIT="app.service")) \
        == "user@1000.service/pipewire.service"
    for odd in ("pipewire", "a/b.service", "x" * 300 + ".service", ""):
        assert subject_unit(get(**own, _SYSTEMD_USER_UNIT=odd)) == MANAGER
    # a unit that is no user manager keeps its own name, whatever it says
    assert subject_unit(get(_SYSTEMD_UNIT="session-2.scope", _SYSTEMD_USER_UNIT="app.service")) == "session-2.scope"
    assert subject_unit(get(_SYSTEMD_UNIT="user@x.service", _SYSTEMD_USER_UNIT="app.service")) == "user@x.service"
    # a rootless dockerd's container stays a container of the manager
    assert subject_unit(get(**own, _SYSTEMD_USER_UNIT="docker.service", _COMM="dockerd", CONTAINER_NAME="web")) \
        == "user@1000.service/web"

    assert user_unit_of("user@1000.service/pipewire.service") == (MANAGER, "pipewire.service")
    assert container_of("user@1000.service/pipewire.service") is None
    assert container_of("user@1000.service/web") == (MANAGER, "web") and user_unit_of("user@1000.service/web") is None
    assert parent_of("user@1000.service/pipewire.service") == parent_of("user@1000.service/web") == MANAGER
    assert parent_of("docker.service/pipewire.service") == "docker.service"  # (a container's name may end so)
    assert parent_of(MANAGER) is None
    assert unit_terms("user@1000.service/app.service") == (
        {"_SYSTEMD_UNIT": MANAGER, "_SYSTEMD_USER_UNIT": "app.service"},
        {"_SYSTEMD_UNIT": MANAGER, "_SYSTEMD_USER_UNIT": "init.scope", "USER_UNIT": "app.service"})


def test_a_user_unit_is_never_restarted_and_a_watch_of_its_manager_covers_it() -> None:
    assert not Policy(dry_run=True).restartable("user@1000.service/app.service")
    reason = not_restarted("user@1000.service/app.service")
    assert "app.service of user@1000.service, a user's own service" in reason and "not restarted" in reason
    watch = Watch(units=("user@*.service",), actions=("alert",))
    assert watch.takes("user@1000.service/app.service") and watch.takes(MANAGER)
    assert not Watch(units=("app.service",), actions=("alert",)).takes("user@1000.service/app.service")


def session(at: float = 0.0) -> list[dict[str, Any]]:
    """A desktop session: pipewire's warnings, gnome-shell's JS errors (300 in 50 min), then a user's own Haskell
    daemon deadlocks."""
    records = []
    for i in range(300):
        records.append(user(f"spa.alsa: front:0p: (0 suspended) xrun of {i} samples", at + i * 10.0,
                            "pipewire.service", priority=4))
        records.append(user(f"JS ERROR: TypeError: this._window is null {i}", at + i * 10.0 + 1,
                            "org.gnome.Shell@wayland.service", priority=3))
    records.append(user(DEADLOCK, at + 3001, "myhaskell.service", priority=3))
    return records


def test_each_user_unit_is_its_own_unit_read_in_full_or_through_the_scanner(tmp_path: Path) -> None:
    journal = write_journal(tmp_path, "session", [*session(), manager("Stopped myhaskell.service.", 3002.0,
                                                                      "myhaskell.service")])
    runs = [item for item in screened_items(journal) if isinstance(item, ScreenedRun)]
    spans = {split_host_unit(key)[1] for run in runs for key in run.units}
    assert "user@1000.service/pipewire.service" in spans, spans  # composed in C
    events = assert_same_events(SHIPPED, files=[journal])
    incidents = [event for event in events if event["type"] == "incident"]
    deadlock = [event for event in incidents if event["rule"] == "ghc-mvar-deadlock"]
    assert [event["unit"] for event in deadlock] == ["user@1000.service/myhaskell.service"]
    assert not deadlock[0]["chain"], deadlock  # not one failure with gnome-shell's errors
    assert all(event["unit"] != MANAGER for event in events if "unit" in event)

    result = run_cli("scan", "--file", str(journal), "-u", "user@1000.service/pipewire.service", "-o", "json")
    assert result.exit_code == 0, result.output
    [summary] = [event for event in json_events(result) if event["type"] == "summary"]
    assert summary["entries"] == 300
    result = run_cli("scan", "--file", str(journal), "-u", "user@1000.service/myhaskell.service")
    assert "_SYSTEMD_USER_UNIT=myhaskell.service" in result.output  # the incident's journalctl command
    card = " ".join(result.output.replace("│", " ").split())  # the card says why its rule's restart is not done
    assert "action: alert (dry run): rule suggests a restart, but user@1000.service/myhaskell.service is " \
           "myhaskell.service of user@1000.service, a user's own service" in card, card
    glob = run_cli("scan", "--file", str(journal), "-u", "user@1000.service/*", "-o", "json")
    [summary] = [event for event in json_events(glob) if event["type"] == "summary"]
    assert summary["entries"] == 602  # every user unit's, and the manager's line about one
    whole = run_cli("scan", "--file", str(journal), "-u", MANAGER, "-o", "json")
    [summary] = [event for event in json_events(whole) if event["type"] == "summary"]
    assert summary["entries"] == 602  # journalctl -u user@1000.service: the manager's and every unit's
    typo = run_cli("scan", "-D", str(tmp_path), "-u", "user@1000.service/pipewier.service")
    assert "did you mean user@1000.service/pipewire.service" in typo.stderr, typo.stderr
    bare = run_cli("scan", "-D", str(tmp_path), "-u", "pipewire")  # journalctl --user-unit's name: its subject
    assert "no entry of pipewire.service in this journal (did you mean user@1000.service/pipewire.service?)" \
        in bare.stderr, bare.stderr
    copied = run_cli("scan", "--file", str(journal), "-u", "pipewire")  # a journal file is read as a journal is
    assert "no entry of pipewire.service in this journal (did you mean user@1000.service/pipewire.service?)" \
        in copied.stderr, copied.stderr


def test_the_user_managers_stop_is_no_silence_and_its_units_own_word_is_not_the_managers(tmp_path: Path) -> None:
    """A day of a user unit logging every 10 s (a rhythm trusted), then its manager stops it ("Stopped
    app.service.", the manager's own line), or ends with the session (PID 1: "Stopped user@1000.service"): no
    silence. The same words from the unit's own process, or with no word, it is silent."""
    day = 86_400
    ticks = [user(f"tick {n}", n * 10.0, "app.service") for n in range(day // 10 + 10)]
    end = day + 100.0
    later = [entry(f"later {i}", unit="later.service", at=end + 1 + 600 * i) for i in range(7)]

    def silent(stops: list[dict[str, Any]], name: str) -> set[str]:
        journal = write_journal(tmp_path, name, [*ticks, *stops, *later])
        return {event["unit"] for event in assert_same_events(SHIPPED, files=[journal])
                if event["type"] == "incident" and event["rule"] == "unit-went-silent"}

    assert silent([manager("Stopped app.service.", end, "app.service")], "stopped") == set()
    assert silent([entry("Stopped user@1000.service - User Manager for UID 1000.", unit="init.scope", at=end,
                         _PID="1", UNIT=MANAGER, MESSAGE_ID=UNIT_STOPPED)], "logout") == set()
    forged = user("Stopped app.service.", end, "app.service", USER_UNIT="app.service", MESSAGE_ID=UNIT_STOPPED)
    assert silent([forged], "forged") == {"user@1000.service/app.service"}
    other_user = dict(manager("Stopped app.service.", end, "app.service"), _SYSTEMD_UNIT="user@1001.service")
    assert silent([other_user], "other") == {"user@1000.service/app.service"}
    assert silent([], "none") == {"user@1000.service/app.service"}
    # systemd 249+: a user manager says "Deactivated successfully" at debug only; a unit that exits on its own
    # leaves its account of the run at info, written when the run ended: no silence (a new user's trial, F26)
    consumed = manager("app.service: Consumed 1min 2.345s CPU time.", end, "app.service",
                       "ae8f7b866b0347b9af31fe1c80b127c0")
    assert silent([user("all done, exiting", end - 1, "app.service"), consumed], "exited") == set()
    assert silent([dict(consumed, _SYSTEMD_USER_UNIT="app.service", _PID="2000")], "its own words") == \
        {"user@1000.service/app.service"}


def test_a_user_units_failure_comes_with_its_own_last_lines(tmp_path: Path) -> None:
    """The manager says app.service failed (systemd-user-unit-failure); the card quotes app.service's own last
    lines, read back from the journal by its user unit, not another of the session's units' lines."""
    write_journal(tmp_path, "failed", [
        user("connecting to db at 10.0.0.5:5432", 1.0, "app.service"),
        user("giving up: db unreachable after 3 tries", 2.0, "app.service"),
        user("spa.alsa: xrun", 2.5, "pipewire.service", priority=4), *app_failed(3.0)])
    result = run_cli("scan", "-D", str(tmp_path), "-o", "json")
    assert result.exit_code == 0, result.output
    [end] = [event for event in json_events(result) if event["type"] == "incident_end"
             and event["rule"] == "systemd-user-unit-failure"]
    assert end["unit"] == "user@1000.service/app.service"
    assert [line["message"] for line in end.get("last_lines", [])] == [
        "connecting to db at 10.0.0.5:5432", "giving up: db unreachable after 3 tries"], end
    # the card says how its main process ended (the manager's line, as PID 1's for a system unit), and an export
    # dump's card quotes the same last lines (kept while reading: the manager's own lines are not the program's)
    dump = tmp_path / "failed.export"
    dump.write_bytes(subprocess.run(["journalctl", "-D", str(tmp_path), "-o", "export"], capture_output=True,
                                    check=True).stdout)
    for given in (["-D", str(tmp_path)], ["--file", str(dump)]):
        card = " ".join(run_cli("scan", *given, "--no-anomalies").output.replace("│", " ").split())
        assert "main process: exited with status 1/FAILURE" in card, (given, card)
        quoted = card.partition("its program's last lines before it: ")[2].split()
        assert " ".join(quoted[:11]) == f"{quoted[0]} connecting to db at 10.0.0.5:5432 {quoted[6]} giving up: db " \
            "unreachable", (given, card)



def test_a_user_units_journalctl_command_shows_its_failure_and_its_own_lines(tmp_path: Path) -> None:
    """The incident's command, run by the real journalctl, shows what the card is about: the manager's failure
    line (which carries _SYSTEMD_USER_UNIT=init.scope, so `_SYSTEMD_USER_UNIT=app.service` alone showed
    "-- No entries --") and app.service's own lines, not the session's other units'."""
    write_journal(tmp_path, "failed", [
        user("giving up: db unreachable after 3 tries", 2.0, "app.service"),
        user("spa.alsa: xrun", 2.5, "pipewire.service", priority=4), *app_failed(3.0),
        manager("pipewire.service: Failed with result 'exit-code'.", 3.2, "pipewire.service",
                "d9b373ed55a64feb8242e02dbe79a49c")])
    result = run_cli("scan", "-D", str(tmp_path), "-o", "json")
    assert result.exit_code == 0, result.output
    [incident] = [event for event in json_events(result) if event["type"] == "incident"
                  and event["unit"] == "user@1000.service/app.service"]
    command = shlex.split(incident["journalctl"])
    assert command[0] == "journalctl" and "+" in command, command
    shown = subprocess.run([*command, "-o", "cat"], capture_output=True, text=True, check=True)
    assert "app.service: Failed with result 'exit-code'." in shown.stdout.splitlines(), shown
    assert "pipewire" not in shown.stdout, shown
    # the unit's own lines are in the command's terms too (its span aside)
    wider = subprocess.run([*command, "--since", "@0", "--until", "@99999999999", "-o", "cat"], capture_output=True,
                           text=True, check=True)
    assert wider.stdout.splitlines() == ["giving up: db unreachable after 3 tries",
                                         "app.service: Main process exited, code=exited, status=1/FAILURE",
                                         "app.service: Failed with result 'exit-code'."], wider

MANAGER_STAND_IN = """import os, socket, sys, time
# A user manager's stand-in (Delegate=yes): the unit's process moves into app.slice/UNIT below the manager's cgroup,
# where systemd --user would run it; journald then sets _SYSTEMD_USER_UNIT=UNIT from that cgroup.
# systemd's own hierarchies: cgroup v2's unified one (at /sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1's in
# hybrid mode) and v1's name=systemd: the process moves in each it is in
for _, name, path in (line.split(":", 2) for line in open("/proc/self/cgroup").read().splitlines()):
    roots = {"": ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"), "name=systemd": ("/sys/fs/cgroup/systemd",)}
    for root in roots.get(name, ()):
        if os.path.exists(root + path + "/cgroup.procs"):
            unit = os.path.join(root + path, "app.slice", "myhaskell.service")
            os.makedirs(unit, exist_ok=True)
            open(os.path.join(unit, "cgroup.procs"), "w").write(str(os.getpid()))
            break

def send(message, **fields):
    fields = {"MESSAGE": message, "PRIORITY": "3", "SYSLOG_IDENTIFIER": "myhaskell", **fields}
    data = "".join(f"{key}={value}\\n" for key, value in fields.items()).encode()
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(data, "/run/systemd/journal/socket")

send("started", PRIORITY="6")
while not os.path.exists("/share/deadlock"):
    time.sleep(0.1)
send(LINE)
time.sleep(3600)
""".replace("LINE", repr(DEADLOCK))

USER_MANAGER_UNIT = """[Unit]
DefaultDependencies=no
[Service]
Delegate=yes
ExecStart=/usr/bin/python3 /share/manager.py
"""


def test_a_real_journald_files_a_user_units_line_and_logsentry_never_restarts_it(tmp_path: Path) -> None:
    box = Sandbox({"user@1000.service": USER_MANAGER_UNIT})
    proc = None
    try:
        (box.dir / "share" / "manager.py").write_text(MANAGER_STAND_IN)
        box.run("start", MANAGER)
        wait_until(lambda: box.show(MANAGER, "ActiveState") == "active", 15, "the user manager")
        first = box.show(MANAGER, "InvocationID")
        proc, alerts, log = start_logsentry(box, tmp_path, "", units=("user@*.service",))  # restart and alert
        (box.dir / "share" / "deadlock").write_text("")

        def alerted() -> list[dict[str, Any]]:
            # whole lines only: the command channel's write may be under way
            return [json.loads(line) for line in alerts.read_text().split("\n")[:-1] if line.strip()] \
                if alerts.exists() else []

        try:
            wait_until(lambda: any(a.get("rule") == "ghc-mvar-deadlock" for a in alerted()), 30, "the deadlock alert")
        except AssertionError as error:
            raise AssertionError(f"{error}; logsentry's log:\n{log.read_text()[-3000:]}") from None
        [alert] = [a for a in alerted() if a.get("rule") == "ghc-mvar-deadlock"]
        assert alert["unit"] == "user@1000.service/myhaskell.service", alert
        journal = subprocess.run(["journalctl", "-D", str(box.journal), "-o", "json", "--no-pager",
                                  "SYSLOG_IDENTIFIER=myhaskell"], capture_output=True, text=True, check=False).stdout
        fields = [json.loads(line) for line in journal.splitlines()]
        assert {(f["_SYSTEMD_UNIT"], f["_SYSTEMD_USER_UNIT"]) for f in fields} == {(MANAGER, "myhaskell.service")}
        time.sleep(3)
        assert box.show(MANAGER, "InvocationID") == first  # the manager was not restarted
        assert "myhaskell.service of user@1000.service, a user's own service" in alert["reason"], alert["reason"]
        assert "not restarted" in alert["reason"] and "restarted user@" not in log.read_text()
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        box.close()


def test_a_pasted_user_units_failure_is_its_managers(tmp_path: Path) -> None:
    """`journalctl --user -u app` pasted: the user manager's lines are `systemd[900]:`, read as its journal entry
    is (the user rule, not PID 1's), with how its main process ended and the program's last lines."""
    paste = tmp_path / "user.txt"
    paste.write_text(
        "2026-12-04T05:01:40+0000 box1 systemd[900]: Starting app.service - App...\n"
        "2026-12-04T05:01:40+0000 box1 app[1600]: app starting\n"
        "2026-12-04T05:01:41+0000 box1 app[1600]: fatal: cannot bind socket\n"
        "2026-12-04T05:01:41+0000 box1 systemd[900]: app.service: Main process exited, code=exited, "
        "status=1/FAILURE\n"
        "2026-12-04T05:01:41+0000 box1 systemd[900]: app.service: Failed with result 'exit-code'.\n")
    result = run_cli("scan", "--file", str(paste), "--no-anomalies", "-o", "json")
    assert [(event["rule"], event["unit"]) for event in json_events(result) if event["type"] == "incident"] == [
        ("systemd-user-unit-failure", "(app.service)")], result.output
    card = " ".join(run_cli("scan", "--file", str(paste), "--no-anomalies").output.replace("│", " ").split())
    assert "main process: exited with status 1/FAILURE" in card and "fatal: cannot bind socket" in card, card


def test_a_user_managers_giving_up_on_a_unit_pages_again_as_critical(tmp_path: Path) -> None:
    """A user's daemon in a crash loop: the runs' failures are one error incident, and the manager giving up
    ("Start request repeated too quickly.") pages again, critical, as PID 1's does for a system unit (it was folded
    into the error: helper-165's trial, F13)."""
    failed = "d9b373ed55a64feb8242e02dbe79a49c"
    lines = []
    for run in range(5):
        at = run * 2.0
        lines += [user("fatal: cannot bind socket", at, "app.service", priority=3),
                  manager("app.service: Main process exited, code=exited, status=1/FAILURE", at + 0.1, "app.service",
                          "98e322203f7a4ed290d09fe03c09fe15"),
                  manager("app.service: Failed with result 'exit-code'.", at + 0.2, "app.service", failed)]
    lines += [manager("app.service: Start request repeated too quickly.", 10.0, "app.service", ""),
              manager("app.service: Failed with result 'start-limit-hit'.", 10.1, "app.service", failed)]
    write_journal(tmp_path, "loop", [{key: value for key, value in line.items() if value != ""} for line in lines])
    result = run_cli("scan", "-D", str(tmp_path), "--no-anomalies", "-o", "json")
    incidents = [(event["rule"], event["severity"]) for event in json_events(result) if event["type"] == "incident"]
    assert incidents[-1] == ("systemd-user-start-limit-hit", "critical"), incidents
    assert [severity for _, severity in incidents].count("critical") == 1, incidents


def test_a_name_its_lines_gave_themselves_is_said_to_be_one() -> None:
    """A text's `(myapp.service)` (or an identifier with no unit) is not restarted for being no unit at all: the card
    said it "is not a restartable unit", which read as if myapp.service could not be restarted (helper-190)."""
    reason = not_restarted("(myapp.service)")
    assert "a name its lines give themselves" in reason and "not a restartable unit" not in reason, reason
    assert "not a restartable unit" in not_restarted("dev-sda.device")


def test_a_user_managers_refusal_of_a_unit_file_is_paged(tmp_path: Path) -> None:
    """A developer's user unit with two ExecStart= lines never starts; its manager says so as PID 1 does of a system
    unit (service.c service_verify), and systemd-unit-bad-setting reads PID 1's lines only (helper-220): now
    systemd-user-unit-bad-setting's. In a journal (the manager's own init.scope) and in a paste (`systemd[900]:`)."""
    refused = ("app.service: Service has more than one ExecStart= setting, which is only allowed for Type=oneshot "
               "services. Refusing.")
    write_journal(tmp_path, "refused", [manager(refused, 1.0, "app.service", "")])
    result = run_cli("scan", "-D", str(tmp_path), "--no-anomalies", "-o", "json")
    assert [(event["rule"], event["unit"]) for event in json_events(result) if event["type"] == "incident"] == [
        ("systemd-user-unit-bad-setting", "user@1000.service/app.service")], result.output
    paste = tmp_path / "user.txt"
    paste.write_text(f"2026-12-04T05:01:40+0000 box1 systemd[900]: {refused}\n")
    result = run_cli("scan", "--file", str(paste), "--no-anomalies", "-o", "json")
    assert [event["rule"] for event in json_events(result) if event["type"] == "incident"] == [
        "systemd-user-unit-bad-setting"], result.output
